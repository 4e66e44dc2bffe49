"""Reading a CSV once, then from neyman's Parquet cache (keyed by the file's content hash).

Target: a cached re-read at least 10x faster than the first CSV read. The key is an xxHash3
of the whole file, streamed, so every cached read pays one pass over the file: its rate is
reported beside the re-read (a cached re-read must stay well ahead of the CSV parse).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import Report
from neyman.data import write_table
from neyman.data.cache import cached_read_table, content_hash

N_ROWS = 1_000_000


def main() -> Report:
    rep = Report(f"Data cache: CSV of {N_ROWS:,} x 29 floats")
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(N_ROWS, 29)), columns=[f"f{i}" for i in range(29)])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NEYMAN_CACHE_DIR"] = str(Path(tmp) / "cache")
        src = write_table(df, Path(tmp) / "events.csv")
        t0 = time.perf_counter()
        cached_read_table(src)
        t_first = time.perf_counter() - t0
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            cached_read_table(src)
            times.append(time.perf_counter() - t0)
        t_cached = sorted(times)[1]
        size = src.stat().st_size
        hashes = []
        for _ in range(3):
            t0 = time.perf_counter()
            content_hash(src)
            hashes.append(time.perf_counter() - t0)
        t_hash = sorted(hashes)[1]
    rep.add("first read (CSV, fills the cache)", t_first, ".2f", unit=" s")
    rep.add("cached re-read (Parquet)", t_cached, ".3f", unit=" s")
    rep.add("speed-up of the cached re-read", t_first / t_cached, ".1f", 10.0, unit="x")
    rep.add(f"content hash of the {size / 2**20:.0f} MiB file (xxh3-128)", t_hash, ".3f", unit=" s")
    rep.add("content hash rate", size / 2**30 / t_hash, ".2f", unit=" GiB/s")
    return rep


if __name__ == "__main__":
    main().print()
