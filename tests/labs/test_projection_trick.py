"""Lab projection-trick: 2-D accuracy far below 3-D, 3-D above 98 %, the sheet's files read."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from rich.console import Console
from sklearn.linear_model import LogisticRegression

from neyman.errors import ConfigError, DataError
from neyman.labs import get_lab, projection_trick


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("projection")
    return projection_trick.run(quick=True, out=out, console=quiet()), out


def test_registered_as_a_lab() -> None:
    assert get_lab("projection-trick") is projection_trick
    assert "\n" not in projection_trick.SUMMARY


def test_accuracies(lab_run: tuple[Any, Path]) -> None:
    a = lab_run[0].answers
    assert a["accuracy_3d"] > 0.98
    assert a["accuracy_2d"] < 0.7  # about a coin toss: no line separates concentric classes
    assert a["accuracy_3d"] - a["accuracy_2d"] > 0.25
    assert a["accuracy_mlp"] > 0.98
    # the separating plane is nearly x3 = const: |w3| dominates |w1|, |w2|
    w1, w2, w3, _ = a["plane"]
    assert abs(w3) > 5 * max(abs(w1), abs(w2))
    names = sorted(p.name for p in lab_run[1].iterdir())
    assert names == ["lift_3d.png", "logistic_2d.png", "mlp_2d.png"]


def test_lift_is_the_squared_radius() -> None:
    X = np.array([[3.0, 4.0], [-1.0, 0.5]])
    np.testing.assert_array_equal(projection_trick.lift(X), [[3, 4, 25], [-1, 0.5, 1.25]])


def test_reads_the_sheets_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    angle = rng.uniform(0, 2 * np.pi, 400)
    radius = np.where(np.arange(400) < 200, 1.0, 3.0) + rng.normal(0, 0.1, 400)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    y = (np.arange(400) < 200).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    result = projection_trick.run(
        quick=True, console=quiet(), data=str(tmp_path / "X.npy"), labels=str(tmp_path / "y.npy")
    )
    a = result.answers
    assert a["n_events"] == 400
    assert a["accuracy_3d"] > 0.98
    assert a["accuracy_2d"] < 0.75
    # oracle: scikit-learn on the same lifted training split agrees with the lab's plane
    from sklearn.model_selection import train_test_split

    X_tr, _, y_tr, _ = train_test_split(X, y, test_size=1 / 3, random_state=0, stratify=y)
    L = projection_trick.lift(X_tr)
    mu, sd = L.mean(axis=0), L.std(axis=0)
    ref = LogisticRegression().fit((L - mu) / sd, y_tr)
    # the lab's plane is the standardised fit written in the lifted units: same decisions
    np.testing.assert_allclose(a["plane"][:3], ref.coef_[0] / sd, rtol=1e-6)
    w, b = np.array(a["plane"][:3]), a["plane"][3]
    np.testing.assert_array_equal(L @ w + b > 0, ref.decision_function((L - mu) / sd) > 0)


def test_missing_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"needs '.*nope\.npy'.*--data X\.npy --labels y\.npy"):
        projection_trick.run(console=quiet(), data=str(tmp_path / "nope.npy"), labels="y.npy")
    np.save(tmp_path / "X.npy", np.zeros((4, 3)))
    np.save(tmp_path / "y.npy", np.array([0, 1, 0, 1]))
    with pytest.raises(DataError, match=r"shape \(n, 2\)"):
        projection_trick.run(
            console=quiet(), data=str(tmp_path / "X.npy"), labels=str(tmp_path / "y.npy")
        )
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="without pickles"):
        projection_trick.run(
            console=quiet(), data=str(tmp_path / "obj.npy"), labels=str(tmp_path / "y.npy")
        )
    with pytest.raises(ConfigError, match="both --data X.npy and --labels y.npy"):
        projection_trick.run(console=quiet(), data="X.npy")
    with pytest.raises(ConfigError, match="no option 'label'; did you mean 'labels'"):
        projection_trick.run(console=quiet(), label="y.npy")


def _overlaps(labels: list[Any], renderer: Any) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels if t.get_text()]
    return [
        (a, b)
        for i, (a, ba) in enumerate(boxes)
        for b, bb in boxes[i + 1 :]
        if ba.padded(2).overlaps(bb.padded(2))  # closer than 4 px reads as one number
    ]


@pytest.mark.parametrize("scale", [1.0, 40.0, 3000.0])
def test_tick_labels_do_not_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scale: float
) -> None:
    # sheet-like data at several scales: x3 = x1² + x2² reaches scale² (9e6 at 3000)
    rng = np.random.default_rng(2)
    angle = rng.uniform(0, 2 * np.pi, 300)
    radius = scale * (np.where(np.arange(300) < 150, 1.0, 2.0) + rng.normal(0, 0.05, 300))
    np.save(tmp_path / "X.npy", np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    np.save(tmp_path / "y.npy", (np.arange(300) < 150).astype(np.int64))
    answers = projection_trick.compute(
        quick=True, data=str(tmp_path / "X.npy"), labels=str(tmp_path / "y.npy")
    )
    figures: dict[str, Any] = {}
    monkeypatch.setattr(
        projection_trick.Figures, "save", lambda _self, fig, name: figures.setdefault(name, fig)
    )
    projection_trick.render(answers, None, quiet())
    assert set(figures) == {"logistic_2d", "lift_3d", "mlp_2d"}
    for name, fig in figures.items():
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        for ax in fig.axes:
            for axis in [ax.xaxis, ax.yaxis] + ([ax.zaxis] if hasattr(ax, "zaxis") else []):
                clash = _overlaps(list(axis.get_ticklabels()), renderer)
                assert not clash, (name, clash)
        plt.close(fig)


def test_sentence_follows_the_numbers() -> None:
    from dataclasses import replace

    from sklearn.model_selection import train_test_split

    from neyman.datasets import circles

    answers = projection_trick.compute(quick=True, console=quiet())
    # the x3 share and the majority baseline recomputed from the lab's data and split
    ds = circles(300, noise=0.05, factor=0.5, random_state=0)
    X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
    X_tr, _, _, y_te = train_test_split(X, y, test_size=1 / 3, random_state=0, stratify=y)
    spread = np.abs(answers.plane[:3]) * projection_trick.lift(X_tr).std(axis=0)
    assert answers.plane_x3_share == pytest.approx(spread[2] / spread.sum(), rel=1e-12)
    assert answers.plane_x3_share > projection_trick.NEARLY_X3
    assert answers.majority_accuracy == pytest.approx(np.bincount(y_te).max() / len(y_te))

    def text(ans: Any) -> str:
        buf = io.StringIO()
        projection_trick.render(ans, None, Console(file=buf, width=400))
        return buf.getvalue()

    shown = text(answers)
    wrong = 1 - answers.accuracy_2d
    assert f"leaves {wrong:.1%} of the held-out events on the wrong side" in shown
    assert f"(accuracy {answers.accuracy_2d:.1%};" in shown
    assert "is nearly x3 = const" in shown
    # a tilted plane is not called "x3 = const"; a good 2-D line is not "about half wrong"
    tilted = text(replace(answers, plane_x3_share=0.4, accuracy_2d=0.9))
    assert "is nearly x3 = const" not in tilted
    assert "tilts in x1 and x2 as well (x3 carries 40% of its variation)" in tilted
    assert "leaves 10.0% of the held-out events on the wrong side" in tilted
