"""Synthetic HIGGS-sized data for the benchmarks (seeded, shared between baselines)."""

from __future__ import annotations

import numpy as np


def higgs_like(n: int, d: int = 28, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` events with ``d`` float32 features; signal is shifted and correlated."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int64)
    X = rng.normal(size=(n, d)).astype(np.float32)
    X[y == 1, : d // 2] += 0.3
    X[y == 1, d // 2 :] *= 1.3
    return X, y
