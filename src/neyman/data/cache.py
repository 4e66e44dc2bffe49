"""A Parquet cache for slow sources: CSV, ROOT and HDF5 read once, then at Parquet speed.

The key is the source's absolute path, size, modification time and tree, so a changed file
is read again. The cache directory is ``$NEYMAN_CACHE_DIR`` or ``~/.cache/neyman/tables``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from neyman.data.io import _apply, _pick_columns, file_format, read_table, write_table

__all__ = ["cache_dir", "cache_path", "cached_read_table"]

_CACHED_FORMATS = {"csv", "root", "hdf5"}


def cache_dir() -> Path:
    """Where cached tables live (``$NEYMAN_CACHE_DIR`` or ``~/.cache/neyman/tables``)."""
    env = os.environ.get("NEYMAN_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "neyman" / "tables"


def cache_path(path: str | os.PathLike[str], tree: str | None = None) -> Path:
    """The cache file for a source, keyed by absolute path, size, mtime and tree."""
    p = Path(path).resolve()
    st = p.stat()
    key = f"{p}|{st.st_size}|{st.st_mtime_ns}|{tree or ''}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return cache_dir() / f"{p.stem}-{digest}.parquet"


def cached_read_table(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    *,
    tree: str | None = None,
    where: str | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """:func:`~neyman.data.read_table`, through the Parquet cache for CSV, ROOT and HDF5.

    The whole flat table is cached on first read (or the requested columns when the source
    has jagged branches); later reads pick columns and apply ``where`` from the cache.
    """
    p = Path(path)
    fmt = file_format(p)
    if not use_cache or fmt not in _CACHED_FORMATS or not p.is_file():
        return read_table(p, columns, tree=tree, where=where)
    target = cache_path(p, tree)
    if not target.exists():
        try:
            full = read_table(p, tree=tree)
        except Exception:  # jagged branches etc.: read what was asked, uncached
            return read_table(p, columns, tree=tree, where=where)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_table(full, target)
    import pyarrow.parquet as pq

    names = pq.read_schema(target).names
    wanted = _pick_columns(names, columns, where, p)
    df = pq.read_table(target, columns=list(dict.fromkeys(wanted))).to_pandas()
    return _apply(df, columns, where)
