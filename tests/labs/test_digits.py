"""Lab digits: training answers, the saved best model, and --image on a rendered test digit."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from neyman.datasets import digits as load_digits
from neyman.errors import ConfigError, DataError
from neyman.labs import digits, get_lab
from neyman.models import load


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("digits")
    result = digits.run(quick=True, out=out, console=Console(file=io.StringIO()))
    return result, out


def test_registered() -> None:
    assert get_lab("digits") is digits


def test_training_answers(trained: tuple[Any, Path]) -> None:
    result, out = trained
    a = result.answers
    assert a["n_train"] + a["n_val"] + a["n_test"] == 1797
    # conv 8x3x3 (80) -> pool -> dense 16 on 8*4*4 inputs (2064) -> softmax 10 (170)
    assert a["n_parameters"] == 8 * 9 + 8 + 128 * 16 + 16 + 16 * 10 + 10
    h = a["history"]
    assert len(h["loss"]) == len(h["val_accuracy"]) == a["epochs"]
    # early stopping with patience 2: training ended 2 epochs after the best one (or at the cap)
    assert a["epochs"] - a["best_epoch"] == 2 or a["epochs"] == 30
    # the checkpoint keeps the epoch of lowest validation loss
    assert min(h["val_loss"]) == pytest.approx(h["val_loss"][a["best_epoch"] - 1], abs=0.0)
    # acceptance of issue 9: above 95 % on the 8x8 test images (0.961-0.983 over 6 seeds of
    # split and initialisation with the lab's settings; this run's seed gives 0.961)
    assert a["test_accuracy"] > 0.95
    # standardised with the training pixels (the [0, 1] pixels average about 0.30)
    assert a["scaling"]["mean"] == pytest.approx(0.30, abs=0.02)
    assert a["scaling"]["std"] == pytest.approx(0.38, abs=0.03)
    cm = np.asarray(a["confusion"])
    assert cm.sum() == a["n_test"]
    assert np.trace(cm) / cm.sum() == pytest.approx(a["test_accuracy"], abs=1e-12)
    assert {p.name for p in result.figures} == {"training.png", "confusion.png"}
    assert all(p.is_file() for p in result.figures)
    n = a["n_test"]
    assert a["test_accuracy_err"] == pytest.approx(
        np.sqrt(a["test_accuracy"] * (1 - a["test_accuracy"]) / n), rel=1e-12
    )
    assert (out / "digits_model" / "model.json").is_file()
    assert digits.read_scaling(out / "digits_model") == pytest.approx(
        (a["scaling"]["mean"], a["scaling"]["std"]), rel=1e-12
    )


def test_image_round_trip(trained: tuple[Any, Path], tmp_path: Path) -> None:
    """A held-out digit drawn as dark ink on white at 64x64 is read back and classified."""
    _, out = trained
    model = load(out / "digits_model")
    ds = load_digits()
    X, y = ds.X, np.asarray(ds.y)
    mean, std = digits.read_scaling(out / "digits_model")
    pred = model.predict((X[-50:] - mean) / std)
    i = len(X) - 50 + int(np.flatnonzero(pred == y[-50:])[0])  # a correctly classified one
    pixels = X[i, 0] * 16.0  # 0..16
    paper = np.round(255.0 - pixels * 255.0 / 16.0).astype(np.uint8)
    png = tmp_path / "my_digit.png"
    Image.fromarray(np.kron(paper, np.ones((8, 8), dtype=np.uint8))).convert("RGB").save(png)
    # the conversion recovers the 8x8 input up to the 8-bit rounding of the PNG
    back = digits.image_to_digits_input(png)
    np.testing.assert_allclose(back[0, 0], X[i, 0], atol=1 / 255 + 1e-6)
    res = digits.run(image=str(png), out=out, console=Console(file=io.StringIO()))
    assert res.answers["digit"] == int(y[i])
    assert sum(res.answers["probabilities"]) == pytest.approx(1.0, abs=1e-6)
    # --image with -o writes the figure it names, and only that one
    assert res.figures == [out / "image.png"]
    assert (out / "image.png").read_bytes().startswith(b"\x89PNG")
    # without -o: no figure, and one line that says so; the model is found with --model
    buf = io.StringIO()
    res = digits.run(image=png, model=out / "digits_model", console=Console(file=buf, width=200))
    assert res.figures == []
    assert res.answers["digit"] == int(y[i])
    assert "figures: none written (1 available: image)" in buf.getvalue()


def test_image_without_model(tmp_path: Path) -> None:
    png = tmp_path / "d.png"
    Image.new("L", (8, 8)).save(png)
    with pytest.raises(DataError, match="no trained digits model"):
        digits.run(image=str(png), out=tmp_path / "empty")


def test_bad_image_and_option(trained: tuple[Any, Path], tmp_path: Path) -> None:
    bad = tmp_path / "x.png"
    bad.write_text("not an image")
    with pytest.raises(DataError, match="cannot read"):
        digits.run(image=str(bad), out=trained[1])
    with pytest.raises(ConfigError, match="did you mean 'image'"):
        digits.run(imag="x.png")


def test_image_needs_scaling(trained: tuple[Any, Path], tmp_path: Path) -> None:
    """A model folder without the saved standardisation is refused, not silently misread."""
    import shutil

    copy = tmp_path / "digits_model"
    shutil.copytree(trained[1] / "digits_model", copy)
    (copy / "scaling.json").unlink()
    png = tmp_path / "d.png"
    Image.new("L", (8, 8)).save(png)
    with pytest.raises(DataError, match=r"no scaling\.json"):
        digits.run(image=str(png), out=tmp_path)
