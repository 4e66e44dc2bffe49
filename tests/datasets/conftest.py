"""Fixtures for the dataset tests: no test here may reach the network.

Every test runs with ``NEYMAN_OFFLINE=1`` and an empty temporary cache (``NEYMAN_DATA_DIR``);
the download tests switch the offline flag off and serve files from 127.0.0.1 themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest


@pytest.fixture(autouse=True)
def data_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("NEYMAN_DATA_DIR", str(cache))
    monkeypatch.setenv("NEYMAN_OFFLINE", "1")
    return cache


def grid_auc(
    t: npt.NDArray[np.float64], ws: npt.NDArray[np.float64], wb: npt.NDArray[np.float64]
) -> float:
    """AUC of score ``t`` over cells weighted by signal/background probability (test oracle).

    AUC = sum over cells of ws * (background probability of lower scores + half of equal).
    """
    order = np.argsort(t)
    t, ws, wb = t[order], ws[order], wb[order]
    below = np.searchsorted(t, t, side="left")
    upto = np.searchsorted(t, t, side="right")
    cum = np.concatenate([[0.0], np.cumsum(wb)])
    return float((ws * (cum[below] + 0.5 * (cum[upto] - cum[below]))).sum() / (ws.sum() * wb.sum()))
