"""A Parquet cache for slow sources: CSV, ROOT and HDF5 read once, then at Parquet speed.

The key is a hash of the source's *content* (xxHash3-128, streamed in 4 MiB blocks, so memory
stays flat whatever the file size) plus the tree name and a format version: a changed file is
never served stale, whatever its size or modification time say. The cache directory is
``$NEYMAN_CACHE_DIR`` or the platform's user cache directory (``~/.cache/neyman/tables`` on
Linux, via ``platformdirs``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from neyman.data.io import (
    MissingPolicy,
    PathOrPaths,
    expand_paths,
    file_format,
    read_table,
    write_table,
)
from neyman.errors import DataError, NeymanError

__all__ = ["cache_dir", "cache_path", "cached_read_table", "content_hash"]

_CACHED_FORMATS = {"csv", "root", "hdf5"}
_BLOCK = 4 << 20
#: bumped when the cached table's layout changes, so old entries are never reused
_LAYOUT = "2"


def cache_dir() -> Path:
    """Where cached tables live: ``$NEYMAN_CACHE_DIR``, else the user cache directory."""
    env = os.environ.get("NEYMAN_CACHE_DIR")
    if env:
        return Path(env)
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("neyman")) / "tables"
    except ImportError:  # platformdirs comes with pooch; this is a fallback only
        return Path.home() / ".cache" / "neyman" / "tables"


def content_hash(path: str | os.PathLike[str]) -> str:
    """xxHash3-128 hex digest of a file's bytes, read in blocks (memory stays flat).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("x\\n1\\n")
    >>> len(content_hash(p))
    32
    """
    import xxhash

    h = xxhash.xxh3_128()
    try:
        with Path(path).open("rb") as fh:
            while block := fh.read(_BLOCK):
                h.update(block)
    except OSError as exc:
        msg = f"{path} cannot be read ({exc.strerror or exc}); check the path and permissions"
        raise DataError(msg, path=str(path)) from None
    return h.hexdigest()


def cache_path(path: str | os.PathLike[str], tree: str | None = None) -> Path:
    """The cache file for a source: keyed by its content hash, the tree and the layout."""
    p = Path(path)
    digest = content_hash(p)
    import xxhash

    key = xxhash.xxh3_64_hexdigest(f"{digest}|{tree or ''}|{_LAYOUT}".encode())
    return cache_dir() / f"{p.stem}-{digest[:16]}{key[:8]}.parquet"


def cached_read_table(
    path: PathOrPaths,
    columns: Sequence[str] | None = None,
    *,
    tree: str | None = None,
    where: str | None = None,
    use_cache: bool = True,
    missing: MissingPolicy = "error",
    keep_all: bool = False,
    passes_column: str = "passes",
) -> pd.DataFrame:
    """:func:`~neyman.data.read_table`, through the Parquet cache for CSV, ROOT and HDF5.

    The whole flat table is cached on first read; later reads evaluate ``columns`` and
    ``where`` on the cache. Expressions that need branches the flat table lacks (jagged ROOT
    branches) are read from the source, uncached. Errors always name the source file.
    A glob or a list of files is read file by file, each through the cache; the result's
    ``attrs["file_rows"]`` then lists ``[path, rows]`` per file, in row order.
    """
    paths = expand_paths(path)
    single = isinstance(path, str | os.PathLike) and paths == [Path(path)]
    if not single:
        parts = [
            cached_read_table(
                q,
                columns,
                tree=tree,
                where=where,
                use_cache=use_cache,
                missing=missing,
                keep_all=keep_all,
                passes_column=passes_column,
            )
            for q in paths
        ]
        for q, part in zip(paths[1:], parts[1:], strict=True):
            if list(part.columns) != list(parts[0].columns):
                msg = f"{q} has other columns than {paths[0]}; files read together need one schema, or name the columns"
                raise DataError(msg, path=str(q), available=[str(c) for c in parts[0].columns])
        out = pd.concat(parts, ignore_index=True)
        # which rows came from which file (read_events turns it into file and entry)
        out.attrs["file_rows"] = [[str(q), len(part)] for q, part in zip(paths, parts, strict=True)]
        return out
    p = paths[0]

    def direct() -> pd.DataFrame:
        return read_table(
            p,
            columns,
            tree=tree,
            where=where,
            missing=missing,
            keep_all=keep_all,
            passes_column=passes_column,
        )

    if not use_cache or file_format(p) not in _CACHED_FORMATS or not p.is_file():
        return direct()
    target = cache_path(p, tree)
    if not target.exists():
        try:
            full = read_table(p, tree=tree)
        except NeymanError:  # the direct read gives the precise error, or what was asked
            return direct()
        target.parent.mkdir(parents=True, exist_ok=True)
        write_table(full, target)
    try:
        return read_table(
            target,
            columns,
            where=where,
            missing=missing,
            keep_all=keep_all,
            passes_column=passes_column,
        )
    except DataError:
        # a jagged branch the flat cache lacks, or a message that would name the cache file:
        # the source gives the table or the real message
        return direct()
