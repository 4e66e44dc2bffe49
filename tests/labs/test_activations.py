"""Lab activations: the identities (SymPy exactly, float64 to 1e-12) and the separating neuron."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from scipy.special import expit

from neyman.errors import ConfigError
from neyman.labs import activations, get_lab


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("activations")
    buf = io.StringIO()
    result = activations.run(quick=True, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def test_registered_as_a_lab() -> None:
    assert get_lab("activations") is activations
    assert "\n" not in activations.SUMMARY


def test_identities_symbolic_and_numeric(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    assert a["sympy_derivative_difference"] == "0"
    assert a["sympy_tanh_difference"] == "0"
    assert a["max_derivative_diff"] < 1e-12
    assert a["max_tanh_diff"] < 1e-12
    # independent oracle: a central finite difference of expit, step 1e-5 (error ~1e-10)
    x = np.linspace(-10, 10, 401)
    h = 1e-5
    fd = (expit(x + h) - expit(x - h)) / (2 * h)
    np.testing.assert_allclose(fd, expit(x) * (1 - expit(x)), rtol=0, atol=1e-9)


def test_neuron_separates_both_classes(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    W, b = np.array(a["W"]), a["b"]
    out1 = expit(activations.CLASS_1 @ W + b)
    out2 = expit(activations.CLASS_2 @ W + b)
    assert np.all(out1 > 0.5)
    assert np.all(out2 < 0.5)
    assert a["correct"] is True
    np.testing.assert_allclose(a["outputs"], np.concatenate([out1, out2]), rtol=1e-12)
    # margins: signed distances to the line Wᵀx + b = 0, positive on the correct side
    z = np.vstack([activations.CLASS_1, activations.CLASS_2]) @ W + b
    expected = np.array([1, 1, -1, -1]) * z / np.hypot(*W)
    np.testing.assert_allclose(a["margins"], expected, rtol=1e-12)
    assert 0 < a["min_margin"] <= a["optimal_margin"] + 1e-12
    assert a["optimal_margin"] == pytest.approx(0.5 / np.sqrt(2), rel=1e-15)
    # the trained line is close to the best one (x2 = x1 + 1/2): within 10 % of its margin
    assert a["min_margin"] > 0.9 * a["optimal_margin"]


def test_output_and_figures(lab_run: tuple[Any, str, Path]) -> None:
    result, text, out = lab_run
    assert sorted(p.name for p in out.iterdir()) == ["identities.png", "neuron.png"]
    assert "simplify(dσ/dx − σ(1 − σ)) = 0" in text
    assert "All four points on the correct side: True" in text


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(ConfigError, match="lab activations has no option 'data'"):
        activations.run(console=Console(file=io.StringIO()), data="x.npy")
