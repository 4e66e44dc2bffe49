"""A declared comparison of methods on the same events, written as a report directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neyman.data import Dataset

__all__ = ["run_demo"]


def run_demo(out: Path, *, quick: bool = False, console: Any = None) -> Dataset:
    """Build a two-Gaussian toy, split it and print its summary (the foundation demo)."""
    from rich.console import Console

    console = console or Console()
    rng = np.random.default_rng(42)
    n = 2_000 if quick else 20_000
    sig = rng.normal([1.0, 0.5], [1.0, 0.8], size=(n, 2))
    bkg = rng.normal([-1.0, -0.5], [1.2, 1.0], size=(n, 2))
    ds = Dataset.from_sources(signal=sig, background=bkg, name="two-gaussians")
    ds.feature_names = ["x1", "x2"]
    parts = ds.split(val=0.2, test=0.3, random_state=42)
    console.print(ds.summary())
    console.print(
        f"split: train {parts.train.n_events}, val {parts.val.n_events}, test {parts.test.n_events}"
    )
    return ds
