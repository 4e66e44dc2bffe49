"""Every method behind one scikit-learn API, saved and loaded without pickle.

Read ``base.py`` first (parameter tables, input checks, the save/load format), then the
estimator you need:

- ``mlp.py``: :class:`MLPClassifier`, :class:`MLPRegressor` (PyTorch, via ``neyman.train``)
- ``cnn.py``: :class:`CNNClassifier` (conv/pool/dense spec, same training loop)
- ``bdt.py``: :class:`BDTClassifier`, :class:`BDTRegressor` (XGBoost ``hist``)
- ``knn.py``: :class:`KNNClassifier` (likelihood ratio from weighted neighbour counts)
- ``histogram.py``: :class:`HistogramLikelihoodRatio` (binned, projective in N-D)
- ``linear.py``: :class:`FisherDiscriminant`, :class:`LogisticRegression`
- ``cuts.py``: :class:`RectangularCuts` (TMVA-style box cuts per signal efficiency)
- ``pipeline.py``: :class:`Pipeline`, a fitted estimator with its input pipeline (feature
  expressions, selection, missing values, standardiser), as a study saves it
- ``particle_set.py``: :class:`ParticleSetClassifier` (Deep Sets / transformer on jet constituents)

``load(dir)`` reads any saved estimator back; ``Estimator.load(dir)`` also checks its class.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from neyman.models.base import FORMAT_VERSION, NeymanEstimator, NotFittedError, load
from neyman.models.cuts import RectangularCuts
from neyman.models.histogram import HistogramLikelihoodRatio
from neyman.models.knn import KNNClassifier
from neyman.models.linear import FisherDiscriminant, LogisticRegression
from neyman.models.pipeline import Pipeline

if TYPE_CHECKING:
    from neyman.models.bdt import BDTClassifier, BDTRegressor
    from neyman.models.cnn import CNNClassifier
    from neyman.models.mlp import MLPClassifier, MLPRegressor
    from neyman.models.particle_set import ParticleSetClassifier

#: estimators whose modules import torch or xgboost: imported on first use, so that
#: ``import neyman.models`` and a Fisher fit load neither
_LAZY = {
    "BDTClassifier": "neyman.models.bdt",
    "BDTRegressor": "neyman.models.bdt",
    "CNNClassifier": "neyman.models.cnn",
    "MLPClassifier": "neyman.models.mlp",
    "MLPRegressor": "neyman.models.mlp",
    "ParticleSetClassifier": "neyman.models.particle_set",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'neyman.models' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "FORMAT_VERSION",
    "BDTClassifier",
    "BDTRegressor",
    "CNNClassifier",
    "FisherDiscriminant",
    "HistogramLikelihoodRatio",
    "KNNClassifier",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "NeymanEstimator",
    "NotFittedError",
    "ParticleSetClassifier",
    "Pipeline",
    "RectangularCuts",
    "load",
]
