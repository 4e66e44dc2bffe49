"""Lab perceptron-xor: the perceptron fails XOR, both MLPs solve it, the regressor converges."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from rich.console import Console
from sklearn.linear_model import Perceptron as SklearnPerceptron

from neyman.errors import ConfigError
from neyman.labs import _base, get_lab, perceptron_xor


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("perceptron_xor")
    buf = io.StringIO()
    result = perceptron_xor.run(quick=True, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def test_registered() -> None:
    assert get_lab("perceptron-xor") is perceptron_xor


def test_perceptron_learns_and_or_fails_xor(lab_run: Any) -> None:
    acc = lab_run[0].answers["perceptron_accuracy"]
    assert acc["AND"] == 1.0
    assert acc["OR"] == 1.0
    assert acc["XOR"] < 1.0
    assert lab_run[0].answers["perceptron_epochs"]["XOR"] == 100  # never converges
    # oracle: scikit-learn's perceptron agrees on which gates are learnable
    for gate, t in perceptron_xor.GATES.items():
        sk = SklearnPerceptron(max_iter=1000, tol=None, random_state=0).fit(
            perceptron_xor.INPUTS, t
        )
        assert (sk.score(perceptron_xor.INPUTS, t) == 1.0) == (acc[gate] == 1.0), gate


def test_perceptron_update_rule_by_hand() -> None:
    # first epoch on AND with lr 0.1, from w = 0, b = 0: only (0,0) [ŷ=0 ok], (0,1) ok, (1,0)
    # ok, (1,1) wrong -> w = (0.1, 0.1), b = 0.1
    p = perceptron_xor.Perceptron(lr=0.1, epochs=1).fit(
        perceptron_xor.INPUTS, perceptron_xor.GATES["AND"]
    )
    np.testing.assert_allclose(p.w_, [0.1, 0.1])
    assert p.b_ == pytest.approx(0.1)
    assert p.errors_ == [1]


def test_mlps_solve_xor(lab_run: Any) -> None:
    assert lab_run[0].answers["xor_accuracy"] == {"sklearn": 1.0, "neyman": 1.0}


def test_regressor_converges(lab_run: Any) -> None:
    a = lab_run[0].answers
    mse = a["regression_mse"]
    assert a["epochs"] == 40
    assert mse["train"] < mse["first_epoch"] / 5
    assert mse["val"] < 0.02  # noise floor 0.0025
    assert a["regression_test_mse"] < 0.02


def test_figures_and_options(lab_run: Any) -> None:
    result, text, _ = lab_run
    assert "XOR with an MLP" in text
    assert [p.name for p in result.figures] == [
        "perceptron.png",
        "xor_mlp.png",
        "regression_history.png",
    ]
    assert all(p.is_file() for p in result.figures)
    with pytest.raises(ConfigError, match="no option 'epoch'; did you mean 'epochs'"):
        perceptron_xor.run(quick=True, console=Console(file=io.StringIO()), epoch=3)


def test_figures_have_axis_labels_and_the_xor_boundary(
    lab_run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = perceptron_xor.compute(quick=True, console=Console(file=io.StringIO()), epochs=2)
    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        _base, "save_figure", lambda fig, out, name, *a, **k: seen.__setitem__(name, fig)
    )
    perceptron_xor.render(answers, out=tmp_path, console=Console(file=io.StringIO()))
    for ax in seen["perceptron"].axes:
        assert ax.get_xlabel() == "input x1" and ax.get_ylabel() == "input x2"
    ax = seen["xor_mlp"].axes[0]
    assert ax.get_xlabel() == "input x1"
    # the drawn P = 0.5 contour separates the XOR inputs: the MLP's own probabilities
    gx, gy, p = answers.xor_grid
    for (x1, x2), label in zip(perceptron_xor.INPUTS, perceptron_xor.GATES["XOR"], strict=True):
        i, j = np.argmin(np.abs(gy[:, 0] - x2)), np.argmin(np.abs(gx[0] - x1))
        assert (p[i, j] > 0.5) == bool(label)
    assert len(ax.collections) >= 2  # the probability map and the contour
    for fig in seen.values():
        plt.close(fig)


def test_perceptron_epochs_option() -> None:
    a = perceptron_xor.compute(
        quick=True, console=Console(file=io.StringIO()), perceptron_epochs=7, epochs=1
    )
    assert a.perceptron_epochs["XOR"] == 7
    assert a.epochs == 1


def test_verdict_follows_the_accuracies_for_any_epoch_limit() -> None:
    # with 3 epochs AND is not learned yet; the sentence used to say "AND and OR converge"
    buf = io.StringIO()
    result = perceptron_xor.run(
        quick=True, perceptron_epochs=3, epochs=1, console=Console(file=buf, width=400)
    )
    text, acc = buf.getvalue(), result.answers["perceptron_accuracy"]
    assert acc["AND"] < 1.0
    assert acc["OR"] == 1.0
    assert "AND and OR converge" not in text
    assert "The perceptron learns OR (every input right; OR after 3 epochs)" in text
    wrong = round(4 * (1 - acc["AND"]))
    assert f"on AND the perceptron still misclassifies {wrong} of 4 inputs after 3 epochs" in text
    assert (
        "on XOR the perceptron still misclassifies 2 of 4 inputs after 3 epochs (no straight"
        in text
    )


def test_verdict_of_the_default_run(lab_run: Any) -> None:
    text = " ".join(lab_run[1].split())
    assert (
        "The perceptron learns AND and OR (every input right; AND after 6, OR after 4 epochs)"
        in text
    )
    assert "on XOR the perceptron still misclassifies 2 of 4 inputs after 100 epochs" in text
