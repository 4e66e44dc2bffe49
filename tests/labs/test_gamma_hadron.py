"""Lab gamma-hadron on the real MAGIC events: structure, sane AUCs, and (slow) the acceptance."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from rich.console import Console
from sklearn.metrics import roc_auc_score

from neyman.errors import ConfigError, DataError
from neyman.labs import _base, gamma_hadron, get_lab
from tests.conftest import SHARED_DATA

MAGIC = SHARED_DATA / "magic04.data"
METHODS = ["Cuts", "Fisher", "kNN", "BDT", "MLP (neyman)", "MLP (sklearn)"]
FEATURES = {
    "fLength", "fWidth", "fSize", "fConc", "fConc1",
    "fAsym", "fM3Long", "fM3Trans", "fAlpha", "fDist",
}  # fmt: skip


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    if not MAGIC.is_file():
        pytest.skip(f"MAGIC data not present at {MAGIC}")
    out = tmp_path_factory.mktemp("gamma_hadron")
    buf = io.StringIO()
    result = gamma_hadron.run(
        quick=True, out=out, console=Console(file=buf, width=140), data=str(MAGIC)
    )
    return result, buf.getvalue(), out


def test_registered() -> None:
    assert get_lab("gamma-hadron") is gamma_hadron
    assert "\n" not in gamma_hadron.SUMMARY


def test_quick_structure_and_sane_aucs(quick_run: tuple[Any, str, Path]) -> None:
    result, text, out = quick_run
    a = result.answers
    assert a["n_events"] == 3000
    assert a["k"] == 2
    assert list(a["cv_auc"]) == METHODS
    for m in METHODS:
        assert len(a["cv_auc"][m]) == 2
        assert a["cv_mean"][m] == pytest.approx(np.mean(a["cv_auc"][m]), abs=1e-12)
        assert a["cv_auc"][m][0] == pytest.approx(a["auc"][m], abs=1e-12)
        # every method separates gammas from hadrons far better than chance
        assert a["cv_mean"][m] > 0.8, m
    # the tree ensemble and the networks beat the linear and box methods
    assert a["cv_mean"]["BDT"] > a["cv_mean"]["Fisher"]
    assert a["cv_mean"]["MLP (neyman)"] > a["cv_mean"]["Cuts"]
    assert a["best_method"] == max(METHODS, key=lambda m: a["cv_mean"][m])
    # the ranking covers the ten image parameters; the shower orientation fAlpha is known
    # to be the strongest gamma/hadron variable for MAGIC
    assert set(a["ranking"]) == FEATURES
    assert a["ranking"][0] == "fAlpha"
    assert "5-fold" not in text and "2-fold cross-validated AUC" in text
    # per-fold progress: one line per fold with its AUCs, before the tables
    assert (
        text.index("fold 1/2 done: AUC Cuts")
        < text.index("fold 2/2 done")
        < text.index("2-fold cross-validated AUC")
    )
    # comparisons against the best method follow from per-fold differences and their error
    best = a["best_method"]
    for m in METHODS:
        if m == best:
            assert m not in a["versus_best"]
            continue
        d = np.subtract(a["cv_auc"][m], a["cv_auc"][best])
        mean, err, verdict = a["versus_best"][m]
        assert mean == pytest.approx(d.mean(), abs=1e-12)
        assert err == pytest.approx(d.std(ddof=1) / np.sqrt(2), abs=1e-12)
        assert verdict == ("worse" if mean < -2 * err else "compatible")
    assert {p.name for p in result.figures} >= {"roc.png", "rejection.png", "scores_bdt.png"}
    for p in result.figures:
        assert p.parent == out and p.stat().st_size > 0


def test_overtraining_pvalue_matches_scipy(quick_run: tuple[Any, str, Path]) -> None:
    """Fisher's train-versus-test KS p-value, recomputed apart from neyman: the same fold
    (scikit-learn's StratifiedKFold), scikit-learn's LDA (the same linear score up to a
    monotone map, which a KS test does not see) and scipy's ks_2samp."""
    from scipy.stats import ks_2samp
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import StratifiedKFold

    ds = gamma_hadron.load(True, data=str(MAGIC))
    X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
    tr, te = next(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    lda = LinearDiscriminantAnalysis().fit(X[tr], y[tr])
    s_tr, s_te = lda.decision_function(X[tr]), lda.decision_function(X[te])
    p = min(ks_2samp(s_tr[y[tr] == c], s_te[y[te] == c]).pvalue for c in (0, 1))
    assert quick_run[0].answers["overtraining_pvalue"]["Fisher"] == pytest.approx(p, rel=1e-9)


def test_hadron_acceptance_matches_roc(quick_run: tuple[Any, str, Path]) -> None:
    a = quick_run[0].answers
    for m in METHODS:
        acc = a["hadron_acceptance"][m]
        assert list(acc) == [0.5, 0.7, 0.9]
        values = [acc[e] for e in (0.5, 0.7, 0.9)]
        # looser gamma selection lets more hadrons through
        assert 0 < values[0] <= values[1] <= values[2] < 1, m
    # a better method (higher AUC) keeps fewer hadrons at 70 % gamma efficiency
    assert a["hadron_acceptance"]["BDT"][0.7] < a["hadron_acceptance"]["Fisher"][0.7]


def test_auc_agrees_with_sklearn() -> None:
    # the lab's AUC comes from neyman.evaluate; check the same scores against sklearn here
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    s = rng.normal(y, 1.0)
    from neyman.evaluate import roc_curve

    assert roc_curve(y, s).auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_compare_folds() -> None:
    assert gamma_hadron.compare_folds([0.9, 0.91, 0.92], [0.8, 0.8, 0.81])[2] == "better"
    assert gamma_hadron.compare_folds([0.8, 0.8, 0.81], [0.9, 0.91, 0.92])[2] == "worse"
    mean, err, verdict = gamma_hadron.compare_folds([0.9, 0.8, 0.9], [0.85, 0.85, 0.85])
    assert verdict == "compatible"
    assert mean == pytest.approx(1 / 60)
    assert err == pytest.approx(np.std([0.05, -0.05, 0.05], ddof=1) / np.sqrt(3))


def test_roc_legend_beside_the_curves(
    quick_run: tuple[Any, str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not MAGIC.is_file():
        pytest.skip("no MAGIC data")
    seen: dict[str, Any] = {}

    def keep(fig: Any, out: Path | None, name: str, result: Any, fmt: str = "png") -> None:
        seen[name] = fig

    answers = gamma_hadron.compute(quick=True, console=Console(file=io.StringIO()), data=str(MAGIC))
    monkeypatch.setattr(_base, "save_figure", keep)
    gamma_hadron.render(answers, out=tmp_path, console=Console(file=io.StringIO()))
    for name in ("roc", "rejection"):
        fig = seen[name]
        fig.canvas.draw()
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None:
                assert legend.get_window_extent().x0 >= ax.get_window_extent().x1, name
    for fig in seen.values():
        plt.close(fig)


def test_unknown_option() -> None:
    with pytest.raises(ConfigError, match="'dta'.*did you mean 'data'"):
        gamma_hadron.run(quick=True, dta="x")


def test_missing_file_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEYMAN_OFFLINE", "1")
    with pytest.raises(DataError, match="magic04.data"):
        gamma_hadron.run(quick=True, data=str(tmp_path / "nowhere" / "magic04.data"))


@pytest.mark.slow
def test_full_acceptance(tmp_path: Path) -> None:
    """Issue 9 acceptance: best 5-fold AUC >= 0.935, neyman's MLP beats scikit-learn's."""
    if not MAGIC.is_file():
        pytest.skip(f"MAGIC data not present at {MAGIC}")
    a = gamma_hadron.run(console=Console(file=io.StringIO()), data=str(MAGIC)).answers
    assert a["n_events"] == 19020
    assert a["k"] == 5
    assert a["best_cv_auc"] >= 0.935
    assert a["cv_mean"]["MLP (neyman)"] > a["cv_mean"]["MLP (sklearn)"]
    assert a["mlp_comparison"][2] in ("better", "compatible")


def test_simple_methods_sentence_is_read_off_the_table(quick_run: Any) -> None:
    from types import SimpleNamespace

    # the sentence was fixed text: "cuts and Fisher leave the most hadrons at every gamma
    # efficiency", whatever the eps_B table showed
    a = quick_run[0].answers
    effs = gamma_hadron.GAMMA_EFFICIENCIES
    acc = {m: {e: a["hadron_acceptance"][m][e] for e in effs} for m in a["hadron_acceptance"]}
    worst = {e: set(sorted(acc, key=lambda m: -acc[m][e])[:2]) for e in effs}
    every = all(w == {"Cuts", "Fisher"} for w in worst.values())
    assert ("leave the most hadrons at every gamma efficiency" in quick_run[1]) == every
    # a table where the neyman MLP is worse than Fisher at eps_gamma = 0.9
    table = {m: dict.fromkeys(effs, 0.1) for m in ("Cuts", "Fisher", "BDT", "MLP (neyman)")}
    table["Cuts"] = dict.fromkeys(effs, 0.5)
    table["Fisher"] = {0.5: 0.3, 0.7: 0.3, 0.9: 0.2}
    table["MLP (neyman)"] = {0.5: 0.1, 0.7: 0.1, 0.9: 0.4}
    text = gamma_hadron._simple_methods_text(SimpleNamespace(hadron_acceptance=table))  # type: ignore[arg-type]
    assert "at every gamma efficiency" not in text
    assert "leave the most hadrons at eps_gamma = 0.5, 0.7 but not everywhere" in text
    assert "at eps_gamma = 0.9 the two highest eps_B are Cuts and MLP (neyman)" in text


def test_one_permutation_quotes_no_error(quick_run: Any) -> None:
    # with one permutation per feature (--quick) every drop printed "± 0.0000"
    text = quick_run[1]
    assert quick_run[0].answers["importance_repeats"] == 1
    assert "AUC drop (1 permutation)" in text
    ranking = text[text.index("Variable ranking") :]
    assert "± 0.0000" not in ranking
