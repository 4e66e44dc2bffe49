"""Every method behind one scikit-learn API, saved and loaded without pickle.

Read ``base.py`` first (parameter checks, input checks, the save/load format), then the
estimator you need. ``constraints.py`` (what a parameter may be) and ``params.py`` (the
parameter tables of the study's methods) import neither scikit-learn, XGBoost nor PyTorch,
so a study config is checked before any of them loads.

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

if TYPE_CHECKING:
    from neyman.models.base import FORMAT_VERSION, NeymanEstimator, NotFittedError, load
    from neyman.models.bdt import BDTClassifier, BDTRegressor
    from neyman.models.cnn import CNNClassifier
    from neyman.models.cuts import RectangularCuts
    from neyman.models.histogram import HistogramLikelihoodRatio
    from neyman.models.knn import KNNClassifier
    from neyman.models.linear import FisherDiscriminant, LogisticRegression
    from neyman.models.mlp import MLPClassifier, MLPRegressor
    from neyman.models.particle_set import ParticleSetClassifier
    from neyman.models.pipeline import Pipeline

#: every public name, imported on first use: ``import neyman.models`` loads neither
#: scikit-learn, XGBoost nor PyTorch, so that a study config's parameters can be checked
#: against :mod:`neyman.models.params` at once, and a Fisher fit loads no torch or xgboost
_LAZY = {
    "FORMAT_VERSION": "neyman.models.base",
    "NeymanEstimator": "neyman.models.base",
    "NotFittedError": "neyman.models.base",
    "load": "neyman.models.base",
    "BDTClassifier": "neyman.models.bdt",
    "BDTRegressor": "neyman.models.bdt",
    "CNNClassifier": "neyman.models.cnn",
    "RectangularCuts": "neyman.models.cuts",
    "HistogramLikelihoodRatio": "neyman.models.histogram",
    "KNNClassifier": "neyman.models.knn",
    "FisherDiscriminant": "neyman.models.linear",
    "LogisticRegression": "neyman.models.linear",
    "MLPClassifier": "neyman.models.mlp",
    "MLPRegressor": "neyman.models.mlp",
    "ParticleSetClassifier": "neyman.models.particle_set",
    "Pipeline": "neyman.models.pipeline",
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
