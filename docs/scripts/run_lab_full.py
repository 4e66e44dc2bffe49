"""Run labs as a student would (`neyman lab NAME -o DIR`) and record what each cost.

For each lab: wall time, CPU time (user + system of the child) and peak RSS of the child
process, with the machine's load average before the run, written to
``docs/labs/runs/NAME.json`` (one file per lab, so runs made at different times do not
clash). ``docs/labs.md``'s table is built from these files.

Usage: ``python docs/scripts/run_lab_full.py NAME [NAME ...] [--quick] [--out DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

RUNS = Path(__file__).resolve().parents[1] / "labs" / "runs"


def run_one(name: str, out: Path, quick: bool) -> dict[str, object]:
    """Run one lab in a fresh process and measure it."""
    cmd = [sys.executable, "-m", "neyman.cli", "lab", name, "-o", str(out / name)]
    if quick:
        cmd.append("--quick")
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "lab": name,
        "quick": quick,
        "exit_code": proc.returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        # ru_maxrss is the largest child so far (KiB on Linux): run one lab per process call
        # of this script when peak memory matters, so an earlier lab cannot mask a later one.
        "peak_rss_mb": round(after.ru_maxrss / 1024, 0),
        "load_before": round(load, 2),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "stdout_tail": proc.stdout[-4000:],
        "stderr_tail": proc.stderr[-2000:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="lab-runs", help="where the labs write their figures")
    args = parser.parse_args()
    RUNS.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.names:
        rec = run_one(name, Path(args.out), args.quick)
        suffix = "-quick" if args.quick else ""
        (RUNS / f"{name}{suffix}.json").write_text(json.dumps(rec, indent=2) + "\n")
        print(  # noqa: T201 (a script reporting to its user)
            f"{name}: exit {rec['exit_code']}, {rec['wall_s']} s wall, {rec['cpu_s']} s CPU, "
            f"{rec['peak_rss_mb']} MB peak, load {rec['load_before']}"
        )
        failed += rec["exit_code"] != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
