"""Reading and writing event tables: ROOT, Parquet, CSV, HDF5 and NumPy files.

Every reader returns a pandas DataFrame of flat numeric columns, so the rest of neyman never
cares where events came from. :func:`iter_table` yields chunks with bounded memory for files
larger than RAM. Writers go to a temporary file that is renamed into place, so an interrupted
write never leaves a half-written file under the final name.

Read this after :mod:`neyman.data.dataset`.
"""

from __future__ import annotations

import ast
import gzip
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neyman._util.fs import atomic_path, check_parent_folders
from neyman.data import _root
from neyman.data._integrity import RECORD, ColumnCheck, record_text
from neyman.data.expressions import (
    Expression,
    _shown,
    evaluate_feature,
    evaluate_selection,
    parse_expression,
    parse_selection,
)
from neyman.errors import (
    ConfigError,
    DataError,
    MissingColumnError,
    NeymanWarning,
    did_you_mean,
    short,
)

__all__ = [
    "SUPPORTED_READ",
    "MissingPolicy",
    "PathOrPaths",
    "expand_paths",
    "SUPPORTED_WRITE",
    "file_format",
    "iter_table",
    "read_table",
    "write_table",
]

SUPPORTED_READ = (".root", ".parquet", ".pq", ".csv", ".csv.gz", ".txt", ".data", ".data.gz",
                  ".h5", ".hdf5", ".npy", ".npz")  # fmt: skip
SUPPORTED_WRITE = (".parquet", ".pq", ".root", ".h5", ".hdf5", ".csv", ".csv.gz", ".npy")

log = logging.getLogger("neyman")

_FORMATS = {
    ".root": "root",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".txt": "csv",
    ".data": "csv",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".npy": "npy",
    ".npz": "npz",
}


def file_format(path: str | os.PathLike[str], *, write: bool = False) -> str:
    """The format name for a path from its extension (``.gz`` allowed on CSV)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
        if suffixes and _FORMATS.get(suffixes[-1]) == "csv":
            return "csv"
    ext = suffixes[-1] if suffixes else ""
    fmt = _FORMATS.get(ext)
    allowed = SUPPORTED_WRITE if write else SUPPORTED_READ
    if fmt is None or (write and fmt == "npz"):
        msg = f"{p}: unsupported file type '{ext or p.name}'; supported: {', '.join(allowed)}"
        raise DataError(msg)
    return fmt


def _check_file(path: Path) -> None:
    if not path.exists():
        msg = f"file not found: {path}; check the path (relative paths start at {Path.cwd()})"
        raise DataError(msg)
    if path.is_dir():
        msg = f"{path} is a directory; give an event file"
        raise DataError(msg)
    if path.stat().st_size == 0:
        msg = f"{path} is empty (0 bytes); regenerate or re-download it"
        raise DataError(msg)


MissingPolicy = str | Mapping[str, float]
"""``"error"`` (default), ``"drop"``, or ``{expression: fill value}``; see :func:`read_table`."""

_NAME_LIKE = re.compile(r"^[\w.\-/:#@ ]+$")


@dataclass
class _Plan:
    """What to read from a source and how to turn it into the output table."""

    out: list[str]  # output columns, in order (expression texts)
    plain: set[str]  # output columns read as they are
    raw: list[str]  # source columns to read
    where: str | None
    source: str  # "file.root:Events", for messages
    split: dict[str, tuple[str, int]] = field(default_factory=dict)  # "x[1]" -> ("x", 1)


def _parse_column(text: str, available: Sequence[str], source: str) -> Expression:
    try:
        return parse_expression(text)
    except ConfigError:
        if _NAME_LIKE.match(text):  # a plain name that is not there, e.g. 'class'
            msg = f"column '{text}' not in {source}{did_you_mean(text, available)}"
            raise MissingColumnError(msg, key=text, path=source, available=available) from None
        raise


def _as_expression(text: str) -> Expression | None:
    """``text`` parsed as a computed expression, or None when it can only be a column name.

    A single name (``pt``) or a single element (``x[1]``, which a table that holds a column
    of that name serves as the same number) is not a computation, so it is never ambiguous.
    """
    try:
        expr = parse_expression(text)
    except ConfigError:
        return None
    if expr.is_name or (isinstance(expr.tree.body, ast.Subscript) and text in expr.indexed):
        return None
    return expr


def _warn_if_ambiguous(name: str, avail: set[str], source: str) -> None:
    """A column named like an expression of other columns (``x/1`` beside ``x``) is read as
    the column; say so, since the other reading is just as plausible."""
    expr = _as_expression(name)
    if expr is None or not all(b in avail for b in expr.columns_for(avail)):
        return
    msg = (
        f"'{_shown(name, 80)}' in {source} is a column and also an expression of its columns "
        f"({', '.join(expr.branches)}); the column is read; write '({_shown(name, 80)})' to "
        "compute the expression instead"
    )
    warnings.warn(msg, NeymanWarning, stacklevel=1)


def _plan(
    available: Sequence[str],
    columns: Sequence[str] | None,
    where: str | None,
    source: str,
    *,
    default: Sequence[str] | None = None,
    check_plain: Callable[[str], None] | None = None,
    split: Mapping[str, tuple[str, int]] | None = None,
    check_readable: Callable[[str], None] | None = None,
) -> _Plan:
    """Resolve output columns and the selection into the source columns they need.

    A column that is in the source is read as it is; anything else is an expression of the
    restricted grammar (:mod:`neyman.data.expressions`) whose names must be in the source.
    """
    avail = set(available)
    out = [
        str(c)
        for c in (
            list(default if default is not None else available) if columns is None else columns
        )
    ]
    raw: dict[str, None] = {}
    plain: set[str] = set()

    def need(expr: Expression) -> None:
        for name in expr.columns_for(avail):
            if name not in avail:
                where_used = "" if name == expr.text else f" (used in '{_shown(expr.text, 80)}')"
                msg = f"column '{name}'{where_used} not in {source}{did_you_mean(name, available)}"
                raise MissingColumnError(msg, key=name, path=source, available=available)
            if check_readable is not None:
                check_readable(name)
            raw[name] = None

    derived: dict[str, tuple[str, int]] = {}
    for c in out:
        if c in avail:
            if check_plain is not None:
                check_plain(c)
            if columns is not None:  # a name the caller wrote, which may read two ways
                _warn_if_ambiguous(c, avail, source)
            plain.add(c)
            raw[c] = None
        elif split and c in split:  # an element of a fixed-size array, e.g. 'evt/a[10][3]'
            derived[c] = split[c]
            raw[split[c][0]] = None
        else:
            need(_parse_column(c, available, source))
    if where:
        need(parse_selection(where))
    return _Plan(out, plain, list(raw), where or None, source, derived)


def _check_missing_policy(missing: MissingPolicy, plan: _Plan) -> None:
    if isinstance(missing, str):
        if missing not in ("error", "drop"):
            msg = f"missing='{short(missing)}' is not a policy; use 'error', 'drop' or {{expression: fill value}}"
            raise ConfigError(msg, key="missing", value=missing, available=("error", "drop"))
        return
    if not isinstance(missing, Mapping):
        msg = f"missing must be 'error', 'drop' or {{expression: fill value}}; got {short(missing)}"
        raise ConfigError(msg, key="missing", value=missing)
    exprs = [c for c in plan.out if c not in plan.plain]
    for key, value in missing.items():
        if key not in plan.out:
            msg = f"data.missing names '{_shown(str(key))}', which is not a feature{did_you_mean(str(key), exprs or plan.out)}"
            raise ConfigError(msg, key=str(key), available=exprs)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            msg = f"data.missing fill value for '{_shown(str(key))}' must be a finite number; got {short(value)}"
            raise ConfigError(msg, key=str(key), value=value)


def _plain(values: Any) -> Any:
    if hasattr(values, "to_numpy"):
        return values.to_numpy()
    if type(values).__module__.startswith("awkward"):
        import awkward as ak

        return ak.to_numpy(values)
    return values


def _finish(
    raw: Any,
    n: int,
    plan: _Plan,
    missing: MissingPolicy,
    keep_all: bool,
    passes_column: str,
) -> pd.DataFrame:
    """Evaluate the selection, then the columns, then the missing-object policy."""
    passes = evaluate_selection(plan.where, raw) if plan.where else np.ones(n, dtype=bool)
    data: dict[str, Any] = {}
    gaps: dict[str, np.ndarray] = {}
    for c in dict.fromkeys(plan.out):
        if c in plan.plain:
            data[c] = _plain(raw[c])
        elif c in plan.split:
            branch, i = plan.split[c]
            data[c] = np.asarray(_plain(raw[branch]))[:, i]
        else:
            values, miss = evaluate_feature(c, raw)
            data[c] = values
            if miss.any():
                gaps[c] = miss
    fills = missing if isinstance(missing, Mapping) else {}
    drop = np.zeros(n, dtype=bool)
    for c, miss in gaps.items():
        if c in fills:
            data[c][miss] = float(fills[c])
            continue
        hit = miss & passes
        if not hit.any():
            continue
        if missing == "drop":
            drop |= hit
            continue
        msg = (
            f"{int(hit.sum())} of {int(passes.sum())} selected events in {plan.source} have no "
            f"value for '{_shown(c)}' (a missing object, e.g. an event without that jet); "
            f"set data.missing: drop, or data.missing: {{'{_shown(c)}': -1}} "
            "(missing= in read_table)"
        )
        raise DataError(msg, key=c, path=plan.source)
    passes &= ~drop
    df = pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)
    if len(data) != len(plan.out):
        df = df[plan.out]
    if keep_all:
        if passes_column in data:
            msg = f"{plan.source} already has a column '{passes_column}'; choose another passes_column"
            raise DataError(msg, key=passes_column, path=plan.source)
        # one concat, not an insert: a frame of many columns built with copy=False holds one
        # block per column, and pandas warns about inserting into it (PerformanceWarning)
        flag = pd.DataFrame({passes_column: passes}, index=df.index)
        return pd.concat([df, flag], axis=1)
    if not passes.all():
        df = df.loc[passes].reset_index(drop=True)
    return df


# --------------------------------------------------------------------------- CSV
def _looks_numeric(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _csv_has_header(path: Path) -> bool:
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            first = fh.readline().strip().split(",")
            second = fh.readline().strip().split(",")
    except (OSError, EOFError) as exc:
        msg = f"{path} cannot be read as CSV ({exc}); is the file complete?"
        raise DataError(msg) from None
    if not second or second == [""]:
        return not all(_looks_numeric(f) for f in first)
    # a header row has a text field where the data row below it has a number
    return any(
        not _looks_numeric(a) and _looks_numeric(b) for a, b in zip(first, second, strict=False)
    ) or all(not _looks_numeric(a) for a in first)


def _csv_options(path: Path, names: Sequence[str] | None, header: bool | None) -> Any:
    import pyarrow.csv as pacsv

    if header is None:
        header = _csv_has_header(path) if names is None else False
    if names is not None:
        read = pacsv.ReadOptions(column_names=list(names), skip_rows=1 if header else 0)
    elif header:
        read = pacsv.ReadOptions()
    else:
        read = pacsv.ReadOptions(autogenerate_column_names=True)
    return read


def _csv_columns(
    path: Path, names: Sequence[str] | None, header: bool | None
) -> tuple[list[str], bool]:
    """The column names of a CSV file and whether its first line is a header."""
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    import csv

    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            first = next(csv.reader(fh), [])
    except (OSError, EOFError, csv.Error) as exc:
        msg = f"{path} cannot be read as CSV ({_first_line(exc)}); is the file complete?"
        raise DataError(msg, path=str(path)) from None
    if not first:
        msg = f"{path} has no header or rows; give a CSV table"
        raise DataError(msg, path=str(path))
    has_header = (_csv_has_header(path) if names is None else False) if header is None else header
    if names is not None:
        return [str(n) for n in names], has_header
    if has_header:
        cols = [f.strip() for f in first]
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            msg = f"{path}: the header names {', '.join(repr(d) for d in dup[:5])} more than once; give each column its own name"
            raise DataError(msg, key=dup[0], path=str(path), available=cols)
        return cols, has_header
    return [f"col{i}" for i in range(len(first))], has_header


def _read_csv(
    path: Path,
    available: list[str],
    has_header: bool,
    names: Sequence[str] | None,
    wanted: list[str],
) -> pd.DataFrame:
    """Read a whole CSV with pandas' C parser, which beats pyarrow's on two cores here."""
    try:
        df = pd.read_csv(
            path,
            header=0 if has_header else None,
            names=available,  # the names parsed above, so a column is found by that name
            usecols=wanted if len(wanted) < len(available) else None,
        )
    except (
        ValueError,
        KeyError,
        IndexError,
        pd.errors.ParserError,
        UnicodeDecodeError,
        EOFError,
        OSError,
    ) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"{path} is not a readable CSV table: {text}"
        raise DataError(msg, path=str(path)) from None
    df = df[wanted] if list(df.columns) != wanted else df
    if len(df) and df.isna().to_numpy().any():  # a short row leaves NaN in its last fields
        _csv_short_row(path, len(available), has_header)
    for c in df.columns:
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
            _csv_text_among_numbers(path, df[c], str(c), has_header)
    return df


def _ends_with_newline(path: Path) -> bool:
    if path.suffix.lower() == ".gz":
        return True  # a cut gzip stream fails to decompress instead
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 1))
        return fh.read(1) in (b"\n", b"\r")


def _csv_check_end(path: Path, n_fields: int, has_header: bool) -> None:
    """A CSV without a final newline may have been cut: refuse a short last line, warn otherwise.

    A cut inside the last number leaves a shorter, valid number that no parser can tell
    from a complete one; hand-written files often lack the final newline, so this warns
    (:class:`~neyman.errors.NeymanWarning`, naming the file and its last line) rather than
    refuses. A complete file ended with a newline is read without a word.
    """
    if _ends_with_newline(path):
        return
    _csv_short_row(path, n_fields, has_header, last_only=True)
    with path.open("rb") as fh:  # the last line, for the message
        fh.seek(max(0, path.stat().st_size - 200))
        tail = fh.read().decode("utf-8", errors="replace").splitlines()
    if not tail:
        return  # an empty file: nothing was cut (and the readers say it is empty)
    last = tail[-1]
    msg = (
        f"{path} does not end with a newline, so its last line ('{short(last, 80)}') may have "
        "been cut; if the file is complete, end it with a newline"
    )
    warnings.warn(msg, NeymanWarning, stacklevel=1)  # one place: shown once per file


def _csv_short_row(path: Path, n_fields: int, has_header: bool, *, last_only: bool = False) -> None:
    """Refuse a row with fewer fields than the header: a cut file or a broken line."""
    import csv

    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        bad: tuple[int, int] | None = None
        for row in reader:
            if reader.line_num == 1 and has_header:
                continue
            if row and len(row) < n_fields:
                bad = (reader.line_num, len(row))
                if not last_only:
                    break
            elif last_only:
                bad = None
    if bad is not None:
        msg = (
            f"{path}: line {bad[0]} has {bad[1]} of {n_fields} fields; the file looks cut or "
            "the line broken; restore the file (or remove that line)"
        )
        raise DataError(msg, path=str(path), value=bad[0])


def _csv_text_among_numbers(
    path: Path, col: pd.Series, name: str, has_header: bool, offset: int = 0
) -> None:
    """Refuse text in a column of numbers (a text-only column, e.g. a class name, is fine)."""
    present = col.notna().to_numpy()
    numbers = pd.to_numeric(col, errors="coerce").notna().to_numpy()
    text = present & ~numbers
    if numbers.any() and text.any():
        i = int(np.flatnonzero(text)[0])
        line = offset + i + (2 if has_header else 1)
        msg = (
            f"{path}: column '{name}' holds numbers and text; first text {short(str(col.iloc[i]), 40)!r} "
            f"on line {line}; fix or remove that row"
        )
        raise DataError(msg, key=name, path=str(path), value=col.iloc[i])


# --------------------------------------------------------------------------- HDF5
def _hdf5_columns(path: Path, key: str | None) -> tuple[Any, list[str], Any]:
    """Open an HDF5 file and find its table: (file, column names, dataset or group).

    Data stored outside the file (external storage, external links, virtual datasets) are
    refused: reading them would pull in files the user did not name.
    """
    import h5py

    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        msg = f"{path} is not an HDF5 file h5py can read ({_first_line(exc)})"
        raise DataError(msg, path=str(path)) from None
    try:
        return (f, *_hdf5_locate(f, path, key))
    except DataError:
        f.close()
        raise
    except Exception as exc:  # h5py raises KeyError/OSError/RuntimeError on damaged files
        f.close()
        msg = f"{path} cannot be read as HDF5 ({type(exc).__name__}: {_first_line(exc)}); is the file complete?"
        raise DataError(msg, path=str(path)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return short(text.splitlines()[0] if text else type(exc).__name__, 160)


def _hdf5_member(group: Any, name: str, path: Path) -> Any:
    """``group[name]``, refusing links to other files and data stored outside this one."""
    import h5py

    link = group.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink):
        msg = f"{path}: '{name}' is an external link to {link.filename}; neyman reads only data inside the file you name (copy the data in)"
        raise DataError(msg, key=name, path=str(path))
    node = group[name]
    if isinstance(node, h5py.Dataset) and (node.external or node.is_virtual):
        what = "external storage" if node.external else "a virtual dataset"
        msg = f"{path}: dataset '{name}' uses {what} (data in other files); neyman reads only data inside the file you name"
        raise DataError(msg, key=name, path=str(path))
    return node


def _hdf5_locate(f: Any, path: Path, key: str | None) -> tuple[list[str], Any]:
    import h5py

    if key is not None:
        if f.get(key, getlink=True) is None:
            names = list(f.keys())  # built while the file is open
            msg = f"key '{key}' not in {path}{did_you_mean(str(key), names)}"
            raise MissingColumnError(msg, key=str(key), path=str(path), available=names)
        node = _hdf5_member(f, key, path)
    else:
        node = f
        members = list(f.keys())
        if len(members) == 1:
            only = _hdf5_member(f, members[0], path)
            if isinstance(only, h5py.Group):
                node = only  # a file holding one group of columns, as write_table makes
    if isinstance(node, h5py.Dataset):
        return _hdf5_2d(node, path), node
    datasets = {}
    for name in node:
        member = _hdf5_member(node, name, path)
        if isinstance(member, h5py.Dataset):
            datasets[name] = member
    one_d = [k for k, v in datasets.items() if v.ndim == 1]
    order = node.attrs.get("columns")
    if order is not None:  # h5py lists keys alphabetically; the writer stores the real order
        one_d = [str(c) for c in order if str(c) in datasets]
    if one_d:
        return one_d, node
    two_d = [k for k, v in datasets.items() if v.ndim == 2]
    if len(two_d) == 1:
        return _hdf5_2d(datasets[two_d[0]], path), datasets[two_d[0]]
    msg = f"{path} has no group of 1-D columns or single 2-D dataset; name one with tree='KEY'"
    raise DataError(msg, path=str(path))


def _hdf5_2d(node: Any, path: Path) -> list[str]:
    if node.ndim != 2:
        msg = f"{path}: dataset '{node.name}' has shape {node.shape}; a table needs 2 dimensions"
        raise DataError(msg, key=str(node.name), path=str(path))
    names = node.attrs.get("columns")
    if names is not None and len(names) == node.shape[1]:
        return [str(c) for c in names]
    return [f"col{i}" for i in range(node.shape[1])]


def _hdf5_slice(node: Any, cols: Sequence[str], all_cols: Sequence[str], sl: slice) -> pd.DataFrame:
    import h5py

    if isinstance(node, h5py.Dataset):
        idx = [list(all_cols).index(c) for c in cols]
        block = node[sl]
        return pd.DataFrame({c: block[:, i] for c, i in zip(cols, idx, strict=True)})
    return pd.DataFrame({c: node[c][sl] for c in cols})


def _hdf5_len(node: Any, cols: Sequence[str]) -> int:
    import h5py

    if isinstance(node, h5py.Dataset):
        return int(node.shape[0])
    return int(node[cols[0]].shape[0]) if cols else 0


# --------------------------------------------------------------------------- NumPy
def _read_numpy(path: Path, fmt: str, names: Sequence[str] | None) -> pd.DataFrame:
    try:
        if fmt == "npy":
            arr = np.load(path, allow_pickle=False, mmap_mode="r")
            if arr.dtype.names:
                return pd.DataFrame({n: np.asarray(arr[n]) for n in arr.dtype.names})
            arr = np.asarray(arr)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2:
                msg = f"{path} holds an array of shape {arr.shape}; a table needs 2 dimensions"
                raise DataError(msg)
            cols = list(names) if names else [f"col{i}" for i in range(arr.shape[1])]
            if len(cols) != arr.shape[1]:
                msg = f"{len(cols)} names given for {arr.shape[1]} columns in {path}"
                raise DataError(msg)
            return pd.DataFrame(arr, columns=cols)
        with np.load(path, allow_pickle=False) as z:
            return pd.DataFrame({k: np.asarray(z[k]).ravel() for k in z.files})
    except DataError:
        raise
    except (
        Exception
    ) as exc:  # numpy's header parser raises ValueError, SyntaxError, TokenError, ...
        msg = f"{path} is not a readable NumPy file ({_first_line(exc)}); object arrays are refused (no pickle)"
        raise DataError(msg, path=str(path)) from None


# --------------------------------------------------------------------------- sources
Chunks = Iterator[tuple[Any, int]]


@dataclass
class _Source:
    """One opened input: its column names and a reader of raw columns in chunks."""

    label: str
    available: list[str]
    read: Callable[[list[str], int | None], Chunks]  # (columns, chunk rows or None=all)
    default: list[str] | None = None
    check_plain: Callable[[str], None] | None = None
    split: dict[str, tuple[str, int]] = field(default_factory=dict)
    check_readable: Callable[[str], None] | None = None
    close: Callable[[], None] = lambda: None
    note: str = ""  # what a whole-table read left out, one line
    skipped: tuple[str, ...] = ()


def _frame_chunks(df: pd.DataFrame, cols: list[str], chunk_rows: int | None) -> Chunks:
    df = df[cols] if list(df.columns) != cols else df
    if chunk_rows is None:
        yield df, len(df)
        return
    for start in range(0, len(df), chunk_rows):
        part = df.iloc[start : start + chunk_rows].reset_index(drop=True)
        yield part, len(part)


def _parquet_source(p: Path) -> _Source:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_call(p, lambda: pq.read_schema(p))
    lists = {
        f.name
        for f in schema
        if pa.types.is_list(f.type) or pa.types.is_large_list(f.type)
        or pa.types.is_fixed_size_list(f.type)
    }  # fmt: skip

    def read(cols: list[str], chunk_rows: int | None) -> Chunks:
        if chunk_rows is None:
            table = _parquet_call(
                p, lambda: pq.read_table(p, columns=cols, page_checksum_verification=True)
            )
            raw = _parquet_call(p, lambda: _arrow_raw(table, lists))
            yield raw, table.num_rows
            return
        yield from _parquet_batches(p, cols, chunk_rows, lists)

    def check_plain(name: str) -> None:
        if name in lists:
            t = schema.field(name).type
            msg = (
                f"column '{name}' in {p} holds a list per event ({t}); ask for {name}[0], "
                f"len({name}), sum({name}), max({name}), ..."
            )
            raise DataError(msg, key=name, path=str(p))

    names = list(schema.names)
    default = [n for n in names if n not in lists]
    note = ""
    if lists:
        ex = sorted(lists)[0]
        note = (
            f"{p}: skipped {len(lists)} list column(s) ({', '.join(sorted(lists)[:6])}); ask for "
            f"e.g. {ex}[0], len({ex}), max({ex})"
        )
    return _Source(
        str(p),
        names,
        read,
        default=default,
        check_plain=check_plain,
        note=note,
        skipped=tuple(sorted(lists)),
    )


def _arrow_raw(table: Any, lists: set[str]) -> Any:
    """An Arrow table as raw columns: a DataFrame, or awkward arrays for list columns."""
    if not lists.intersection(table.column_names):
        return table.to_pandas()
    import awkward as ak

    return {
        c: ak.from_arrow(table[c]) if c in lists else table[c].to_pandas().to_numpy()
        for c in table.column_names
    }


def _parquet_call(p: Path, fn: Callable[[], Any]) -> Any:
    import pyarrow as pa

    try:
        return fn()
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        # damaged metadata surfaces as JSON or UTF-8 errors from the pandas schema, too
        msg = f"{p} is not a readable Parquet file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); is it complete and unmodified?"
        raise DataError(msg, path=str(p)) from None


def _parquet_batches(p: Path, cols: list[str], chunk_rows: int, lists: set[str]) -> Chunks:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # no pre-buffering and small batches: memory stays near one chunk, not one row group
    pf = _parquet_call(
        p,
        lambda: pq.ParquetFile(
            p, pre_buffer=False, buffer_size=1 << 20, page_checksum_verification=True
        ),
    )
    batches: list[Any] = []
    rows = 0
    it = pf.iter_batches(batch_size=min(chunk_rows, 4096), columns=cols, use_threads=False)
    while True:
        batch = _parquet_call(p, lambda: next(it, None))
        if batch is None:
            break
        batches.append(batch)
        rows += batch.num_rows
        while rows >= chunk_rows:
            # drop every reference to arrow memory before handing the chunk out
            table = pa.Table.from_batches(batches)
            head, rest = table.slice(0, chunk_rows), table.slice(chunk_rows)
            del table
            df = _parquet_call(p, lambda: _arrow_raw(head, lists))  # noqa: B023
            del head
            batches = rest.to_batches()
            del rest
            rows -= chunk_rows
            yield df, chunk_rows
            del df
    if rows:
        df = _parquet_call(p, lambda: _arrow_raw(pa.Table.from_batches(batches), lists))
        yield df, rows


def _csv_source(p: Path, names: Sequence[str] | None, header: bool | None) -> _Source:
    available, has_header = _csv_columns(p, names, header)

    def read(cols: list[str], chunk_rows: int | None) -> Chunks:
        if chunk_rows is None:
            df = _read_csv(p, available, has_header, names, cols)
            _csv_check_end(p, len(available), has_header)
            yield df, len(df)
            return
        yield from _csv_batches(p, available, names, header, cols, chunk_rows)
        _csv_check_end(p, len(available), has_header)  # once the whole file has parsed

    return _Source(str(p), available, read)


def _csv_batches(
    p: Path,
    available: list[str],
    names: Sequence[str] | None,
    header: bool | None,
    cols: list[str],
    chunk_rows: int,
) -> Chunks:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read_opts = _csv_options(p, names, header)
    has_header = bool(read_opts.skip_rows) or not (
        read_opts.autogenerate_column_names or read_opts.column_names
    )
    try:
        reader = pacsv.open_csv(p, read_options=read_opts)
        buf: list[pd.DataFrame] = []
        rows = 0
        seen = 0
        for batch in reader:
            df = batch.to_pandas()
            df.columns = available[: len(df.columns)]
            df = df[cols]
            for c in df.columns:
                if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
                    _csv_text_among_numbers(p, df[c], str(c), has_header, seen)
            seen += len(df)
            buf.append(df)
            rows += len(df)
            while rows >= chunk_rows:
                full = pd.concat(buf, ignore_index=True)
                head = full.iloc[:chunk_rows].reset_index(drop=True)
                rest = full.iloc[chunk_rows:].reset_index(drop=True)
                buf, rows = [rest], len(rest)
                yield head, len(head)
        if rows:
            full = pd.concat(buf, ignore_index=True)
            yield full, len(full)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        msg = f"{p} is not a readable CSV table: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        raise DataError(msg, path=str(p)) from None


def _hdf5_source(p: Path, tree: str | None) -> _Source:
    f, all_cols, node = _hdf5_columns(p, tree)
    try:
        record = node.attrs.get(RECORD) if hasattr(node, "keys") else None
        check = ColumnCheck(None if record is None else str(record), node.name, str(p), str(p))
    except Exception:
        f.close()
        raise

    def read(cols: list[str], chunk_rows: int | None) -> Chunks:
        yield from check.wrap(_hdf5_chunks(cols, chunk_rows), cols)

    def _hdf5_chunks(cols: list[str], chunk_rows: int | None) -> Chunks:
        n = _hdf5_len(node, all_cols)
        step = n if chunk_rows is None else chunk_rows
        for start in range(0, n, max(step, 1)):
            sl = slice(start, min(n, start + step))
            try:
                part = _hdf5_slice(node, cols, all_cols, sl)
            except Exception as exc:  # damaged chunks, filters that are not installed, ...
                msg = f"{p} cannot be read as HDF5 ({type(exc).__name__}: {_first_line(exc)}); is the file complete?"
                if "filter returned failure" in str(exc):  # Fletcher-32 or a decompressor
                    msg = (
                        f"{p}: a block of values fails its checksum or decompression (HDF5: "
                        f"{_first_line(exc)}); the file was changed or damaged: restore it"
                    )
                raise DataError(msg, path=str(p)) from None
            yield part, sl.stop - sl.start
        if n == 0:
            yield pd.DataFrame({c: [] for c in cols}), 0

    return _Source(str(p), all_cols, read, close=f.close)


def _root_source(p: Path, tree: str | None, columns: Sequence[str] | None) -> _Source:
    t = _root.open_tree(p, tree)
    if not 0 <= t.num_entries < 1 << 48:
        msg = f"{t.label} claims {t.num_entries} entries; the file is damaged"
        raise DataError(msg, path=str(p))
    default, skipped = _root.flat_names(t)
    split = {
        f"{b.name}[{i}]": (b.name, i)
        for b in t.branches.values()
        if b.kind == "fixed"
        for i in range(b.size)
    }
    if columns is None:
        bad = _probe(t, [split[c][0] if c in split else c for c in default])
        default = [c for c in default if (split[c][0] if c in split else c) not in bad]
        skipped = [*skipped, *bad.values()]
        if not default:
            what = _root.skipped_message(t, skipped) if skipped else f"{t.label} has no branches"
            msg = f"{what}; nothing holds one number per event, so name columns (expressions)"
            raise DataError(msg, path=str(p), available=list(t.branches))

    check = ColumnCheck(t.record, t.name, t.label, str(p))

    def read(cols: list[str], chunk_rows: int | None) -> Chunks:
        yield from check.wrap(_root_chunks(cols, chunk_rows), cols)

    def _root_chunks(cols: list[str], chunk_rows: int | None) -> Chunks:
        n = t.num_entries
        step = n if chunk_rows is None else chunk_rows
        for start in range(0, n, max(step, 1)):
            stop = min(n, start + step)
            arrays = {c: _root.read_branch(t, c, start, stop) for c in cols}
            for c, values in arrays.items():
                if len(values) != stop - start:  # a damaged entry count or basket
                    msg = f"branch '{c}' in {t.label} gives {len(values)} entries where the tree says {stop - start} (entries {start}-{stop}); the file is damaged or written in a way uproot cannot read"
                    raise DataError(msg, key=c, path=str(p))
            yield arrays, stop - start
        if n == 0:
            yield {c: _root.read_branch(t, c, 0, 0) for c in cols}, 0

    note = _root.skipped_message(t, skipped) if skipped else ""
    return _Source(
        t.label,
        [*t.branches, *t.aliases],
        read,
        default=default,
        check_plain=lambda c: _root.check_plain(t, c),
        check_readable=lambda c: _root.check_readable(t, c),
        split=split,
        note=note,
        skipped=tuple(b.name for b in skipped),
    )


def _probe(t: _root.RootTree, names: Sequence[str]) -> dict[str, _root.Branch]:
    """Branches of a whole-tree read that fail on their first entry (left out, reported)."""
    bad: dict[str, _root.Branch] = {}
    stop = min(1, t.num_entries)
    for name in dict.fromkeys(names):
        try:
            if len(_root.read_branch(t, name, 0, stop)) != stop:
                raise DataError(name)
        except DataError:
            b = t.branches[name]
            bad[name] = _root.Branch(name, "object", b.typename)
    return bad


def _numpy_source(p: Path, fmt: str, names: Sequence[str] | None) -> _Source:
    df = _read_numpy(p, fmt, names)

    def read(cols: list[str], chunk_rows: int | None) -> Chunks:
        yield from _frame_chunks(df, cols, chunk_rows)

    return _Source(str(p), [str(c) for c in df.columns], read)


def _open_source(
    p: Path,
    *,
    tree: str | None,
    names: Sequence[str] | None,
    header: bool | None,
    columns: Sequence[str] | None,
) -> _Source:
    fmt = file_format(p)
    _check_file(p)
    if fmt == "parquet":
        return _parquet_source(p)
    if fmt == "csv":
        return _csv_source(p, names, header)
    if fmt == "root":
        return _root_source(p, tree, columns)
    if fmt == "hdf5":
        return _hdf5_source(p, tree)
    return _numpy_source(p, fmt, names)


PathOrPaths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
"""One file, a glob such as ``"data/*.root"``, or a list of files (one schema)."""

_GLOB = re.compile(r"[*?\[]")


def expand_paths(path: PathOrPaths) -> list[Path]:
    """The files ``path`` names: itself, the sorted matches of a glob, or each of a list.

    A name with ``*``, ``?`` or ``[`` that is not an existing file is a glob; one that
    matches nothing is a :class:`DataError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.csv"):
    ...     _ = (d / name).write_text("x")
    >>> [p.name for p in expand_paths(str(d / "*.csv"))]
    ['a.csv', 'b.csv']
    """
    if isinstance(path, str | os.PathLike):
        items: list[str | os.PathLike[str]] = [path]
    else:
        items = list(path)
        if not items:
            msg = "no input files given; name at least one file"
            raise DataError(msg)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        text = str(item)
        if _GLOB.search(text) and not p.exists():
            anchor = Path(p.anchor) if p.is_absolute() else Path()
            pattern = str(p.relative_to(anchor)) if p.is_absolute() else text
            matches = sorted(q for q in anchor.glob(pattern) if q.is_file())
            if not matches:
                msg = f"no file matches '{short(text)}'; check the pattern (relative paths start at {Path.cwd()})"
                raise DataError(msg, path=text)
            out.extend(matches)
        else:
            out.append(p)
    return out


def _tables(
    path: PathOrPaths,
    columns: Sequence[str] | None,
    chunk_rows: int | None,
    **kw: Any,
) -> Iterator[pd.DataFrame]:
    """Chunks of every file ``path`` names, checked to share one set of columns.

    Each requested text must also be read the same way in every file: a column ``x/1`` of
    the first file must not become the expression ``x / 1`` in a file that lacks it.
    """
    paths = expand_paths(path)
    first: list[str] | None = None
    first_plan: _Plan | None = None

    def same_reading(p: Path, plan: _Plan) -> None:
        nonlocal first_plan
        if first_plan is None:
            first_plan = plan
            return
        for c in plan.out:
            if (c in plan.plain) == (c in first_plan.plain):
                continue
            expr = _as_expression(c)
            if expr is None:
                continue
            has, lacks = (paths[0], p) if c in first_plan.plain else (p, paths[0])
            msg = (
                f"'{_shown(c, 80)}' is a column of {has} but not of {lacks}, where it would be "
                f"computed from {', '.join(expr.branches)}; files read together must read it "
                f"the same way: give every file that column, or write '({_shown(c, 80)})' to "
                "compute it everywhere"
            )
            raise DataError(msg, key=c, path=str(p))

    for p in paths:
        for df in _file_tables(p, columns, chunk_rows, check_plan=same_reading, **kw):
            if first is None:
                first = [str(c) for c in df.columns]
            elif [str(c) for c in df.columns] != first:
                extra = [str(c) for c in df.columns if str(c) not in first]
                lacking = [c for c in first if c not in df.columns]
                msg = (
                    f"{p} has other columns than {paths[0]} (extra: {', '.join(extra[:5]) or 'none'}; "
                    f"lacking: {', '.join(lacking[:5]) or 'none'}); files read together need one schema, "
                    "or name the columns"
                )
                raise DataError(msg, path=str(p), available=first)
            yield df


def _file_tables(
    p: Path,
    columns: Sequence[str] | None,
    chunk_rows: int | None,
    *,
    tree: str | None,
    where: str | None,
    names: Sequence[str] | None,
    header: bool | None,
    missing: MissingPolicy,
    keep_all: bool,
    passes_column: str,
    check_plan: Callable[[Path, _Plan], None] | None = None,
) -> Iterator[pd.DataFrame]:
    if isinstance(columns, str):
        columns = [columns]
    src = _open_source(p, tree=tree, names=names, header=header, columns=columns)
    try:
        plan = _plan(
            src.available,
            columns,
            where,
            src.label,
            default=src.default,
            check_plain=src.check_plain,
            split=src.split,
            check_readable=src.check_readable,
        )
        _check_missing_policy(missing, plan)
        if check_plan is not None:
            check_plan(p, plan)
        if src.note and columns is None:  # named columns: the caller chose what to read
            log.warning(src.note)
        for raw, _n in src.read(plan.raw, chunk_rows):
            df = _finish(raw, _n, plan, missing, keep_all, passes_column)
            if src.skipped and columns is None:
                df.attrs["skipped"] = list(src.skipped)
            yield df
    finally:
        src.close()


def read_table(
    path: PathOrPaths,
    columns: Sequence[str] | None = None,
    *,
    tree: str | None = None,
    where: str | None = None,
    names: Sequence[str] | None = None,
    header: bool | None = None,
    missing: MissingPolicy = "error",
    keep_all: bool = False,
    passes_column: str = "passes",
) -> pd.DataFrame:
    """Read an event table into a DataFrame of flat columns.

    Parameters
    ----------
    path : path, glob or list of paths
        One file, a glob (``"data/*.root"``, sorted) or a list of files sharing one schema,
        read one after the other. Formats: ``.root`` (a TTree or RNTuple, via uproot),
        ``.parquet``, ``.csv``/``.csv.gz``/``.data`` (header detected, or header-less with
        ``names=``), ``.h5``/``.hdf5`` (a 2-D dataset or a group of 1-D columns; ``tree=``
        names it), ``.npy``/``.npz``.
    columns : list of str, optional
        Columns to return, each a column name or an expression of the restricted grammar
        (:mod:`neyman.data.expressions`): ``"Jet_pt[0]"``, ``"len(Jet_pt)"``,
        ``"log(lep_pt / pho_pt)"``. The result's column names are these texts; only the
        branches they need are read. Without ``columns``, every column; for ROOT, every
        branch with one number per event, fixed-size arrays split into ``x[0]``, ``x[1]``,
        ...; the branches left out are named in one log line (logger ``neyman``) and in
        ``df.attrs["skipped"]``.
    tree : str, optional
        TTree/RNTuple name (ROOT) or dataset/group key (HDF5) when the file holds several.
    where : str, optional
        Selection such as ``"nJet >= 1 and Jet_pt[0] > 30"``; applied first. A comparison on
        a missing object is False.
    names : list of str, optional
        Column names for header-less CSV or NumPy arrays.
    header : bool, optional
        Force CSV header detection on or off.
    missing : {"error", "drop"} or dict of str to float
        Selected events that lack an object an expression needs (``Jet_pt[0]`` without
        jets): ``"error"`` raises :class:`DataError` naming the expression and the count,
        ``"drop"`` drops them, ``{"Jet_pt[0]": -1.0}`` fills the named expressions (others
        still raise).
    keep_all : bool
        Drop no event: add a boolean column ``passes_column`` that is True for the events a
        call without ``keep_all`` would return (selection passed, no missing object dropped).
        Missing objects in events that do not pass are NaN (or the fill value).
    passes_column : str
        Name of that column (default ``"passes"``).

    Raises
    ------
    DataError
        Missing, empty or corrupt file; unsupported extension; a branch that is not numbers;
        a missing object without a policy.
    MissingColumnError
        A requested column is absent (the message suggests the nearest names).
    ConfigError
        An expression or selection outside the grammar.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = write_table(pd.DataFrame({"pt": [10.0, 30.0], "eta": [0.5, -3.0]}), d / "e.parquet")
    >>> read_table(p, ["pt", "abs(eta)"], where="pt > 20")
         pt  abs(eta)
    0  30.0       3.0
    """
    parts = list(
        _tables(
            path,
            columns,
            None,
            tree=tree,
            where=where,
            names=names,
            header=header,
            missing=missing,
            keep_all=keep_all,
            passes_column=passes_column,
        )
    )
    if len(parts) == 1:
        return parts[0]
    if not parts:  # a source that yielded no chunk holds no events
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True)
    df.attrs = dict(parts[0].attrs)
    return df


def iter_table(
    path: PathOrPaths,
    columns: Sequence[str] | None = None,
    *,
    chunk_rows: int = 100_000,
    tree: str | None = None,
    where: str | None = None,
    names: Sequence[str] | None = None,
    header: bool | None = None,
    missing: MissingPolicy = "error",
    keep_all: bool = False,
    passes_column: str = "passes",
) -> Iterator[pd.DataFrame]:
    """Yield the table in chunks of about ``chunk_rows`` rows, keeping memory bounded.

    Same parameters as :func:`read_table`; the selection applies per chunk, so chunks may be
    shorter than ``chunk_rows``. A whole file is never held in memory (ROOT branches are read
    entry range by entry range, Parquet batch by batch, CSV block by block).
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        msg = f"chunk_rows must be an integer >= 1; got {short(chunk_rows)}"
        raise DataError(msg, key="chunk_rows", value=chunk_rows)
    return _tables(
        path,
        columns,
        chunk_rows,
        tree=tree,
        where=where,
        names=names,
        header=header,
        missing=missing,
        keep_all=keep_all,
        passes_column=passes_column,
    )


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    tree: str = "Events",
) -> Path:
    """Write a DataFrame of numeric columns; the file appears only when complete.

    Formats by extension: ``.parquet``, ``.root`` (a TTree named ``tree``), ``.h5``/``.hdf5``
    (a group ``tree`` of 1-D columns), ``.csv``/``.csv.gz``, ``.npy`` (2-D float array).
    """
    p = Path(path)
    fmt = file_format(p, write=True)
    check_parent_folders(p)
    if not p.parent.exists():
        msg = f"directory {p.parent} does not exist; create it first"
        raise DataError(msg, path=str(p))
    if fmt in ("root", "hdf5", "npy"):
        for c in df.columns:
            if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
                msg = f"column '{c}' holds {df[c].dtype} values; {p.suffix} output takes numbers only; write .parquet or .csv, or leave the column out"
                raise DataError(msg, key=str(c), path=str(p))
    with atomic_path(p) as tmp:
        if fmt == "parquet":
            # small row groups let iter_table stream with bounded memory; page checksums let
            # a reader notice a flipped bit
            df.to_parquet(tmp, index=False, row_group_size=32_768, write_page_checksum=True)
        elif fmt == "csv":
            df.to_csv(tmp, index=False, compression="gzip" if p.suffix == ".gz" else None)
        elif fmt == "root":
            import uproot

            cols = {str(c): df[c].to_numpy() for c in df.columns}
            with uproot.recreate(tmp) as f:
                t = f.mktree(tree, {c: v.dtype for c, v in cols.items()})
                t.extend(cols)
                # baskets that do not compress are stored raw, without a checksum
                f[RECORD] = record_text(tree, cols)
        elif fmt == "hdf5":
            import h5py

            with h5py.File(tmp, "w") as f:
                g = f.create_group(tree)
                g.attrs["columns"] = [str(c) for c in df.columns]
                g.attrs[RECORD] = record_text(g.name, {c: df[c].to_numpy() for c in df.columns})
                for c in df.columns:
                    # a Fletcher-32 checksum per chunk: a reader notices a flipped bit
                    g.create_dataset(str(c), data=df[c].to_numpy(), fletcher32=True)
        else:  # npy
            with tmp.open("wb") as fh:
                np.save(fh, df.to_numpy(dtype=np.float64), allow_pickle=False)
    return p
