"""Compile once per machine: the charges exercise's first fit in a new process.

The compiled small-network loop (:mod:`neyman.train.fast`) is cached under the user cache
directory. Fresh Python processes run the problem sheet's charges fit (2-10-10-1 tanh, plain
SGD, lr 0.01, batch size 1, 10 epochs): one with an empty cache (it compiles and fills the
cache), then two with the cache warm.

What is timed: the first ``MLPClassifier(...).fit`` call of the process, from inside
(``perf_counter`` and ``process_time``); it includes importing numba and loading the kernel,
which happen at the first fit. The imports before it (``neyman.models``, torch, sklearn) and
the data are not in it; the whole process (interpreter start to exit: wall, and CPU from
``getrusage`` of the child) is shown as well. Target: the first fit of a process with a warm
cache < 0.5 s wall; CPU time is shown too, as other jobs on a shared machine inflate wall
time.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks._common import Report

_SCRIPT = """
import time
import numpy as np
from neyman.datasets import charges
from neyman.models import MLPClassifier
ds = charges()
X, y = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y)
t0, c0 = time.perf_counter(), time.process_time()
clf = MLPClassifier((10, 10), activation="tanh", optimizer="sgd", lr=0.01, batch_size=1,
                    epochs=10, random_state=0, verbose=0).fit(X, y)
assert clf.backend_ == "fast"
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def _first_fit(cache: str) -> tuple[float, float, float, float]:
    """Wall and CPU seconds of the first fit, then of the whole process, using ``cache``."""
    env = {**os.environ, "NEYMAN_CACHE_DIR": cache}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, check=True, capture_output=True, text=True
    )
    wall_process = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_process = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu), wall_process, cpu_process


def main(quick: bool = False) -> Report:
    rep = Report("Compile cache: first charges fit of a new process (10 epochs, 1,210 steps)")
    with tempfile.TemporaryDirectory(prefix="neyman-bench-cache-") as cache:
        fresh = _first_fit(cache)
        warm = [_first_fit(cache) for _ in range(1 if quick else 2)]
    rep.add("fresh cache (compiles, fills the cache): first fit, wall", fresh[0], ".2f", unit=" s")
    rep.add("fresh cache: first fit, CPU", fresh[1], ".2f", unit=" s")
    for i, (wall, cpu, wall_p, cpu_p) in enumerate(warm, 1):
        rep.add(
            f"warm cache, process {i}: first fit, wall", wall, ".3f", 0.5, higher=False, unit=" s"
        )
        rep.add(f"warm cache, process {i}: first fit, CPU", cpu, ".3f", unit=" s")
        rep.add(f"warm cache, process {i}: whole process, wall", wall_p, ".2f", unit=" s")
        rep.add(f"warm cache, process {i}: whole process, CPU", cpu_p, ".2f", unit=" s")
    rep.add("fresh / warm first-fit CPU", fresh[1] / min(w[1] for w in warm), ".0f", unit="x")
    return rep


if __name__ == "__main__":
    main().print()
