"""Shared estimator machinery: parameter tables, input validation and the save/load format.

Read this module first; every estimator in :mod:`neyman.models` builds on it.

- **Parameter tables.** Each estimator declares ``_param_table``, a mapping from parameter
  name to a list of constraints (:class:`Interval`, :class:`Options`, :class:`Boolean`,
  :class:`IntTuple`, :class:`StrTuple`, ``None``...). ``fit`` checks every parameter
  against it and reports a violation one way:
  ``The 'lr' parameter of MLPClassifier must be a float > 0. Got -1 instead.``
- **Input validation.** :meth:`NeymanEstimator._check_X` wraps scikit-learn's
  ``validate_data`` (feature names, ``n_features_in_``) and turns the two mistakes users
  make into neyman errors: NaN/inf in ``X`` (:class:`~neyman.errors.DataError` naming the
  columns) and a wrong feature count at predict time (:class:`~neyman.errors.ModelError`).
- **Persistence.** ``est.save(dir)`` writes ``model.json`` (class, hyperparameters, feature
  names, class labels, format version, package versions, JSON-able learned state) and
  ``weights.safetensors`` (every learned array); BDTs add ``booster.json`` (XGBoost JSON).
  :func:`load` reads it back. Nothing is ever pickled.
- **Integrity.** ``model.json`` (format 2) records the sha256 of every other file the save
  wrote and of its own content; :func:`load` verifies them, so a tampered or truncated
  weights file, reordered features or swapped class labels are a one-line
  :class:`~neyman.errors.ModelError` naming the file, never silently wrong scores. No entry
  may point outside the directory (absolute paths, ``..``, symlinks). Format-1 models
  (written before checksums existed) still load, after the same confinement and JSON checks,
  with a ``UserWarning`` saying their weights are not verified; save them again to add
  checksums. The checksums detect corruption and hand edits; they are not a signature.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from neyman._util.fs import atomic_path, ensure_under
from neyman.errors import ConfigError, DataError, ModelError, did_you_mean, short
from neyman.models.constraints import (  # re-exported: estimators and tests import them here
    Boolean,
    Constraint,
    FloatTuple,
    Interval,
    IntTuple,
    Options,
    PathLike,
    RandomState,
    StrTuple,
    check_param,
)

__all__ = [
    "FORMAT_VERSION",
    "Boolean",
    "Constraint",
    "FloatTuple",
    "Interval",
    "IntTuple",
    "NeymanEstimator",
    "NotFittedError",
    "Options",
    "PathLike",
    "RandomState",
    "StrTuple",
    "add_model_file",
    "load",
    "read_model_file",
]

#: Version of the on-disk model format written by :meth:`NeymanEstimator.save`.
#: 1: no checksums; 2: ``integrity`` (sha256 of each file and of model.json's content).
FORMAT_VERSION = 2
#: the first format version whose files carry checksums
_FIRST_VERIFIED_VERSION = 2
#: largest model.json read (the learned state in it is small; arrays live in safetensors)
_MAX_MODEL_JSON_BYTES = 64_000_000
_FORMAT_NAME = "neyman-model"
_MODEL_FILE = "model.json"
_WEIGHTS_FILE = "weights.safetensors"

_E = TypeVar("_E", bound="NeymanEstimator")


class NotFittedError(ModelError, _SklearnNotFittedError):  # type: ignore[misc]
    """An estimator was used before ``fit``; also scikit-learn's ``NotFittedError``."""


# --------------------------------------------------------------------------- constraints


def random_seed(random_state: object) -> int:
    """Turn ``random_state`` (None, int or RandomState) into one int seed in ``[0, 2**31)``."""
    if random_state is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    return int(random_state)  # type: ignore[call-overload,no-any-return]


# ----------------------------------------------------------------------------- base class


class NeymanEstimator(BaseEstimator):  # type: ignore[misc]
    """Base of every neyman estimator: parameter checks, input checks, save and load.

    Subclasses declare ``_param_table`` and implement ``_get_state``/``_set_state``
    (JSON-able learned state plus named arrays) for persistence.
    """

    _param_table: ClassVar[dict[str, list[Constraint | None]]] = {}
    _registry: ClassVar[dict[str, type[NeymanEstimator]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            NeymanEstimator._registry[cls.__name__] = cls

    # -- parameters -------------------------------------------------------------------

    def _check_params(self) -> None:
        """Check every hyperparameter against ``_param_table``."""
        owner = type(self).__name__
        for name, value in self.get_params(deep=False).items():
            constraints = self._param_table.get(name)
            if constraints is not None:
                check_param(owner, name, value, constraints)

    # -- input validation -------------------------------------------------------------

    def _class_index(self, y: Any, *, fitting: bool, what: str = "y") -> NDArray[np.intp]:
        """Positions of the labels ``y`` in ``classes_`` (learned from ``y`` when ``fitting``).

        Raises DataError for a single class at fit time and for labels unseen in fit.
        """
        if fitting:
            check_classification_targets(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                msg = (
                    f"y has one class ({self.classes_[0]!r}); {type(self).__name__} needs at "
                    "least two classes"
                )
                raise DataError(msg)
        idx = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[idx], y):
            unknown = sorted({str(v) for v in np.asarray(y)[self.classes_[idx] != y]})
            msg = f"{what} holds labels not seen in fit: {', '.join(unknown[:5])}"
            raise DataError(msg)
        return np.asarray(idx, dtype=np.intp)

    def _require_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless ``fit`` has run."""
        try:
            check_is_fitted(self)
        except _SklearnNotFittedError as exc:
            msg = f"this {type(self).__name__} is not fitted yet; call fit(X, y) first"
            raise NotFittedError(msg) from exc

    def _check_X(
        self,
        X: Any,
        *,
        reset: bool,
        y: Any = "no_validation",
        allow_nd: bool = False,
        dtype: Any = np.float64,
        multi_output: bool = False,
        y_numeric: bool = False,
    ) -> Any:
        """Validate ``X`` (and ``y`` when given) the scikit-learn way, with neyman errors.

        Returns the converted ``X`` or ``(X, y)``. NaN or inf in ``X`` raises
        :class:`~neyman.errors.DataError` naming the offending columns; at predict time
        (``reset=False``) a wrong number of features raises
        :class:`~neyman.errors.ModelError`.
        """
        owner = type(self).__name__
        kwargs: dict[str, Any] = {
            "dtype": dtype,
            "ensure_all_finite": False,
            "allow_nd": allow_nd,
            "reset": reset,
        }
        if not reset:
            self._require_fitted()
        try:
            if isinstance(y, str) and y == "no_validation":
                out = validate_data(self, X, **kwargs)
                Xc = out
            else:
                out = validate_data(
                    self, X, y, multi_output=multi_output, y_numeric=y_numeric, **kwargs
                )
                Xc = out[0]
        except ValueError as exc:
            text = str(exc)
            if not reset and "features, but" in text:
                msg = f"{text.rstrip('.')}; pass the same columns, in the same order, as in fit"
                raise ModelError(msg) from exc
            raise
        _check_finite(Xc, getattr(self, "feature_names_in_", None), owner)
        return out

    # -- persistence ------------------------------------------------------------------

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        """Learned state as (JSON-able dict, named arrays). Overridden by subclasses."""
        raise NotImplementedError

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        """Restore what :meth:`_get_state` returned; ``path`` is the model directory."""
        raise NotImplementedError

    def _probe_input(self) -> Any:
        """One event that :func:`load` scores to check the restored model, or None.

        Zeros of shape ``(1, n_features_in_)``: the training mean of standardised features,
        what :func:`neyman.models.pipeline.check_scores` feeds a pipeline's estimator.
        """
        n = getattr(self, "n_features_in_", 0)
        return np.zeros((1, n), dtype=np.float32) if isinstance(n, int) and n > 0 else None

    def _save_extra(self, path: Path) -> None:
        """Write extra files into the model directory (BDTs write XGBoost JSON)."""

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the fitted estimator as a directory (``model.json`` + weights).

        Parameters
        ----------
        path : path-like
            Directory to write. It is created if missing; an existing directory must be
            empty or hold a neyman model (which is replaced).

        Returns
        -------
        pathlib.Path
            The directory written.

        Notes
        -----
        Nothing is pickled: hyperparameters and small learned state go to JSON, arrays to
        ``weights.safetensors``, boosted trees to XGBoost's JSON format. Every file is
        written to a temporary name and renamed, and ``model.json`` is written last, so
        an interrupted save never looks like a complete model. ``model.json`` records the
        sha256 of each file written and of its own content, which :func:`load` verifies.
        """
        self._require_fitted()
        out = Path(path)
        if out.exists() and not out.is_dir():
            msg = f"cannot save model to '{out}': it is a file; pass a directory path"
            raise ModelError(msg, path=str(out))
        if out.is_dir() and any(out.iterdir()) and not (out / _MODEL_FILE).is_file():
            msg = (
                f"cannot save model to '{out}': the directory is not empty and holds no "
                f"{_MODEL_FILE}; choose a new or empty directory"
            )
            raise ModelError(msg, path=str(out))
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create model directory '{out}': {exc.strerror or exc}; choose a writable path"
            raise ModelError(msg, path=str(out)) from None
        params = _params_to_json(type(self).__name__, self.get_params(deep=False))
        meta, arrays = self._get_state()
        names = getattr(self, "feature_names_in_", None)
        classes = getattr(self, "classes_", None)
        document: dict[str, Any] = {
            "format": _FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "params": params,
            "feature_names": None if names is None else [str(n) for n in names],
            "n_features_in": int(getattr(self, "n_features_in_", 0)),
            "classes": None if classes is None else classes_to_json(np.asarray(classes)),
            "state": meta,
            "weights": _WEIGHTS_FILE,
            "versions": _versions(),
        }
        from safetensors.numpy import save_file

        try:
            with atomic_path(out / _WEIGHTS_FILE) as tmp:
                save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp))
            before = _listing(out)
            self._save_extra(out)
            extras = sorted(n for n, sig in _listing(out).items() if before.get(n) != sig)
            files = {n: _sha256(out / n) for n in [_WEIGHTS_FILE, *extras] if n != _MODEL_FILE}
            _write_document(out, document, files)
        except OSError as exc:
            msg = f"cannot write model to '{out}': {exc.strerror or exc}; free space or choose a writable path"
            raise ModelError(msg, path=str(out)) from None
        return out

    @classmethod
    def load(cls: type[_E], path: str | os.PathLike[str]) -> _E:
        """Load an estimator saved with :meth:`save`, checking it is a ``cls``.

        Raises
        ------
        neyman.errors.ModelError
            If the directory is missing, is not a neyman model, was written by a newer
            format version, or holds a different class.
        """
        est = load(path)
        if cls is not NeymanEstimator and not isinstance(est, cls):
            msg = (
                f"'{path}' holds a {type(est).__name__}, not a {cls.__name__}; "
                f"load it with neyman.models.load(path) or {type(est).__name__}.load(path)"
            )
            raise ModelError(msg)
        return est


def load(path: str | os.PathLike[str]) -> NeymanEstimator:
    """Load any estimator saved with ``est.save(path)``, verifying its files.

    Parameters
    ----------
    path : path-like
        The model directory (holding ``model.json``).

    Returns
    -------
    NeymanEstimator
        The fitted estimator; its predictions equal the saved one's exactly.

    Raises
    ------
    neyman.errors.ModelError
        Missing directory, not a neyman model, unknown class, a format version newer than
        this neyman understands, a file whose checksum differs from the one recorded
        (tampered, truncated, or model.json edited by hand: reordered features, swapped
        classes), an entry pointing outside the directory, or unreadable weights.
        ``error.path`` names the file at fault.

    Warns
    -----
    UserWarning
        For a format-1 model (saved before checksums existed): it loads unverified.
    """
    root, doc_path, doc = _read_document(path)
    version = doc["format_version"]
    name = doc.get("class")
    registry = NeymanEstimator._registry
    if isinstance(name, str) and name not in registry:
        import neyman.models  # the torch and xgboost estimators register on first import

        if getattr(neyman.models, name, None) is None:  # unknown: list every class
            for lazy in neyman.models._LAZY:
                getattr(neyman.models, lazy)

    if not isinstance(name, str) or name not in registry:
        msg = f"'{doc_path}' holds unknown model class {short(name, 80)!r}" + did_you_mean(
            str(name), sorted(registry)
        )
        raise ModelError(msg, path=str(doc_path), key="class", available=sorted(registry))
    klass = registry[name]
    weights = _confined(root, doc.get("weights", _WEIGHTS_FILE), "weights")
    if not weights.is_file():
        msg = f"'{root}' has no {weights.name}; the model directory is incomplete, save it again"
        raise ModelError(msg, path=str(weights))
    _verify(root, doc_path, doc, version)
    try:
        params = _params_from_json(doc.get("params", {}))
        est = klass(**params)
    except (TypeError, ValueError, AttributeError) as exc:
        msg = f"'{doc_path}' has parameters that {name} does not accept: {short(str(exc))}"
        raise ModelError(msg, path=str(doc_path), key="params") from None
    _check_loaded_params(est, doc_path)
    from safetensors.numpy import load_file

    try:
        arrays = load_file(str(weights))
    except Exception as exc:  # safetensors raises its own error types
        msg = f"'{weights}' is not a readable safetensors file ({short(str(exc), 120)}); save the model again"
        raise ModelError(msg, path=str(weights)) from None
    names = doc.get("feature_names")
    if names is not None:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    try:
        est.n_features_in_ = int(doc.get("n_features_in", 0))
        est._set_state(dict(doc.get("state", {})), dict(arrays), root)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        msg = f"'{root}' holds an incomplete or inconsistent {name} ({short(repr(exc), 120)}); save it again"
        raise ModelError(msg, path=str(root)) from None
    _check_consistent(est, doc, doc_path)
    probe = est._probe_input()
    if probe is not None:
        fn = est.predict_proba if hasattr(est, "predict_proba") else est.predict
        check_score_probe(fn, probe, root)
    return est


def _check_loaded_params(est: NeymanEstimator, doc_path: Path) -> None:
    """The checks ``fit`` makes on every parameter, made at load.

    ``model.json`` may have been edited (``shrinkage: 1e999``, ``NaN``, ``n_threads:
    10**12``) and its checksums recomputed: such a model would load and score, unchecked.
    """
    try:
        est._check_params()
    except ConfigError as exc:
        msg = (
            f"'{doc_path}': {exc} The file was edited: put the parameter back, or save the "
            "model again"
        )
        raise ModelError(msg, path=str(doc_path), key=exc.key, value=short(exc.value)) from None


def check_score_probe(
    score: Callable[[Any], Any], x: Any, model_dir: str | os.PathLike[str]
) -> None:
    """Score one event ``x``; refuse a model that cannot, or that scores it non-finite.

    A model directory whose files agree with their checksums can still be inconsistent
    (written by hand, or by a broken tool that recomputed the checksums): weights of the
    wrong shape fail only inside NumPy or torch when scoring. One event finds that at load,
    as a one-line error naming the directory. Used by :func:`load` (a bare estimator, one
    event of zeros) and :func:`neyman.models.pipeline.check_scores` (one event at the
    training mean).

    Raises
    ------
    neyman.errors.ModelError
        ``score(x)`` fails, gives more or fewer than one row, or a non-finite value.
    """
    try:
        with warnings.catch_warnings():  # a probe: what it warns about, scoring warns again
            warnings.simplefilter("ignore")
            out = np.asarray(score(x), dtype=np.float64)
    except (ValueError, TypeError, IndexError, KeyError, RuntimeError) as exc:
        if isinstance(exc, DataError | ModelError):
            raise
        msg = (
            f"'{model_dir}' cannot score an event ({type(exc).__name__}: {short(str(exc), 120)}); "
            "its files are inconsistent (weights of the wrong shape?), save the model again"
        )
        raise ModelError(msg, path=str(model_dir)) from None
    if out.ndim == 0 or out.shape[0] != 1 or not np.isfinite(out).all():
        msg = (
            f"'{model_dir}' scores a probe event as {short(out.tolist(), 60)}; "
            "its weights are damaged (NaN, inf or the wrong shape), save the model again"
        )
        raise ModelError(msg, path=str(model_dir))


def add_model_file(model_dir: str | os.PathLike[str], name: str, text: str) -> Path:
    """Write a text file into a saved model directory and record its checksum.

    For files that belong to the model but are written after :meth:`NeymanEstimator.save`
    (a study's ``preprocessing.json``): the file is written atomically and its sha256 is
    added to ``model.json``, so :func:`read_model_file` and :func:`load` verify it.

    Parameters
    ----------
    model_dir : path-like
        A directory written by ``save`` (format 2).
    name : str
        The file's name: one path component (``[A-Za-z0-9][A-Za-z0-9_.-]*``).
    text : str
        Its content (UTF-8).
    """
    from neyman._util.fs import safe_name

    root, _, doc = _read_document(model_dir)
    safe_name(name, what="model file name")
    if name == _MODEL_FILE:
        msg = f"cannot add '{name}' to a model directory: the name is reserved"
        raise ModelError(msg, key=name)
    target = root / name
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    files = dict(doc.get("integrity", {}).get("files", {}))
    if not files:  # format 1: record the files it already has, as save would have
        refs = [doc.get("weights", _WEIGHTS_FILE), *doc.get("state", {}).values()]
        for ref in refs:
            if isinstance(ref, str) and Path(ref).suffix in (".json", ".safetensors", ".onnx"):
                files[ref] = _sha256(_confined(root, ref, ref))
    files[name] = _sha256(target)
    body = {k: v for k, v in doc.items() if k != "integrity"}
    body["format_version"] = max(int(doc["format_version"]), _FIRST_VERIFIED_VERSION)
    _write_document(root, body, files)
    return target


def read_model_file(model_dir: str | os.PathLike[str], name: str) -> str:
    """Read a text file of a model directory after checking where it is and its checksum.

    Raises
    ------
    neyman.errors.ModelError
        The file points outside the directory, is missing, is not UTF-8, or (format 2)
        is not recorded in ``model.json`` or differs from its recorded checksum.
    """
    root, doc_path, doc = _read_document(model_dir)
    target = _confined(root, name, name)
    if not target.is_file():
        msg = f"'{root}' has no {name}; the model directory is incomplete, save it again"
        raise ModelError(msg, path=str(target))
    files = doc.get("integrity", {}).get("files", {})
    if doc["format_version"] >= _FIRST_VERIFIED_VERSION:
        if name not in files:
            msg = (
                f"'{target}' is not recorded in {doc_path.name}, so it cannot be verified; "
                "write it with neyman.models.base.add_model_file or save the model again"
            )
            raise ModelError(msg, path=str(target))
        _check_sha(root, name, str(files[name]), doc_path)
    try:
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = (
            f"'{target}' is not readable UTF-8 text ({short(str(exc), 120)}); save the model again"
        )
        raise ModelError(msg, path=str(target)) from None


# ------------------------------------------------------------------------ integrity


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _listing(root: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, size, mtime) of each visible regular file in ``root``, to see what changed."""
    out: dict[str, tuple[int, int, int]] = {}
    for p in root.iterdir():
        if p.name.startswith(".") or not p.is_file() or p.is_symlink():
            continue
        st = p.stat()
        out[p.name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


def _canonical(body: Mapping[str, Any], files: Mapping[str, str]) -> str:
    content = {**body, "integrity": {"files": dict(files)}}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _write_document(root: Path, body: Mapping[str, Any], files: Mapping[str, str]) -> None:
    """Write model.json with the files' checksums and the checksum of its own content."""
    document = dict(body)
    document["integrity"] = {
        "algorithm": "sha256",
        "files": dict(sorted(files.items())),
        "document": hashlib.sha256(_canonical(body, files).encode("ascii")).hexdigest(),
    }
    with atomic_path(root / _MODEL_FILE) as tmp:
        tmp.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _read_document(path: str | os.PathLike[str]) -> tuple[Path, Path, dict[str, Any]]:
    """The model directory, its model.json and the parsed, structurally checked document."""
    root = Path(path)
    if not root.exists():
        msg = f"model directory '{root}' does not exist; save one with est.save('{root}')"
        raise ModelError(msg, path=str(root))
    doc_path = root / _MODEL_FILE if root.is_dir() else root
    if not doc_path.is_file() or doc_path.name != _MODEL_FILE:
        msg = f"'{root}' is not a neyman model directory (no {_MODEL_FILE}); save one with est.save(dir)"
        raise ModelError(msg, path=str(root))
    root = doc_path.parent
    _confined(root, _MODEL_FILE, _MODEL_FILE)
    try:
        if doc_path.stat().st_size > _MAX_MODEL_JSON_BYTES:
            msg = f"'{doc_path}' is larger than {_MAX_MODEL_JSON_BYTES} bytes; it is not a model file neyman wrote"
            raise ModelError(msg, path=str(doc_path))
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        # ValueError: not JSON, not UTF-8, or an integer of more than 4300 digits
        msg = f"'{doc_path}' is not readable JSON ({short(str(exc), 120)}); it is not a neyman model file"
        raise ModelError(msg, path=str(doc_path)) from None
    check_json_depth(doc, doc_path)
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT_NAME:
        msg = f'\'{doc_path}\' is not a neyman model file (no "format": "{_FORMAT_NAME}")'
        raise ModelError(msg, path=str(doc_path))
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        msg = f"'{doc_path}' has an invalid format_version {short(version, 40)!r}; expected an int >= 1"
        raise ModelError(msg, path=str(doc_path), key="format_version")
    if version > FORMAT_VERSION:
        msg = (
            f"'{doc_path}' has model format version {version}, newer than this neyman "
            f"supports ({FORMAT_VERSION}); upgrade neyman to load it"
        )
        raise ModelError(msg, path=str(doc_path), key="format_version")
    for key, kind in (("state", dict), ("params", dict), ("integrity", dict)):
        if key in doc and not isinstance(doc[key], kind):
            msg = f"'{doc_path}': '{key}' must be a JSON object; the file is damaged, save the model again"
            raise ModelError(msg, path=str(doc_path), key=key)
    return root, doc_path, doc


#: deepest nesting of a model's JSON files (neyman writes at most 5 levels); deeper input
#: would reach recursive code (checksums, parameters) and exhaust Python's stack
MAX_JSON_DEPTH = 32


def check_json_depth(doc: Any, path: str | os.PathLike[str]) -> None:
    """Refuse a parsed JSON document nested deeper than :data:`MAX_JSON_DEPTH` levels.

    Raises
    ------
    neyman.errors.ModelError
        Naming ``path``: no file neyman writes is nested that deep.
    """
    level: list[Any] = [doc]
    for _ in range(MAX_JSON_DEPTH + 1):
        level = [
            v
            for item in level
            if isinstance(item, dict | list)
            for v in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return
    msg = (
        f"'{path}' is nested more than {MAX_JSON_DEPTH} levels deep; it is not a file neyman "
        "wrote, save the model again"
    )
    raise ModelError(msg, path=os.fspath(path))


def _confined(root: Path, entry: object, what: str) -> Path:
    """``root / entry`` after checking it is a plain name that stays inside ``root``."""
    if (
        not isinstance(entry, str)
        or not entry
        or Path(entry).is_absolute()
        or ".." in Path(entry).parts
    ):
        msg = (
            f"'{root / _MODEL_FILE}': the {what} entry {short(entry, 120)!r} must name a file "
            "inside the model directory (no absolute path, no '..'); save the model again"
        )
        raise ModelError(msg, path=str(root / _MODEL_FILE), key=what, value=short(entry))
    target = root / entry
    # entry is relative to root (checked above); root itself may be relative to the cwd
    resolved = ensure_under(root, entry, what=f"{what} file", error=ModelError)
    if target.is_symlink() or resolved != target.resolve(strict=False):
        msg = (
            f"'{target}' is a symlink; a model directory must hold its files, save the model again"
        )
        raise ModelError(msg, path=str(target), key=what)
    return target


def _check_sha(root: Path, name: str, expected: str, doc_path: Path) -> None:
    target = _confined(root, name, name)
    if not target.is_file():
        msg = f"'{target}' is recorded in {doc_path.name} but missing; the model directory is incomplete, save it again"
        raise ModelError(msg, path=str(target))
    if _sha256(target) != expected:
        msg = (
            f"'{target}' does not match the checksum in {doc_path.name} (modified, truncated "
            "or replaced since it was saved); restore it or save the model again"
        )
        raise ModelError(msg, path=str(target))


def _verify(root: Path, doc_path: Path, doc: dict[str, Any], version: int) -> None:
    """Check confinement of every file entry, JSON files' syntax, and (format 2) checksums."""
    state = doc.get("state", {})
    for key, value in state.items():
        if isinstance(value, str) and Path(value).suffix in (".json", ".safetensors", ".onnx"):
            _confined(root, value, f"state.{key}")
    if version < _FIRST_VERIFIED_VERSION:
        warnings.warn(
            f"'{root}' was saved in model format {version}, without checksums: its files are "
            "not verified; save it again to add them",
            UserWarning,
            stacklevel=3,
        )
    else:
        integrity = doc.get("integrity")
        files = integrity.get("files") if isinstance(integrity, dict) else None
        if not isinstance(files, dict) or not isinstance(integrity.get("document"), str):  # type: ignore[union-attr]
            msg = (
                f"'{doc_path}' (format {version}) has no integrity record, so nothing can be "
                "verified; it was edited or damaged, save the model again"
            )
            raise ModelError(msg, path=str(doc_path), key="integrity")
        body = {k: v for k, v in doc.items() if k != "integrity"}
        actual = hashlib.sha256(_canonical(body, files).encode("ascii")).hexdigest()
        if actual != integrity["document"]:  # type: ignore[index]
            msg = (
                f"'{doc_path}' was modified after saving (its checksum differs: edited features, "
                "classes, parameters or state?); restore it or save the model again"
            )
            raise ModelError(msg, path=str(doc_path))
        if str(doc.get("weights", _WEIGHTS_FILE)) not in files:
            msg = f"'{doc_path}': the weights file is not in the integrity record; save the model again"
            raise ModelError(msg, path=str(doc_path), key="integrity")
        for name, expected in files.items():
            _check_sha(root, str(name), str(expected), doc_path)
    for p in sorted(root.glob("*.json")):
        if p.name == _MODEL_FILE or p.name.startswith("."):
            continue
        try:
            json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            msg = f"'{p}' is not valid JSON ({short(str(exc), 100)}); the file is damaged, save the model again"
            raise ModelError(msg, path=str(p)) from None


def _check_consistent(est: NeymanEstimator, doc: Mapping[str, Any], doc_path: Path) -> None:
    """Recorded classes and feature names agree with the restored estimator."""
    recorded = doc.get("classes")
    classes = getattr(est, "classes_", None)
    if recorded is not None and classes is not None:
        try:
            same = np.array_equal(classes_from_json(recorded), np.asarray(classes))
        except (KeyError, TypeError, ValueError):
            same = False
        if not same:
            msg = (
                f"'{doc_path}': the recorded classes {short(recorded.get('values'), 80)} differ from the "
                f"model's {short(list(np.asarray(classes)), 80)}; the file is inconsistent, save the model again"
            )
            raise ModelError(msg, path=str(doc_path), key="classes")
    names = doc.get("feature_names")
    n = getattr(est, "n_features_in_", None)
    if names is not None and n and (not isinstance(names, list) or len(names) != n):
        msg = f"'{doc_path}': {len(names)} feature names for {n} features; the file is inconsistent, save the model again"
        raise ModelError(msg, path=str(doc_path), key="feature_names")
    if isinstance(names, list) and len(set(map(str, names))) != len(names):
        msg = f"'{doc_path}': feature names repeat; the file is inconsistent, save the model again"
        raise ModelError(msg, path=str(doc_path), key="feature_names")


# ------------------------------------------------------------------------------ helpers


def _check_finite(X: Any, feature_names: Any, owner: str) -> None:
    """Raise DataError naming the columns of ``X`` that hold NaN or inf."""
    arr = np.asarray(X)
    if arr.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(arr)
    if not bad.any():
        return
    n_nan = int(np.isnan(arr).sum())
    n_inf = int(bad.sum()) - n_nan
    if arr.ndim == 2:
        cols = np.flatnonzero(bad.any(axis=0))
        if feature_names is not None and len(feature_names) == arr.shape[1]:
            labels = [repr(str(feature_names[c])) for c in cols]
        else:
            labels = [f"column {c}" for c in cols]
        where = ", ".join(labels[:8]) + (", ..." if len(labels) > 8 else "")
    else:
        where = f"{int(bad.reshape(len(arr), -1).any(axis=1).sum())} events"
    what = " and ".join(
        part for part in (f"{n_nan} NaN" if n_nan else "", f"{n_inf} inf" if n_inf else "") if part
    )
    msg = (
        f"X passed to {owner} contains {what} value(s) in {where}; "
        "drop or impute those events before fitting or predicting"
    )
    raise DataError(msg)


def _params_to_json(owner: str, params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        converted = _to_json(value)
        try:
            json.dumps(converted, allow_nan=False)
        except (TypeError, ValueError) as exc:
            msg = (
                f"cannot save {owner}: parameter {key!r} = {value!r} is not JSON-serialisable; "
                "use plain numbers, strings, tuples or an int random_state"
            )
            raise ModelError(msg) from exc
        out[key] = converted
    return out


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _params_from_json(params: Mapping[str, Any]) -> dict[str, Any]:
    def back(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(back(v) for v in value)
        return value

    return {str(k): back(v) for k, v in params.items()}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("neyman", "numpy", "scikit-learn", "torch", "xgboost", "safetensors"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[dist] = importlib.metadata.version(dist)
    return out


def classes_to_json(classes: NDArray[Any]) -> dict[str, Any]:
    """Encode ``classes_`` (ints, floats, strings, bools) for ``model.json``."""
    return {
        "values": [c.item() if isinstance(c, np.generic) else c for c in classes],
        "dtype": classes.dtype.str if classes.dtype != object else "object",
    }


def classes_from_json(doc: Mapping[str, Any]) -> NDArray[Any]:
    """Inverse of :func:`classes_to_json`."""
    dtype = doc["dtype"]
    return np.asarray(doc["values"], dtype=object if dtype == "object" else np.dtype(dtype))
