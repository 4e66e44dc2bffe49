"""Run the benchmarks (``make bench``) and print one table per benchmark.

``python -m benchmarks`` runs all of them; ``python -m benchmarks contention --quick`` runs
one (the ``bench_`` prefix may be left out) with small sizes, for a quick look on a shared
machine. Each prints the machine, the load average and the wall time.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys
import time
from pathlib import Path

from benchmarks._common import machine


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a if a.startswith("bench_") else f"bench_{a}" for a in argv if a != "--quick"]
    names = wanted or sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    print(f"# neyman benchmarks\n\nmachine: {machine()}" + ("  (--quick sizes)" if quick else ""))
    for name in names:
        t0 = time.perf_counter()
        load = os.getloadavg()[0]
        mod = importlib.import_module(f"benchmarks.{name}")
        run = mod.main
        report = (
            run(quick=True) if quick and "quick" in inspect.signature(run).parameters else run()
        )
        report.print()
        print(
            f"\n({name}: {time.perf_counter() - t0:.0f} s; load average {load:.1f} at the "
            f"start, {os.getloadavg()[0]:.1f} at the end)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
