"""Busy processes on every core, to measure training as on a shared batch node."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator


@contextlib.contextmanager
def busy_cores(n: int | None = None) -> Iterator[int]:
    """Run ``n`` (default: every core) spinning Python processes for the block's duration."""
    count = n or os.cpu_count() or 1
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5)  # let them reach the scheduler
        yield count
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
