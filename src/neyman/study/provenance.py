"""What was run: the record that lets a reader of a report reproduce or audit it.

A report that goes into an analysis note must say which files (with their checksums), which
trees, selection and weights, which config, seeds, package versions and command produced
it. :func:`collect_provenance` gathers this from plain inputs; the report renders it as a
table and writes it whole into ``metrics.json`` (key ``provenance``).

Checksums are computed by streaming each file in 1 MiB chunks, so memory stays flat however
large the input.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import os
import platform
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import ArrayLike

from neyman.errors import DataError

__all__ = [
    "PACKAGES",
    "InputFile",
    "Provenance",
    "collect_provenance",
    "count_entries",
    "file_record",
    "package_versions",
    "sha256_file",
    "study_provenance",
    "weight_effect",
]

#: distributions whose versions a report records (those installed)
PACKAGES: tuple[str, ...] = (
    "neyman",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "torch",
    "xgboost",
    "uproot",
    "awkward",
    "pyarrow",
    "matplotlib",
    "mplhep",
    "pyhf",
)

_CHUNK = 1 << 20


def sha256_file(path: Path, *, chunk_size: int = _CHUNK) -> str:
    """SHA-256 of a file's bytes (hex), read in chunks of ``chunk_size`` bytes."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            while block := fh.read(chunk_size):
                digest.update(block)
    except OSError as exc:
        msg = f"cannot read {path} for its checksum: {exc.strerror}"
        raise DataError(msg, path=str(path)) from None
    return digest.hexdigest()


@dataclass(frozen=True)
class InputFile:
    """One input file as it was when the study read it.

    Attributes
    ----------
    role : str
        ``"signal"``, ``"background"`` or ``"file"`` (one labelled file).
    path : str
        Absolute path.
    tree : str or None
        TTree/RNTuple name (ROOT files).
    selection : str or None
        The per-file selection, if any.
    size : int
        Bytes.
    modified : str
        Modification time, ISO 8601 in UTC.
    sha256 : str
        Hex digest of the file's bytes.
    """

    role: str
    path: str
    tree: str | None
    selection: str | None
    size: int
    modified: str
    sha256: str


def file_record(
    path: Path, *, role: str, tree: str | None = None, selection: str | None = None
) -> InputFile:
    """Size, modification time and SHA-256 of one input file."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError as exc:
        msg = f"input file {path} cannot be read: {exc.strerror}"
        raise DataError(msg, path=str(path)) from None
    modified = _dt.datetime.fromtimestamp(st.st_mtime, tz=_dt.UTC).isoformat(timespec="seconds")
    return InputFile(
        role=role,
        path=str(p),
        tree=tree,
        selection=selection,
        size=int(st.st_size),
        modified=modified,
        sha256=sha256_file(p),
    )


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (those not installed are left out); no imports."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def weight_effect(
    y: ArrayLike,
    raw_weight: ArrayLike | None,
    used_weight: ArrayLike | None = None,
    *,
    class_names: Mapping[int, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Per class: events, negative-weight fraction and weight sums before and after a policy.

    Parameters
    ----------
    y : array of shape (n,)
        Labels (1 signal, 0 background).
    raw_weight : array of shape (n,) or None
        The weights as read (None: 1 per event).
    used_weight : array of shape (n,), optional
        The weights after the weight policy (negative-weight handling, class normalisation),
        as the methods saw them.
    class_names : mapping, optional
        Default ``{1: "signal", 0: "background"}``.

    Returns
    -------
    dict
        ``{class: {"events", "negative_fraction", "sum_raw", "sum_abs_raw", "sum_used"}}``.
    """
    labels = np.asarray(y)
    n = len(labels)
    raw = np.ones(n) if raw_weight is None else np.asarray(raw_weight, dtype=np.float64)
    used = raw if used_weight is None else np.asarray(used_weight, dtype=np.float64)
    names = dict(class_names or {1: "signal", 0: "background"})
    out: dict[str, dict[str, float]] = {}
    for label in sorted(np.unique(labels).tolist(), reverse=True):
        m = labels == label
        count = int(m.sum())
        out[names.get(label, str(label))] = {
            "events": float(count),
            "negative_fraction": float(np.mean(raw[m] < 0)) if count else 0.0,
            "sum_raw": float(raw[m].sum()),
            "sum_abs_raw": float(np.abs(raw[m]).sum()),
            "sum_used": float(used[m].sum()),
        }
    return out


@dataclass
class Provenance:
    """Everything about how a study was run; see the module docstring."""

    config_yaml: str
    files: list[InputFile]
    selection: str | None
    events: dict[str, dict[str, int | None]]
    weights: dict[str, Any]
    seeds: dict[str, int]
    versions: dict[str, str]
    command: str
    python: str
    machine: str
    date: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for ``metrics.json``."""
        d = asdict(self)
        d["config"] = yaml.safe_load(self.config_yaml)
        return d


def collect_provenance(
    config: Mapping[str, Any],
    *,
    files: Sequence[InputFile] = (),
    selection: str | None = None,
    events: Mapping[str, Mapping[str, int | None]] | None = None,
    weights: Mapping[str, Any] | None = None,
    seeds: Mapping[str, int] | None = None,
    argv: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Provenance:
    """Gather the provenance of a run.

    Parameters
    ----------
    config : mapping
        The resolved config as run (plain JSON-like values); stored as YAML.
    files : sequence of InputFile
        From :func:`file_record`, one per input file.
    selection : str, optional
        The global selection expression.
    events : mapping, optional
        Per class, ``{"before": n, "after": n}`` events before and after the selection.
    weights : mapping, optional
        The weight policy and its effect (see :func:`weight_effect`).
    seeds : mapping, optional
        Named random seeds.
    argv : sequence of str, optional
        The command line; ``sys.argv`` by default.
    """
    cmd = list(sys.argv if argv is None else argv)
    if cmd:
        cmd[0] = Path(cmd[0]).name
    return Provenance(
        config_yaml=yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True),
        files=list(files),
        selection=selection,
        events={k: dict(v) for k, v in (events or {}).items()},
        weights=dict(weights or {}),
        seeds=dict(seeds or {}),
        versions=package_versions(),
        command=shlex.join(cmd),
        python=platform.python_version(),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        date=_dt.datetime.now(tz=_dt.UTC).isoformat(timespec="seconds"),
        extra=dict(extra or {}),
    )


def count_entries(path: Path, tree: str | None = None) -> int | None:
    """Events in a file before any selection (ROOT and Parquet; ``None`` for other formats).

    Reads only the file's metadata (a TTree's entry count, a Parquet footer).
    """
    from neyman.data.io import file_format

    fmt = file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.read_metadata(path).num_rows)
    if fmt == "root":
        import uproot

        with uproot.open(path) as f:
            if tree is None:
                names = [k for k, c in f.classnames().items() if c in ("TTree", "ROOT::RNTuple")]
                if not names:
                    return None
                tree = names[0].split(";")[0]
            return int(f[tree].num_entries)
    return None


def _paths(path: Any) -> list[Path]:
    """The files a source names: one path, a glob or a list of either (sorted, unique)."""
    import glob

    items = path if isinstance(path, list | tuple) else [path]
    out: list[Path] = []
    for item in items:
        text = str(item)
        # an absolute pattern such as /data/*.root: Path.glob takes relative patterns only
        matches = sorted(glob.glob(text)) if any(c in text for c in "*?[") else [text]  # noqa: PTH207
        out += [Path(m) for m in matches if Path(m) not in out]
    return out


def _entries(path: Any, tree: str | None) -> int | None:
    total = 0
    for p in _paths(path):
        n = count_entries(p, tree)
        if n is None:
            return None
        total += n
    return total


def study_provenance(
    cfg: Any,
    y: ArrayLike | None,
    raw_weight: ArrayLike | None,
    used_weight: ArrayLike | None = None,
    *,
    events: Mapping[str, Mapping[str, int]] | None = None,
    weights: Mapping[str, Any] | None = None,
    argv: Sequence[str] | None = None,
) -> Provenance:
    """The provenance of a study run from its config and the events it used.

    Parameters
    ----------
    cfg : StudyConfig
        The validated config (its ``data`` section names the files and the weight policy).
    y : array of shape (n,)
        Labels of the events the study used (after selection).
    raw_weight, used_weight : array of shape (n,), optional
        Weights as read, and as the methods saw them (after the weight policy).
    events : mapping, optional
        Per source, ``{"read": n, "kept": n}`` as the loader counted them; by default the
        files' entry counts (:func:`count_entries`) and the events used per class.
    weights : mapping, optional
        The weight policy and its effect as the study summarised it; by default the policy
        keys of ``cfg.data`` and :func:`weight_effect`.
    argv : sequence of str, optional
        The command line (``sys.argv`` by default).
    """
    d = cfg.data
    labels = np.asarray([] if y is None else y)
    after = {"signal": int(np.sum(labels == 1)), "background": int(np.sum(labels == 0))}
    files: list[InputFile] = []
    counts: dict[str, dict[str, int | None]] = {}
    for role in ("signal", "background", "file"):
        src = getattr(d, role, None)
        if src is None:
            continue
        for path in _paths(src.path):
            files.append(file_record(path, role=role, tree=src.tree, selection=src.selection))
        if events is None:
            before = _entries(src.path, src.tree)
            counts[role] = {"before": before, "after": after.get(role, int(len(labels)))}
    if events is not None:
        counts = {k: {"before": v.get("read"), "after": v.get("kept")} for k, v in events.items()}
    elif not counts:
        counts = {k: {"before": None, "after": v} for k, v in after.items()}
    if weights is None:
        policy: dict[str, Any] = {"weight column": d.weight or "none (1 per event)"}
        for key in ("negative_weights", "normalise"):
            value = getattr(d, key, None)
            if value is not None:
                policy[key] = value
        policy["effect"] = weight_effect(labels, raw_weight, used_weight)
    else:
        policy = dict(weights)
    seeds = {
        "random_state": int(cfg.random_state),
        "split.random_state": int(cfg.split.random_state),
    }
    return collect_provenance(
        cfg.model_dump(mode="json"),
        files=files,
        selection=d.selection,
        events=counts,
        weights=policy,
        seeds=seeds,
        argv=argv,
    )
