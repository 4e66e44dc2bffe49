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

from neyman.errors import (
    ConfigError,
    DataError,
    MissingColumnError,
    ModelError,
    NeymanError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "MissingColumnError",
    "ModelError",
    "NeymanError",
    "__version__",
]
