"""A streaming training source: many files per class, read lazily, mixed and shuffled.

:class:`StreamSource` reads every file of every class chunk by chunk with
:func:`neyman.data.iter_table` (feature expressions and the selection applied per chunk),
interleaves the chunks of all files and classes in a seeded random order, mixes them in a
shuffle buffer and yields shuffled blocks ``(X, y, w)`` with the class label and weight
attached. Memory is bounded by the buffer (``buffer_rows``) plus one chunk per open file.
Same files, same parameters and same seed give the same blocks, epoch by epoch.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neyman.data.io import PathOrPaths, expand_paths, iter_table
from neyman.errors import DataError, short

__all__ = ["Block", "StreamSource"]


@dataclass
class Block:
    """One shuffled block of a stream.

    Attributes
    ----------
    X : array of shape (n, d), float32
        Features (standardised when the source has ``mean``/``scale``).
    y : array of shape (n,), int64
        Class label per event.
    w : array of shape (n,), float64
        Event weight (the class's weight column times its scale, 1 when none).
    """

    X: NDArray[np.float32]
    y: NDArray[np.int64]
    w: NDArray[np.float64]


class StreamSource:
    """Events of several classes, each from many files, streamed in shuffled blocks.

    Parameters
    ----------
    classes : mapping of int to path, glob or list of paths
        The files of each class label, e.g. ``{0: "bkg/*.parquet", 1: ["s1.root", "s2.root"]}``.
    features : list of str
        Feature expressions (:mod:`neyman.data.expressions`), the columns of ``X``.
    selection : str, optional
        Event selection applied to every chunk.
    tree : str, optional
        TTree name (ROOT) or key (HDF5).
    missing : {"error", "drop"} or dict
        Policy for events lacking an object an expression needs (see ``read_table``).
    weight : str, optional
        Column holding the event weight (all classes); 1 per event when None.
    class_weight : mapping of int to float, optional
        Factor applied to the weights of each class (e.g. to balance the classes).
    chunk_rows : int
        Rows read from a file at a time.
    buffer_rows : int
        Shuffle-buffer size in events; larger mixes better and uses more memory.
    block_rows : int
        Events per yielded block (the last block of an epoch may be shorter).
    seed : int
        Seed of the file order, the chunk interleaving and the buffer shuffles.
    shard : (rank, world), optional
        Read only the files ``i`` with ``i % world == rank`` of the sorted list of
        (class, file) pairs, for data-parallel training (each rank its own shard).
    mean, scale : array of shape (d,), optional
        Standardise ``X`` as ``(X - mean) / scale`` (see :meth:`moments`).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from neyman.data import write_table
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for i in range(3):
    ...     _ = write_table(pd.DataFrame({"x": [float(i)] * 4}), d / f"s{i}.parquet")
    ...     _ = write_table(pd.DataFrame({"x": [-float(i)] * 4}), d / f"b{i}.parquet")
    >>> src = StreamSource({0: str(d / "b*.parquet"), 1: str(d / "s*.parquet")}, ["x"],
    ...                    chunk_rows=2, buffer_rows=8, block_rows=8, seed=1)
    >>> sum(len(b.y) for b in src.blocks()), src.n_files
    (24, 6)
    """

    def __init__(
        self,
        classes: Mapping[int, PathOrPaths],
        features: Sequence[str],
        *,
        selection: str | None = None,
        tree: str | None = None,
        missing: Any = "error",
        weight: str | None = None,
        class_weight: Mapping[int, float] | None = None,
        chunk_rows: int = 50_000,
        buffer_rows: int = 200_000,
        block_rows: int = 50_000,
        seed: int = 0,
        shard: tuple[int, int] | None = None,
        mean: Any = None,
        scale: Any = None,
    ) -> None:
        if not classes or len(classes) < 2:
            msg = f"a stream needs files for at least two classes; got {len(classes)} class(es)"
            raise DataError(msg, key="classes")
        if not features:
            msg = "a stream needs at least one feature expression"
            raise DataError(msg, key="features")
        for key, value in (
            ("chunk_rows", chunk_rows),
            ("buffer_rows", buffer_rows),
            ("block_rows", block_rows),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"{key} must be an integer >= 1; got {short(value)}"
                raise DataError(msg, key=key, value=value)
        self.features = [str(f) for f in features]
        self.selection = selection
        self.tree = tree
        self.missing = missing
        self.weight = weight
        self.class_weight = {int(k): float(v) for k, v in (class_weight or {}).items()}
        self.chunk_rows = chunk_rows
        self.buffer_rows = max(buffer_rows, block_rows)
        self.block_rows = block_rows
        self.seed = int(seed)
        self.classes = np.array(sorted(int(k) for k in classes), dtype=np.int64)
        units = [(int(k), p) for k in sorted(classes) for p in expand_paths(classes[k])]
        if shard is not None:
            rank, world = int(shard[0]), int(shard[1])
            if world < 1 or not 0 <= rank < world:
                msg = f"shard must be (rank, world) with 0 <= rank < world; got {short(shard)}"
                raise DataError(msg, key="shard", value=str(shard))
            n_all = len(units)
            units = units[rank::world]
            if not units:
                msg = f"shard {rank} of {world} gets no file; use at most as many ranks as files ({n_all})"
                raise DataError(msg, key="shard", value=str(shard))
        self.units: list[tuple[int, Path]] = units
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.scale = None if scale is None else np.asarray(scale, dtype=np.float64)

    def shard(self, rank: int, world: int) -> StreamSource:
        """A copy reading only files ``i`` with ``i % world == rank`` of this source's files."""
        if isinstance(world, bool) or world < 1 or not 0 <= rank < world:
            msg = f"shard must be (rank, world) with 0 <= rank < world; got {(rank, world)}"
            raise DataError(msg, key="shard", value=str((rank, world)))
        units = self.units[rank::world]
        if not units:
            msg = f"shard {rank} of {world} gets no file; use at most as many ranks as files ({len(self.units)})"
            raise DataError(msg, key="shard", value=str((rank, world)))
        out = copy.copy(self)
        out.units = units
        return out

    @property
    def n_files(self) -> int:
        """Number of files this source (or shard) reads."""
        return len(self.units)

    def _columns(self) -> list[str]:
        cols = list(self.features)
        if self.weight is not None and self.weight not in cols:
            cols.append(self.weight)
        return cols

    def _chunks(self, path: Path, label: int) -> Iterator[Block]:
        for df in iter_table(
            path,
            self._columns(),
            chunk_rows=self.chunk_rows,
            tree=self.tree,
            where=self.selection,
            missing=self.missing,
        ):
            if not len(df):
                continue
            X = df[self.features].to_numpy(dtype=np.float32)
            if self.mean is not None and self.scale is not None:
                X = ((X - self.mean) / self.scale).astype(np.float32)
            w = (
                df[self.weight].to_numpy(dtype=np.float64)
                if self.weight is not None
                else np.ones(len(df), dtype=np.float64)
            )
            w = w * self.class_weight.get(label, 1.0)
            yield Block(X, np.full(len(df), label, dtype=np.int64), w)

    def chunks(self, epoch: int = 0) -> Iterator[Block]:
        """Unshuffled chunks, interleaved across files and classes in a seeded order.

        At each step one of the open files is drawn at random (weighted by nothing: each
        open file equally) and its next chunk is yielded, so classes and files mix.
        """
        rng = np.random.default_rng([self.seed, int(epoch), 0])
        order = rng.permutation(len(self.units))
        active = [self._chunks(self.units[i][1], self.units[i][0]) for i in order]
        while active:
            k = int(rng.integers(len(active)))
            try:
                yield next(active[k])
            except StopIteration:
                active.pop(k)

    def blocks(self, epoch: int = 0) -> Iterator[Block]:
        """Shuffled blocks of ``block_rows`` events for one pass over every file.

        Chunks fill a buffer of ``buffer_rows`` events; when full it is shuffled and its
        first ``block_rows`` events are yielded. ``epoch`` changes the order (seeded by
        ``(seed, epoch)``); every event appears exactly once per epoch.
        """
        rng = np.random.default_rng([self.seed, int(epoch), 1])
        parts: list[Block] = []
        n = 0

        def take(buf: Block, k: int) -> tuple[Block, Block]:
            idx = rng.permutation(len(buf.y))
            out = Block(buf.X[idx[:k]], buf.y[idx[:k]], buf.w[idx[:k]])
            rest = Block(buf.X[idx[k:]], buf.y[idx[k:]], buf.w[idx[k:]])
            return out, rest

        def join(items: list[Block]) -> Block:
            return Block(
                np.concatenate([b.X for b in items]),
                np.concatenate([b.y for b in items]),
                np.concatenate([b.w for b in items]),
            )

        for chunk in self.chunks(epoch):
            parts.append(chunk)
            n += len(chunk.y)
            while n >= self.buffer_rows:
                out, rest = take(join(parts), self.block_rows)
                parts, n = [rest], len(rest.y)
                yield out
        if n:
            buf = join(parts)
            while len(buf.y):
                out, buf = take(buf, self.block_rows)
                yield out

    def moments(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Mean and standard deviation of each feature over every event, in one pass.

        Unweighted, in float64 (Chan's parallel update per chunk); a constant feature gets
        scale 1. Set them with ``source.mean, source.scale = source.moments()``.
        """
        d = len(self.features)
        count = 0
        mean = np.zeros(d)
        m2 = np.zeros(d)
        saved = self.mean, self.scale
        self.mean = self.scale = None
        try:
            for c in self.chunks(0):
                x = c.X.astype(np.float64)
                nb = len(x)
                mb = x.mean(axis=0)
                m2b = ((x - mb) ** 2).sum(axis=0)
                delta = mb - mean
                tot = count + nb
                mean = mean + delta * nb / tot
                m2 = m2 + m2b + delta**2 * count * nb / tot
                count = tot
        finally:
            self.mean, self.scale = saved
        if count == 0:
            msg = "the stream holds no event after the selection; check the files and selection"
            raise DataError(msg)
        std = np.sqrt(m2 / count)
        std[std == 0] = 1.0
        return mean, std

    def __repr__(self) -> str:
        return (
            f"StreamSource({self.n_files} files, classes={self.classes.tolist()}, seed={self.seed})"
        )
