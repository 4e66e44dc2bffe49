"""``neyman demo``: six methods against the Neyman-Pearson optimum on a known problem.

The data are a correlated four-dimensional Gaussian-mixture problem whose exact likelihood
ratio is known, so the report shows how far each method is from the best achievable ROC.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from neyman.study.config import StudyConfig, parse_config
from neyman.study.run import Study, StudyResult

__all__ = ["demo_config", "run_demo"]


def demo_config(*, quick: bool = False) -> StudyConfig:
    """The demo study: cuts, Fisher, histogram likelihood, kNN, BDT and MLP."""
    n = 3_000 if quick else 30_000
    epochs = 5 if quick else 40
    return parse_config(
        {
            "name": "demo: 4-D Gaussian mixture with known likelihood ratio",
            "data": {
                "builtin": "gaussian_mixture",
                "builtin_options": {"d": 4, "n": n, "random_state": 1},
            },
            "split": {"val": 0.2, "test": 0.3, "random_state": 42},
            "methods": [
                {"name": "cuts", "model": "cuts"},
                {"name": "fisher", "model": "fisher"},
                {"name": "likelihood", "model": "likelihood"},
                {"name": "knn", "model": "knn", "params": {"n_neighbors": 50}},
                {
                    "name": "bdt",
                    "model": "bdt",
                    "params": {
                        "n_estimators": 200,
                        "max_depth": 3,
                        "learning_rate": 0.1,
                        "subsample": 1.0,
                    },
                },
                {
                    "name": "mlp",
                    "model": "mlp",
                    "params": {
                        "hidden": [64, 64],
                        "epochs": epochs,
                        "batch_size": 256,
                        "lr": 2e-3,
                        "early_stopping": True,
                        "patience": 5,
                        "lr_schedule": None,
                    },
                },
            ],
            "evaluation": {"efficiencies": [0.3, 0.5, 0.7], "bootstrap": 100 if quick else 200},
            "random_state": 42,
        },
        source="demo",
    )


def run_demo(out: Path, *, quick: bool = False, console: Any = None) -> StudyResult:
    """Run the demo study and write its report to ``out``."""
    return Study(demo_config(quick=quick)).run(out, console=console or Console(highlight=False))
