"""Lab higgs: the AUC table on a small file in the exact UCI schema, caching, missing data."""

from __future__ import annotations

import gzip
import io
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from neyman.errors import ConfigError, DataError
from neyman.labs import get_lab, higgs


def _events(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and 28 features; signal is shifted in 3 low-level and 3 high-level features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 28))
    X[:, [0, 5, 9]] += 0.8 * y[:, None]
    X[:, [21, 25, 27]] += 1.0 * y[:, None]
    return y, X


@pytest.fixture
def uci_file(tmp_path: Path) -> Path:
    """Header-less gzip CSV: label first, then the 21 low-level and 7 high-level features."""
    y, X = _events(800, 1)
    path = tmp_path / "HIGGS.csv.gz"
    with gzip.open(path, "wt") as f:
        for label, row in zip(y, X, strict=True):
            f.write(f"{float(label):.18e}," + ",".join(f"{v:.18e}" for v in row) + "\n")
    return path


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=140)


def test_registered() -> None:
    assert get_lab("higgs") is higgs


def test_auc_table_on_uci_schema(uci_file: Path, tmp_path: Path) -> None:
    result = higgs.run(quick=True, out=tmp_path / "out", console=_quiet(), data=str(uci_file))
    a = result.answers
    assert a["n_train"] + a["n_test"] == 800
    assert a["n_test"] == 200
    table = a["table"]
    assert [row[0] for row in table] == ["low", "high", "all"]
    assert [row[1] for row in table] == [21, 7, 28]
    assert all(len(row) == 6 for row in table)
    # the published columns are Baldi et al.'s Table 1
    assert [row[4] for row in table] == [0.73, 0.78, 0.81]
    assert [row[5] for row in table] == [0.880, 0.800, 0.885]
    for method in ("bdt", "dnn"):
        for key in ("low", "high", "all"):
            assert 0.5 < a["auc"][method][key] <= 1.0
        # the table's cells are the answers
        col = 2 if method == "bdt" else 3
        assert [row[col] for row in table] == [a["auc"][method][k] for k in ("low", "high", "all")]
        gain = a["high_level_gain"][method]
        assert gain == pytest.approx(a["auc"][method]["all"] - a["auc"][method]["low"], abs=1e-12)
    # 3 informative features of 21 vs 3 of 7 vs all 6: the separation is visible at 800 events
    assert a["auc"]["bdt"]["all"] > 0.75
    assert "Does it recover what the high-level features add?" in a["verdict"]
    assert [p.name for p in result.figures] == ["roc.png"]


def test_rows_option_and_parquet(tmp_path: Path) -> None:
    """A Parquet with 'label' and 28 columns in UCI order (neyman generate's output) reads too."""
    y, X = _events(600, 2)
    cols = [f"f{i}" for i in range(28)]
    frame = pd.DataFrame(X, columns=cols)
    frame["label"] = y
    path = tmp_path / "sample.parquet"
    frame.to_parquet(path, index=False)
    a = higgs.run(quick=True, console=_quiet(), data=str(path), rows=400).answers
    assert a["n_train"] + a["n_test"] == 400
    assert a["auc"]["dnn"]["all"] > 0.5


def test_generated_sample_is_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without --data the generator is called once and its sample cached as Parquet."""
    calls: list[dict[str, Any]] = []

    def fake_generate_higgs(n: int, **kwargs: Any) -> pd.DataFrame:
        calls.append({"n": n, **kwargs})
        y, X = _events(n, 3)
        frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(28)])
        frame["label"] = y
        return frame

    fake = types.ModuleType("neyman.generate")
    fake.generate_higgs = fake_generate_higgs  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "neyman.generate", fake)
    ds, path = higgs.generated_sample(300, 7, cache=tmp_path)
    assert path == tmp_path / "higgs_generated_n300_seed7.parquet"
    assert path.is_file()
    assert calls == [{"n": 300, "seed": 7, "hadronization": False, "progress": False}]
    assert ds.X.shape == (300, 28)
    assert len(ds.feature_groups["low"]) == 21
    assert len(ds.feature_groups["high"]) == 7
    again, _ = higgs.generated_sample(300, 7, cache=tmp_path)
    assert len(calls) == 1  # read back from the cache
    np.testing.assert_array_equal(again.X, ds.X)
    np.testing.assert_array_equal(again.y, ds.y)


def test_missing_data_names_the_uci_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEYMAN_DATA_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("NEYMAN_OFFLINE", "1")
    monkeypatch.setitem(sys.modules, "neyman.generate", None)  # as if Pythia were not installed
    with pytest.raises(DataError, match=r"HIGGS\.csv\.gz.*archive\.ics\.uci\.edu.*00280"):
        higgs.run(quick=True, console=_quiet())
    with pytest.raises(DataError, match="HIGGS.csv.gz"):
        higgs.run(quick=True, console=_quiet(), data=str(tmp_path / "nowhere" / "HIGGS.csv.gz"))


def test_bad_options(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'rows'"):
        higgs.run(quick=True, row=10)
    with pytest.raises(ConfigError, match="rows"):
        higgs.run(quick=True, rows=5)
    frame = pd.DataFrame(np.zeros((5, 3)), columns=["label", "a", "b"])
    bad = tmp_path / "bad.parquet"
    frame.to_parquet(bad, index=False)
    with pytest.raises(DataError, match="28"):
        higgs.run(quick=True, console=_quiet(), data=str(bad))
