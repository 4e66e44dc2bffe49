"""`neyman compare`: one table and ROC/rejection figures across study outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from neyman.cli import main
from neyman.errors import ConfigError, DataError
from neyman.evaluate import auc
from neyman.study import TEST_SCORES, Study
from neyman.study.compare import compare_studies


def _config(name: str, d: int) -> dict[str, Any]:
    return {
        "name": name,
        "data": {
            "builtin": "gaussian_mixture",
            "builtin_options": {"d": d, "n": 800, "random_state": 1},
        },
        "methods": [
            {"name": "fisher", "model": "fisher"},
            {"name": "likelihood", "model": "likelihood", "params": {"bins": 10}},
        ],
        "evaluation": {"bootstrap": 0, "fit": {"enabled": False}},
    }


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("studies")
    outs = []
    for name, d in (("two features", 2), ("four features", 4)):
        out = base / name.replace(" ", "_")
        Study.from_dict(_config(name, d)).run(out)
        outs.append(out)
    return outs


def test_compare_writes_table_and_figures(outputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", *(str(p) for p in outputs), "-o", str(out)]) == 0
    doc = json.loads((out / "compare.json").read_text())
    labels = [m["label"] for m in doc["methods"]]
    assert sorted(labels) == sorted(
        f"{s}: {m}" for s in ("two features", "four features") for m in ("fisher", "likelihood")
    )
    # ranked by AUC, and each AUC is the one its study reported and its saved scores give
    aucs = [m["auc"] for m in doc["methods"]]
    assert aucs == sorted(aucs, reverse=True)
    for folder in outputs:
        metrics = json.loads((folder / "metrics.json").read_text())
        scores = pd.read_parquet(folder / TEST_SCORES)
        for m in metrics["methods"]:
            y, w = scores["label"].to_numpy(), scores["weight"].to_numpy()
            again = float(auc(y, scores[f"score:{m['name']}"].to_numpy(), w))
            assert again == pytest.approx(m["auc"], abs=1e-12)
    page = (out / "index.html").read_text()
    assert page.count("<tr>") == 1 + 4
    for name in ("roc", "rejection"):
        assert (out / "plots" / f"{name}.png").stat().st_size > 5_000
        assert (out / "plots" / f"{name}.pdf").is_file()
        assert f'alt="{name}"' in page


def test_compare_labels_and_errors(outputs: list[Path], tmp_path: Path) -> None:
    compare_studies(outputs, tmp_path / "a", labels=["A", "B"])
    doc = json.loads((tmp_path / "a" / "compare.json").read_text())
    assert {m["study"] for m in doc["methods"]} == {"A", "B"}
    with pytest.raises(DataError) as err:
        compare_studies([outputs[0], tmp_path], tmp_path / "b")
    assert err.value.path == str(tmp_path)
    with pytest.raises(DataError, match="--label"):
        compare_studies([outputs[0], outputs[0]], tmp_path / "c")
    assert main(["compare", str(tmp_path / "missing"), "-o", str(tmp_path / "d")]) == 2
    assert not (tmp_path / "d").exists()


def test_reads_a_studys_test_scores_parquet(tmp_path: Path) -> None:
    from neyman.study.compare import read_study_output

    rng = np.random.default_rng(2)
    y = np.r_[np.ones(50), np.zeros(70)]
    table = pd.DataFrame(
        {"label": y, "weight": rng.uniform(0.5, 1, 120), "score:bdt": rng.normal(y, 1)}
    )
    table.to_parquet(tmp_path / "test_scores.parquet")
    metrics = {"study": "s", "methods": [{"name": "bdt", "auc": 0.7}, {"name": "mlp", "auc": 0.6}]}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    bdt, mlp = read_study_output(tmp_path)
    assert bdt.score is not None and mlp.score is None
    np.testing.assert_array_equal(bdt.score, table["score:bdt"].to_numpy())
    np.testing.assert_array_equal(bdt.weight, table["weight"].to_numpy())
    assert bdt.label == "s: bdt"


@pytest.mark.parametrize("where", ["itself", "inside", "above"])
def test_compare_output_apart_from_its_inputs(
    outputs: list[Path], tmp_path: Path, where: str
) -> None:
    before = {p: p.read_bytes() for p in outputs[0].rglob("*") if p.is_file()}
    out = {"itself": outputs[0], "inside": outputs[0] / "cmp", "above": outputs[0].parent}[where]
    with pytest.raises(DataError, match="overlaps the study output") as info:
        compare_studies(outputs, out)
    assert info.value.key == "output"
    assert {p: p.read_bytes() for p in outputs[0].rglob("*") if p.is_file()} == before


def test_compare_replaces_only_an_earlier_comparison(outputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    compare_studies(outputs, out)
    compare_studies(outputs, out)  # an earlier comparison: replaced
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="notes.txt"):
        compare_studies(outputs, out)
    assert (out / "notes.txt").read_text() == "mine"
    assert main(["compare", *map(str, outputs), "-o", str(out / "notes.txt")]) == 2
