"""Detector model: the pure NumPy kernels (no Pythia needed) and reconstruction of hand-built
events (needs FastJet)."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
from scipy import stats

from neyman.errors import ConfigError
from neyman.generate.detector import (
    DetectorConfig,
    btag,
    missing_pt,
    reconstruct,
    resolution,
    smear,
)


def test_resolution_adds_terms_in_quadrature() -> None:
    e = np.array([1.0, 25.0, 100.0, 1e4])
    got = resolution(e, stochastic=0.5, constant=0.03, slope=1e-4)
    expected = np.sqrt((0.5 / np.sqrt(e)) ** 2 + 0.03**2 + (1e-4 * e) ** 2)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    # no stochastic term (and no division by zero) at E <= 0
    np.testing.assert_allclose(resolution([0.0, -1.0], stochastic=0.5, constant=0.03), 0.03)


def test_smear_has_the_requested_gaussian_width(rng: np.random.Generator) -> None:
    sigma = np.full(200_000, 0.05)
    f = smear(sigma, rng)
    # mean 1 and width 0.05 within 5 standard errors; Gaussian by a KS test
    assert abs(f.mean() - 1.0) < 5 * 0.05 / np.sqrt(f.size)
    assert abs(f.std() - 0.05) < 5 * 0.05 / np.sqrt(2 * f.size)
    assert stats.kstest((f - 1.0) / 0.05, "norm").pvalue > 1e-3
    # factors never go negative, even for a huge resolution
    assert (smear(np.full(1000, 5.0), rng) >= 0).all()


def test_btag_rates_match_efficiency_and_mistags(rng: np.random.Generator) -> None:
    n = 100_000
    flavour = np.repeat([5, 4, 0, 21], n)
    tags = btag(flavour, rng, efficiency=0.7, c_mistag=0.2, light_mistag=0.01).reshape(4, n)
    rates = tags.mean(axis=1)
    for rate, p in zip(rates, (0.7, 0.2, 0.01, 0.01), strict=True):
        assert abs(rate - p) < 5 * np.sqrt(p * (1 - p) / n)
    assert btag([-5], rng, efficiency=1.0, c_mistag=0.0, light_mistag=0.0).all()  # b-bar


def test_btag_rejects_a_probability_above_one(rng: np.random.Generator) -> None:
    with pytest.raises(ConfigError, match="'efficiency' parameter of btag"):
        btag([5], rng, efficiency=1.5)


def test_missing_pt_balances_visible_momentum() -> None:
    mx, my = missing_pt([10.0, -3.0], [0.0, 4.0], [1.0, 0.0], [0.0, -1.0])
    np.testing.assert_allclose(mx, [-11.0, 3.0])
    np.testing.assert_allclose(my, [0.0, -3.0])


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("btag_efficiency", 1.2, "probability"),
        ("jet_radius", 0.0, "> 0"),
        ("jet_pt_min", -1.0, ">= 0"),
        ("lepton_eta_max", float("nan"), "finite"),
    ],
)
def test_detector_config_rejects_bad_values(field: str, value: float, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        DetectorConfig(**{field: value})  # type: ignore[arg-type]


def _particle(pid: int, status: int, pt: float, eta: float, phi: float, m: float = 0.0) -> dict:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + m**2)
    return {"id": pid, "status": status, "px": px, "py": py, "pz": pz, "e": e}


@pytest.mark.generate
def test_reconstruct_hand_built_event(rng: np.random.Generator) -> None:
    pytest.importorskip("fastjet")
    event = [
        _particle(11, 1, 50.0, 0.5, 0.0),  # isolated electron
        _particle(-13, 1, 30.0, -1.0, 2.0),  # isolated muon
        _particle(12, 1, 40.0, 0.0, -2.0),  # neutrino: invisible
        # a b-jet: a b quark at the end of the shower plus two collinear hadrons
        _particle(5, -71, 60.0, 1.5, -1.0, 4.8),
        _particle(211, 1, 35.0, 1.55, -1.02),
        _particle(-211, 1, 30.0, 1.45, -0.97),
        # a non-isolated muon inside a light jet
        _particle(13, 1, 15.0, -0.5, 1.0),
        _particle(211, 1, 40.0, -0.52, 1.03),
        # beyond the calorimeter: invisible
        _particle(22, 1, 5.0, 6.0, 0.0),
    ]
    particles = ak.Array([event])
    perfect = DetectorConfig(
        btag_efficiency=1.0,
        c_mistag=0.0,
        light_mistag=0.0,
        electron_stochastic=0.0,
        electron_constant=0.0,
        muon_constant=0.0,
        muon_slope=0.0,
        jet_stochastic=0.0,
        jet_constant=0.0,
    )
    reco = reconstruct(particles, perfect, rng=rng)
    assert len(reco) == 1
    lep = reco.leptons[0]
    assert ak.to_list(lep.pid) == [11, -13]
    assert ak.to_list(lep.charge) == [-1, 1]
    np.testing.assert_allclose(ak.to_numpy(lep.pt), [50.0, 30.0], rtol=1e-12)
    jets = reco.jets[0]
    assert len(jets) == 2
    np.testing.assert_allclose(ak.to_numpy(jets.pt)[0], 65.0, rtol=2e-3)  # 35 + 30 GeV
    assert ak.to_list(jets.flavour) == [5, 0]
    assert ak.to_list(jets.btag) == [True, False]
    # MET = minus the visible sum (no smearing): it is the neutrino + the forward photon
    visible = [p for p in event if p["status"] > 0 and p["id"] != 12 and abs(p["id"]) != 5][:-1]
    np.testing.assert_allclose(reco.met_x[0], -sum(p["px"] for p in visible), atol=1e-9)
    np.testing.assert_allclose(reco.met_y[0], -sum(p["py"] for p in visible), atol=1e-9)


@pytest.mark.generate
def test_reconstruct_smearing_is_seeded(rng: np.random.Generator) -> None:
    pytest.importorskip("fastjet")
    particles = ak.Array(
        [[_particle(211, 1, 40.0, 0.1, 0.3), _particle(11, 1, 30.0, -1.0, 2.5)]] * 5
    )
    a = reconstruct(particles, rng=np.random.default_rng(3))
    b = reconstruct(particles, rng=np.random.default_rng(3))
    c = reconstruct(particles, rng=np.random.default_rng(4))
    assert ak.to_list(a.jets) == ak.to_list(b.jets)
    np.testing.assert_array_equal(a.met_x, b.met_x)
    assert ak.to_list(a.jets.pt) != ak.to_list(c.jets.pt)
