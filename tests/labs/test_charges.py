"""Lab charges: truth table, 151 parameters, fit == explicit loop, 3-class confusion matrix."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from rich.console import Console

from neyman.errors import ConfigError
from neyman.labs import charges, get_lab
from neyman.models import MLPClassifier


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path, Any]:
    out = tmp_path_factory.mktemp("charges")
    buf = io.StringIO()
    console = Console(file=buf, width=140)
    answers = charges.compute(quick=True, console=console)
    result = charges.render(answers, out, console)
    return result, buf.getvalue(), out, answers


def test_registered_as_a_lab() -> None:
    assert get_lab("charges") is charges
    assert "\n" not in charges.SUMMARY


def test_truth_table_on_all_121_pairs(lab_run: tuple[Any, str, Path, Any]) -> None:
    table = np.array(lab_run[0].answers["truth_table"])
    assert table.shape == (11, 11)
    # oracle: attraction written out pair by pair with Python's own comparisons
    for i, q1 in enumerate(range(-5, 6)):
        for j, q2 in enumerate(range(-5, 6)):
            s1, s2 = (q1 > 0) - (q1 < 0), (q2 > 0) - (q2 < 0)
            assert table[i, j] == int(s1 != s2), (q1, q2)
    assert lab_run[0].answers["n_attract"] == 70
    assert table[5, 5] == 0  # both charges zero: same sign
    assert table[5, 6] == 1  # one charge zero: sign differs, counts as 1


def test_parameter_count_and_summary(lab_run: tuple[Any, str, Path, Any]) -> None:
    a = lab_run[0].answers
    assert a["n_parameters"] == 151 == 2 * 10 + 10 + 10 * 10 + 10 + 10 + 1
    assert "Total params: 151" in a["summary"]
    assert "Total params: 151" in lab_run[1]
    net = charges.template_network(0)
    assert sum(p.numel() for p in net.parameters()) == 151


def test_one_line_fit_equals_explicit_loop(lab_run: tuple[Any, str, Path, Any]) -> None:
    training = lab_run[0].answers["training"]
    assert set(training) == {"0.0001", "0.01"}
    for row in training.values():
        assert row["max_weight_diff"] <= 1e-5
        assert row["max_proba_diff"] <= 1e-5
        assert row["fit_accuracy"] == row["loop_accuracy"]
        assert row["fit_loss"] == pytest.approx(row["loop_loss"], abs=1e-5)
    # the larger learning rate learns more in the same number of steps
    assert training["0.01"]["fit_loss"] < training["0.0001"]["fit_loss"]


def test_template_network_is_the_classifiers_initial_network() -> None:
    # independent of the lab: the weights before any step equal MLPClassifier's, read
    # back from a fit with a learning rate so small that one epoch changes nothing in float32
    X = np.array([[1.0, -1.0], [2.0, 3.0]], dtype=np.float32)
    clf = MLPClassifier(
        (10, 10),
        activation="tanh",
        optimizer="sgd",
        momentum=0.0,
        lr=1e-30,
        batch_size=1,
        epochs=1,
        random_state=3,
        verbose=0,
    ).fit(X, [1, 0])
    net = charges.template_network(3)
    for a, b in zip(clf.module_.parameters(), net.parameters(), strict=True):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=0, atol=0)


def test_full_length_agreement_at_lr_001() -> None:
    ds_X = np.array([[q1, q2] for q1 in range(-5, 6) for q2 in range(-5, 6)], dtype=np.float32)
    y = (np.sign(ds_X[:, 0]) != np.sign(ds_X[:, 1])).astype(int)
    net, losses, _ = charges.template_loop(ds_X, y, lr=0.01, epochs=3, seed=11)
    clf = MLPClassifier(
        (10, 10),
        activation="tanh",
        optimizer="sgd",
        momentum=0.0,
        lr=0.01,
        batch_size=1,
        epochs=3,
        random_state=11,
        verbose=0,
    ).fit(ds_X, y)
    with torch.inference_mode():
        p = torch.sigmoid(net(torch.from_numpy(ds_X)).double())[:, 0].numpy()
    np.testing.assert_allclose(p, clf.predict_proba(ds_X)[:, 1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(losses, clf.history_["loss"], rtol=0, atol=1e-5)


def test_boundaries_and_three_classes(lab_run: tuple[Any, str, Path, Any]) -> None:
    result, text, out, _ = lab_run
    a = result.answers
    assert sorted(a["boundary_accuracy"]) == [1, 5, 10]
    assert a["boundary_accuracy"][10] == pytest.approx(a["training"]["0.01"]["fit_accuracy"])
    three = a["three_class"]
    cm = np.array(three["confusion_matrix"])
    assert cm.shape == (3, 3)
    assert cm.sum() == 121
    assert cm.sum(axis=1).tolist() == three["class_counts"] == [50, 21, 50]
    assert three["accuracy"] == pytest.approx(np.trace(cm) / 121)
    assert three["n_parameters"] == 2 * 10 + 10 + 110 + 10 * 3 + 3
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "boundaries.png",
        "confusion_matrix.png",
        "surface.png",
        "surface_thresholded.png",
    ]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in result.figures)
    # the printed table is the computed matrix, row by row (rows true, columns predicted)
    for name, row in zip(charges.THREE_CLASS_NAMES, cm.tolist(), strict=True):
        cells = r"\s*│\s*".join(str(v) for v in row)
        assert re.search(rf"{name}\s*│\s*{cells}\s*│", text), (name, row)


def test_bad_options_are_rejected() -> None:
    console = Console(file=io.StringIO())
    with pytest.raises(ConfigError, match="no option 'epoch'; did you mean 'epochs'"):
        charges.run(console=console, epoch=3)
    with pytest.raises(ConfigError, match="'epochs' of lab charges"):
        charges.run(console=console, epochs=0)
    with pytest.raises(ConfigError, match="no option 'data'"):
        charges.run(console=console, data="x.csv")


def test_boundary_colorbars_do_not_collide(
    lab_run: tuple[Any, str, Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    figures: dict[str, Any] = {}
    monkeypatch.setattr(
        charges.Figures, "save", lambda _self, fig, name: figures.setdefault(name, fig)
    )
    charges.render(lab_run[3], None, Console(file=io.StringIO()))
    fig = figures["boundaries"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = sorted(
        (ax for ax in fig.axes if ax.get_title().startswith("after")),
        key=lambda a: a.get_position().x0,
    )
    bars = sorted((ax for ax in fig.axes if ax not in panels), key=lambda a: a.get_position().x0)
    assert len(panels) == len(bars) == 3
    for bar, nxt in zip(bars[:-1], panels[1:], strict=True):
        # the colorbar with its label ends before the next panel (with its y label) starts
        assert bar.get_tightbbox(renderer).x1 <= nxt.get_tightbbox(renderer).x0
    # one set of class names in every figure
    legend = panels[0].get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == list(charges.CLASS_NAMES)
    assert charges.THREE_CLASS_NAMES[0] == charges.CLASS_NAMES[0]
    for f in figures.values():
        plt.close(f)
