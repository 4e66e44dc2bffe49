"""``python -m tests.fuzz [--seconds 600]``: run the fuzz tests in rounds with fresh seeds
until the time is up (the round running then finishes); stop at the first failure (its seed
is printed to reproduce it). A round that takes more than ``ROUND_LIMIT_S`` is reported as
a hang.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time

ROUND_LIMIT_S = 1800.0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()
    env = {**os.environ, "NEYMAN_FUZZ": "1"}
    end = time.monotonic() + args.seconds
    rounds = 0
    while time.monotonic() < end:
        seed = secrets.randbelow(2**32)
        cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "tests/fuzz", f"--hypothesis-seed={seed}"]  # fmt: skip
        try:
            proc = subprocess.run(cmd, env=env, timeout=ROUND_LIMIT_S, check=False)
        except subprocess.TimeoutExpired:
            print(f"fuzz round {rounds + 1} (seed {seed}) ran past {ROUND_LIMIT_S:.0f} s: a hang?")
            return 1
        rounds += 1
        if proc.returncode != 0:
            print(f"fuzz round {rounds} failed; reproduce with --hypothesis-seed={seed}")
            return proc.returncode
    print(f"fuzz: {rounds} round(s), nothing but NeymanError found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
