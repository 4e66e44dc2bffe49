"""BDT and deep-network AUCs on a generated HIGGS-like sample, next to the UCI numbers.

Reproduces the table in ``docs/generate.md``. Make the sample, then run this script on it:

    neyman generate higgs -n 20000 -o /tmp/higgs20k.parquet --seed 20 --jobs 2
    python docs/scripts/generate_auc_table.py /tmp/higgs20k.parquet \
        --figure docs/img/generate_auc_roc.png

What it does, with ``neyman`` only: read the Parquet file, build a Dataset with feature groups
``low`` (the 21 low-level columns) and ``high`` (the 7 reconstructed masses), split it
stratified into train 60 % / validation 10 % / test 30 % with a fixed seed, standardise with a
Standardizer fit on the training part, train a BDT and a deep network on the low-level,
high-level and all features (early stopping on the validation part), and print the test AUCs
with a stratified-bootstrap 68 % interval next to the published UCI HIGGS numbers (Baldi,
Sadowski, Whiteson, Nature Commun. 5 (2014) 4308, arXiv:1402.4735, Table 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from neyman.data import Dataset, Standardizer, read_table
from neyman.evaluate import AucInterval, RocCurve, auc, roc_curve
from neyman.models import BDTClassifier, MLPClassifier

LOW_LEVEL = [
    "lepton_pT",
    "lepton_eta",
    "lepton_phi",
    "missing_energy_magnitude",
    "missing_energy_phi",
    *(f"jet{i}{v}" for i in range(1, 5) for v in ("pt", "eta", "phi", "b-tag")),
]
HIGH_LEVEL = ["m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb"]
FEATURE_SETS = {"low": "low-level", "high": "high-level", "all": "all"}

#: Baldi, Sadowski, Whiteson 2014, Table 1 (HIGGS): test AUC on the UCI sample.
PUBLISHED = {
    "BDT": {"low": "0.73", "high": "0.78", "all": "0.81"},
    "deep network": {"low": "0.880", "high": "0.800", "all": "0.885"},
}


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _models(seed: int, threads: int) -> dict[str, BDTClassifier | MLPClassifier]:
    return {
        "BDT": BDTClassifier(
            500,
            max_depth=5,
            learning_rate=0.05,
            subsample=0.8,
            early_stopping_rounds=30,
            n_jobs=threads,
            random_state=seed,
        ),
        "deep network": MLPClassifier(
            (128, 128, 128, 128),
            activation="tanh",
            optimizer="adam",
            lr=1e-3,
            batch_size=256,
            epochs=200,
            weight_decay=1e-5,
            early_stopping=True,
            patience=10,
            lr_schedule="plateau",
            lr_patience=4,
            random_state=seed,
            verbose=0,
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parquet", type=Path, help="output of `neyman generate higgs`")
    parser.add_argument("--seed", type=int, default=20, help="split, model and bootstrap seed")
    parser.add_argument("--figure", type=Path, help="write ROC curves (all features) here")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per model")
    args = parser.parse_args(argv)
    # One thread by default: on a small shared machine, oversubscribed BLAS threads are slower.
    torch.set_num_threads(args.threads)

    t_start = time.perf_counter()
    frame = read_table(args.parquet, [*LOW_LEVEL, *HIGH_LEVEL, "label"])
    ds = Dataset.from_frame(
        frame,
        features=[*LOW_LEVEL, *HIGH_LEVEL],
        target="label",
        name=args.parquet.name,
        feature_groups={"low": LOW_LEVEL, "high": HIGH_LEVEL},
    )
    parts = ds.split(val=0.1, test=0.3, stratify=True, random_state=args.seed)
    scaler = Standardizer().fit(parts.train)
    train, val, test = (scaler.transform(p) for p in (parts.train, parts.val, parts.test))
    n_sig = int(np.sum(ds.y == 1))
    _out(
        f"{ds.n_events} events ({n_sig} signal, {ds.n_events - n_sig} background): "
        f"train {train.n_events}, validation {val.n_events}, test {test.n_events}"
    )

    results: dict[tuple[str, str], AucInterval] = {}
    rocs: dict[str, RocCurve] = {}
    for method in PUBLISHED:
        for key in FEATURE_SETS:
            tr, va, te = (p if key == "all" else p.select(key) for p in (train, val, test))
            model = _models(args.seed, args.threads)[method]
            t0 = time.perf_counter()
            model.fit(tr.X, tr.y, validation_data=(va.X, va.y))
            fit_s = time.perf_counter() - t0
            y_test, score = np.asarray(te.y), model.decision_function(te.X)
            result = auc(y_test, score, ci=0.68, n_bootstrap=1000, random_state=args.seed)
            if not isinstance(result, AucInterval):  # ci= is given, so this cannot happen
                raise TypeError(type(result).__name__)
            results[method, key] = result
            if key == "all":
                rocs[f"{method}, all features"] = roc_curve(y_test, score)
            if isinstance(model, BDTClassifier):
                stop = f"{model.best_iteration_ + 1} trees"
            else:
                stop = f"{len(model.history_['loss'])} epochs"
            _out(
                f"{method:>12} {FEATURE_SETS[key]:>10} ({tr.n_features:2d} features): "
                f"AUC {result.value:.4f} [{result.low:.4f}, {result.high:.4f}], "
                f"{stop}, fit {fit_s:.0f} s"
            )

    _out()
    _out("| method | features | AUC, this sample (68 % CI) | AUC, UCI HIGGS (Baldi et al.) |")
    _out("|---|---|---|---|")
    for method, published in PUBLISHED.items():
        for key, label in FEATURE_SETS.items():
            r = results[method, key]
            _out(
                f"| {method} | {label} | {r.value:.3f} [{r.low:.3f}, {r.high:.3f}] "
                f"| {published[key]} |"
            )
    _out()
    _out(f"wall time {time.perf_counter() - t_start:.0f} s")

    if args.figure is not None:
        import matplotlib

        matplotlib.use("Agg")
        from neyman.plot import plot_roc

        fig = plot_roc(rocs)
        fig.savefig(args.figure, dpi=110, bbox_inches="tight")
        _out(f"wrote {args.figure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
