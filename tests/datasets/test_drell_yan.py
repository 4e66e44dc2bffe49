"""Generated Z/γ* -> ee: schema, exact kinematics, line shape, and the real CMS Z peak."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from neyman.datasets import drell_yan as dy
from neyman.datasets import drell_yan_ee, drell_yan_ee_frame
from neyman.datasets.real import CMS_DIELECTRON_COLUMNS
from neyman.errors import ConfigError

CMS_SHARED = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "cms_dielectron_2010_sample.csv"
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return drell_yan_ee_frame(20_000, random_state=7)


def test_schema_acceptance_and_kinematics(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == CMS_DIELECTRON_COLUMNS
    assert len(frame) == 20_000
    assert frame["Event"].tolist()[:3] == [1, 2, 3] and set(frame["Run"]) == {1}
    assert set(frame["Q1"] * frame["Q2"]) == {-1}
    for k in (1, 2):
        assert (frame[f"pt{k}"] > 20).all() and (frame[f"eta{k}"].abs() < 2.5).all()
        px, py, pz, e = (frame[f"{v}{k}"].to_numpy() for v in ("px", "py", "pz", "E"))
        np.testing.assert_allclose(frame[f"pt{k}"], np.hypot(px, py), rtol=1e-12)
        np.testing.assert_allclose(
            frame[f"eta{k}"], np.arcsinh(pz / np.hypot(px, py)), rtol=1e-9, atol=1e-12
        )
        np.testing.assert_allclose(frame[f"phi{k}"], np.arctan2(py, px), atol=1e-12)
        np.testing.assert_allclose(e, np.sqrt(px**2 + py**2 + pz**2), rtol=1e-12)  # massless
    # M is the invariant mass of the (smeared) pair: exact four-vector sum
    e = frame["E1"] + frame["E2"]
    p2 = sum((frame[f"{v}1"] + frame[f"{v}2"]) ** 2 for v in ("px", "py", "pz"))
    np.testing.assert_allclose(frame["M"], np.sqrt(e**2 - p2), rtol=1e-8)


def test_seeded(frame: pd.DataFrame) -> None:
    again = drell_yan_ee_frame(20_000, random_state=7)
    pd.testing.assert_frame_equal(frame, again)
    assert not drell_yan_ee_frame(100, random_state=8)["M"].equals(frame["M"].iloc[:100])


def test_peak_position_and_boson_spectra(frame: pd.DataFrame) -> None:
    m = frame["M"].to_numpy()
    window = m[(m > 80) & (m < 100)]
    assert np.median(window) == pytest.approx(dy.Z_MASS, abs=0.5)
    pt_z = np.hypot(frame["px1"] + frame["px2"], frame["py1"] + frame["py2"])
    assert 4.0 < np.median(pt_z) < 12.0  # Z pT at the LHC: a few GeV, with a tail
    assert np.quantile(pt_z, 0.99) > 40.0


def test_mass_line_shape_is_relativistic_breit_wigner() -> None:
    rng = np.random.default_rng(0)
    m = dy._sample_mass(50_000, 70.0, 110.0, 0.0, rng)
    M, G = dy.Z_MASS, dy.Z_WIDTH

    def pdf(x: float) -> float:
        return 2 * x * x * x / ((x * x - M * M) ** 2 + M * M * G * G)

    norm, _ = integrate.quad(pdf, 70, 110, points=[M], epsabs=0, epsrel=1e-12)
    edges = np.linspace(70, 110, 41)
    cdf = np.array([integrate.quad(pdf, 70, x, points=[M] if x > M else None)[0] for x in edges])
    emp = np.searchsorted(np.sort(m), edges) / m.size
    # a Kolmogorov-Smirnov distance on these points, below the 99.9% critical value
    assert np.abs(emp - cdf / norm).max() < 1.95 / np.sqrt(m.size)


def test_decay_angle_is_one_plus_cos_squared() -> None:
    c = dy._sample_cos_theta(100_000, np.random.default_rng(1))
    assert np.all(np.abs(c) <= 1)
    res = stats.kstest(c, lambda x: 3 / 8 * (x + x**3 / 3 + 4 / 3))
    assert res.pvalue > 0.001
    # moments: E[c²] = 2/5 for (1 + c²) 3/8
    assert np.mean(c**2) == pytest.approx(0.4, abs=0.005)


@pytest.mark.skipif(not CMS_SHARED.is_file(), reason=f"{CMS_SHARED} not present")
def test_z_peak_matches_real_cms_sample(frame: pd.DataFrame) -> None:
    """Same selection on both (acceptance, opposite charges); compare the 80-100 GeV window.

    Tolerances: the real window holds about 37 events, so its median is known to about
    1 GeV and its standard deviation to about 15%: position within 1.5 GeV, width within
    a factor 0.7-1.4.
    """
    real = pd.read_csv(CMS_SHARED)
    sel = (
        (real.pt1 > 20)
        & (real.pt2 > 20)
        & (real.eta1.abs() < 2.5)
        & (real.eta2.abs() < 2.5)
        & (real.Q1 * real.Q2 < 0)
    )
    mr = real.loc[sel, "M"].to_numpy()
    mg = frame["M"].to_numpy()
    wr, wg = mr[(mr > 80) & (mr < 100)], mg[(mg > 80) & (mg < 100)]
    assert wr.size > 30
    assert np.median(wg) == pytest.approx(np.median(wr), abs=1.5)
    assert 0.7 < wg.std() / wr.std() < 1.4


def test_dataset_and_errors() -> None:
    ds = drell_yan_ee(300, random_state=2)
    assert ds.X.shape == (300, 6) and ds.target_name == "M"
    assert ds.feature_names == ["pt1", "eta1", "phi1", "pt2", "eta2", "phi2"]
    assert ds.y.min() > 40 and ds.y.max() < 140
    with pytest.raises(ConfigError, match="n must be"):
        drell_yan_ee(0)
    with pytest.raises(ConfigError, match="mass_range"):
        drell_yan_ee(10, mass_range=(120.0, 60.0))
    with pytest.raises(ConfigError, match="gamma_fraction"):
        drell_yan_ee(10, gamma_fraction=1.0)
