"""The study config: a validated declaration of data, split, methods and evaluation.

Read by :func:`load_config` from YAML (``yaml.safe_load``; nothing in it is executed) and
validated by pydantic. An unknown key is an error that names the nearest valid key.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neyman._util.yamlsafe import load_yaml
from neyman.errors import ConfigError

__all__ = [
    "METHODS",
    "DataConfig",
    "EvaluationConfig",
    "MethodConfig",
    "SourceConfig",
    "SplitConfig",
    "StudyConfig",
    "load_config",
    "parse_config",
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


class EvaluationConfig(_Strict):
    """How methods are compared."""

    efficiencies: list[float] = Field(default_factory=lambda: [0.3, 0.5, 0.7])
    reference: str | None = None
    bootstrap: int = Field(200, ge=0)
    overtraining_p: float = Field(0.05, gt=0.0, lt=1.0)


class StudyConfig(_Strict):
    """A whole study."""

    name: str = "study"
    data: DataConfig
    split: SplitConfig = Field(default_factory=SplitConfig)  # type: ignore[arg-type]
    methods: list[MethodConfig]
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)  # type: ignore[arg-type]
    random_state: int = 42

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
        ref = self.evaluation.reference
        if ref is not None and ref not in names and ref != "optimum":
            msg = f"evaluation.reference '{ref}' is not a method (methods: {', '.join(names)})"
            raise ValueError(msg)
        return self


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
        return StudyConfig.model_validate(doc)
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
        raise ConfigError(msg) from None


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
