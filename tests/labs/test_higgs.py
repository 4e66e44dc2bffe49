"""Lab higgs: the AUC table on a small file in the exact UCI schema, caching, missing data."""

from __future__ import annotations

import gzip
import io
import sys
import types
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from neyman.errors import ConfigError, DataError
from neyman.labs import _base, get_lab, higgs


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
    assert (tmp_path / "out" / "roc.png").is_file()
    # the verdict follows from the paired interval printed with it
    d = a["difference"]
    assert d["low"] < d["value"] < d["high"]
    ref = a["reference"]
    assert ref == max(("bdt", "dnn"), key=lambda m: a["auc"][m]["all"])
    assert d["value"] == pytest.approx(a["auc"]["dnn"]["low"] - a["auc"][ref]["all"], abs=1e-9)
    expected = higgs.recovery_answer(
        higgs.PairedAucDifference(0, 0, d["value"], 0, d["low"], d["high"], 0.95)
    )
    assert a["answer"] == expected
    assert f"? {expected} (" in a["verdict"]
    # the accuracy the exercise asks for, with its interval, per method and feature set
    for method in ("bdt", "dnn"):
        for key in ("low", "high", "all"):
            lo, hi = a["accuracy_interval"][method][key]
            assert lo < a["accuracy"][method][key] < hi
            assert round(a["accuracy"][method][key] * 200) == pytest.approx(
                a["accuracy"][method][key] * 200
            )


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


def test_without_out_no_figures_and_says_so(uci_file: Path) -> None:
    buf = io.StringIO()
    result = higgs.run(quick=True, console=Console(file=buf, width=200), data=str(uci_file))
    assert result.figures == []
    assert "figures: none written" in buf.getvalue()


def test_roc_legend_beside_the_curves(
    uci_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = higgs.compute(quick=True, console=_quiet(), data=str(uci_file))
    seen: list[Any] = []

    def keep(fig: Any, out: Path | None, name: str, result: Any, fmt: str = "png") -> None:
        seen.append(fig)

    monkeypatch.setattr(_base, "save_figure", keep)
    higgs.render(answers, out=tmp_path, console=_quiet())
    fig = seen[0]
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # to the right of the axes: covers nothing
    plt.close(fig)


def _scores(n: int, shift_a: float, shift_b: float, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    common = rng.normal(size=n)  # the two scores share most of their noise, as paired scores do
    a = y * shift_a + common + 0.3 * rng.normal(size=n)
    b = y * shift_b + common + 0.3 * rng.normal(size=n)
    return y, a, b


def test_paired_auc_difference_against_sklearn_and_bootstrap() -> None:
    from sklearn.metrics import roc_auc_score

    y, a, b = _scores(2000, 0.6, 0.8, 11)
    d = higgs.paired_auc_difference(y, a, b)
    assert d.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert d.auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    rng = np.random.default_rng(5)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    boot = []
    for _ in range(400):
        i = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        boot.append(roc_auc_score(y[i], a[i]) - roc_auc_score(y[i], b[i]))
    assert d.std == pytest.approx(np.std(boot, ddof=1), rel=0.2)
    assert d.low < d.difference < d.high
    assert d.high - d.difference == pytest.approx(1.959964 * d.std, rel=1e-5)


def test_verdict_no_when_clearly_below() -> None:
    """A low-level score clearly worse than the all-feature one on 4,000 events: 'no'."""
    y, low, all_ = _scores(4000, 0.5, 1.0, 1)
    d = higgs.paired_auc_difference(y, low, all_)
    assert d.high < 0
    assert higgs.recovery_answer(d) == "no"


def test_verdict_cannot_tell_on_100_events() -> None:
    """The same kind of gap on 100 test events (--quick): the interval does not decide."""
    y, low, all_ = _scores(100, 0.9, 1.0, 2)
    d = higgs.paired_auc_difference(y, low, all_)
    assert d.low < -higgs.TOLERANCE
    assert d.high > 0
    assert higgs.recovery_answer(d) == "cannot tell at this sample size"


def test_verdict_yes_when_the_scores_agree() -> None:
    y, low, _ = _scores(4000, 1.0, 1.0, 3)
    d = higgs.paired_auc_difference(y, low, low)
    assert d.difference == 0.0
    assert higgs.recovery_answer(d) == "yes"
    y, a, b = _scores(20000, 1.0, 0.99, 4)
    d = higgs.paired_auc_difference(y, a, b)
    assert d.low >= -higgs.TOLERANCE
    assert higgs.recovery_answer(d) == "yes"


def test_wilson_interval_solves_its_defining_quadratic() -> None:
    """Wilson's interval: the roots in p of (p̂ - p)² = z² p (1 - p) / n."""
    from scipy import stats

    for correct, n in ((170, 200), (0, 50), (50, 50), (7, 13)):
        lo, hi = higgs.wilson_interval(correct, n, cl=0.95)
        z = stats.norm.ppf(0.975)
        phat = correct / n
        a, b, c = 1 + z * z / n, -(2 * phat + z * z / n), phat * phat
        roots = np.sort(np.roots([a, b, c]).real)
        assert (lo, hi) == pytest.approx(tuple(roots), abs=1e-9)
        assert 0.0 <= lo <= phat <= hi <= 1.0


def test_published_recovery_share_is_printed_as_the_inputs_give_it() -> None:
    # (0.880 - 0.73) / (0.81 - 0.73) = 187.5 %: '.0%' printed 187 %, a student gets 187.5 %
    pub = higgs.PUBLISHED
    share = (pub["dnn"]["low"] - pub["bdt"]["low"]) / (pub["bdt"]["all"] - pub["bdt"]["low"])
    diff = higgs.PairedAucDifference(
        auc_a=0.80, auc_b=0.81, difference=-0.01, std=0.002, low=-0.014, high=-0.006, cl=0.95
    )
    aucs = {"bdt": {"low": 0.7, "all": 0.8}, "dnn": {"low": 0.8, "all": 0.81}}
    text = higgs._verdict(aucs, diff, "bdt", 1000)
    assert f"{share:.1%} of the BDT's gain recovered" in text
    assert "187.5% of the BDT's gain recovered" in text
    gain = pub["dnn"]["all"] - pub["dnn"]["low"]
    assert f"gain {gain:+.3f}," in text
