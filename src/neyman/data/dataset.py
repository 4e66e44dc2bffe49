"""The event container every other part of neyman consumes.

A :class:`Dataset` is columnar and explicit: features ``X``, labels or targets ``y``, event
weights, feature names, and, for generated problems, the exact log-likelihood ratio per event
(``truth``) against which any method can be judged. Splits never leak: a :class:`Standardizer`
is fit on the training part only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from rich.table import Table

from neyman.errors import DataError, MissingColumnError, did_you_mean, short

__all__ = [
    "Dataset",
    "DatasetSplit",
    "Standardizer",
    "Summary",
    "check_feature_roles",
    "check_weights",
]

FloatArray = npt.NDArray[np.floating[Any]]
NanPolicy = Literal["raise", "drop"]


@dataclass
class Summary:
    """What :meth:`Dataset.summary` returns: per-class counts and per-feature statistics."""

    name: str
    classes: pd.DataFrame
    features: pd.DataFrame

    def to_rich(self) -> Table:
        """A rich table of the per-feature statistics with the class counts as caption."""
        table = Table(title=f"Dataset {self.name}".strip(), title_justify="left")
        for col in ["feature", *self.features.columns]:
            table.add_column(str(col), justify="left" if col == "feature" else "right")
        for feat, row in self.features.iterrows():
            cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
            table.add_row(str(feat), *cells)
        lines = [
            f"{cls}: {int(r['events'])} events, weighted {r['weighted']:.6g}"
            for cls, r in self.classes.iterrows()
        ]
        table.caption = "; ".join(lines)
        table.caption_justify = "left"
        return table

    def __rich__(self) -> Table:
        return self.to_rich()

    def __str__(self) -> str:
        return f"{self.classes.to_string()}\n\n{self.features.to_string()}"


@dataclass
class DatasetSplit:
    """Train, validation and test parts of one :class:`Dataset` (validation may be empty)."""

    train: Dataset
    val: Dataset
    test: Dataset

    def __iter__(self) -> Iterator[Dataset]:
        return iter((self.train, self.val, self.test))


#: the largest magnitude float32 holds; features beyond it would become inf
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: weights above this are refused: their squares (in variances) overflow float64
HUGE_WEIGHT = 1e150


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_weights(
    weight: np.ndarray, what: str = "weight", *, require_nonzero: bool = True
) -> None:
    """Refuse NaN/inf, huge (finite but > 1e150) and all-zero event weights, one line each.

    ``what`` names the weights in the message, e.g. ``"weight column 'genWeight'"``.
    ``require_nonzero=False`` allows all-zero weights (a subset of events may have them).
    """
    w = np.asarray(weight, dtype=np.float64)
    bad = ~np.isfinite(w)
    if bad.any():
        i = _first(bad)
        msg = (
            f"{what} is {w[i]} in {int(bad.sum())} of {w.size} events (first: event {i}); "
            "fix or remove those events"
        )
        raise DataError(msg, key=what, value=float(w[i]))
    huge = np.abs(w) > HUGE_WEIGHT
    if huge.any():
        i = _first(huge)
        msg = (
            f"{what} has huge values ({w[i]:.3g} at event {i}, {int(huge.sum())} events; finite, "
            f"but above {HUGE_WEIGHT:.0e}, where sums of squares overflow); rescale the weights"
        )
        raise DataError(msg, key=what, value=float(w[i]))
    if require_nonzero and w.size and not w.any():
        msg = f"{what} is zero for all {w.size} events; give non-zero weights or leave weight unset"
        raise DataError(msg, key=what)


def check_feature_roles(
    features: Sequence[str],
    *,
    label: str | None = None,
    weight: str | None = None,
    truth: str | None = None,
    reads: Callable[[str], Sequence[str]] | None = None,
) -> None:
    """Refuse a feature that is (or reads) the label, weight or truth column.

    A model given its own answer scores perfectly on every split and learns nothing.
    ``reads`` maps a feature to the columns it reads (an expression such as ``label * 2``
    reads ``label``); by default a feature reads the column of its own name.
    """
    for role, col in (("label", label), ("weight", weight), ("truth", truth)):
        if col is None:
            continue
        for f in features:
            if f == col:
                how = "is also listed as a feature"
            elif reads is not None and col in reads(f):
                how = f"is read by the feature '{short(f, 80)}'"
            else:
                continue
            why = "how much an event counts" if role == "weight" else "the answer"
            msg = (
                f"'{col}' is the {role} column and {how}; remove it from the features "
                f"(a model must not see {why})"
            )
            raise DataError(msg, key=col, value=f)


def _check_huge_features(X: np.ndarray, names: Sequence[str] | None) -> None:
    """Finite values beyond float32's range would silently become inf: refuse them."""
    if X.dtype.kind != "f" or X.dtype.itemsize <= 4 or X.size == 0:
        return
    flat = X.reshape(X.shape[0], -1)
    with np.errstate(invalid="ignore"):
        huge = np.isfinite(flat) & (np.abs(flat) > FLOAT32_MAX)
    if not huge.any():
        return
    row, col = np.argwhere(huge)[0]
    name = names[col] if names is not None and col < len(names) else f"x{col}"
    msg = (
        f"feature '{name}' has huge values ({flat[row, col]:.3g} at event {row}; finite, but "
        f"beyond float32's range {FLOAT32_MAX:.2g}); rescale it (e.g. a unit or a log)"
    )
    raise DataError(msg, key=str(name), value=float(flat[row, col]))


#: the fewest events of each class that each part of a split (train, val, test) must hold
MIN_PER_PART = 2


def _part_sizes(n: int, val: float, test: float) -> tuple[int, int, int]:
    """Train, validation and test sizes of one class of ``n`` events in :meth:`Dataset.split`."""
    n_test = round(test * n)
    n_val = round(val * n)
    return n - n_test - n_val, n_val, n_test


def _least_per_class(val: float, test: float, k: int) -> int:
    """The fewest events of a class for which every part of the split gets ``k`` or more."""
    n = k
    while True:  # ends: each part grows with n, since val + test < 1
        sizes = _part_sizes(n, val, test)
        if sizes[0] >= k and (test == 0 or sizes[2] >= k) and (val == 0 or sizes[1] >= k):
            return n
        n += 1


def _as_1d(values: Any, n: int, what: str, dtype: Any = None) -> np.ndarray:
    arr = np.asarray(values, dtype=dtype)
    if arr.ndim != 1 or arr.shape[0] != n:
        msg = f"{what} has shape {arr.shape}, but X has {n} events; give one value per event"
        raise DataError(msg)
    return arr


@dataclass
class Dataset:
    """Events with features, labels (or regression targets), weights and optional truth.

    Parameters
    ----------
    X : array of shape (n, d) or (n, c, h, w)
        Features, stored as float32.
    y : array of shape (n,), optional
        Class labels (int64; 1 = signal, 0 = background for two classes) or float targets.
    weight : array of shape (n,), optional
        Event weights; ones when not given.
    feature_names : list of str, optional
        One name per feature column; ``x0, x1, ...`` when not given.
    truth : array of shape (n,), optional
        Exact log-likelihood ratio ``log p_s(x)/p_b(x)`` per event, for generated problems.
    feature_groups : dict of str to list of str, optional
        Named subsets of features, e.g. ``{"low": [...], "high": [...]}``.
    class_names : list of str, optional
        Name per class label, e.g. ``["background", "signal"]``.
    target_name : str
        Name of the ``y`` column in :meth:`to_frame`.
    name : str
        Short name shown in summaries and reports.
    meta : dict
        Free-form provenance: description, citation, licence, source URL.

    Examples
    --------
    >>> import numpy as np
    >>> ds = Dataset(np.zeros((4, 2)), y=[0, 1, 0, 1], feature_names=["a", "b"])
    >>> ds.n_events, ds.n_features, ds.X.dtype
    (4, 2, dtype('float32'))
    """

    X: np.ndarray
    y: np.ndarray | None = None
    weight: np.ndarray | None = None
    feature_names: list[str] | None = None
    truth: np.ndarray | None = None
    feature_groups: dict[str, list[str]] = field(default_factory=dict)
    class_names: list[str] | None = None
    target_name: str = "label"
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        X = np.asarray(self.X)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim not in (2, 4):
            msg = f"X must have shape (n, d) or (n, c, h, w); got {X.shape}"
            raise DataError(msg)
        if not np.issubdtype(X.dtype, np.number) and X.dtype != np.bool_:
            msg = f"X must be numeric; got dtype {X.dtype}"
            raise DataError(msg)
        _check_huge_features(X, self.feature_names)
        self.X = np.ascontiguousarray(X, dtype=np.float32)
        n = self.X.shape[0]
        if self.y is not None:
            y = _as_1d(self.y, n, "y")
            if np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_:
                y = y.astype(np.int64)
            elif np.issubdtype(y.dtype, np.floating):
                y = y.astype(np.float64)
                bad = ~np.isfinite(y)
                if bad.any():
                    i = _first(bad)
                    msg = (
                        f"{self.target_name} is {y[i]} in {int(bad.sum())} events (first: event "
                        f"{i}); every event needs a label (or target); fix or remove them"
                    )
                    raise DataError(msg, key=self.target_name, value=float(y[i]))
            self.y = y
        self.weight = (
            np.ones(n, dtype=np.float64)
            if self.weight is None
            else _as_1d(self.weight, n, "weight", np.float64)
        )
        check_weights(self.weight, require_nonzero=False)
        if self.truth is not None:
            self.truth = _as_1d(self.truth, n, "truth", np.float64)
        d = self.X.shape[1] if self.X.ndim == 2 else int(np.prod(self.X.shape[1:]))
        if self.feature_names is None:
            self.feature_names = [f"x{i}" for i in range(d)]
        else:
            self.feature_names = [str(f) for f in self.feature_names]
            if len(self.feature_names) != d:
                msg = f"{len(self.feature_names)} feature names given for {d} features"
                raise DataError(msg)
            if len(set(self.feature_names)) != d:
                dup = sorted({f for f in self.feature_names if self.feature_names.count(f) > 1})
                msg = f"duplicate feature names: {', '.join(dup)}"
                raise DataError(msg)
        for group, members in self.feature_groups.items():
            for m in members:
                if m not in self.feature_names:
                    msg = f"feature group '{group}' names '{m}', which is not a feature{did_you_mean(m, self.feature_names)}"
                    raise MissingColumnError(msg)

    # ----------------------------------------------------------------- basic facts
    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns (channels x pixels for images)."""
        assert self.feature_names is not None  # set in __post_init__
        return len(self.feature_names)

    @property
    def is_image(self) -> bool:
        """True for (n, c, h, w) image data."""
        return self.X.ndim == 4

    @property
    def is_classification(self) -> bool:
        """True when ``y`` holds integer class labels."""
        return self.y is not None and np.issubdtype(self.y.dtype, np.integer)

    @property
    def classes(self) -> np.ndarray:
        """Sorted distinct labels."""
        if self.y is None:
            return np.array([], dtype=np.int64)
        return np.unique(self.y)

    def __len__(self) -> int:
        return self.n_events

    def _require_y(self, what: str) -> np.ndarray:
        if self.y is None:
            msg = f"{what} needs labels, but dataset '{self.name}' has no y; pass y= or a label column"
            raise DataError(msg)
        return self.y

    def require_classes(self, n_min: int = 2) -> None:
        """Raise DataError unless at least ``n_min`` classes are present."""
        y = self._require_y("classification")
        found = np.unique(y)
        if found.size < n_min:
            msg = (
                f"dataset '{self.name}' has only class {found.tolist()} but {n_min} classes are "
                "needed; add events of the other class (e.g. a background source)"
            )
            raise DataError(msg)

    def check_finite(self, nan_policy: NanPolicy = "raise") -> Dataset:
        """Check features for NaN/inf; raise naming the columns, or drop rows and say how many.

        Returns the dataset itself (``"raise"``) or a copy without the bad rows (``"drop"``).
        """
        flat = self.X.reshape(self.n_events, -1)
        bad = ~np.isfinite(flat)
        if not bad.any():
            return self
        counts = bad.sum(axis=0)
        assert self.feature_names is not None
        cols = [f"{self.feature_names[i]} ({counts[i]})" for i in np.flatnonzero(counts)]
        rows = bad.any(axis=1)
        if nan_policy == "drop":
            kept = self.subset(np.flatnonzero(~rows))
            kept.meta = {**kept.meta, "dropped_nonfinite": int(rows.sum())}
            return kept
        msg = (
            f"NaN/inf in features of '{self.name or 'dataset'}': {', '.join(cols[:10])}; "
            f"{int(rows.sum())} events affected; clean them, or drop those events with "
            "nan_policy='drop' (Dataset.from_frame)"
        )
        raise DataError(msg)

    # ----------------------------------------------------------------- summary
    def summary(self) -> Summary:
        """Events and weighted sums per class; min/max/mean/std and NaN count per feature."""
        assert self.feature_names is not None and self.weight is not None
        if self.y is not None and self.is_classification:
            labels = self.classes
            rows = []
            for lab in labels:
                m = self.y == lab
                cname = (
                    self.class_names[int(lab)]
                    if self.class_names and 0 <= int(lab) < len(self.class_names)
                    else str(lab)
                )
                rows.append((cname, int(m.sum()), float(self.weight[m].sum())))
            classes = pd.DataFrame(rows, columns=["class", "events", "weighted"]).set_index("class")
        else:
            classes = pd.DataFrame(
                [("all", self.n_events, float(self.weight.sum()))],
                columns=["class", "events", "weighted"],
            ).set_index("class")
        flat = self.X.reshape(self.n_events, -1).astype(np.float64)
        finite = np.where(np.isfinite(flat), flat, np.nan)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                feats = pd.DataFrame(
                    {
                        "min": np.nanmin(finite, axis=0) if self.n_events else np.nan,
                        "max": np.nanmax(finite, axis=0) if self.n_events else np.nan,
                        "mean": np.nanmean(finite, axis=0) if self.n_events else np.nan,
                        "std": np.nanstd(finite, axis=0) if self.n_events else np.nan,
                        "nan": (~np.isfinite(flat)).sum(axis=0),
                    },
                    index=pd.Index(self.feature_names, name="feature"),
                )
        return Summary(self.name, classes, feats)

    # ----------------------------------------------------------------- selection
    def subset(self, index: npt.ArrayLike) -> Dataset:
        """The events at ``index`` (integer positions or a boolean mask), as a new Dataset."""
        idx = np.asarray(index)
        return replace(
            self,
            X=self.X[idx],
            y=None if self.y is None else self.y[idx],
            weight=None if self.weight is None else self.weight[idx],
            truth=None if self.truth is None else self.truth[idx],
            feature_groups=dict(self.feature_groups),
            meta=dict(self.meta),
        )

    def select(self, features: str | Sequence[str]) -> Dataset:
        """Keep the named features, or the features of the named group (e.g. ``"high"``)."""
        assert self.feature_names is not None
        if self.is_image:
            msg = "select() works on tabular datasets, not images"
            raise DataError(msg)
        if isinstance(features, str):
            if features in self.feature_groups:
                names = list(self.feature_groups[features])
            elif features in self.feature_names:
                names = [features]
            else:
                options = [*self.feature_groups, *self.feature_names]
                msg = f"'{features}' is neither a feature group nor a feature{did_you_mean(features, options)}"
                raise MissingColumnError(msg)
        else:
            names = [str(f) for f in features]
        cols = []
        for f in names:
            if f not in self.feature_names:
                msg = f"feature '{f}' not in dataset '{self.name}'{did_you_mean(f, self.feature_names)}"
                raise MissingColumnError(msg)
            cols.append(self.feature_names.index(f))
        groups = {
            g: [m for m in mem if m in names]
            for g, mem in self.feature_groups.items()
            if all(m in names for m in mem)
        }
        return replace(
            self,
            X=self.X[:, cols],
            feature_names=names,
            feature_groups=groups,
            meta=dict(self.meta),
        )

    # ----------------------------------------------------------------- splitting
    def split(
        self,
        val: float = 0.0,
        test: float = 0.25,
        *,
        stratify: bool = True,
        random_state: int | np.random.Generator | None = None,
    ) -> DatasetSplit:
        """Split into train/validation/test parts by event fractions.

        Stratified by class when ``y`` holds labels (so each part keeps the class balance).
        The same ``random_state`` gives the same split.
        """
        for name, frac in (("val", val), ("test", test)):
            if not 0.0 <= frac < 1.0:
                msg = f"split fraction {name}={frac} must be in [0, 1)"
                raise DataError(msg)
        if val + test >= 1.0:
            msg = f"val + test = {val + test} leaves no training events; choose fractions that sum below 1"
            raise DataError(msg)
        rng = np.random.default_rng(random_state)
        n = self.n_events
        parts: list[list[np.ndarray]] = [[], [], []]
        if stratify and self.is_classification:
            assert self.y is not None
            groups = [np.flatnonzero(self.y == c) for c in self.classes]
        else:
            groups = [np.arange(n)]
        for g in groups:
            g = rng.permutation(g)
            _, n_val, n_test = _part_sizes(g.size, val, test)
            parts[2].append(g[:n_test])
            parts[1].append(g[n_test : n_test + n_val])
            parts[0].append(g[n_test + n_val :])
        idx = [np.sort(np.concatenate(p)) for p in parts]
        return DatasetSplit(*(self.subset(i) for i in idx))

    def require_split(
        self, val: float, test: float, *, min_per_part: int = MIN_PER_PART, what: str = "split"
    ) -> None:
        """Raise DataError unless :meth:`split` gives every part ``min_per_part`` events per class.

        Training, validation (when ``val > 0``) and test each need events of every class: a
        classifier learns nothing from one class, and a ROC needs both. The message names the
        events found per class and the least number per class that ``val``/``test`` need.
        """
        y = self._require_y("a split")
        if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
            return  # split() names the bad fractions
        classes, counts = np.unique(y, return_counts=True)
        need = _least_per_class(val, test, min_per_part)
        if counts.min() >= need:
            return
        names = self.class_names or []
        found = ", ".join(
            f"{names[int(c)] if 0 <= int(c) < len(names) else c} {n}"
            for c, n in zip(classes.tolist(), counts.tolist(), strict=True)
        )
        parts = ", ".join(p for p, f in (("training", 1), ("validation", val), ("test", test)) if f)
        msg = (
            f"too few events for the {what} (val={val:g}, test={test:g}): it needs at least "
            f"{need} events of each class ({min_per_part} in each of {parts}); found {found}; "
            "add events or loosen the selection"
        )
        raise DataError(msg, value=int(counts.min()))

    def kfold(
        self, k: int = 5, *, stratify: bool = True, random_state: int | None = None
    ) -> Iterator[tuple[Dataset, Dataset]]:
        """Yield ``(train, test)`` pairs of k-fold cross-validation (stratified by class)."""
        from sklearn.model_selection import KFold, StratifiedKFold

        if k < 2 or k > self.n_events:
            msg = f"kfold needs 2 <= k <= number of events ({self.n_events}); got k={k}"
            raise DataError(msg)
        if stratify and self.is_classification:
            assert self.y is not None
            splitter: Any = StratifiedKFold(k, shuffle=True, random_state=random_state)
            it = splitter.split(np.zeros(self.n_events), self.y)
        else:
            splitter = KFold(k, shuffle=True, random_state=random_state)
            it = splitter.split(np.zeros(self.n_events))
        for tr, te in it:
            yield self.subset(tr), self.subset(te)

    # ----------------------------------------------------------------- pandas
    def to_frame(self) -> pd.DataFrame:
        """Features, target, ``weight`` and ``truth`` columns as a DataFrame (tabular only)."""
        if self.is_image:
            msg = "to_frame() works on tabular datasets; flatten images first"
            raise DataError(msg)
        df = pd.DataFrame(self.X, columns=self.feature_names)
        if self.y is not None:
            df[self.target_name] = self.y
        df["weight"] = self.weight
        if self.truth is not None:
            df["truth"] = self.truth
        return df

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        features: Sequence[str] | None = None,
        target: str | None = "label",
        weight: str | None = None,
        truth: str | None = None,
        name: str = "",
        feature_groups: Mapping[str, list[str]] | None = None,
        nan_policy: NanPolicy = "raise",
    ) -> Dataset:
        """Build a Dataset from DataFrame columns, naming any missing column and its neighbours.

        ``features=None`` takes every column except the target, weight and truth columns.
        NaN/inf in features raises (``nan_policy="raise"``) or drops those rows (``"drop"``).
        """
        cols = [str(c) for c in df.columns]
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            msg = f"the table has columns named {', '.join(repr(d) for d in dup)} more than once; give each column its own name"
            raise DataError(msg, key=dup[0], available=cols)
        special = {c for c in (target, weight, truth) if c is not None}
        if target is not None and target not in cols:
            if target == "label" and "label" not in cols:
                target = None  # no label column: unlabelled data is allowed by default
            else:
                msg = f"target column '{target}' not found{did_you_mean(target, cols)}"
                raise MissingColumnError(msg, key=target, available=cols)
        for kind, c in (("weight", weight), ("truth", truth)):
            if c is not None and c not in cols:
                msg = f"{kind} column '{c}' not found{did_you_mean(c, cols)}"
                raise MissingColumnError(msg, key=c, available=cols)
        if features is None:
            feats = [c for c in cols if c not in special]
        else:
            feats = [str(f) for f in features]
            twice = sorted({f for f in feats if feats.count(f) > 1})
            if twice:
                msg = f"feature {', '.join(repr(f) for f in twice)} is listed more than once; list each feature once"
                raise DataError(msg, key=twice[0], available=feats)
            check_feature_roles(feats, label=target, weight=weight, truth=truth)
            for f in feats:
                if f not in cols:
                    msg = f"feature '{f}' not found{did_you_mean(f, cols)}"
                    raise MissingColumnError(msg, key=f, available=cols)
        X = _numeric_block(df, feats)
        y = None if target is None else df[target].to_numpy()
        w = None
        if weight is not None:
            w = _numeric_block(df, [weight])[:, 0].astype(np.float64)
            check_weights(w, f"weight column '{weight}'")
        ds = cls(
            X,
            y=y,
            weight=w,
            truth=None if truth is None else _numeric_block(df, [truth])[:, 0],
            feature_names=feats,
            feature_groups=dict(feature_groups or {}),
            target_name=target or "label",
            name=name,
        )
        return ds.check_finite(nan_policy)

    @classmethod
    def from_sources(
        cls,
        *,
        signal: Dataset | pd.DataFrame | np.ndarray,
        background: Dataset | pd.DataFrame | np.ndarray,
        features: Sequence[str] | None = None,
        weight: str | None = None,
        name: str = "",
    ) -> Dataset:
        """Label signal events 1 and background events 0 and concatenate them.

        Sources may be Datasets, DataFrames (``features``/``weight`` pick columns) or arrays.
        """

        def as_ds(src: Dataset | pd.DataFrame | np.ndarray, what: str) -> Dataset:
            if isinstance(src, Dataset):
                return src if features is None else src.select(list(features))
            if isinstance(src, pd.DataFrame):
                return cls.from_frame(src, features=features, target=None, weight=weight, name=what)
            return cls(np.asarray(src), feature_names=None if features is None else list(features))

        s, b = as_ds(signal, "signal"), as_ds(background, "background")
        if s.feature_names != b.feature_names:
            msg = f"signal and background have different features: {s.feature_names} vs {b.feature_names}"
            raise DataError(msg)
        for part, what in ((s, "signal"), (b, "background")):
            if part.n_events == 0:
                msg = f"the {what} source has no events; check its file and selection"
                raise DataError(msg)
        assert s.weight is not None and b.weight is not None
        truth = None
        if s.truth is not None and b.truth is not None:
            truth = np.concatenate([s.truth, b.truth])
        return cls(
            np.concatenate([s.X, b.X]),
            y=np.concatenate([np.ones(s.n_events, np.int64), np.zeros(b.n_events, np.int64)]),
            weight=np.concatenate([s.weight, b.weight]),
            feature_names=s.feature_names,
            truth=truth,
            feature_groups=dict(s.feature_groups),
            class_names=["background", "signal"],
            name=name,
        )


def _numeric_block(df: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
    """Columns as one float64 array; text in a column is a one-line error naming it."""
    for c in cols:
        col = df[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        values = pd.to_numeric(col, errors="coerce")
        bad = values.isna().to_numpy() & col.notna().to_numpy()
        if bad.any():
            i = _first(bad)
            msg = f"column '{c}' is not numeric (event {i} holds {short(str(col.iloc[i]), 40)!r}); use numeric columns as features, weights and truth"
            raise DataError(msg, key=str(c), value=col.iloc[i])
    return df[list(cols)].to_numpy(dtype=np.float64)


@dataclass
class Standardizer:
    """Shift and scale features to zero mean and unit variance, fit on training events only.

    Parameters
    ----------
    units : dict of str to float, optional
        Instead of standardising, divide the named features by a fixed unit, e.g.
        ``{"pt1": 100.0}`` turns GeV into units of 100 GeV (no shift). Other features are
        standardised unless ``standardize=False``.
    standardize : bool
        Standardise the features that have no fixed unit.
    """

    units: dict[str, float] | None = None
    standardize: bool = True
    mean_: np.ndarray | None = None
    scale_: np.ndarray | None = None

    def fit(self, ds: Dataset) -> Standardizer:
        """Learn per-feature shift and scale from ``ds`` (weighted by event weights)."""
        assert ds.feature_names is not None and ds.weight is not None
        flat = ds.X.reshape(ds.n_events, -1).astype(np.float64)
        w = ds.weight if np.all(ds.weight >= 0) and ds.weight.sum() > 0 else np.ones(ds.n_events)
        d = flat.shape[1]
        mean = np.zeros(d)
        scale = np.ones(d)
        if self.standardize and ds.n_events:
            mean = np.average(flat, axis=0, weights=w)
            std = np.sqrt(np.average((flat - mean) ** 2, axis=0, weights=w))
            scale = np.where(std > 0, std, 1.0)
        for fname, unit in (self.units or {}).items():
            if fname not in ds.feature_names:
                msg = f"units= names feature '{fname}', which is not in the dataset{did_you_mean(fname, ds.feature_names)}"
                raise MissingColumnError(msg)
            if not unit > 0:
                msg = f"unit for '{fname}' must be > 0; got {unit}"
                raise DataError(msg)
            i = ds.feature_names.index(fname)
            mean[i], scale[i] = 0.0, float(unit)
        self.mean_, self.scale_ = mean, scale
        return self

    def transform(self, ds: Dataset) -> Dataset:
        """Return a copy of ``ds`` with scaled features."""
        if self.mean_ is None or self.scale_ is None:
            msg = "Standardizer is not fitted; call fit(train) first"
            raise DataError(msg)
        flat = ds.X.reshape(ds.n_events, -1)
        if flat.shape[1] != self.mean_.size:
            msg = f"Standardizer was fit on {self.mean_.size} features; got {flat.shape[1]}"
            raise DataError(msg)
        out = ((flat - self.mean_) / self.scale_).astype(np.float32).reshape(ds.X.shape)
        return replace(ds, X=out, meta=dict(ds.meta))

    def fit_transform(self, ds: Dataset) -> Dataset:
        """Fit on ``ds`` and transform it."""
        return self.fit(ds).transform(ds)
