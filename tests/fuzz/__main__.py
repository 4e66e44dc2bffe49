"""``python -m tests.fuzz [--seconds 600]``: run the fuzz tests in rounds with fresh seeds
until the time is up; stop at the first failure (its seed is printed to reproduce it).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()
    env = {**os.environ, "NEYMAN_FUZZ": "1"}
    end = time.monotonic() + args.seconds
    rounds = 0
    while time.monotonic() < end:
        seed = secrets.randbelow(2**32)
        left = max(30.0, end - time.monotonic())
        cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "tests/fuzz", f"--hypothesis-seed={seed}"]  # fmt: skip
        try:
            proc = subprocess.run(cmd, env=env, timeout=left + 60, check=False)
        except subprocess.TimeoutExpired:
            print(f"fuzz round {rounds + 1} (seed {seed}) ran past the time limit: a hang?")
            return 1
        rounds += 1
        if proc.returncode != 0:
            print(f"fuzz round {rounds} failed; reproduce with --hypothesis-seed={seed}")
            return proc.returncode
    print(f"fuzz: {rounds} round(s), nothing but NeymanError found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
