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
from neyman.errors import ConfigError, did_you_mean, short
from neyman.models.constraints import check_param
from neyman.models.params import param_spec

__all__ = [
    "METHODS",
    "METHOD_NAME",
    "NEGATIVE_WEIGHT_POLICIES",
    "PARTICLE_METHODS",
    "STUDY_SET_PARAMS",
    "DataConfig",
    "EvaluationConfig",
    "FitConfig",
    "MethodConfig",
    "ParticlesConfig",
    "SourceConfig",
    "SplitConfig",
    "StudyConfig",
    "load_config",
    "parse_config",
    "validate_builtin",
    "validate_columns",
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
    "particle_set": "ParticleSetClassifier",
}

#: model classes that read ``data.particles`` (jagged constituents) instead of features
PARTICLE_METHODS = ("ParticleSetClassifier",)

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
    "ParticleSetClassifier": ("keep", "drop", "abs"),
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


class ParticlesConfig(_Strict):
    """``data.particles``: jagged constituent columns read as the input of particle-set methods.

    Each jet's first ``max_particles`` entries of the four jagged columns (``pt`` and ``e``
    in GeV) are read as the flat expressions ``pt[0], eta[0], phi[0], e[0], pt[1], ...``
    (:attr:`columns`), an empty slot filled with 0 (a particle with ``pt <= 0`` is padding).
    The particle-set method computes its inputs relative to the jet axis from them
    (:func:`neyman.data.constituents.particle_inputs`), in the study and in ``neyman apply``
    alike. The files ``neyman generate jets`` writes hold ``part_pt, part_eta, part_phi,
    part_e``, the defaults.
    """

    pt: str = "part_pt"
    eta: str = "part_eta"
    phi: str = "part_phi"
    e: str = "part_e"
    max_particles: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _distinct(self) -> ParticlesConfig:
        names = [self.pt, self.eta, self.phi, self.e]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            msg = f"data.particles names the column {dup[0]!r} twice; give pt, eta, phi and e"
            raise ValueError(msg)
        return self

    @property
    def columns(self) -> list[str]:
        """The flat expressions read, particle by particle: ``pt[0], eta[0], phi[0], e[0], ...``."""
        names = (self.pt, self.eta, self.phi, self.e)
        return [f"{n}[{i}]" for i in range(self.max_particles) for n in names]


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
    particles: ParticlesConfig | None = None

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
        if self.builtin is None and self.features is None and self.particles is None:
            msg = "data.features must list the feature columns to use"
            raise ValueError(msg)
        if self.particles is not None and self.builtin is not None:
            msg = "data.particles reads jagged columns of files; built-in problems have none"
            raise ValueError(msg)
        if self.particles is not None and self.missing == "drop":
            msg = (
                "data.missing: drop would drop every jet with fewer than "
                "data.particles.max_particles particles; give fill values per feature instead"
            )
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

    @property
    def columns(self) -> list[str]:
        """Every column read per event: ``features``, then ``particles.columns``."""
        particles = [] if self.particles is None else self.particles.columns
        return [*(self.features or []), *particles]

    @property
    def read_missing(self) -> Literal["drop"] | dict[str, float] | None:
        """The missing-value policy of the read: ``missing``, and 0 for empty particle slots."""
        if self.particles is None:
            return self.missing
        fills = dict(self.missing) if isinstance(self.missing, dict) else {}
        return {**fills, **dict.fromkeys(self.particles.columns, 0.0)}


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

    @property
    def reads_particles(self) -> bool:
        """Whether the method reads ``data.particles`` rather than features."""
        return self.class_name in PARTICLE_METHODS


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
            if m.reads_particles:
                _check_particle_method(m, self.data)
                continue
            if self.data.builtin is None and not self.data.features and not m.features:
                msg = f"method '{m.name}' ({m.class_name}) reads features; list data.features"
                raise ValueError(msg)
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


def _check_particle_method(m: MethodConfig, data: DataConfig) -> None:
    """A particle-set method reads ``data.particles``, with at most its ``max_particles``."""
    if data.particles is None:
        msg = (
            f"method '{m.name}' ({m.class_name}) reads jet constituents; add data.particles "
            "(pt, eta, phi, e column names and max_particles)"
        )
        raise ValueError(msg)
    if m.features is not None:
        msg = f"method '{m.name}' ({m.class_name}) reads data.particles; remove its features"
        raise ValueError(msg)
    wanted = m.params.get("max_particles", data.particles.max_particles)
    if isinstance(wanted, int) and wanted > data.particles.max_particles:
        msg = (
            f"method '{m.name}' asks for max_particles={wanted}, more than the "
            f"{data.particles.max_particles} that data.particles.max_particles reads"
        )
        raise ValueError(msg)


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
    from neyman.data import parse_expression, parse_selection

    d = cfg.data
    items: list[tuple[str, str]] = [
        (f"data.features.{i}", f) for i, f in enumerate(d.features or [])
    ]
    if d.particles is not None:
        for key in ("pt", "eta", "phi", "e"):
            items.append((f"data.particles.{key}", f"{getattr(d.particles, key)}[0]"))
    if d.selection is not None:
        items.append(("data.selection", d.selection))
    for role in ("signal", "background", "file"):
        src = getattr(d, role)
        if src is not None and src.selection is not None:
            items.append((f"data.{role}.selection", src.selection))
    for key, text in items:
        try:
            (parse_selection if key.endswith("selection") else parse_expression)(text)
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


def validate_columns(cfg: StudyConfig, *, source: str = "config") -> None:
    """Refuse a feature that is, or reads, the label, weight or truth column (as Dataset does).

    The label is a column only for one labelled ``data.file``; signal and background files
    are labelled by where they come from.
    """
    from neyman.data import parse_expression
    from neyman.data.dataset import check_feature_roles
    from neyman.errors import DataError

    d = cfg.data
    if d.features is None or d.builtin is not None:
        return
    try:
        check_feature_roles(
            d.features,
            label=d.label if d.file is not None else None,
            weight=d.weight,
            truth=d.truth,
            reads=lambda f: parse_expression(f).branches,
        )
    except DataError as exc:
        msg = f"{source}: data.features: {exc}"
        raise ConfigError(msg, key="data.features", value=exc.key) from None


def validate_builtin(cfg: StudyConfig, *, source: str = "config") -> None:
    """Check ``data.builtin_options`` against the built-in dataset function's signature.

    An unknown option (with did-you-mean and the accepted ones), a missing required one,
    or a value of the wrong type (``n: lots``) is a one-line
    :class:`~neyman.errors.ConfigError` before anything runs; valid values replace the
    given ones converted to the declared type (``n: "100"`` becomes 100).
    """
    d = cfg.data
    if d.builtin is None:
        return
    import inspect
    import typing

    from pydantic import ConfigDict, TypeAdapter

    from neyman.datasets.registry import DATASETS

    if d.builtin not in DATASETS:
        msg = f"{source}: data.builtin: no dataset named {short(d.builtin)!r}"
        raise ConfigError(
            msg + did_you_mean(d.builtin, DATASETS) + "; see `neyman datasets list`",
            key="data.builtin",
            value=short(d.builtin),
            available=list(DATASETS),
        )
    loader = DATASETS[d.builtin].loader
    params = inspect.signature(loader).parameters
    accepted = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    open_ended = any(p.kind is p.VAR_KEYWORD for p in params.values())
    hints = typing.get_type_hints(loader)
    for name, value in d.builtin_options.items():
        key = f"data.builtin_options.{name}"
        if name not in accepted:
            if open_ended:
                continue
            hint = _hint(str(name), accepted)
            msg = (
                f"{source}: {key}: {d.builtin} has no option {short(name)!r}{hint} "
                f"(accepted: {', '.join(accepted) or 'none'})"
            )
            raise ConfigError(msg, key=key, value=short(name), available=accepted)
        if name not in hints:
            continue
        adapter: TypeAdapter[Any] = TypeAdapter(
            hints[name], config=ConfigDict(arbitrary_types_allowed=True)
        )
        try:
            d.builtin_options[name] = adapter.validate_python(value)
        except ValidationError:
            expected = params[name].annotation
            msg = (
                f"{source}: {key}: {short(repr(value), 200)} is not a valid {expected}; "
                f"{d.builtin} takes {name}: {expected}"
            )
            raise ConfigError(msg, key=key, value=short(value, 200)) from None
    missing = [
        n
        for n, p in params.items()
        if p.default is p.empty and n in accepted and n not in d.builtin_options
    ]
    if missing:
        needs = ", ".join(f"{n} ({params[n].annotation})" for n in missing)
        msg = (
            f"{source}: data.builtin_options: {d.builtin} needs {needs}; add it to builtin_options"
        )
        raise ConfigError(msg, key="data.builtin_options", available=accepted)


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


def _first_error(exc: ValidationError) -> Any:
    """The error to report: an unknown key before anything else.

    A typo such as ``methds`` makes pydantic report both the unknown key and the missing
    ``methods``; the typo is the cause, so it is named (with its did-you-mean).
    """
    errors = exc.errors()
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def parse_config(doc: Any, *, source: str = "config") -> StudyConfig:
    """Validate a config mapping; raise ConfigError with one line naming the problem."""
    if not isinstance(doc, dict):
        msg = f"{source}: a study config must be a mapping with data, methods, ...; got {type(doc).__name__}"
        raise ConfigError(msg)
    try:
        cfg = StudyConfig.model_validate(doc)
    except ValidationError as exc:
        err = _first_error(exc)
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
    validate_columns(cfg, source=source)
    validate_builtin(cfg, source=source)
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
    if isinstance(opt_path, str | Path) and not Path(opt_path).is_absolute():
        cfg.data.builtin_options["path"] = str(base / opt_path)
    return cfg
