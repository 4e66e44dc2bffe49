"""ParticleSetClassifier: permutation invariance, padding, learning, persistence and ONNX."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from neyman.data.constituents import particle_inputs
from neyman.errors import ConfigError, DataError
from neyman.models import ParticleSetClassifier, load
from neyman.models.particle_set import pairwise_features

FAST = {"random_state": 0, "verbose": 0, "device": "cpu", "batch_size": 32}
SMALL = {
    "deepsets": {"phi_sizes": (16, 16), "f_sizes": (16,)},
    "transformer": {"dim": 16, "heads": 2, "n_blocks": 1},
}


def _jets(rng: np.random.Generator, n: int, width: float) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        k = int(rng.integers(3, 20))
        pt = rng.exponential(20.0, k) + 1.0
        out.append(
            np.column_stack(
                [pt, rng.normal(0.5, width, k), rng.normal(1.0, width, k), pt * 1.3 + 0.5]
            )
        )
    return out


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    X = _jets(rng, 40, 0.05) + _jets(rng, 40, 0.3)
    return X, np.r_[np.zeros(40, dtype=int), np.ones(40, dtype=int)]


@pytest.fixture(params=["deepsets", "transformer"])
def fitted(request: pytest.FixtureRequest, data: tuple) -> ParticleSetClassifier:
    X, y = data
    arch = request.param
    return ParticleSetClassifier(
        arch, max_particles=24, epochs=10, lr=3e-3, **SMALL[arch], **FAST
    ).fit(X, y)


def test_learns_a_separable_problem(fitted: ParticleSetClassifier, data: tuple) -> None:
    X, y = data
    assert roc_auc_score(y, fitted.predict_proba(X)[:, 1]) > 0.9
    assert fitted.input_shape_ == (24, 8)
    assert fitted.n_parameters_ == sum(p.numel() for p in fitted.module_.parameters())


def test_permutation_invariance(
    fitted: ParticleSetClassifier, data: tuple, rng: np.random.Generator
) -> None:
    X, _ = data
    # the network itself, on its padded input with particles in a random order
    # (in float64, so that the test sees the construction, not float32 summation order)
    inputs = torch.from_numpy(particle_inputs(X, 24)).double()
    perm = torch.from_numpy(rng.permutation(24))
    net = copy.deepcopy(fitted.module_).double().eval()
    with torch.inference_mode():
        a = net(inputs)
        b = net(inputs[:, perm])
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, rtol=0)
    # and through the estimator, on shuffled constituent lists
    shuffled = [jet[rng.permutation(len(jet))] for jet in X]
    np.testing.assert_allclose(
        fitted.predict_proba(X), fitted.predict_proba(shuffled), atol=1e-6, rtol=0
    )


def test_padding_does_not_change_scores(fitted: ParticleSetClassifier, data: tuple) -> None:
    X, _ = data
    inputs = torch.from_numpy(particle_inputs(X, 24)).double()
    wider = torch.from_numpy(particle_inputs(X, 40)).double()
    net = copy.deepcopy(fitted.module_).double().eval()
    with torch.inference_mode():
        a = net(inputs)
        b = net(wider)
        # garbage in padded slots is masked away
        noisy = wider.clone()
        pad = noisy[..., :1] == 0
        noisy[..., 1:] = torch.where(pad, torch.randn_like(noisy[..., 1:]) * 5, noisy[..., 1:])
        c = net(noisy)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(a.numpy(), c.numpy(), atol=1e-6, rtol=0)
    # zero-pT particles in a padded (n, p, 4) array are padding too
    padded = np.zeros((len(X), 30, 4))
    for i, jet in enumerate(X):
        padded[i, : len(jet)] = jet
    np.testing.assert_allclose(
        fitted.predict_proba(padded), fitted.predict_proba(X), atol=1e-6, rtol=0
    )


def test_save_load_without_pickle(
    fitted: ParticleSetClassifier, data: tuple, tmp_path: Path
) -> None:
    X, _ = data
    fitted.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "model.json",
        "weights.safetensors",
    ]
    again = load(tmp_path / "m")
    assert isinstance(again, ParticleSetClassifier)
    np.testing.assert_allclose(again.predict_proba(X), fitted.predict_proba(X), atol=1e-6)
    assert again.architecture == fitted.architecture


@pytest.mark.slow
def test_onnx_matches_torch(fitted: ParticleSetClassifier, data: tuple, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    X, _ = data
    session = ort.InferenceSession(str(fitted.export_onnx(tmp_path / "set.onnx")))
    (out,) = session.run(None, {"X": particle_inputs(X[:7], 24)})
    np.testing.assert_allclose(out[:, 0], fitted.predict_proba(X[:7])[:, 1], atol=1e-5)


def test_pairwise_features_against_four_vectors() -> None:
    jets = [np.array([[100.0, 0.1, 0.2, 120.0], [50.0, -0.2, 0.0, 60.0], [10.0, 0.0, -0.3, 11.0]])]
    x = torch.from_numpy(particle_inputs(jets, 4)).double()
    pair = pairwise_features(x[..., 1:], x[..., 0])[0].numpy()
    # particles are sorted by pT: 100, 50, 10; the pair (0, 1)
    p = jets[0]
    dr = np.hypot(p[0, 1] - p[1, 1], p[0, 2] - p[1, 2])
    px = p[:2, 0] * np.cos(p[:2, 2])
    py = p[:2, 0] * np.sin(p[:2, 2])
    pz = p[:2, 0] * np.sinh(p[:2, 1])
    m2 = p[:2, 3].sum() ** 2 - px.sum() ** 2 - py.sum() ** 2 - pz.sum() ** 2
    expected = [np.log(50.0 * dr), np.log(50.0 / 150.0), np.log(dr), np.log(m2)]
    np.testing.assert_allclose(pair[0, 1], expected, rtol=1e-6)
    np.testing.assert_allclose(pair[1, 0], expected, rtol=1e-6)
    assert np.all(pair[3] == 0) and np.all(pair[:, 3] == 0)  # padding
    assert np.all(pair[np.arange(4), np.arange(4)] == 0)


def test_clone_and_errors(data: tuple) -> None:
    X, y = data
    est = ParticleSetClassifier("transformer", dim=10, heads=4, epochs=1, **FAST)
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(ConfigError, match="dim divisible by heads") as err:
        est.fit(X, y)
    assert err.value.key == "dim"
    with pytest.raises(ConfigError, match="'architecture' parameter"):
        ParticleSetClassifier("gnn").fit(X, y)
    with pytest.raises(DataError, match="part_phi") as derr:
        ParticleSetClassifier(**FAST).fit({"part_pt": [], "part_eta": [], "part_e": []}, [])
    assert derr.value.key == "part_phi"


def test_flat_slots_train_and_score_as_the_constituents(data: tuple) -> None:
    # the columns of a study's data.particles: (pt, eta, phi, e) of slot 0, of slot 1, ...
    X, y = data
    X = [jet.astype(np.float32).astype(np.float64) for jet in X]  # flat X is read as float32
    padded = np.zeros((len(X), 20, 4))
    for i, jet in enumerate(X):
        padded[i, : len(jet)] = jet
    flat = padded.reshape(len(X), 80)
    kw = {"max_particles": 16, "epochs": 2, **SMALL["deepsets"], **FAST}
    on_flat = ParticleSetClassifier(**kw).fit(flat, y)
    on_lists = ParticleSetClassifier(**kw).fit(X, y)
    assert on_flat.n_features_in_ == 80
    assert on_flat.input_shape_ == on_lists.input_shape_ == (16, 8)
    np.testing.assert_allclose(
        on_flat.predict_proba(flat), on_lists.predict_proba(X), atol=1e-6, rtol=0
    )
    with pytest.raises(DataError, match="not a multiple of 4") as err:
        on_flat.predict_proba(flat[:, :78])
    assert err.value.key == "X"
