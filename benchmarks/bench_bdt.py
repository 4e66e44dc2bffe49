"""BDT training and inference: neyman's BDTClassifier against raw XGBoost on the same data.

Both train 100 trees of depth 6 with the ``hist`` method on 1,000,000 x 28 events; the ratio
is the overhead neyman adds (input checks, label encoding). Target: at most 5 %.
"""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from benchmarks._common import Report, median_time
from benchmarks._data import higgs_like
from neyman.models import BDTClassifier

N = 1_000_000


def main() -> Report:
    X, y = higgs_like(N)
    rep = Report(f"BDT: 100 trees, depth 6, hist, {N:,} x 28")
    params = {
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.1,
        "objective": "binary:logistic",
        "verbosity": 0,
        "seed": 0,
        "nthread": 0,
        "max_bin": 256,
    }

    def raw_fit() -> xgb.Booster:
        return xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=100)

    def ney_fit() -> BDTClassifier:
        return BDTClassifier(100, max_depth=6, learning_rate=0.1, random_state=0).fit(X, y)

    t_raw = median_time(raw_fit, repeat=3)
    t_ney = median_time(ney_fit, repeat=3)
    rep.add("raw xgboost.train (baseline)", t_raw, ".2f", unit=" s")
    rep.add("neyman BDTClassifier.fit", t_ney, ".2f", unit=" s")
    rep.add(
        "neyman training overhead", 100 * (t_ney / t_raw - 1), ".1f", 5.0, higher=False, unit=" %"
    )
    booster, model = raw_fit(), ney_fit()
    t_raw_p = median_time(lambda: booster.predict(xgb.DMatrix(X)), repeat=3)
    t_ney_p = median_time(lambda: model.predict_proba(X), repeat=3)
    rep.add("raw xgboost inference", N / t_raw_p, ",.0f", unit=" events/s")
    rep.add("neyman BDT inference", N / t_ney_p, ",.0f", unit=" events/s")
    rep.add("neyman / raw inference rate", t_raw_p / t_ney_p, ".3f", 0.95, unit="x")
    np.testing.assert_allclose(
        model.predict_proba(X[:1000])[:, 1], booster.predict(xgb.DMatrix(X[:1000])), rtol=1e-5
    )
    return rep


if __name__ == "__main__":
    main().print()
