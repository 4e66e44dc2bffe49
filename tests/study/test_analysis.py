"""Analysis-grade studies on NanoAOD-like files: weights, truth, jagged features, apply.

The files (see ``_nano.py``) carry NLO-like signed weights (1/6 negative) that make the
physical densities differ from the generated ones, and the exact LLR of the physical
densities, so weighted training, validation and evaluation can be checked against the
Neyman-Pearson optimum.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import uproot
from rich.console import Console

import neyman
from neyman.cli import main
from neyman.data import read_table
from neyman.models import Pipeline
from neyman.study import TEST_SCORES, Study, StudyResult
from tests.study import _nano

FEATURES = ["x1", "x2", "Jet_pt[0]", "len(Jet_pt)"]
SELECTION = "x2 > -3"


def nano_config(sig: Path, bkg: Path, *, epochs: int = 60, **data: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "signal": {"path": str(sig), "tree": "Events"},
        "background": {"path": str(bkg), "tree": "Events"},
        "features": FEATURES,
        "weight": "genWeight",
        "truth": "true_llr",
        "missing": {"Jet_pt[0]": 0.0},
        "selection": SELECTION,
    }
    d.update(data)
    return {
        "name": "nano",
        "data": d,
        "split": {"val": 0.25, "test": 0.25, "random_state": 1},
        "methods": [
            {
                "name": "bdt",
                "model": "bdt",
                "params": {"n_estimators": 400, "max_depth": 3, "early_stopping_rounds": 10},
            },
            {
                "name": "mlp",
                "model": "mlp",
                "params": {
                    "hidden": [32, 32],
                    "epochs": epochs,
                    "early_stopping": True,
                    "patience": 5,
                    "batch_size": 256,
                },
            },
        ],
        "evaluation": {"bootstrap": 0, "efficiencies": [0.5]},
    }


def pairwise_auc(y: Any, score: Any, weight: Any) -> float:
    """The weighted AUC by its definition: P(score_s > score_b) over weighted pairs (ties 1/2).

    An O(n_s n_b) oracle, independent of any ROC code; signed weights allowed.
    """
    y, score, weight = (np.asarray(a) for a in (y, score, weight))
    s, b = score[y == 1], score[y == 0]
    ws, wb = weight[y == 1], weight[y == 0]
    wins = (s[:, None] > b[None, :]) + 0.5 * (s[:, None] == b[None, :])
    return float(ws @ wins @ wb / (ws.sum() * wb.sum()))


def _run(cfg: dict[str, Any], out: Path, **kw: Any) -> StudyResult:
    return Study.from_dict(cfg).run(out, console=Console(quiet=True), use_cache=False, **kw)


@pytest.fixture(scope="module")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, StudyResult]:
    folder = tmp_path_factory.mktemp("nano")
    sig, bkg = _nano.write_pair(folder, 3000)
    out = folder / "report"
    result = _run(nano_config(sig, bkg, epochs=8), out)
    return sig, bkg, out, result


def _file_events(path: Path) -> pd.DataFrame:
    """The file's events read independently with uproot, selection applied by hand."""
    t = uproot.open(path)["Events"]
    a = t.arrays(["x1", "x2", "genWeight", "true_llr", "nJet"], library="np")
    df = pd.DataFrame(a)
    df["entry"] = np.arange(len(df))
    return df[df["x2"] > -3].reset_index(drop=True)


def test_metrics_state_the_weight_policy(small_study: tuple[Path, Path, Path, StudyResult]) -> None:
    sig, bkg, out, _ = small_study
    metrics = json.loads((out / "metrics.json").read_text())
    w = metrics["info"]["weights"]
    assert (w["column"], w["negative_weights"], w["normalise"]) == ("genWeight", "keep", "classes")
    s, b = _file_events(sig), _file_events(bkg)
    both = np.concatenate([s["genWeight"], b["genWeight"]])
    assert w["negative_fraction"] == pytest.approx((both < 0).mean(), abs=1e-12)
    for name, df in (("signal", s), ("background", b)):
        assert w["classes"][name]["events"] == len(df)
        assert w["classes"][name]["raw_sum"] == pytest.approx(df["genWeight"].sum(), rel=1e-12)
        assert w["classes"][name]["negative_fraction"] == pytest.approx(
            (df["genWeight"] < 0).mean(), abs=1e-12
        )
    assert metrics["info"]["events"]["signal"] == {"read": 3000, "kept": len(s)}


def test_auc_uses_the_policy_weights(small_study: tuple[Path, Path, Path, StudyResult]) -> None:
    sig, bkg, out, result = small_study
    test = read_table(out / TEST_SCORES)
    files = {1: _file_events(sig).set_index("entry"), 0: _file_events(bkg).set_index("entry")}
    for label, df in files.items():
        mine = test[test["source"] == label]
        np.testing.assert_array_equal(mine["weight_raw"], df.loc[mine["entry"], "genWeight"])
    # class-normalised: each class of the test events sums to half the test events
    for label in (0, 1):
        m = test["label"] == label
        assert test.loc[m, "weight"].sum() == pytest.approx(len(test) / 2, rel=1e-9)
        ratio = test.loc[m, "weight"] / test.loc[m, "weight_raw"]
        assert np.allclose(ratio, ratio.iloc[0], rtol=1e-12)
    metrics = json.loads((out / "metrics.json").read_text())
    by_name = {m["name"]: m for m in metrics["methods"]}
    for name in ("bdt", "mlp"):
        # an independent weighted AUC (signed weights) from the saved test scores
        want = pairwise_auc(test["label"], test[f"score:{name}"], test["weight"])
        assert by_name[name]["auc"] == pytest.approx(want, abs=1e-9)
    # the optimum: the weighted AUC of the file's true LLR on the same test events
    llr = np.concatenate(
        [files[lab].loc[test.loc[test["source"] == lab, "entry"], "true_llr"] for lab in (1, 0)]
    )
    order = np.concatenate([np.flatnonzero(test["source"] == lab) for lab in (1, 0)])
    want = pairwise_auc(test["label"].iloc[order], llr, test["weight"].iloc[order])
    assert result.optimum_auc == pytest.approx(want, abs=1e-9)
    assert [m["name"] for m in metrics["methods"]] == [
        m.name for m in sorted(result.methods, key=lambda m: -m.auc)
    ]
    assert [m["auc"] for m in metrics["methods"]] == sorted(
        (m["auc"] for m in metrics["methods"]), reverse=True
    )


def test_apply_reproduces_the_study_scores(
    small_study: tuple[Path, Path, Path, StudyResult], tmp_path: Path
) -> None:
    sig, bkg, out, _ = small_study
    test = read_table(out / TEST_SCORES)
    for name in ("bdt", "mlp"):
        model = out / "models" / name
        for label, path in ((1, sig), (0, bkg)):
            scored = tmp_path / f"{name}-{label}.parquet"
            assert main(["apply", str(model), str(path), "-o", str(scored)]) == 0
            df = read_table(scored)
            # the training selection: same events, same order as the file
            np.testing.assert_array_equal(df["entry"], _file_events(path)["entry"])
            mine = test[test["source"] == label]
            got = df.set_index("entry").loc[mine["entry"], "score"].to_numpy()
            np.testing.assert_allclose(got, mine[f"score:{name}"], rtol=0, atol=1e-6)
            # Python gives the CLI's numbers
            pipe = neyman.load(model)
            assert isinstance(pipe, Pipeline)
            np.testing.assert_array_equal(pipe.predict_proba(path)[:, 1], df["score"])
        # the same signal events as an RNTuple with std::vector<float> jets score the same
        vec = _nano.write_rntuple(tmp_path / f"vector-{name}.root", 3000, 1)
        scored = tmp_path / f"vector-{name}.parquet"
        assert main(["apply", str(model), str(vec), "-o", str(scored), "--tree", "Events"]) == 0
        np.testing.assert_array_equal(
            read_table(scored)["score"], read_table(tmp_path / f"{name}-1.parquet")["score"]
        )


def test_apply_without_selection_flags_every_event(
    small_study: tuple[Path, Path, Path, StudyResult], tmp_path: Path
) -> None:
    sig, _, out, _ = small_study
    scored = tmp_path / "all.parquet"
    assert (
        main(["apply", str(out / "models" / "bdt"), str(sig), "-o", str(scored), "--no-selection"])
        == 0
    )
    df = read_table(scored)
    x2 = uproot.open(sig)["Events"]["x2"].array(library="np")
    np.testing.assert_array_equal(df["entry"], np.arange(len(x2)))
    np.testing.assert_array_equal(df["selected"], (x2 > -3).astype(np.int8))
    # the events passing the selection score as with the selection applied
    pipe = neyman.load(out / "models" / "bdt")
    np.testing.assert_array_equal(df.loc[df["selected"] == 1, "score"], pipe.score(sig))


def test_pipeline_json_records_the_input_pipeline(
    small_study: tuple[Path, Path, Path, StudyResult],
) -> None:
    _, _, out, _ = small_study
    doc = json.loads((out / "models" / "mlp" / "pipeline.json").read_text())
    assert doc["features"] == FEATURES
    assert doc["selection"] == SELECTION
    assert doc["missing"] == {"Jet_pt[0]": 0.0}
    assert doc["weights"] == {
        "column": "genWeight",
        "negative_weights": "keep",
        "normalise": "classes",
    }
    assert doc["class_names"] == ["background", "signal"] and doc["classes"] == [0, 1]
    assert len(doc["standardiser"]["mean"]) == len(FEATURES)


@pytest.mark.slow
def test_weighted_study_reaches_the_optimum(tmp_path: Path) -> None:
    """30k events per class: BDT and MLP within 0.01 of the optimum AUC, and worse when
    validated (early-stopped) without the weights."""
    sig, bkg = _nano.write_pair(tmp_path, 30_000)
    cfg = nano_config(sig, bkg)
    weighted = _run(cfg, tmp_path / "weighted")
    unweighted = _run(cfg, tmp_path / "unweighted", validation_weights=False)
    assert weighted.optimum_auc is not None
    w = {m.name: m for m in weighted.methods}
    u = {m.name: m for m in unweighted.methods}
    for name in ("bdt", "mlp"):
        assert w[name].auc_gap is not None and w[name].auc_gap <= 0.01
        assert u[name].auc < w[name].auc
    metrics = json.loads((tmp_path / "weighted" / "metrics.json").read_text())
    aucs = [m["auc"] for m in metrics["methods"]]
    assert aucs == sorted(aucs, reverse=True)
    assert metrics["info"]["validation_weights"] is True
