"""Shared helpers: median timing, a results table with targets and PASS / FALL SHORT."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def median_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def median_cpu_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Median CPU time of this process for ``fn()`` in seconds (robust to other jobs' load
    for single-threaded work, unlike wall time)."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


@dataclass
class Report:
    """Rows of (what, value, target, verdict) printed as a Markdown table."""

    title: str
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(
        self,
        what: str,
        value: float,
        fmt: str,
        target: float | None = None,
        *,
        higher: bool = True,
        unit: str = "",
    ) -> None:
        shown = f"{value:{fmt}}{unit}"
        if target is None:
            self.rows.append((what, shown, "", ""))
            return
        ok = value >= target if higher else value <= target
        sign = ">=" if higher else "<="
        self.rows.append(
            (what, shown, f"{sign} {target:{fmt}}{unit}", "PASS" if ok else "FALL SHORT")
        )

    def print(self) -> None:
        print(f"\n### {self.title}\n")
        print("| measurement | value | target | verdict |")
        print("|---|---|---|---|")
        for r in self.rows:
            print("| " + " | ".join(r) + " |")


def machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
