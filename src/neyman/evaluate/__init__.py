"""Metrics from scores: the evidence behind every comparison of methods.

Works on NumPy arrays only and imports no model, so it can judge any method, including one
trained outside neyman. Read in this order:

- :mod:`~neyman.evaluate.classification`: ROC curve, AUC (+ bootstrap interval), rejection at
  efficiency, working points, significance scans, confusion matrix, one-vs-rest ROC.
- :mod:`~neyman.evaluate.reference`: the gap to the Neyman-Pearson optimum (the true
  likelihood ratio).
- :mod:`~neyman.evaluate.overtraining`: train-vs-test KS tests and efficiencies.
- :mod:`~neyman.evaluate.calibration`: reliability curves and score-to-likelihood-ratio maps.
- :mod:`~neyman.evaluate.regression`: bias and resolution, overall and in bins.
- :mod:`~neyman.evaluate.ranking`: permutation importance and correlation matrices.
- :mod:`~neyman.evaluate.inputs`: class-normalised input distributions and their separation.
- :mod:`~neyman.evaluate.fit`: the expected result of a binned fit of the score (pyhf,
  ``neyman[stats]``): discovery significance and upper limit on the signal strength.

Every result is a frozen dataclass holding arrays; :mod:`neyman.plot` draws them.
"""

from __future__ import annotations

from neyman.evaluate.calibration import (
    LikelihoodRatioCalibrator,
    ReliabilityCurve,
    reliability_curve,
    score_to_likelihood_ratio,
)
from neyman.evaluate.classification import (
    AucInterval,
    ConfusionMatrix,
    RocCurve,
    SignificanceKind,
    SignificanceScan,
    WorkingPoint,
    auc,
    confusion_matrix,
    efficiency_at,
    one_vs_rest_roc,
    rejection_at,
    roc_curve,
    significance,
    significance_scan,
    working_points,
)
from neyman.evaluate.fit import (
    BinnedYields,
    FitResult,
    expected_fit,
    histfactory_spec,
    pyhf_available,
    score_histograms,
)
from neyman.evaluate.inputs import FeatureDistribution, feature_distributions, separation
from neyman.evaluate.overtraining import (
    KsResult,
    OvertrainingReport,
    ks_2samp_weighted,
    overtraining_check,
)
from neyman.evaluate.ranking import (
    CorrelationMatrices,
    PermutationImportance,
    correlation_matrices,
    permutation_importance,
)
from neyman.evaluate.reference import OptimalityGap, optimality_gap
from neyman.evaluate.regression import (
    BinnedResolution,
    Resolution,
    residuals,
    resolution,
    resolution_in_bins,
)

__all__ = [
    "AucInterval",
    "BinnedResolution",
    "BinnedYields",
    "ConfusionMatrix",
    "CorrelationMatrices",
    "FeatureDistribution",
    "FitResult",
    "KsResult",
    "LikelihoodRatioCalibrator",
    "OptimalityGap",
    "OvertrainingReport",
    "PermutationImportance",
    "ReliabilityCurve",
    "Resolution",
    "RocCurve",
    "SignificanceKind",
    "SignificanceScan",
    "WorkingPoint",
    "auc",
    "confusion_matrix",
    "correlation_matrices",
    "efficiency_at",
    "expected_fit",
    "feature_distributions",
    "histfactory_spec",
    "ks_2samp_weighted",
    "one_vs_rest_roc",
    "optimality_gap",
    "overtraining_check",
    "permutation_importance",
    "pyhf_available",
    "rejection_at",
    "reliability_curve",
    "residuals",
    "resolution",
    "resolution_in_bins",
    "roc_curve",
    "score_histograms",
    "score_to_likelihood_ratio",
    "separation",
    "significance",
    "significance_scan",
    "working_points",
]
