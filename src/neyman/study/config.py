"""The study config: a validated declaration of data, split, methods and evaluation.

Read by :func:`load_config` from YAML (``yaml.safe_load``; nothing in it is executed) and
validated by pydantic. An unknown key is an error that names the nearest valid key.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neyman._util.yamlsafe import load_yaml
from neyman.errors import ConfigError, short
from neyman.models.constraints import check_param
from neyman.models.params import param_spec

__all__ = [
    "METHODS",
    "METHOD_NAME",
    "NEGATIVE_WEIGHT_POLICIES",
    "STUDY_SET_PARAMS",
    "DataConfig",
    "EvaluationConfig",
    "FitConfig",
    "MethodConfig",
    "SourceConfig",
    "SplitConfig",
    "StudyConfig",
    "load_config",
    "parse_config",
    "validate_engine",
    "validate_expressions",
    "validate_methods",
]

#: short method names accepted in ``methods[].model`` -> class in :mod:`neyman.models`
METHODS: dict[str, str] = {
    "cuts": "RectangularCuts",
    "fisher": "FisherDiscriminant",
    "logistic": "LogisticRegression",
    "likelihood": "HistogramLikelihoodRatio",
    "histogram": "HistogramLikelihoodRatio",
    "knn": "KNNClassifier",
    "bdt": "BDTClassifier",
    "mlp": "MLPClassifier",
}

#: names that become directory names (``models/<name>/``): no separators, no leading dot
METHOD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

#: which negative-weight policies each model class trains with correctly. ``drop`` and
#: ``abs`` leave only non-negative weights, which every method accepts; ``keep`` needs a
#: loss or estimate that stays meaningful with signed weights (a weighted sum, a gradient
#: times the weight). scikit-learn's logistic regression minimises a convex loss that is
#: unbounded below once weights are negative, so it is refused rather than trusted.
NEGATIVE_WEIGHT_POLICIES: dict[str, tuple[str, ...]] = {
    "RectangularCuts": ("keep", "drop", "abs"),
    "FisherDiscriminant": ("keep", "drop", "abs"),
    "LogisticRegression": ("drop", "abs"),
    "HistogramLikelihoodRatio": ("keep", "drop", "abs"),
    "KNNClassifier": ("keep", "drop", "abs"),
    "BDTClassifier": ("keep", "drop", "abs"),
    "MLPClassifier": ("keep", "drop", "abs"),
}

#: parameters the study sets itself from ``data``; ``methods[].params`` may repeat them only
#: with the same value
STUDY_SET_PARAMS: dict[str, str] = {
    "negative_weights": "set data.negative_weights (keep | drop | abs) once for every method",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceConfig(_Strict):
    """One event file: path, tree (ROOT) and an optional per-source selection."""

    path: Path
    tree: str | None = None
    selection: str | None = None


class DataConfig(_Strict):
    """Where events come from: signal and background files, one labelled file, or built-in."""

    signal: SourceConfig | None = None
    background: SourceConfig | None = None
    file: SourceConfig | None = None
    label: str = "label"
    builtin: str | None = None
    builtin_options: dict[str, Any] = Field(default_factory=dict)
    features: list[str] | None = None
    weight: str | None = None
    negative_weights: Literal["keep", "drop", "abs"] = "keep"
    normalise: Literal["classes", "none"] = "classes"
    truth: str | None = None
    truth_kind: Literal["llr", "lr", "probability"] = "llr"
    missing: Literal["drop"] | dict[str, float] | None = None
    selection: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        kinds = [
            self.signal is not None or self.background is not None,
            self.file is not None,
            self.builtin is not None,
        ]
        if sum(kinds) != 1:
            msg = "data needs exactly one of: signal + background, file (+ label), or builtin"
            raise ValueError(msg)
        if kinds[0] and (self.signal is None or self.background is None):
            msg = "data needs both signal and background files"
            raise ValueError(msg)
        if self.builtin is None and self.features is None:
            msg = "data.features must list the feature columns to use"
            raise ValueError(msg)
        if self.features is not None:
            dup = sorted({f for f in self.features if self.features.count(f) > 1})
            if dup:
                msg = f"data.features lists {', '.join(map(repr, dup))} more than once"
                raise ValueError(msg)
        if isinstance(self.missing, dict) and self.features is not None:
            unknown = [k for k in self.missing if k not in self.features]
            if unknown:
                msg = (
                    f"data.missing names {short(unknown[0])!r}, which is not a feature"
                    f"{_hint(unknown[0], self.features)}"
                )
                raise ValueError(msg)
        if self.builtin is not None and (self.truth is not None or self.missing is not None):
            msg = (
                "data.truth and data.missing are for file inputs; built-in problems carry their own"
            )
            raise ValueError(msg)
        return self


class SplitConfig(_Strict):
    """Event fractions for validation and test; the rest trains."""

    val: float = Field(0.2, ge=0.0, lt=1.0)
    test: float = Field(0.3, gt=0.0, lt=1.0)
    random_state: int = 42


class MethodConfig(_Strict):
    """One method: a label, a model (short name or class name) and its hyperparameters."""

    name: str
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    features: list[str] | None = None

    @model_validator(mode="after")
    def _known_model(self) -> MethodConfig:
        if not METHOD_NAME.fullmatch(self.name):
            msg = (
                f"method name {short(self.name)!r} becomes a directory name; use letters, "
                "digits, '_', '.' and '-', starting with a letter or digit (e.g. 'bdt_deep')"
            )
            raise ValueError(msg)
        valid = {*METHODS, *METHODS.values()}
        if self.model not in valid:
            close = difflib.get_close_matches(self.model, sorted(valid), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            msg = f"unknown model '{self.model}'{hint} (valid: {', '.join(METHODS)})"
            raise ValueError(msg)
        return self

    @property
    def class_name(self) -> str:
        """The :mod:`neyman.models` class this method uses."""
        return METHODS.get(self.model, self.model)


class FitConfig(_Strict):
    """``evaluation.fit``: the expected binned fit of each method's score (needs pyhf)."""

    enabled: bool = True
    background_uncertainty: float = Field(0.0, ge=0.0, le=1.0)
    mc_stat: bool = True
    bins: int = Field(10, ge=1, le=1000)
    min_background: float = Field(1.0, ge=0.0)
    min_background_events: int = Field(10, ge=0)


class EvaluationConfig(_Strict):
    """How methods are compared, and what the report computes from the scores.

    ``luminosity_scale`` multiplies the raw weights for the physics yields (significance,
    fit); ``figure_of_merit`` is ``asimov`` (optionally with a relative
    ``background_uncertainty``), ``s/sqrt(b)`` or ``s/sqrt(s+b)``.
    """

    efficiencies: list[float] = Field(default_factory=lambda: [0.3, 0.5, 0.7])
    reference: str | None = None
    bootstrap: int = Field(200, ge=0)
    overtraining_p: float = Field(0.05, gt=0.0, lt=1.0)
    log_scores: bool = False
    luminosity_scale: float = Field(1.0, gt=0.0)
    figure_of_merit: Literal["asimov", "s/sqrt(b)", "s/sqrt(s+b)"] = "asimov"
    background_uncertainty: float = Field(0.0, ge=0.0, le=1.0)
    min_background: float = Field(1.0, ge=0.0)
    fit: FitConfig = Field(default_factory=FitConfig)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _uncertainty_needs_asimov(self) -> EvaluationConfig:
        if self.background_uncertainty and self.figure_of_merit != "asimov":
            msg = (
                f"background_uncertainty applies to the asimov figure of merit, not "
                f"{self.figure_of_merit!r}; set figure_of_merit: asimov or remove it"
            )
            raise ValueError(msg)
        return self


class StudyConfig(_Strict):
    """A whole study."""

    name: str = "study"
    data: DataConfig
    split: SplitConfig = Field(default_factory=SplitConfig)  # type: ignore[arg-type]
    methods: list[MethodConfig]
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)  # type: ignore[arg-type]
    random_state: int = 42
    #: where files are read and BDTs/MLPs trained: this process, or Dask (neyman.study.engines)
    engine: Literal["local", "dask"] = "local"

    @model_validator(mode="after")
    def _unique_names(self) -> StudyConfig:
        names = [m.name for m in self.methods]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            msg = f"method names must be unique; repeated: {', '.join(dup)}"
            raise ValueError(msg)
        if not names:
            msg = "methods is empty; list at least one method"
            raise ValueError(msg)
        for m in self.methods:
            if m.features is not None and self.data.features is not None:
                extra = [f for f in m.features if f not in self.data.features]
                if extra:
                    msg = (
                        f"method '{m.name}' uses feature {short(extra[0])!r}, which is not in "
                        f"data.features{_hint(extra[0], self.data.features)}"
                    )
                    raise ValueError(msg)
        ref = self.evaluation.reference
        if ref is not None and ref not in names and ref != "optimum":
            msg = f"evaluation.reference '{ref}' is not a method (methods: {', '.join(names)})"
            raise ValueError(msg)
        return self


def _hint(name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _method_error(source: str, index: int, text: str, **attrs: Any) -> ConfigError:
    return ConfigError(f"{source}: methods.{index}: {text}", **attrs)


def validate_expressions(cfg: StudyConfig, *, source: str = "config") -> None:
    """Parse every feature and selection with the one restricted evaluator (no file read).

    Raises a one-line :class:`~neyman.errors.ConfigError` with ``key`` the config key
    (``data.features.<i>``, ``data.selection``, ``data.signal.selection``...).
    """
    from neyman.data import parse_expression

    d = cfg.data
    items: list[tuple[str, str]] = [
        (f"data.features.{i}", f) for i, f in enumerate(d.features or [])
    ]
    if d.selection is not None:
        items.append(("data.selection", d.selection))
    for role in ("signal", "background", "file"):
        src = getattr(d, role)
        if src is not None and src.selection is not None:
            items.append((f"data.{role}.selection", src.selection))
    for key, text in items:
        try:
            parse_expression(text)
        except ConfigError as exc:
            msg = f"{source}: {key}: {exc}"
            raise ConfigError(msg, key=key, value=short(text)) from None


def validate_methods(cfg: StudyConfig, *, source: str = "config") -> None:
    """Check every method's parameters and weight policy before any file is read.

    Each ``params`` entry must be a parameter of the method's estimator and satisfy that
    estimator's parameter table (:mod:`neyman.models.params`, read without importing the
    estimator; :func:`neyman.models.constraints.check_param`); the data's
    ``negative_weights`` policy must be one the method supports
    (:data:`NEGATIVE_WEIGHT_POLICIES`). The first problem raises a one-line
    :class:`~neyman.errors.ConfigError` whose ``key`` is ``methods.<i>.params.<name>`` (or
    ``data.negative_weights``).
    """
    for i, m in enumerate(cfg.methods):
        names, table = param_spec(m.class_name)
        valid = list(names)
        for name, value in m.params.items():
            key = f"methods.{i}.params.{name}"
            if name in STUDY_SET_PARAMS and value != getattr(cfg.data, name, None):
                text = (
                    f"method '{m.name}' sets {name}={short(value)!r}, unlike data.{name} "
                    f"({getattr(cfg.data, name, None)!r}); {STUDY_SET_PARAMS[name]}"
                )
                raise _method_error(source, i, text, key=key, value=short(value))
            if name not in valid:
                text = (
                    f"method '{m.name}' ({m.class_name}) has no parameter {short(name)!r}"
                    f"{_hint(name, valid)} (valid: {', '.join(valid)})"
                )
                raise _method_error(source, i, text, key=key, available=valid)
            if name in table:
                try:
                    check_param(m.class_name, name, value, table[name])
                except ConfigError as exc:
                    text = f"method '{m.name}': {short(str(exc), 400)}"
                    raise _method_error(source, i, text, key=key, value=short(value)) from None
    policy = cfg.data.negative_weights
    if cfg.data.weight is None:
        return
    refused = [
        m.name
        for m in cfg.methods
        if policy not in NEGATIVE_WEIGHT_POLICIES.get(m.class_name, ("drop", "abs"))
    ]
    if refused:
        msg = (
            f"{source}: data.negative_weights: {policy!r} is not supported by "
            f"{', '.join(refused)}; use 'drop' or 'abs', or remove those methods"
        )
        raise ConfigError(msg, key="data.negative_weights", value=policy, available=refused)


def validate_engine(cfg: StudyConfig, *, source: str = "config") -> None:
    """Check that ``engine: dask`` can run this config (files, weights, MLP settings).

    See :func:`neyman.study.engines.check_streamable`; the message is prefixed by ``source``.
    """
    if cfg.engine != "dask":
        return
    from neyman.study.engines import check_streamable

    try:
        check_streamable(cfg, ddp=False, dask=True)
    except ConfigError as exc:
        msg = f"{source}: {exc}"
        raise ConfigError(msg, key=exc.key, value=exc.value) from None


def _model_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The valid keys at a location of the config, for 'did you mean'."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        nxt = None
        for c in candidates:
            inner = getattr(c, "__args__", ())
            for x in (c, *inner):
                if isinstance(x, type) and issubclass(x, BaseModel):
                    nxt = x
        if nxt is None:
            return []
        current = nxt
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def parse_config(doc: Any, *, source: str = "config") -> StudyConfig:
    """Validate a config mapping; raise ConfigError with one line naming the problem."""
    if not isinstance(doc, dict):
        msg = f"{source}: a study config must be a mapping with data, methods, ...; got {type(doc).__name__}"
        raise ConfigError(msg)
    try:
        cfg = StudyConfig.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "config"
        if err["type"] == "extra_forbidden":
            valid = _model_fields(StudyConfig, loc)
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            msg = f"{source}: unknown key '{where}'{hint} (valid here: {', '.join(valid)})"
        else:
            text = str(err["msg"]).removeprefix("Value error, ")
            msg = f"{source}: {where}: {text}"
        raise ConfigError(msg, key=where) from None
    validate_expressions(cfg, source=source)
    validate_methods(cfg, source=source)
    validate_engine(cfg, source=source)
    return cfg


def load_config(path: Path) -> StudyConfig:
    """Read and validate a YAML study config (``yaml.safe_load``: nothing is executed)."""
    if not path.is_file():
        msg = f"study config not found: {path}"
        raise ConfigError(msg)
    doc = load_yaml(path)  # safe_load + duplicate keys, alias, size and depth bounds
    cfg = parse_config(doc, source=str(path))
    base = path.parent
    for src in (cfg.data.signal, cfg.data.background, cfg.data.file):
        if src is not None and not src.path.is_absolute():
            src.path = base / src.path
    opt_path = cfg.data.builtin_options.get("path")
    if isinstance(opt_path, str) and not Path(opt_path).is_absolute():
        cfg.data.builtin_options["path"] = str(base / opt_path)
    return cfg
