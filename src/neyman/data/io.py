"""Reading and writing event tables: ROOT, Parquet, CSV, HDF5 and NumPy files.

Every reader returns a pandas DataFrame of flat numeric columns, so the rest of neyman never
cares where events came from. :func:`iter_table` yields chunks with bounded memory for files
larger than RAM. Writers go to a temporary file that is renamed into place, so an interrupted
write never leaves a half-written file under the final name.

Read this after :mod:`neyman.data.dataset`.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neyman.data.selection import evaluate_selection, selection_columns
from neyman.errors import DataError, MissingColumnError, did_you_mean

__all__ = [
    "SUPPORTED_READ",
    "SUPPORTED_WRITE",
    "file_format",
    "iter_table",
    "read_table",
    "write_table",
]

SUPPORTED_READ = (".root", ".parquet", ".pq", ".csv", ".csv.gz", ".txt", ".data", ".data.gz",
                  ".h5", ".hdf5", ".npy", ".npz")  # fmt: skip
SUPPORTED_WRITE = (".parquet", ".pq", ".root", ".h5", ".hdf5", ".csv", ".csv.gz", ".npy")

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
_INDEXED = re.compile(r"^(?P<branch>[^\[\]]+)\[(?P<index>\d+)\]$")


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


def _pick_columns(
    available: Sequence[str], columns: Sequence[str] | None, where: str | None, path: Path
) -> list[str]:
    wanted = list(available) if columns is None else list(columns)
    if where:
        wanted += [c for c in selection_columns(where) if c not in wanted]
    for c in wanted:
        base = _INDEXED.match(c)
        name = base.group("branch") if base and c not in available else c
        if name not in available:
            msg = f"column '{c}' not in {path}{did_you_mean(name, available)}"
            raise MissingColumnError(msg)
    return wanted


def _apply(df: pd.DataFrame, columns: Sequence[str] | None, where: str | None) -> pd.DataFrame:
    if where:
        mask = evaluate_selection(where, {c: df[c].to_numpy() for c in df.columns})
        df = df.loc[mask].reset_index(drop=True)
    if columns is not None:
        df = df[list(columns)]
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


def _read_csv(
    path: Path,
    names: Sequence[str] | None,
    header: bool | None,
    columns: Sequence[str] | None,
    where: str | None,
) -> pd.DataFrame:
    """Read a whole CSV with pandas' C parser, which beats pyarrow's on two cores here."""
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            first = fh.readline().rstrip("\r\n").split(",")
    except (OSError, EOFError) as exc:
        msg = f"{path} cannot be read as CSV ({exc}); is the file complete?"
        raise DataError(msg) from None
    has_header = (_csv_has_header(path) if names is None else False) if header is None else header
    if names is not None:
        available = [str(n) for n in names]
    elif has_header:
        available = [f.strip().strip('"') for f in first]
    else:
        available = [f"col{i}" for i in range(len(first))]
    wanted = list(dict.fromkeys(_pick_columns(available, columns, where, path)))
    try:
        df = pd.read_csv(
            path,
            header=0 if has_header else None,
            names=available if (names is not None or not has_header) else None,
            usecols=wanted if len(wanted) < len(available) else None,
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"{path} is not a readable CSV table: {text}"
        raise DataError(msg) from None
    return df


# --------------------------------------------------------------------------- ROOT
def _open_tree(path: Path, tree: str | None) -> Any:
    import uproot

    try:
        f = uproot.open(path)
    except Exception as exc:  # uproot raises many types for corrupt input
        msg = f"{path} is not a ROOT file uproot can read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'})"
        raise DataError(msg) from None
    trees = [
        k.split(";")[0]
        for k, cls in f.classnames().items()
        if cls.startswith("TTree") or cls == "ROOT::RNTuple"
    ]
    if tree is None:
        if len(set(trees)) != 1:
            msg = f"{path} holds {len(set(trees))} trees ({', '.join(sorted(set(trees))) or 'none'}); choose one with tree="
            raise DataError(msg)
        tree = trees[0]
    if tree not in trees:
        msg = f"tree '{tree}' not in {path}{did_you_mean(tree, sorted(set(trees)))}"
        raise MissingColumnError(msg)
    return f[tree]


def _root_branches(t: Any, path: Path, wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split wanted columns into flat branches and indexed jagged ones; refuse plain jagged."""
    import uproot

    flat, jagged = [], []
    for c in wanted:
        m = _INDEXED.match(c)
        if m and c not in t.keys():
            jagged.append(c)
            continue
        interp = getattr(t[c], "interpretation", None)
        typename = str(getattr(t[c], "typename", ""))
        if isinstance(interp, uproot.AsJagged) or "var" in typename or "[]" in typename:
            msg = (
                f"branch '{c}' in {path} is jagged (variable length per event); flatten it by "
                f"asking for elements, e.g. columns=['{c}[0]', '{c}[1]'], or aggregate it first"
            )
            raise DataError(msg)
        flat.append(c)
    return flat, jagged


def _root_frame(t: Any, path: Path, wanted: Sequence[str], **kw: Any) -> Iterator[pd.DataFrame]:
    import awkward as ak

    flat, jagged = _root_branches(t, path, wanted)
    import uproot

    if not jagged and isinstance(t, uproot.TTree):
        # flat branches only: NumPy arrays directly, far faster than through awkward
        for arrays in t.iterate(flat, library="np", **kw):
            yield pd.DataFrame({c: arrays[c] for c in wanted})
        return
    branches = flat + sorted({_INDEXED.match(c).group("branch") for c in jagged})  # type: ignore[union-attr]
    for arrays in t.iterate(branches, library="ak", **kw):
        data: dict[str, np.ndarray] = {}
        for c in wanted:
            m = _INDEXED.match(c)
            if c in flat:
                data[c] = ak.to_numpy(arrays[c])
            elif m:
                col = arrays[m.group("branch")]
                i = int(m.group("index"))
                # events with fewer entries get NaN, so the caller sees and handles them
                data[c] = ak.to_numpy(ak.fill_none(ak.pad_none(col, i + 1)[:, i], np.nan))
        yield pd.DataFrame(data)


# --------------------------------------------------------------------------- HDF5
def _hdf5_columns(path: Path, key: str | None) -> tuple[Any, list[str], Any]:
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        msg = f"{path} is not an HDF5 file h5py can read ({exc})"
        raise DataError(msg) from None
    node = f if key is None else f.get(key)
    if key is None:
        members = list(f.values())
        if len(members) == 1 and isinstance(members[0], h5py.Group):
            node = members[0]  # a file holding one group of columns, as write_table makes
    if node is None:
        f.close()
        msg = f"key '{key}' not in {path}{did_you_mean(str(key), list(f.keys()))}"
        raise MissingColumnError(msg)
    if isinstance(node, h5py.Dataset):
        names = node.attrs.get("columns")
        cols = (
            [str(c) for c in names]
            if names is not None
            else [f"col{i}" for i in range(node.shape[1])]
        )
        return f, cols, node
    datasets = {k: v for k, v in node.items() if isinstance(v, h5py.Dataset)}
    one_d = [k for k, v in datasets.items() if v.ndim == 1]
    order = node.attrs.get("columns")
    if order is not None:  # h5py lists keys alphabetically; the writer stores the real order
        one_d = [str(c) for c in order if str(c) in datasets]
    if one_d:
        return f, one_d, node
    two_d = [k for k, v in datasets.items() if v.ndim == 2]
    if len(two_d) == 1:
        return _hdf5_columns_close(f, path, two_d[0])
    f.close()
    msg = f"{path} has no group of 1-D columns or single 2-D dataset; name one with tree='KEY'"
    raise DataError(msg)


def _hdf5_columns_close(f: Any, path: Path, key: str) -> tuple[Any, list[str], Any]:
    node = f[key]
    names = node.attrs.get("columns")
    cols = (
        [str(c) for c in names] if names is not None else [f"col{i}" for i in range(node.shape[1])]
    )
    return f, cols, node


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
    except (ValueError, OSError, EOFError) as exc:
        if isinstance(exc, DataError):
            raise
        msg = f"{path} is not a readable NumPy file ({str(exc).splitlines()[0]}); object arrays are refused (no pickle)"
        raise DataError(msg) from None


# --------------------------------------------------------------------------- public
def read_table(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    *,
    tree: str | None = None,
    where: str | None = None,
    names: Sequence[str] | None = None,
    header: bool | None = None,
) -> pd.DataFrame:
    """Read an event table into a DataFrame of flat columns.

    Parameters
    ----------
    path : path
        ``.root`` (a TTree; via uproot), ``.parquet``, ``.csv``/``.csv.gz``/``.data``
        (header detected, or header-less with ``names=``), ``.h5``/``.hdf5`` (a 2-D dataset or a
        group of 1-D columns; ``tree=`` names it), ``.npy``/``.npz``.
    columns : list of str, optional
        Columns to keep; jagged ROOT branches can be indexed, e.g. ``"jet_pt[0]"``.
    tree : str, optional
        TTree name (ROOT) or dataset/group key (HDF5) when the file holds more than one.
    where : str, optional
        Selection such as ``"pt1 > 20 and abs(eta1) < 2.5"`` (restricted evaluator, no eval).
    names : list of str, optional
        Column names for header-less CSV or NumPy arrays.
    header : bool, optional
        Force CSV header detection on or off.

    Raises
    ------
    DataError
        Missing, empty or corrupt file; unsupported extension (the message lists supported ones).
    MissingColumnError
        A requested column is absent (the message suggests the nearest names).
    """
    p = Path(path)
    fmt = file_format(p)
    _check_file(p)
    if fmt == "csv":
        return _apply(_read_csv(p, names, header, columns, where), columns, where)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(p)
        except (pa.ArrowInvalid, OSError) as exc:
            msg = f"{p} is not a readable Parquet file ({str(exc).splitlines()[0]})"
            raise DataError(msg) from None
        wanted = _pick_columns(schema.names, columns, where, p)
        df = pq.read_table(p, columns=list(dict.fromkeys(wanted))).to_pandas()
        return _apply(df, columns, where)
    if fmt == "root":
        t = _open_tree(p, tree)
        wanted = _pick_columns(list(t.keys()), columns, where, p)
        parts = list(_root_frame(t, p, list(dict.fromkeys(wanted)), step_size="1 GB"))
        df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=wanted)
        return _apply(df, columns, where)
    if fmt == "hdf5":
        f, all_cols, node = _hdf5_columns(p, tree)
        with f:
            wanted = _pick_columns(all_cols, columns, where, p)
            df = _hdf5_slice(node, list(dict.fromkeys(wanted)), all_cols, slice(None))
        return _apply(df, columns, where)
    df = _read_numpy(p, fmt, names)
    _pick_columns(list(df.columns), columns, where, p)
    return _apply(df, columns, where)


def iter_table(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    *,
    chunk_rows: int = 100_000,
    tree: str | None = None,
    where: str | None = None,
    names: Sequence[str] | None = None,
    header: bool | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the table in chunks of about ``chunk_rows`` rows, keeping memory bounded.

    Same arguments as :func:`read_table`; a selection applies per chunk, so chunks after it
    may be shorter.
    """
    if chunk_rows < 1:
        msg = f"chunk_rows must be >= 1; got {chunk_rows}"
        raise DataError(msg)
    p = Path(path)
    fmt = file_format(p)
    _check_file(p)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        # no pre-buffering and small batches: memory stays near one chunk, not one row group
        pf = pq.ParquetFile(p, pre_buffer=False, buffer_size=1 << 20)
        wanted = _pick_columns(pf.schema_arrow.names, columns, where, p)
        batches: list[Any] = []
        rows = 0
        for batch in pf.iter_batches(
            batch_size=min(chunk_rows, 4096),
            columns=list(dict.fromkeys(wanted)),
            use_threads=False,
        ):
            batches.append(batch)
            rows += batch.num_rows
            while rows >= chunk_rows:
                # drop every reference to arrow memory before handing the chunk out
                table = pa.Table.from_batches(batches)
                head, rest = table.slice(0, chunk_rows), table.slice(chunk_rows)
                del table
                df = head.to_pandas(split_blocks=True)
                del head
                batches = rest.to_batches()
                del rest
                rows -= chunk_rows
                yield _apply(df, columns, where)
                del df
        if rows:
            yield _apply(
                pa.Table.from_batches(batches).to_pandas(split_blocks=True), columns, where
            )
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        read = _csv_options(p, names, header)
        reader = pacsv.open_csv(p, read_options=read)
        col_names = (
            [f"col{i}" for i in range(len(reader.schema))]
            if read.autogenerate_column_names
            else reader.schema.names
        )
        wanted = _pick_columns(col_names, columns, where, p)
        buf: list[pd.DataFrame] = []
        rows = 0
        for batch in reader:
            df = batch.to_pandas()
            df.columns = col_names
            buf.append(df[list(dict.fromkeys(wanted))])
            rows += len(df)
            while rows >= chunk_rows:
                full = pd.concat(buf, ignore_index=True)
                yield _apply(full.iloc[:chunk_rows].reset_index(drop=True), columns, where)
                rest = full.iloc[chunk_rows:].reset_index(drop=True)
                buf, rows = [rest], len(rest)
        if rows:
            yield _apply(pd.concat(buf, ignore_index=True), columns, where)
    elif fmt == "root":
        t = _open_tree(p, tree)
        wanted = _pick_columns(list(t.keys()), columns, where, p)
        for df in _root_frame(t, p, list(dict.fromkeys(wanted)), step_size=chunk_rows):
            yield _apply(df, columns, where)
    elif fmt == "hdf5":
        f, all_cols, node = _hdf5_columns(p, tree)
        with f:
            wanted = _pick_columns(all_cols, columns, where, p)
            n = _hdf5_len(node, all_cols)
            for start in range(0, n, chunk_rows):
                sl = slice(start, min(n, start + chunk_rows))
                yield _apply(
                    _hdf5_slice(node, list(dict.fromkeys(wanted)), all_cols, sl), columns, where
                )
    else:
        df = read_table(p, columns, where=where, names=names)
        for start in range(0, len(df), chunk_rows):
            yield df.iloc[start : start + chunk_rows].reset_index(drop=True)


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
    if not p.parent.exists():
        msg = f"directory {p.parent} does not exist; create it first"
        raise DataError(msg)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "parquet":
            # small row groups let iter_table stream with bounded memory
            df.to_parquet(tmp, index=False, row_group_size=32_768)
        elif fmt == "csv":
            df.to_csv(tmp, index=False, compression="gzip" if p.suffix == ".gz" else None)
        elif fmt == "root":
            import uproot

            cols = {str(c): df[c].to_numpy() for c in df.columns}
            with uproot.recreate(tmp) as f:
                t = f.mktree(tree, {c: v.dtype for c, v in cols.items()})
                t.extend(cols)
        elif fmt == "hdf5":
            import h5py

            with h5py.File(tmp, "w") as f:
                g = f.create_group(tree)
                g.attrs["columns"] = [str(c) for c in df.columns]
                for c in df.columns:
                    g.create_dataset(str(c), data=df[c].to_numpy())
        else:  # npy
            with tmp.open("wb") as fh:
                np.save(fh, df.to_numpy(), allow_pickle=False)
        tmp.replace(p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p
