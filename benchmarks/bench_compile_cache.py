"""Compile once per machine: the charges exercise's first fit in a new process.

The compiled small-network loop (:mod:`neyman.train.fast`) is cached under the user cache
directory. Three fresh Python processes run the problem sheet's charges fit (2-10-10-1 tanh,
plain SGD, lr 0.01, batch size 1, 10 epochs) and time it from inside: one with an empty
cache (it compiles and fills the cache), then two with the cache warm. Target: the first
fit of a process with a warm cache < 0.5 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from benchmarks._common import Report

_SCRIPT = """
import time
import numpy as np
from neyman.datasets import charges
from neyman.models import MLPClassifier
ds = charges()
X, y = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y)
t0 = time.perf_counter()
clf = MLPClassifier((10, 10), activation="tanh", optimizer="sgd", lr=0.01, batch_size=1,
                    epochs=10, random_state=0, verbose=0).fit(X, y)
assert clf.backend_ == "fast"
print(time.perf_counter() - t0)
"""


def _first_fit(cache: str) -> float:
    env = {**os.environ, "NEYMAN_CACHE_DIR": cache}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> Report:
    rep = Report("Compile cache: first charges fit of a new process (10 epochs, 1,210 steps)")
    with tempfile.TemporaryDirectory(prefix="neyman-bench-cache-") as cache:
        fresh = _first_fit(cache)
        warm = [_first_fit(cache) for _ in range(1 if quick else 2)]
    rep.add("fresh cache (compiles, fills the cache)", fresh, ".2f", unit=" s")
    for i, t in enumerate(warm, 1):
        rep.add(f"warm cache, process {i}", t, ".3f", 0.5, higher=False, unit=" s")
    rep.add("fresh / warm", fresh / min(warm), ".0f", unit="x")
    return rep


if __name__ == "__main__":
    main().print()
