"""Lab rnn: the events' exact likelihood ratio, padding and masking, both networks, the verdict."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from rich.console import Console
from sklearn.base import clone

from neyman.errors import ConfigError
from neyman.labs import get_lab, rnn


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=160)


def test_registered() -> None:
    assert get_lab("rnn") is rnn


def test_events_and_exact_ratio_against_the_densities() -> None:
    tracks, y = rnn.generate_events(400, seed=3)
    assert len(tracks) == 800 and y.sum() == 400
    counts = np.array([len(t) for t in tracks])
    assert counts.min() >= rnn.MIN_TRACKS
    # the Poisson means: 2 + 6 for signal, 2 + 5 for background, within 4 standard errors
    assert abs(counts[y == 1].mean() - 8.0) < 4 * np.sqrt(6 / 400)
    assert abs(counts[y == 0].mean() - 7.0) < 4 * np.sqrt(5 / 400)
    assert all(np.all(np.diff(t[:, 0]) <= 0) for t in tracks)  # hardest track first
    llr = rnn.exact_log_likelihood_ratio(tracks[:5])
    for t, value in zip(tracks[:5], llr, strict=True):
        k = len(t) - 2
        pt, eta = t[:, 0].astype(float), t[:, 1].astype(float)
        s, b = rnn.SIGNAL, rnn.BACKGROUND
        expected = k * np.log(s["tracks"] / b["tracks"]) - (s["tracks"] - b["tracks"])
        expected += np.sum(-np.log(s["pt"]) - pt / s["pt"] + np.log(b["pt"]) + pt / b["pt"])
        expected += np.sum(
            -np.log(s["eta"]) - eta**2 / (2 * s["eta"] ** 2)
            + np.log(b["eta"]) + eta**2 / (2 * b["eta"] ** 2)
        )  # fmt: skip
        assert value == pytest.approx(expected, rel=1e-5)


def test_pad() -> None:
    tracks = [np.array([[2.0, 0.5], [1.0, -0.1]], np.float32), np.array([[3.0, 1.0]], np.float32)]
    X = rnn.pad(tracks)
    assert X.shape == (2, 2, 2)
    np.testing.assert_allclose(X[0, :, 0], np.log([2.0, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(X[1, 0], [np.log(3.0), 1.0], rtol=1e-6)
    assert np.isnan(X[1, 1]).all()
    assert rnn.pad(tracks, 1).shape == (2, 1, 2)


@pytest.fixture(scope="module")
def trained() -> tuple[np.ndarray, dict[str, rnn.SequenceClassifier]]:
    tracks, y = rnn.generate_events(150, seed=4)
    X = rnn.pad(tracks)
    models = {
        arch: rnn.SequenceClassifier(arch, hidden=8, epochs=2, random_state=0).fit(X, y)
        for arch in ("gru", "deepsets")
    }
    return X, models


def test_padding_is_ignored(trained: tuple[np.ndarray, dict[str, rnn.SequenceClassifier]]) -> None:
    X, models = trained
    longer = np.concatenate([X, np.full((len(X), 5, 2), np.nan, np.float32)], axis=1)
    for model in models.values():
        np.testing.assert_allclose(
            model.decision_function(longer), model.decision_function(X), rtol=1e-5, atol=1e-6
        )


def test_deep_sets_ignore_order_and_the_gru_does_not(
    trained: tuple[np.ndarray, dict[str, rnn.SequenceClassifier]],
) -> None:
    X, models = trained
    flipped = X.copy()
    for i in range(len(X)):
        k = int((~np.isnan(X[i, :, 0])).sum())
        flipped[i, :k] = X[i, :k][::-1]
    ds, gru = models["deepsets"], models["gru"]
    np.testing.assert_allclose(
        ds.decision_function(flipped), ds.decision_function(X), rtol=1e-4, atol=1e-5
    )
    assert np.max(np.abs(gru.decision_function(flipped) - gru.decision_function(X))) > 1e-4
    p = gru.predict_proba(X[:10])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(gru.predict(X[:10]), (p[:, 1] > 0.5).astype(int))


def test_estimator_conventions() -> None:
    model = rnn.SequenceClassifier("deepsets", hidden=4, epochs=1)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ConfigError, match="architecture") as err:
        rnn.SequenceClassifier("lstm").fit(np.zeros((4, 2, 2), np.float32), np.array([0, 1, 0, 1]))
    assert err.value.key == "architecture"


def test_quick_run(tmp_path: Path) -> None:
    torch.manual_seed(0)
    result = rnn.run(quick=True, out=tmp_path, console=_quiet(), events=400, epochs=3)
    a = result.answers
    assert a["n_train"] == 800
    assert set(a["auc"]) == {"exact likelihood ratio", "GRU", "Deep Sets"}
    for label, value in a["auc"].items():
        lo, hi = a["auc_interval"][label]
        assert lo <= value <= hi
    optimum = a["auc"]["exact likelihood ratio"]
    assert 0.7 < optimum < 0.85  # the generated problem's optimum is about 0.76
    assert a["gap_to_optimum"]["GRU"] == pytest.approx(optimum - a["auc"]["GRU"])
    d = a["difference"]
    assert d["value"] == pytest.approx(a["auc"]["GRU"] - a["auc"]["Deep Sets"], abs=1e-9)
    expected = (
        "the GRU is better" if d["low"] > 0
        else "Deep Sets is better" if d["high"] < 0
        else "the two are compatible at this sample size"
    )  # fmt: skip
    assert expected in a["verdict"]
    assert sorted(p.name for p in result.figures) == ["loss.png", "roc.png"]
    assert all(p.is_file() for p in result.figures)
    assert "rocs" not in a and "losses" not in a


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="did you mean 'epochs'"):
        rnn.compute(quick=True, epoch=3)
    with pytest.raises(ConfigError, match="events") as err:
        rnn.compute(quick=True, events=10)
    assert err.value.key == "events"
