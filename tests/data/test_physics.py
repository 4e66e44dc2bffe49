from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import vector

from neyman.data import physics


@pytest.fixture
def kin(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = 2000
    return {
        "pt1": rng.uniform(1, 200, n),
        "eta1": rng.uniform(-4, 4, n),
        "phi1": rng.uniform(-math.pi, math.pi, n),
        "pt2": rng.uniform(1, 200, n),
        "eta2": rng.uniform(-4, 4, n),
        "phi2": rng.uniform(-math.pi, math.pi, n),
        "m1": rng.uniform(0, 10, n),
        "m2": rng.uniform(0, 10, n),
    }


def test_invariant_mass_matches_vector(kin: dict[str, np.ndarray]) -> None:
    a = vector.array({"pt": kin["pt1"], "eta": kin["eta1"], "phi": kin["phi1"], "mass": kin["m1"]})
    b = vector.array({"pt": kin["pt2"], "eta": kin["eta2"], "phi": kin["phi2"], "mass": kin["m2"]})
    ref = (a + b).mass
    got = physics.invariant_mass(**kin)
    np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_massless_invariant_mass_matches_four_vector_sum(kin: dict[str, np.ndarray]) -> None:
    k = {key: v for key, v in kin.items() if not key.startswith("m")}
    p = []
    for i in (1, 2):
        pt, eta, phi = k[f"pt{i}"], k[f"eta{i}"], k[f"phi{i}"]
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        p.append((np.sqrt(px**2 + py**2 + pz**2), px, py, pz))
    ref = physics.invariant_mass_from_four_vectors(*p[0], *p[1])
    np.testing.assert_allclose(physics.invariant_mass(**k), ref, rtol=1e-6)


def test_delta_phi_wraps(rng: np.random.Generator) -> None:
    a = rng.uniform(-10, 10, 5000)
    b = rng.uniform(-10, 10, 5000)
    d = physics.delta_phi(a, b)
    assert np.all(d >= -math.pi) and np.all(d < math.pi)
    np.testing.assert_allclose(np.cos(d), np.cos(a - b), atol=1e-12)
    ref = vector.array({"x": np.cos(a), "y": np.sin(a)}).deltaphi(
        vector.array({"x": np.cos(b), "y": np.sin(b)})
    )
    np.testing.assert_allclose(np.cos(d), np.cos(ref), atol=1e-12)
    assert physics.delta_phi(math.pi, 0.0) == pytest.approx(-math.pi)


def test_delta_r_and_pt_eta(rng: np.random.Generator) -> None:
    px, py, pz = rng.normal(size=(3, 1000)) * 50
    v = vector.array({"px": px, "py": py, "pz": pz})
    np.testing.assert_allclose(physics.pt(px, py), v.pt, rtol=1e-12)
    np.testing.assert_allclose(physics.eta(px, py, pz), v.eta, rtol=1e-9)
    e1, p1, e2, p2 = (
        rng.uniform(-3, 3, 1000),
        rng.uniform(-7, 7, 1000),
        rng.uniform(-3, 3, 1000),
        rng.uniform(-7, 7, 1000),
    )
    a = vector.array({"rho": np.ones(1000), "eta": e1, "phi": p1})
    b = vector.array({"rho": np.ones(1000), "eta": e2, "phi": p2})
    np.testing.assert_allclose(physics.delta_r(e1, p1, e2, p2), a.deltaR(b), rtol=1e-9)


def test_torch_tensors_work(kin: dict[str, np.ndarray]) -> None:
    t = {k: torch.from_numpy(v) for k, v in kin.items() if not k.startswith("m")}
    got = physics.invariant_mass(**t)
    assert isinstance(got, torch.Tensor)
    ref = physics.invariant_mass(**{k: v for k, v in kin.items() if not k.startswith("m")})
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    assert isinstance(physics.delta_phi(t["phi1"], t["phi2"]), torch.Tensor)


def test_cms_recorded_mass(shared_data: object) -> None:
    import pandas as pd

    from tests.conftest import SHARED_DATA

    df = pd.read_csv(SHARED_DATA / "cms_dielectron_2010_sample.csv")
    m = physics.invariant_mass(
        *(df[c].to_numpy() for c in ["pt1", "eta1", "phi1", "pt2", "eta2", "phi2"])
    )
    np.testing.assert_allclose(m, df["M"].to_numpy(), rtol=2e-4)
