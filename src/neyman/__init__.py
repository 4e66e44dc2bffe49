"""neyman: machine learning for physics analyses, judged against the Neyman-Pearson optimum.

Subpackages, read from the top down:

- ``neyman.data``: the ``Dataset`` container, file I/O (ROOT, Parquet, CSV, HDF5, NumPy)
  and physics features (invariant mass, delta phi, ...).
- ``neyman.datasets``: built-in problems with exact likelihood ratios and real-data loaders.
- ``neyman.models``: every method (MLP, CNN, BDT, kNN, histogram LR, Fisher, cuts) behind
  one scikit-learn API, saved without pickle.
- ``neyman.train``: the one PyTorch training loop and its callbacks.
- ``neyman.evaluate``: ROC, rejection, optimality gap, overtraining, calibration, regression.
- ``neyman.plot``: figures from evaluation results, in HEP style.
- ``neyman.study``: a declared comparison of methods, written as an HTML report.
- ``neyman.autodiff``: an educational reverse-mode autodiff engine with traces.
- ``neyman.labs``: every course exercise as one command.
"""

import os
from typing import Any

# OpenMP threads (the libgomp of scikit-learn and XGBoost, which they share, and torch's)
# sleep instead of spinning while they wait, unless the user chose otherwise. libgomp reads
# this once, when it loads, which is after this line unless those libraries were imported
# first. With the default spin-then-sleep, a 2-thread XGBoost fit ran 5-30x slower than
# one thread while other jobs shared the 2 cores (load 3-5), at 4-10^7 multiply-adds per
# round; passive waiting kept 2 threads at least as fast as 1 (docs/benchmarks.md, "Threads").
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from neyman.errors import (
    ConfigError,
    DataError,
    MissingColumnError,
    ModelError,
    NeymanError,
)

__version__ = "0.1.0"


def load(path: str | os.PathLike[str]) -> Any:
    """Load a model directory: a :class:`neyman.models.Pipeline` (file in, score out) where
    it holds ``pipeline.json`` (every study writes one), else the bare estimator.

    Examples
    --------
    >>> import neyman
    >>> pipe = neyman.load("report/models/bdt")  # doctest: +SKIP
    >>> scores = pipe.score("data.root")  # doctest: +SKIP
    """
    from neyman.models.pipeline import load_model

    return load_model(path)


__all__ = [
    "ConfigError",
    "DataError",
    "MissingColumnError",
    "ModelError",
    "NeymanError",
    "__version__",
    "load",
]
