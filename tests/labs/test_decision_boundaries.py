"""Lab decision-boundaries: the 3x3 accuracy table against scikit-learn, the Bayes rule
and scipy's Wilson intervals, and the figure."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from neyman.errors import ConfigError
from neyman.labs import decision_boundaries, get_lab


@pytest.fixture(scope="module")
def lab_answers() -> Any:
    return decision_boundaries.compute(quick=True, console=Console(file=io.StringIO()))


@pytest.fixture(scope="module")
def lab_run(lab_answers: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("decision_boundaries")
    buf = io.StringIO()
    result = decision_boundaries.render(lab_answers, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def test_registered() -> None:
    assert get_lab("decision-boundaries") is decision_boundaries


def test_accuracy_table(lab_run: Any) -> None:
    a = lab_run[0].answers
    acc = np.asarray(a["accuracy"])
    assert acc.shape == (3, 3)
    assert a["datasets"] == ["moons", "circles", "linearly separable"]
    assert a["classifiers"] == ["decision tree", "MLP", "XGBoost"]
    # accuracies are fractions of 120 test events
    np.testing.assert_allclose(acc * 120, np.round(acc * 120), atol=1e-9)
    assert a["accuracy_stat_error"] == pytest.approx(np.sqrt(0.85 * 0.15 / 120), rel=1e-12)


def _test_split(ds: Any) -> tuple[np.ndarray, ...]:
    X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
    return tuple(train_test_split(X, y, test_size=0.4, random_state=42, stratify=y))


def test_tree_accuracy_recomputed_with_sklearn(lab_run: Any) -> None:
    """The decision-tree column, refit with scikit-learn alone on the lab's split: exact."""
    acc = np.asarray(lab_run[0].answers["accuracy"])
    for i, ds in enumerate(decision_boundaries.make_data(150).values()):
        X_tr, X_te, y_tr, y_te = _test_split(ds)
        tree = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X_tr, y_tr)
        assert acc[i, 0] == accuracy_score(y_te, tree.predict(X_te))


def test_linear_problem_near_the_bayes_rule(lab_run: Any) -> None:
    """On 'linearly separable' (two Gaussians with one covariance, means along (1, 1)) the
    Bayes rule is x1 + x2 > 0; each classifier is within 8 of 120 test events (0.067) of
    its accuracy on the same events, a few binomial errors (0.027) of the difference."""
    acc = np.asarray(lab_run[0].answers["accuracy"])
    ds = decision_boundaries.make_data(150)["linearly separable"]
    _, X_te, _, y_te = _test_split(ds)
    bayes = accuracy_score(y_te, (X_te[:, 0] + X_te[:, 1] > 0).astype(int))
    np.testing.assert_allclose(acc[2], bayes, atol=8 / 120)


def test_intervals_are_wilson_intervals(lab_run: Any) -> None:
    """Each 68% interval is scipy's Wilson interval for the counted correct events."""
    from scipy.stats import binomtest

    a = lab_run[0].answers
    for row, row_ci in zip(a["accuracy"], a["accuracy_interval"], strict=True):
        for value, (lo, hi) in zip(row, row_ci, strict=True):
            k = round(value * a["n_test"])
            ci = binomtest(k, a["n_test"]).proportion_ci(0.6827, method="wilson")
            assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_figure_and_options(lab_run: Any) -> None:
    result, text, _ = lab_run
    a = result.answers
    for row, row_ci in zip(a["accuracy"], a["accuracy_interval"], strict=True):
        for v, (lo, hi) in zip(row, row_ci, strict=True):  # the table prints what was computed
            assert f"{v:.3f} [{lo:.3f}, {hi:.3f}]" in text
    assert [p.name for p in result.figures] == ["decision_boundaries.png"]
    assert result.figures[0].read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ConfigError, match="no option 'epoch'; did you mean 'epochs'"):
        decision_boundaries.run(quick=True, console=Console(file=io.StringIO()), epoch=3)


def test_accuracy_intervals(lab_run: Any) -> None:
    assert lab_run[0].answers["n_test"] == 120


def test_boundary_skips_plateaus_at_exactly_one_half() -> None:
    """A tree leaf with P = 0.5 exactly is a plateau (a tie), not a boundary."""
    import matplotlib.pyplot as plt

    x = np.linspace(0.0, 3.0, 301)
    xx, yy = np.meshgrid(x, np.linspace(0.0, 1.0, 11))
    p = np.where(xx < 1.0, 0.2, np.where(xx < 2.0, 0.8, 0.5))  # a plateau at 0.5 for x >= 2
    fig, ax = plt.subplots()
    old = ax.contour(xx, yy, p, levels=[0.5])  # what a contour of P itself draws
    old_xs = np.concatenate([seg[:, 0] for seg in old.allsegs[0]])
    assert np.any(np.abs(old_xs - 2.0) < 0.02)  # ... a line along the plateau's edge
    lines = decision_boundaries.draw_boundary(ax, xx, yy, p)
    xs = np.concatenate([seg[:, 0] for seg in lines.allsegs[0]])
    # P crosses 0.5 only at x = 1; the plateau's edge at x = 2 is no boundary
    assert np.all(np.abs(xs - 1.0) < 0.02), np.unique(np.round(xs, 3))
    assert len(ax.collections) == 3  # old contour, boundary, hatched plateau
    plt.close(fig)


def test_real_tree_has_plateaus() -> None:
    """The case occurs: the lab's depth-5 tree on the circles has a leaf with P exactly 0.5,
    and the lab's map of it holds that plateau."""
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier

    ds = decision_boundaries.make_data(150)["circles"]
    X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
    X_tr, _, y_tr, _ = train_test_split(X, y, test_size=0.4, random_state=42, stratify=y)
    tree = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X_tr, y_tr)
    leaves = tree.tree_.value[tree.tree_.children_left == -1][:, 0, :]
    share = leaves[:, 1] / leaves.sum(axis=1)
    assert decision_boundaries.undecided(share).any()


def test_lab_map_has_the_plateau(lab_answers: Any) -> None:
    panel = lab_answers.panels[1][0]  # circles, decision tree
    assert decision_boundaries.undecided(panel["p"]).any()


def test_largest_difference_and_its_verdict(lab_answers: Any) -> None:
    # the sentence used to say, whatever the numbers, that "differences of a few hundredths
    # between the classifiers are not significant" (circles: MLP - tree = 0.058, 2.7 sigma)
    a = lab_answers
    acc = np.asarray(a.accuracy)
    d = a.largest_difference
    i, j = a.datasets.index(d["dataset"]), a.classifiers.index(d["first"])
    k = a.classifiers.index(d["second"])
    assert d["difference"] == pytest.approx(acc[i, j] - acc[i, k], abs=1e-12)
    pair_diffs = [abs(r[x] - r[y]) for r in acc for x in range(3) for y in range(x + 1, 3)]
    assert abs(d["difference"]) == pytest.approx(max(pair_diffs), abs=1e-12)
    assert d["comparisons"] == 9
    # a paired difference of 0/1 hits: its error is at most the unpaired one and >= 0
    n = a.n_test
    unpaired = np.hypot(*(np.sqrt(p * (1 - p) / n) for p in (acc[i, j], acc[i, k])))
    assert 0 < d["error"] <= unpaired * np.sqrt(n / (n - 1)) + 1e-12

    from dataclasses import replace

    def line(err: float) -> str:
        buf = io.StringIO()
        decision_boundaries.render(
            replace(a, largest_difference={**d, "difference": 0.05, "error": err}),
            console=Console(file=buf, width=1000),
        )
        return next(t for t in buf.getvalue().splitlines() if "largest of the 9" in t)

    assert "is 2.5 standard errors" in line(0.02)
    assert "(more than 2: significant, though it is the largest of 9 comparisons)" in line(0.02)
    assert "is 1.2 standard errors" in line(0.04)
    assert "not significant at this sample size" in line(0.04)
    assert "few hundredths" not in line(0.02)
