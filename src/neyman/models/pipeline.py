"""The model directory's input pipeline: from an event file to a score, the same everywhere.

A :class:`Pipeline` holds everything between a file and a score: the feature expressions
(e.g. ``Jet_pt[0]``), the selection, the missing-value policy, the standardiser (float64
shift and scale, applied with exactly the arithmetic the study used), the class names, the
weight policy it was trained with, and the fitted estimator. ``neyman apply``,
:func:`neyman.load` and a study's own test scoring all go through :meth:`Pipeline.read`
and :meth:`Pipeline.transform`, so a score is the same wherever it is computed.

On disk it is the estimator's directory (``model.json`` + weights) plus ``pipeline.json``;
nothing is pickled, and loading checks every field and refuses unknown versions.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from neyman.errors import DataError, ModelError, short

__all__ = [
    "PIPELINE_FILE",
    "PIPELINE_VERSION",
    "Events",
    "Pipeline",
    "apply_missing",
    "check_scores",
    "load_model",
    "load_pipeline",
    "read_events",
    "standardise",
]

#: file name of the pipeline description inside a model directory
PIPELINE_FILE = "pipeline.json"
#: version of the ``pipeline.json`` format this neyman writes and reads
PIPELINE_VERSION = 1
_FORMAT = "neyman-pipeline"

Missing = str | dict[str, float] | None


@dataclass
class Events:
    """Feature values read from one source, with where each row came from.

    Attributes
    ----------
    values : DataFrame of shape (n, d), float64
        One column per feature expression (named by the expression), after the missing-value
        policy.
    extra : DataFrame of shape (n, k)
        Further columns asked for (weight, truth), same rows.
    entry : array of shape (n,), int64
        Position of each row's event in the source (0-based, before any selection); for a
        glob or list of files, counted across the files in the order read.
    selected : array of shape (n,), bool
        Whether each row passes the selection (all True when the selection was applied).
    n_read : int
        Events in the source before selection.
    files : tuple of str
        The files read, in order, when the source is a glob or a list of files (empty for
        one file).
    file : array of shape (n,), int64, optional
        Index into ``files`` of each row's file (``None`` for one file).
    file_entry : array of shape (n,), int64, optional
        Position of each row's event in its own file (``None`` for one file: ``entry``).
    """

    values: pd.DataFrame
    extra: pd.DataFrame
    entry: NDArray[np.int64]
    selected: NDArray[np.bool_]
    n_read: int
    files: tuple[str, ...] = ()
    file: NDArray[np.int64] | None = None
    file_entry: NDArray[np.int64] | None = None

    def origin(self, name: str = "") -> tuple[NDArray[np.object_], NDArray[np.int64]]:
        """Each row's file and its event's position in that file.

        ``name`` stands for the file of a single source (which records no file names).
        """
        if self.file is None or self.file_entry is None:
            return np.full(len(self.entry), name, dtype=object), self.entry
        return np.asarray(self.files, dtype=object)[self.file], self.file_entry


def standardise(
    X: NDArray[Any], mean: NDArray[np.float64], scale: NDArray[np.float64]
) -> NDArray[np.float32]:
    """``(X - mean) / scale`` with the study's arithmetic: float32 input, float64 maths.

    Features are stored as float32 (as in :class:`~neyman.data.Dataset`), shifted and scaled
    in float64 and rounded once to float32, so every caller gets identical bits.
    """
    x32 = np.asarray(X, dtype=np.float32)
    out: NDArray[np.float32] = ((x32 - mean) / scale).astype(np.float32)
    return out


def _check_missing(missing: Any, features: Sequence[str]) -> Missing:
    if missing is None or missing == "drop":
        return missing  # type: ignore[no-any-return]
    if isinstance(missing, Mapping):
        out: dict[str, float] = {}
        for k, v in missing.items():
            if k not in features:
                msg = f"missing-value policy names {short(k)!r}, which is not a feature"
                raise ModelError(msg, key=str(k), available=features)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                msg = f"missing-value fill for {short(k)!r} must be a finite number; got {short(v)}"
                raise ModelError(msg, key=str(k), value=short(v))
            out[str(k)] = float(v)
        return out
    msg = f"missing-value policy must be 'drop', a mapping of feature to fill value or None; got {short(missing)}"
    raise ModelError(msg, value=short(missing))


def apply_missing(
    values: pd.DataFrame, missing: Missing, *, source: str = "input"
) -> NDArray[np.bool_]:
    """Fill or flag events without a value (a missing object such as ``Jet_pt[0]``, or NaN).

    Fills ``values`` in place for a mapping policy and returns the mask of rows to keep
    (all True unless the policy is ``"drop"``). Without a policy, a missing value raises a
    one-line :class:`~neyman.errors.DataError` naming the expression, the count and the
    key to set (``data.missing``).
    """
    keep = np.ones(len(values), dtype=bool)
    for col in values.columns:
        arr = values[col].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(arr)
        if not bad.any():
            continue
        if isinstance(missing, dict) and col in missing:
            arr = np.where(bad, missing[col], arr)
            values[col] = arr
        elif missing == "drop":
            keep &= ~bad
        else:
            msg = (
                f"{source}: {int(bad.sum())} of {len(arr)} events have no value for {short(col)!r} "
                f"(a missing object, NaN or inf); set data.missing: drop, or "
                f"data.missing: {{{short(col)!r}: FILL}}"
            )
            raise DataError(msg, key=str(col), path=source, value=int(bad.sum()))
    return keep


def _check_numeric(df: pd.DataFrame, features: list[str], source: str) -> None:
    """Refuse a feature column holding text, naming the file, the column and a value."""
    for name in features:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        num = pd.to_numeric(col, errors="coerce")
        bad = num.isna() & col.notna()
        if bad.any():
            value = short(col[bad].iloc[0])
            msg = f"{source}: feature '{name}' holds text ({value!r}); it must be numeric"
            raise DataError(msg, key=str(name), path=source)


def _check_finite(X: NDArray[np.float64], features: list[str], source: str) -> None:
    """Refuse NaN or inf among the features of selected events, naming file and columns.

    Missing objects were handled by the reader's policy, so what is left is in the data.
    """
    bad = ~np.isfinite(X)
    if not bad.any():
        return
    cols = [features[j] for j in np.flatnonzero(bad.any(axis=0))]
    msg = (
        f"{source}: {int(bad.any(axis=1).sum())} selected events have NaN or inf in "
        f"{', '.join(repr(short(c, 60)) for c in cols[:8])}; fix the file or select those "
        "events out (data.selection)"
    )
    raise DataError(msg, key=cols[0], path=source, available=cols)


def read_events(
    path: str | os.PathLike[str],
    features: Sequence[str],
    *,
    tree: str | None = None,
    selection: str | None = None,
    missing: Missing = None,
    extra: Sequence[str] = (),
    apply_selection: bool = True,
    use_cache: bool = False,
) -> Events:
    """Read the feature expressions (and ``extra`` columns) of every event of one source.

    One pass of :func:`neyman.data.read_table` over every event (``keep_all``): an event
    *passes* when it passes the selection and the missing-object policy (``None``: a
    selected event lacking an object raises; ``"drop"``; or a fill value per expression).
    With ``apply_selection`` only passing events are kept; otherwise all are, and
    ``Events.selected`` says which pass (their features may be NaN where an object is
    missing). Rows keep the file order and ``Events.entry`` gives each row's event number
    in the source; for a glob or list of files ``Events.origin()`` gives each row's file
    and its event number in that file. ``use_cache`` reads through the Parquet cache of :mod:`neyman.data.cache`.
    """
    from neyman.data.cache import cached_read_table

    columns = list(dict.fromkeys([*features, *extra]))
    flag = "passes"
    while flag in columns:  # a column of that name must not be shadowed
        flag = "_" + flag
    df = cached_read_table(
        path,
        columns,
        tree=tree,
        where=selection,
        use_cache=use_cache,
        missing="error" if missing is None else missing,
        keep_all=True,
        passes_column=flag,
    )
    passed = df[flag].to_numpy(dtype=bool)
    entry = np.arange(len(df), dtype=np.int64)
    # a glob or list of files: each row's file and its position in that file
    rows = df.attrs.get("file_rows")
    files: tuple[str, ...] = ()
    file = file_entry = None
    if rows and len(rows) > 1:
        files = tuple(str(r[0]) for r in rows)
        counts = np.asarray([int(r[1]) for r in rows], np.int64)
        file = np.repeat(np.arange(len(files), dtype=np.int64), counts)
        file_entry = entry - np.concatenate([[0], np.cumsum(counts)[:-1]])[file]
    _check_numeric(df, list(features), str(path))
    values = df[list(features)].astype(np.float64)
    _check_finite(values.to_numpy()[passed], list(features), str(path))
    others = df[list(extra)]
    if apply_selection:
        values, others, entry = values[passed], others[passed], entry[passed]
        if file is not None and file_entry is not None:
            file, file_entry = file[passed], file_entry[passed]
        passed = passed[passed]
    return Events(
        values.reset_index(drop=True),
        others.reset_index(drop=True),
        entry,
        passed,
        len(df),
        files,
        file,
        file_entry,
    )


@dataclass
class Pipeline:
    """Feature expressions, selection, missing policy, standardiser and estimator as one.

    Parameters
    ----------
    features : list of str
        Feature expressions in the estimator's column order (e.g. ``["Jet_pt[0]", "nJet"]``).
    estimator : fitted neyman estimator
        A binary classifier with ``predict_proba`` and ``classes_``.
    mean, scale : array of shape (d,), float64
        The standardiser: ``X' = (X - mean) / scale`` (see :func:`standardise`).
    selection : str, optional
        The training selection; applied by default when scoring a file.
    missing : "drop", dict or None
        Missing-value policy: drop those events, or a fill value per expression.
    class_names : list of str
        Name per class label, e.g. ``["background", "signal"]``.
    weights : dict
        The weight policy it was trained with (``column``, ``negative_weights``,
        ``normalise``); informational, scoring uses no weights.
    tree : str, optional
        The tree the training files were read from, used when ``tree`` is not given.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from neyman.models import FisherDiscriminant
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> pipe = Pipeline(["x"], FisherDiscriminant().fit(X, y), mean=np.zeros(1), scale=np.ones(1))
    >>> pipe.score(pd.DataFrame({"x": [0.0, 3.0]})).round(2).tolist()
    [0.0, 1.0]
    """

    features: list[str]
    estimator: Any
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    selection: str | None = None
    missing: Missing = None
    class_names: list[str] = field(default_factory=lambda: ["background", "signal"])
    weights: dict[str, Any] = field(default_factory=dict)
    tree: str | None = None

    def __post_init__(self) -> None:
        self.features = [str(f) for f in self.features]
        self.mean = np.asarray(self.mean, dtype=np.float64)
        self.scale = np.asarray(self.scale, dtype=np.float64)
        d = len(self.features)
        if self.mean.shape != (d,) or self.scale.shape != (d,):
            msg = f"pipeline has {d} features but mean/scale of shapes {self.mean.shape}/{self.scale.shape}"
            raise ModelError(msg)
        if not (np.isfinite(self.mean).all() and np.isfinite(self.scale).all()):
            msg = "pipeline mean/scale hold NaN or inf; the standardiser is corrupt"
            raise ModelError(msg)
        if (self.scale <= 0).any():
            msg = "pipeline scale must be > 0 for every feature"
            raise ModelError(msg)
        f32 = np.finfo(np.float32)
        if (np.abs(self.mean) > f32.max).any() or (self.scale < f32.tiny).any():
            # (x - mean) / scale would overflow the float32 matrix every estimator reads
            msg = (
                "pipeline mean/scale are outside float32's range (|mean| <= 3.4e38, scale >= "
                "1.2e-38); the standardiser is corrupt"
            )
            raise ModelError(msg)
        if len(set(self.features)) != d:
            msg = "pipeline lists a feature twice"
            raise ModelError(msg)
        self.missing = _check_missing(self.missing, self.features)
        n_in = getattr(self.estimator, "n_features_in_", d)
        if int(n_in) != d:
            msg = f"pipeline has {d} features but its estimator expects {n_in}"
            raise ModelError(msg)

    # ---------------------------------------------------------------- reading
    def read(
        self,
        path: str | os.PathLike[str],
        *,
        tree: str | None = None,
        selection: bool = True,
        extra: Sequence[str] = (),
    ) -> Events:
        """Read this pipeline's features from a file (see :func:`read_events`)."""
        return read_events(
            path,
            self.features,
            tree=self.tree_for(path, tree),
            selection=self.selection,
            missing=self.missing,
            extra=extra,
            apply_selection=selection,
        )

    def tree_for(self, path: str | os.PathLike[str], tree: str | None = None) -> str | None:
        """``tree`` if given, else the training tree for a ROOT file (None for others)."""
        if tree is not None:
            return tree
        return self.tree if Path(path).suffix.lower() == ".root" else None

    def _matrix(self, data: Any, tree: str | None) -> NDArray[np.float32]:
        if isinstance(data, str | os.PathLike):
            values = self.read(data, tree=tree).values
        elif isinstance(data, pd.DataFrame):
            from neyman.data import evaluate_feature, evaluate_selection

            # a column named by the expression serves it; otherwise it is evaluated
            cols = {str(c): data[c].to_numpy() for c in data.columns}
            values = pd.DataFrame(
                {
                    f: cols[f].astype(np.float64) if f in cols else evaluate_feature(f, cols)[0]
                    for f in self.features
                }
            )
            if self.selection is not None:
                values = values.loc[evaluate_selection(self.selection, cols)]
            values = values.reset_index(drop=True)
            values = values.loc[apply_missing(values, self.missing, source="table")]
        else:
            msg = f"score a file path or a DataFrame; got {type(data).__name__}"
            raise DataError(msg)
        return self.transform(values)

    def transform(self, values: pd.DataFrame | NDArray[Any]) -> NDArray[np.float32]:
        """Standardised float32 feature matrix of already-read feature values."""
        arr = values.to_numpy() if isinstance(values, pd.DataFrame) else np.asarray(values)
        return standardise(arr, self.mean, self.scale)

    # ---------------------------------------------------------------- scoring
    def predict_proba(
        self, data: str | os.PathLike[str] | pd.DataFrame, *, tree: str | None = None
    ) -> NDArray[np.float64]:
        """Class probabilities (n, 2) of the events passing the selection and missing policy.

        ``data`` is a file path (the features are read as expressions) or a DataFrame with
        one column per feature expression (and the selection's columns).
        """
        X = self._matrix(data, tree)
        return np.asarray(self.estimator.predict_proba(X), dtype=np.float64)

    def score(
        self, data: str | os.PathLike[str] | pd.DataFrame, *, tree: str | None = None
    ) -> NDArray[np.float64]:
        """The signal score P(signal) per event (see :meth:`predict_proba`)."""
        return self.signal_score(self._matrix(data, tree))

    def signal_score(self, X: NDArray[Any]) -> NDArray[np.float64]:
        """P(signal) of standardised features ``X`` (n, d)."""
        proba = np.asarray(self.estimator.predict_proba(X), dtype=np.float64)
        classes = list(getattr(self.estimator, "classes_", [0, 1]))
        col = classes.index(1) if 1 in classes else proba.shape[1] - 1
        out: NDArray[np.float64] = proba[:, col]
        return out

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> dict[str, Any]:
        """The ``pipeline.json`` document."""
        return {
            "format": _FORMAT,
            "version": PIPELINE_VERSION,
            "features": self.features,
            "selection": self.selection,
            "missing": self.missing,
            "standardiser": {
                "mean": [float(v) for v in self.mean],
                "scale": [float(v) for v in self.scale],
                "arithmetic": "float32 input, (x - mean) / scale in float64, rounded to float32",
            },
            "class_names": self.class_names,
            "classes": [_plain(c) for c in getattr(self.estimator, "classes_", [])],
            "weights": self.weights,
            "tree": self.tree,
            "estimator": type(self.estimator).__name__,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the estimator into ``path`` and write ``pipeline.json`` beside it."""
        from neyman.models.base import add_model_file

        out = Path(self.estimator.save(path))
        # recorded in model.json with its sha256, so loading verifies it like the weights
        add_model_file(out, PIPELINE_FILE, json.dumps(self.to_json(), indent=2) + "\n")
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Pipeline:
        """Load a pipeline saved with :meth:`save`; see :func:`load_pipeline`."""
        return load_pipeline(path)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _field(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: Path) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        msg = f"{where}: field {key!r} is missing or has the wrong type ({short(value)}); save the model again"
        raise ModelError(msg, key=key, path=str(where))
    return value


def load_pipeline(path: str | os.PathLike[str]) -> Pipeline:
    """Read a model directory holding ``pipeline.json``; check every field.

    Raises
    ------
    neyman.errors.ModelError
        Missing or unreadable ``pipeline.json``, a version newer than this neyman reads, a
        field of the wrong type, or a mismatch with the estimator (feature count, classes).
    """
    from neyman.models.base import check_json_depth, load, read_model_file

    root = Path(path)
    doc_path = root / PIPELINE_FILE
    if not doc_path.is_file():
        msg = f"'{root}' has no {PIPELINE_FILE}; it is a bare estimator (load it with neyman.models.load)"
        raise ModelError(msg, path=str(root))
    try:
        # confined to the directory and checked against the checksum model.json records
        doc = json.loads(read_model_file(root, PIPELINE_FILE))
    except (ValueError, RecursionError) as exc:  # ValueError: also a 5000-digit integer
        if isinstance(exc, ModelError):
            raise
        msg = f"'{doc_path}' is not readable JSON ({short(str(exc))}); save the model again"
        raise ModelError(msg, path=str(doc_path)) from None
    check_json_depth(doc, doc_path)
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        msg = f'\'{doc_path}\' is not a neyman pipeline file (no "format": "{_FORMAT}")'
        raise ModelError(msg, path=str(doc_path))
    version = doc.get("version")
    if version != PIPELINE_VERSION:
        msg = (
            f"'{doc_path}' has pipeline version {short(version)}; this neyman reads version "
            f"{PIPELINE_VERSION} (upgrade neyman for newer ones)"
        )
        raise ModelError(msg, path=str(doc_path), key="version", value=short(version))
    features = _field(doc, "features", list, doc_path)
    if not all(isinstance(f, str) for f in features):
        msg = f"'{doc_path}': every feature must be a string"
        raise ModelError(msg, path=str(doc_path), key="features")
    std = _field(doc, "standardiser", dict, doc_path)
    selection = doc.get("selection")
    if selection is not None and not isinstance(selection, str):
        msg = f"'{doc_path}': selection must be a string or null"
        raise ModelError(msg, path=str(doc_path), key="selection")
    tree = doc.get("tree")
    if tree is not None and not isinstance(tree, str):
        msg = f"'{doc_path}': tree must be a string or null"
        raise ModelError(msg, path=str(doc_path), key="tree")
    estimator = load(root)
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and [str(n) for n in names] != features:
        msg = f"'{doc_path}': feature order differs from the estimator's ({short(list(names))})"
        raise ModelError(msg, path=str(doc_path), key="features")
    classes = [_plain(c) for c in getattr(estimator, "classes_", [])]
    if doc.get("classes") != classes:
        msg = f"'{doc_path}': classes {short(doc.get('classes'))} differ from the estimator's {classes}"
        raise ModelError(msg, path=str(doc_path), key="classes")
    try:
        pipe = Pipeline(
            features=features,
            estimator=estimator,
            mean=np.asarray(_field(std, "mean", list, doc_path), dtype=np.float64),
            scale=np.asarray(_field(std, "scale", list, doc_path), dtype=np.float64),
            selection=selection,
            missing=doc.get("missing"),
            class_names=[str(c) for c in _field(doc, "class_names", list, doc_path)],
            weights=dict(_field(doc, "weights", dict, doc_path)),
            tree=tree,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ModelError):
            msg = f"'{doc_path}': {exc}"
            raise ModelError(msg, path=str(doc_path), key=exc.key) from None
        msg = f"'{doc_path}': corrupt standardiser ({short(str(exc))}); save the model again"
        raise ModelError(msg, path=str(doc_path)) from None
    check_scores(pipe, root)
    return pipe


def check_scores(pipe: Pipeline, model_dir: str | os.PathLike[str]) -> None:
    """Score one event at the training mean; refuse a model that cannot or scores NaN.

    The pipeline's side of :func:`neyman.models.base.check_score_probe` (same check, same
    message), which :func:`neyman.models.load` runs on a bare estimator.

    Raises
    ------
    neyman.errors.ModelError
        The estimator fails on a ``(1, d)`` float32 input or gives a non-finite score.
    """
    from neyman.models.base import check_score_probe

    x = np.zeros((1, len(pipe.features)), dtype=np.float32)
    check_score_probe(pipe.signal_score, x, model_dir)


def load_model(path: str | os.PathLike[str]) -> Any:
    """A model directory: its :class:`Pipeline` where ``pipeline.json`` exists, else the bare
    estimator (:func:`neyman.models.load`). This is :func:`neyman.load`."""
    from neyman.models.base import load

    root = Path(path)
    if not root.is_dir():
        msg = f"model directory not found: {root}; give a folder such as out/models/bdt"
        raise ModelError(msg, path=str(root))
    if (root / PIPELINE_FILE).is_file():
        return load_pipeline(root)
    return load(root)
