"""Small study inputs for the scale-out tests: background in 6 Parquet files, signal in 4 ROOT files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neyman.data import write_table


def _frame(rng: np.random.Generator, n: int, shift: float) -> dict[str, Any]:
    x = rng.normal(0.0, 1.0, (n, 3))
    x[:, 0] += shift
    x[:, 1] += 0.5 * shift
    return {"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "w": rng.uniform(0.5, 1.5, n)}


def write_inputs(folder: Path) -> None:
    """4,400 events (before a loose selection) of two overlapping Gaussian classes."""
    import uproot

    rng = np.random.default_rng(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(6):
        write_table(pd.DataFrame(_frame(rng, 400, 0.0)), folder / f"bkg_{i}.parquet")
    for i in range(4):
        with uproot.recreate(folder / f"sig_{i}.root") as f:
            f["Events"] = _frame(rng, 500, 0.8)


def study_config(folder: Path, methods: list[dict[str, Any]]) -> dict[str, Any]:
    """A study over the files of :func:`write_inputs` (expressions, selection, weights)."""
    return {
        "name": "scale",
        "data": {
            "signal": {"path": str(folder / "sig_*.root"), "tree": "Events"},
            "background": {"path": str(folder / "bkg_*.parquet")},
            "features": ["a", "b", "c", "a * c"],
            "selection": "c > -2.5",
            "weight": "w",
        },
        "methods": methods,
        "evaluation": {"bootstrap": 0, "fit": {"enabled": False}},
    }


BDT = {"name": "bdt", "model": "bdt", "params": {"n_estimators": 60, "max_depth": 3}}
MLP = {
    "name": "mlp",
    "model": "mlp",
    "params": {"hidden": [16], "epochs": 15, "batch_size": 64, "verbose": 0},
}
