"""Lab overfitting: overtraining is visible, regularisation helps, numbers match oracles."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from sklearn.metrics import roc_auc_score

from neyman.datasets import gaussian_mixture
from neyman.errors import ConfigError
from neyman.labs import get_lab, overfitting


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("overfitting")
    buf = io.StringIO()
    result = overfitting.run(quick=True, out=out, console=Console(file=buf, width=100))
    return result, buf.getvalue(), out


def test_registered_as_a_lab() -> None:
    assert get_lab("overfitting") is overfitting
    assert "\n" not in overfitting.SUMMARY


def test_unregularised_network_overtrains(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    none = a["variants"]["none"]
    assert none["epochs_run"] == a["epochs"]
    # the validation minimum comes in the first quarter of training ...
    assert none["val_loss_min_epoch"] <= a["epochs"] // 4
    # ... and the final validation loss is clearly above it (quick run: 0.419 -> 0.538)
    assert none["val_loss_final"] - none["val_loss_min"] > 0.05
    # while the training loss ends well below the validation loss (memorised events)
    assert none["train_loss"] < none["val_loss_final"] - 0.1
    # the minimum and its epoch are those of the recorded history
    val = np.asarray(a["history"]["val_loss"])
    assert none["val_loss_min"] == pytest.approx(val.min(), rel=1e-12)
    assert none["val_loss_min_epoch"] == int(val.argmin()) + 1


def test_regularisation_lowers_the_final_validation_loss(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    v = a["variants"]
    none_final = v["none"]["val_loss_final"]
    assert set(v) == set(overfitting.VARIANTS)
    assert min(v[k]["val_loss_final"] for k in v if k != "none") < none_final - 0.02
    assert a["best"] != "none"
    assert v[a["best"]]["val_loss_final"] == min(x["val_loss_final"] for x in v.values())
    # the held-out test sample agrees: the best variant has a lower test loss
    assert v[a["best"]]["test_loss"] < v["none"]["test_loss"]
    # early stopping stopped early and kept the best epoch's weights
    es = v["early stop"]
    assert es["epochs_run"] < a["epochs"]
    assert es["val_loss_final"] == pytest.approx(es["val_loss_min"], abs=1e-4)


def test_losses_and_aucs_match_independent_oracles(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    # the lab's numpy cross-entropy of the final model vs the training loop's last val_loss
    assert a["variants"]["none"]["val_loss_final"] == pytest.approx(
        a["history"]["val_loss"][-1], rel=1e-5
    )
    # exact likelihood-ratio AUC on the same test sample, by scikit-learn
    test = gaussian_mixture(2, n=500, random_state=3)
    assert a["auc_exact"] == pytest.approx(roc_auc_score(test.y, test.truth), abs=1e-12)
    # no network beats the optimum by more than a test-sample fluctuation (1,000 events)
    for r in a["variants"].values():
        assert 0.75 < r["test_auc"] < a["auc_exact"] + 0.01


def test_cross_validation(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    assert a["k"] == 3
    assert set(a["cv_auc"]) == {"none", a["best"]}
    for variant, aucs in a["cv_auc"].items():
        assert len(aucs) == 3
        assert all(0.7 < x < 1.0 for x in aucs)
        assert a["cv_mean"][variant] == pytest.approx(np.mean(aucs), rel=1e-12)
        assert a["cv_std"][variant] == pytest.approx(np.std(aucs, ddof=1), rel=1e-12)


def test_output_and_figures(lab_run: tuple[Any, str, Path]) -> None:
    result, text, out = lab_run
    for needle in ("val min (ep)", "early stop", "3-fold cross-validated AUC", "Best regular"):
        assert needle in text, needle
    # CPU time is measured and shown next to each variant (docs quote CPU, not only wall)
    for r in result.answers["variants"].values():
        assert r["cpu_seconds"] > 0
    assert "CPU seconds per variant: none " in text
    assert text.index("… none:") < text.index("… fold 1/3 done") < text.index("val min (ep)")
    names = sorted(p.name for p in result.figures)
    assert names == ["boundaries.png", "history.png", "variants.png"]
    for p in result.figures:
        assert p.parent == out
        assert p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_bad_options_are_rejected() -> None:
    console = Console(file=io.StringIO())
    with pytest.raises(ConfigError, match="no option 'row'; did you mean 'rows'"):
        overfitting.run(quick=True, console=console, row=100)
    with pytest.raises(ConfigError, match="'rows' of lab overfitting .* must be an int"):
        overfitting.run(quick=True, console=console, rows=5)


def _row(**kw: float) -> dict[str, Any]:
    r: dict[str, Any] = {
        "val_loss_min": 0.408,
        "val_loss_min_epoch": 7,
        "epochs_run": 40,
        "val_loss_final": 0.414,
        "val_loss_final_se": 0.012,
        "train_loss": 0.423,
    }
    r.update(kw)
    return r


def test_overtraining_sentence_follows_the_measured_curves() -> None:
    # large --rows (3000 per class, quick): the validation loss barely moves and the
    # training loss is above it; the lab used to say "learns the fluctuations" regardless
    flat = overfitting.overtraining_sentence(_row(), 6000)
    assert "variance" not in flat and "fluctuations of its 6000" not in flat
    assert "no overtraining is measured with 6000 training events in 40 epochs" in flat
    assert "within 2 standard errors (0.024)" in flat
    assert "training loss (0.423) is not below" in flat
    begun = overfitting.overtraining_sentence(_row(train_loss=0.30), 6000)
    assert "no overtraining is measured" in begun and "begun to fit its own events" in begun
    # the default quick run: 0.419 -> 0.538, a rise of many standard errors
    rises = overfitting.overtraining_sentence(
        _row(val_loss_min=0.419, val_loss_final=0.538, val_loss_final_se=0.02, train_loss=0.2),
        300,
    )
    assert "a rise of 0.119 (6.0 standard errors" in rises
    assert "learns the fluctuations of its 300 events (variance)" in rises


def test_printed_overtraining_sentence_is_that_of_the_answers(
    lab_run: tuple[Any, str, Path],
) -> None:
    a = lab_run[0].answers
    none = a["variants"]["none"]
    assert none["val_loss_final_se"] > 0
    expected = overfitting.overtraining_sentence(none, a["n_train"])
    assert expected.split(":")[0][:60] in " ".join(lab_run[1].split())
