"""Event selection and the UCI HIGGS / SUSY and CMS dielectron feature columns.

Why it exists: a generated sample is only useful next to the public benchmarks if its columns
mean the same thing. This module turns reconstructed objects (``neyman.generate.detector``,
read that first) into the exact column names of

- UCI HIGGS (Baldi, Sadowski, Whiteson, Nature Commun. 5 (2014) 4308, arXiv:1402.4735):
  21 low-level and 7 high-level features, :data:`HIGGS_COLUMNS`;
- UCI SUSY (same authors and paper): 8 low-level and 10 high-level features,
  :data:`SUSY_COLUMNS`;
- the CMS 2010 dielectron open data (``Zee.csv``): :data:`ZEE_COLUMNS`.

Unlike the UCI files, momenta and masses are in GeV, not divided by a sample mean, and the
b-tag columns are 0 or 1 (the UCI files hold a discretised tagger weight).

Selections
----------
HIGGS
    exactly one isolated electron or muon with ``pT > 20 GeV``, at least four jets with
    ``pT > 20 GeV`` and ``|eta| < 2.5`` (the four leading jets are used); no b-tag requirement.
SUSY
    exactly two isolated electrons or muons, both with ``pT > 20 GeV``, of opposite charge.
ZEE
    at least two isolated electrons with ``pT > 20 GeV`` (the two leading are used).
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from neyman.data.physics import delta_phi, invariant_mass
from neyman.datasets.real import HIGGS_HIGH_LEVEL as _HIGGS_HIGH
from neyman.datasets.real import HIGGS_LOW_LEVEL as _HIGGS_LOW
from neyman.generate.detector import RecoEvents

__all__ = [
    "HIGGS_COLUMNS",
    "HIGGS_HIGH_LEVEL",
    "HIGGS_LOW_LEVEL",
    "SUSY_COLUMNS",
    "SUSY_HIGH_LEVEL",
    "SUSY_LOW_LEVEL",
    "W_MASS",
    "TOP_MASS",
    "ZEE_COLUMNS",
    "higgs_features",
    "mt2",
    "neutrino_pz",
    "razor",
    "super_razor",
    "susy_features",
    "zee_columns",
]

F = NDArray[np.float64]

#: Masses used in the high-level reconstruction, GeV.
W_MASS = 80.385
TOP_MASS = 172.5

# the column names are the dataset loader's, so generated files read like the UCI ones
HIGGS_LOW_LEVEL: tuple[str, ...] = tuple(_HIGGS_LOW)
HIGGS_HIGH_LEVEL: tuple[str, ...] = tuple(_HIGGS_HIGH)
#: The 28 UCI HIGGS feature columns, in the order of the UCI file.
HIGGS_COLUMNS: tuple[str, ...] = HIGGS_LOW_LEVEL + HIGGS_HIGH_LEVEL

SUSY_LOW_LEVEL: tuple[str, ...] = (
    "lepton_1_pT",
    "lepton_1_eta",
    "lepton_1_phi",
    "lepton_2_pT",
    "lepton_2_eta",
    "lepton_2_phi",
    "missing_energy_magnitude",
    "missing_energy_phi",
)
SUSY_HIGH_LEVEL: tuple[str, ...] = (
    "MET_rel",
    "axial_MET",
    "M_R",
    "M_TR_2",
    "R",
    "MT2",
    "S_R",
    "M_Delta_R",
    "dPhi_r_b",
    "cos(theta_r1)",
)
#: The 18 UCI SUSY feature columns, in the order of the UCI file.
SUSY_COLUMNS: tuple[str, ...] = SUSY_LOW_LEVEL + SUSY_HIGH_LEVEL

#: Columns of the CMS dielectron open-data CSV (``Zee.csv``).
ZEE_COLUMNS: tuple[str, ...] = (
    "Run",
    "Event",
    *(f"{v}{i}" for i in (1, 2) for v in ("E", "px", "py", "pz", "pt", "eta", "phi", "Q")),
    "M",
)


# --------------------------------------------------------------------------------------------
# Kinematic kernels (NumPy, one value per event)


def _mass(e: F, px: F, py: F, pz: F) -> F:
    """Invariant mass of a summed four-vector; round-off below zero is clipped to 0."""
    return np.asarray(np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0)))


def neutrino_pz(lep: F, met_x: F, met_y: F, *, w_mass: float = W_MASS) -> F:
    """Longitudinal neutrino momentum from the W-mass constraint ``m(l nu) = m_W``.

    Solves ``(p_l + p_nu)^2 = m_W^2`` for a massless lepton and neutrino with the neutrino's
    transverse momentum equal to the missing transverse momentum:
    ``pz = (mu pz_l +- E_l sqrt(mu^2 - pT_l^2 MET^2)) / pT_l^2`` with
    ``mu = m_W^2 / 2 + pT_l . MET``. Of two real solutions the smaller ``|pz|`` is taken; a
    negative discriminant (a W mismeasured above its mass) is set to zero.

    Parameters
    ----------
    lep : array of shape (n, 4), GeV
        Lepton four-momenta ``(E, px, py, pz)``.
    met_x, met_y : array of shape (n,), GeV
    w_mass : float, GeV

    Returns
    -------
    array of shape (n,), GeV
    """
    e, px, py, pz = lep.T
    pt2 = np.maximum(px * px + py * py, 1e-12)
    mu = 0.5 * w_mass**2 + px * met_x + py * met_y
    disc = np.maximum(mu * mu - pt2 * (met_x**2 + met_y**2), 0.0)
    root = e * np.sqrt(disc)
    a, b = (mu * pz + root) / pt2, (mu * pz - root) / pt2
    return np.asarray(np.where(np.abs(a) < np.abs(b), a, b))


def _ray_min(p1x: F, p1y: F, p2x: F, p2y: F, mx: F, my: F, psi: F, r_max: F, steps: int = 50) -> F:
    """``min over r >= 0 of max(mT1^2, mT2^2)`` with ``q1 = r (cos psi, sin psi)``.

    All arguments broadcast to shape (events, angles). ``mT1^2 = a r`` is linear in ``r``;
    ``mT2^2(r)`` is convex, so the minimum is where they cross (found by bisection) if that
    happens before ``mT2^2``'s own minimum ``r*`` (closed form), else ``mT2^2(r*)``.
    """
    ex, ey = np.cos(psi), np.sin(psi)
    p1 = np.hypot(p1x, p1y)
    p2 = np.hypot(p2x, p2y)
    a = 2.0 * (p1 - p1x * ex - p1y * ey)
    m = ex * mx + ey * my
    met2 = mx * mx + my * my
    p2_met = p2x * mx + p2y * my
    p2_e = p2x * ex + p2y * ey

    def f2(r: F) -> F:
        return np.asarray(
            2.0 * (p2 * np.sqrt(np.maximum(r * r - 2.0 * r * m + met2, 0.0)) - p2_met + r * p2_e)
        )

    # r* from d f2 / dr = 0: (r - m) / |MET - q| = -cos(angle(p2, e)) = c
    c = np.clip(-p2_e / np.maximum(p2, 1e-300), -1.0 + 1e-12, 1.0 - 1e-12)
    r_star = m + c * np.sqrt(np.maximum(met2 - m * m, 0.0) / (1.0 - c * c))
    r_star = np.clip(r_star, 0.0, r_max)
    crosses = a * r_star >= f2(r_star)
    lo, hi = np.zeros_like(r_star), r_star
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        below = f2(mid) > a * mid  # still left of the crossing
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    r = 0.5 * (lo + hi)
    return np.asarray(np.where(crosses, np.maximum(a * r, f2(r)), f2(r_star)))


def mt2(
    p1x: F, p1y: F, p2x: F, p2y: F, met_x: F, met_y: F, *, angles: int = 128, rounds: int = 7
) -> F:
    """Stransverse mass MT2 for two massless visible particles and massless invisibles.

    ``MT2 = min over q1 + q2 = MET of max(mT(p1, q1), mT(p2, q2))`` (Lester, Summers, Phys.
    Lett. B 463 (1999) 99, hep-ph/9906349). Written in polar form ``q1 = r (cos psi,
    sin psi)``, the minimum over ``r`` along each ray is exact (:func:`_ray_min`: the
    linear ``mT1^2`` meets the convex ``mT2^2``), and the minimum over the angle ``psi``
    is found on a grid of ``angles`` values refined ``rounds`` times around the best one
    (each round shrinks the step 8 times). Vectorised over events.

    Parameters
    ----------
    p1x, p1y, p2x, p2y : array of shape (n,), GeV
        Visible transverse momenta.
    met_x, met_y : array of shape (n,), GeV
        Missing transverse momentum.
    angles, rounds : int
        Angular grid size and refinement rounds; the defaults agree with a scipy minimisation to 1e-5 GeV.

    Returns
    -------
    array of shape (n,), GeV
        0 when the missing momentum lies between the two visible momenta (both ``mT``
        can vanish together).
    """
    cols = [np.asarray(v, dtype=np.float64)[:, None] for v in (p1x, p1y, p2x, p2y, met_x, met_y)]
    a1x, a1y, a2x, a2y, mx, my = cols
    r_max = 10.0 * (np.hypot(a1x, a1y) + np.hypot(a2x, a2y) + np.hypot(mx, my)) + 100.0
    step = 2.0 * np.pi / angles
    psi = np.arange(angles)[None, :] * step + np.zeros_like(mx)
    best_psi = np.zeros_like(mx)
    best = np.full_like(mx, np.inf)
    for _ in range(rounds + 1):
        g = _ray_min(a1x, a1y, a2x, a2y, mx, my, psi, r_max)
        k = np.argmin(g, axis=1)[:, None]
        value = np.take_along_axis(g, k, axis=1)
        better = value < best
        best = np.where(better, value, best)
        best_psi = np.where(better, np.take_along_axis(psi, k, axis=1), best_psi)
        psi = best_psi + np.linspace(-step, step, 17)[None, :]
        step = step / 8.0
    return np.asarray(np.sqrt(np.maximum(best[:, 0], 0.0)))


def razor(l1: F, l2: F, met_x: F, met_y: F) -> tuple[F, F, F]:
    """Razor variables ``M_R``, ``M_T^R`` and ``R = M_T^R / M_R`` of two visible objects.

    ``M_R = sqrt((E1 + E2)^2 - (pz1 + pz2)^2)`` and
    ``M_T^R = sqrt((MET (pT1 + pT2) - MET . (pT1 + pT2)) / 2)`` (Rogan, arXiv:1006.2727;
    CMS, Phys. Rev. D 85 (2012) 012004).

    Parameters
    ----------
    l1, l2 : array of shape (n, 4), GeV
        Four-momenta ``(E, px, py, pz)``.
    met_x, met_y : array of shape (n,), GeV

    Returns
    -------
    m_r, m_tr, r : arrays of shape (n,); GeV, GeV, dimensionless
    """
    m_r = np.sqrt(np.maximum((l1[:, 0] + l2[:, 0]) ** 2 - (l1[:, 3] + l2[:, 3]) ** 2, 0.0))
    met = np.hypot(met_x, met_y)
    pt_sum = np.hypot(l1[:, 1], l1[:, 2]) + np.hypot(l2[:, 1], l2[:, 2])
    dot = met_x * (l1[:, 1] + l2[:, 1]) + met_y * (l1[:, 2] + l2[:, 2])
    m_tr = np.sqrt(np.maximum(0.5 * (met * pt_sum - dot), 0.0))
    r = m_tr / np.maximum(m_r, 1e-12)
    return np.asarray(m_r), np.asarray(m_tr), np.asarray(r)


def _boost(p: F, beta: F) -> F:
    """Four-vectors ``p`` (n, 4) seen from a frame moving with velocity ``beta`` (n, 3)."""
    b2 = np.sum(beta * beta, axis=1)
    gamma = 1.0 / np.sqrt(np.maximum(1.0 - b2, 1e-12))
    bp = np.sum(beta * p[:, 1:], axis=1)
    # (gamma - 1) / beta^2 written as gamma^2 / (gamma + 1): finite at beta = 0
    coef = gamma**2 / (gamma + 1.0) * bp - gamma * p[:, 0]
    e = gamma * (p[:, 0] - bp)
    return np.column_stack([e, p[:, 1:] + coef[:, None] * beta])


def super_razor(l1: F, l2: F, met_x: F, met_y: F) -> tuple[F, F, F, F]:
    """Super-razor variables of two leptons and MET (Buckley, Lykken, Rogan, Spiropulu,
    Phys. Rev. D 89 (2014) 055020, arXiv:1310.4827).

    1. Boost longitudinally by ``beta_L = (pz1 + pz2) / (E1 + E2)``; there the leptons'
       energy sum is ``M_R`` (:func:`razor`).
    2. Give the invisible system the visible mass ``m_ll``, so its energy is
       ``E_inv = sqrt(MET^2 + m_ll^2)``, and estimate the partonic energy
       ``S_R = sqrt(s_R)``, ``s_R = (M_R + E_inv)^2 - |pT_ll + MET|^2``. Boost transversely
       into the approximate centre-of-mass ("R") frame with
       ``beta_R = (pT_ll + MET) / sqrt(|pT_ll + MET|^2 + s_R)``.
    3. Boost the leptons back to back into the two parent ("R+1") frames with
       ``+-beta_R+1``, ``beta_R+1 = (p1 - p2) / (E1 + E2)`` (R-frame momenta);
       ``M_Delta_R`` is the leptons' energy sum there, ``(E1 + E2)_R / gamma_R+1``.
    4. ``dPhi_r_b = |Delta phi(pT_ll, beta_R)|`` and ``cos(theta_r1)`` is
       ``|cos|`` of the angle between lepton 1 in its R+1 frame and ``beta_R+1``.

    Parameters
    ----------
    l1, l2 : array of shape (n, 4), GeV
        Lepton four-momenta ``(E, px, py, pz)``.
    met_x, met_y : array of shape (n,), GeV

    Returns
    -------
    s_r, m_delta_r, dphi_r_b, cos_theta_r1 : arrays of shape (n,); GeV, GeV, rad, 1
    """
    n = len(met_x)
    zeros = np.zeros(n)
    beta_l = (l1[:, 3] + l2[:, 3]) / np.maximum(l1[:, 0] + l2[:, 0], 1e-12)
    bl = np.column_stack([zeros, zeros, beta_l])
    a, b = _boost(l1, bl), _boost(l2, bl)
    m_r = a[:, 0] + b[:, 0]
    ptx, pty = a[:, 1] + b[:, 1], a[:, 2] + b[:, 2]
    m_ll2 = np.maximum(m_r**2 - ptx**2 - pty**2, 0.0)
    e_inv = np.sqrt(met_x**2 + met_y**2 + m_ll2)
    tx, ty = ptx + met_x, pty + met_y
    s_r2 = np.maximum((m_r + e_inv) ** 2 - tx**2 - ty**2, 0.0)
    norm = np.sqrt(tx**2 + ty**2 + s_r2)
    br = np.column_stack([tx, ty, zeros]) / np.maximum(norm, 1e-12)[:, None]
    dphi = np.abs(delta_phi(np.arctan2(pty, ptx), np.arctan2(br[:, 1], br[:, 0])))
    a, b = _boost(a, br), _boost(b, br)
    b_r1 = (a[:, 1:] - b[:, 1:]) / np.maximum(a[:, 0] + b[:, 0], 1e-12)[:, None]
    a1, b1 = _boost(a, b_r1), _boost(b, -b_r1)
    m_delta = a1[:, 0] + b1[:, 0]
    axis = b_r1 / np.maximum(np.linalg.norm(b_r1, axis=1), 1e-12)[:, None]
    cos = np.abs(np.sum(a1[:, 1:] * axis, axis=1)) / np.maximum(
        np.linalg.norm(a1[:, 1:], axis=1), 1e-12
    )
    return np.asarray(np.sqrt(s_r2)), np.asarray(m_delta), np.asarray(dphi), np.asarray(cos)


# --------------------------------------------------------------------------------------------
# Awkward -> padded NumPy


def _objects(obj: ak.Array, n: int, names: tuple[str, ...]) -> dict[str, F]:
    """The first ``n`` objects per event as ``(events, n)`` arrays, padded with NaN."""
    padded = ak.pad_none(obj, n, axis=1, clip=True)
    return {
        name: np.asarray(ak.to_numpy(ak.fill_none(padded[name], np.nan)), dtype=np.float64)
        for name in names
    }


_P4 = ("e", "px", "py", "pz")
_KIN = (*_P4, "pt", "eta", "phi")


def higgs_features(reco: RecoEvents) -> tuple[NDArray[np.bool_], pd.DataFrame]:
    """Select HIGGS-like events and compute the 28 UCI HIGGS columns.

    High-level features follow arXiv:1402.4735: among the four leading jets the two
    b-tagged jets of highest ``pT`` form the ``b b`` pair (untagged jets fill the pair if
    fewer than two are tagged) and the other two form the hadronic W (``m_jj``); the
    hadronic top (``m_jjj``) adds the b-candidate that brings ``m(j j b)`` closest to
    ``TOP_MASS`` and the leptonic top (``m_jlv``) the other; the neutrino ``pz`` comes from
    :func:`neutrino_pz`; ``m_wbb = m(j j b b)`` and ``m_wwbb = m(l nu j j b b)``.

    Parameters
    ----------
    reco : RecoEvents

    Returns
    -------
    selected : array of bool, shape (n,)
        Which input events pass the selection.
    features : DataFrame, one row per selected event, columns :data:`HIGGS_COLUMNS`
    """
    leptons, jets = reco.leptons, reco.jets
    sel = np.asarray(
        (ak.num(leptons, axis=1) == 1)
        & (ak.sum(leptons.pt > 20.0, axis=1) == 1)
        & (ak.num(jets, axis=1) >= 4)
    )
    lep = _objects(leptons[sel], 1, _KIN)
    jet = _objects(jets[sel], 4, (*_KIN, "btag"))
    met_x, met_y = reco.met_x[sel], reco.met_y[sel]
    m = int(sel.sum())

    # Order the four jets: b-tagged first (by pT), then untagged (by pT); stable sort keeps
    # the pT order inside each group.
    order = np.argsort(-jet["btag"], axis=1, kind="stable")
    take = {k: np.take_along_axis(v, order, axis=1) for k, v in jet.items()}
    p4 = np.stack([take[k] for k in _P4], axis=2)  # (m, 4 jets, 4)
    b1, b2, w1, w2 = p4[:, 0], p4[:, 1], p4[:, 2], p4[:, 3]
    lep4 = np.column_stack([lep[k][:, 0] for k in _P4])
    nu_pz = neutrino_pz(lep4, met_x, met_y)
    nu4 = np.column_stack([np.sqrt(met_x**2 + met_y**2 + nu_pz**2), met_x, met_y, nu_pz])

    def mass(*vs: F) -> F:
        s = np.sum(vs, axis=0)
        return _mass(s[:, 0], s[:, 1], s[:, 2], s[:, 3])

    m_jjb1, m_jjb2 = mass(w1, w2, b1), mass(w1, w2, b2)
    first_is_had = np.abs(m_jjb1 - TOP_MASS) <= np.abs(m_jjb2 - TOP_MASS)
    b_lep = np.where(first_is_had[:, None], b2, b1)
    cols: dict[str, F] = {
        "lepton_pT": lep["pt"][:, 0],
        "lepton_eta": lep["eta"][:, 0],
        "lepton_phi": lep["phi"][:, 0],
        "missing_energy_magnitude": np.hypot(met_x, met_y),
        "missing_energy_phi": np.arctan2(met_y, met_x),
    }
    for i in range(4):
        cols[f"jet{i + 1}pt"] = jet["pt"][:, i]
        cols[f"jet{i + 1}eta"] = jet["eta"][:, i]
        cols[f"jet{i + 1}phi"] = jet["phi"][:, i]
        cols[f"jet{i + 1}b-tag"] = jet["btag"][:, i]
    cols["m_jj"] = mass(w1, w2)
    cols["m_jjj"] = np.where(first_is_had, m_jjb1, m_jjb2)
    cols["m_lv"] = mass(lep4, nu4)
    cols["m_jlv"] = mass(lep4, nu4, b_lep)
    cols["m_bb"] = mass(b1, b2)
    cols["m_wbb"] = mass(w1, w2, b1, b2)
    cols["m_wwbb"] = mass(lep4, nu4, w1, w2, b1, b2)
    frame = pd.DataFrame({k: np.asarray(cols[k], dtype=np.float32) for k in HIGGS_COLUMNS})
    if len(frame) != m:  # pragma: no cover - internal consistency
        msg = "internal error: HIGGS feature rows do not match the selection"
        raise RuntimeError(msg)
    return sel, frame


def susy_features(reco: RecoEvents) -> tuple[NDArray[np.bool_], pd.DataFrame]:
    """Select SUSY-like events and compute the 18 UCI SUSY columns.

    ``MET_rel`` is MET times ``sin(dphi_min)`` when the smallest azimuthal distance between
    MET and a lepton or jet is below pi/2, else MET (ATLAS, arXiv:1208.2884);
    ``axial_MET = -MET cos(dphi(MET, pT_ll))``; ``M_R``, ``M_TR_2`` (the razor ``M_T^R``) and
    ``R`` are from :func:`razor`; ``MT2`` from :func:`mt2`; ``S_R``, ``M_Delta_R``,
    ``dPhi_r_b`` and ``cos(theta_r1)`` from :func:`super_razor`.

    Parameters
    ----------
    reco : RecoEvents

    Returns
    -------
    selected : array of bool, shape (n,)
    features : DataFrame, one row per selected event, columns :data:`SUSY_COLUMNS`
    """
    leptons, jets = reco.leptons, reco.jets
    sel = np.asarray(
        (ak.num(leptons, axis=1) == 2)
        & (ak.sum(leptons.pt > 20.0, axis=1) == 2)
        & (ak.sum(leptons.charge, axis=1) == 0)
    )
    lep = _objects(leptons[sel], 2, _KIN)
    met_x, met_y = reco.met_x[sel], reco.met_y[sel]
    met = np.hypot(met_x, met_y)
    met_phi = np.arctan2(met_y, met_x)
    l1 = np.column_stack([lep[k][:, 0] for k in _P4])
    l2 = np.column_stack([lep[k][:, 1] for k in _P4])

    sel_jets = jets[sel]
    jet_dphi = ak.min(abs(delta_phi(sel_jets.phi, met_phi[:, None])), axis=1)
    jet_dphi = np.asarray(ak.to_numpy(ak.fill_none(jet_dphi, np.inf)), dtype=np.float64)
    lep_dphi = np.minimum(
        np.abs(delta_phi(lep["phi"][:, 0], met_phi)), np.abs(delta_phi(lep["phi"][:, 1], met_phi))
    )
    dphi_min = np.minimum(jet_dphi, lep_dphi)
    met_rel = np.where(dphi_min < 0.5 * np.pi, met * np.sin(dphi_min), met)
    ll_phi = np.arctan2(l1[:, 2] + l2[:, 2], l1[:, 1] + l2[:, 1])
    axial = -met * np.cos(delta_phi(met_phi, ll_phi))
    m_r, m_tr, r = razor(l1, l2, met_x, met_y)
    s_r, m_delta, dphi_rb, cos_r1 = super_razor(l1, l2, met_x, met_y)
    cols: dict[str, F] = {
        "lepton_1_pT": lep["pt"][:, 0],
        "lepton_1_eta": lep["eta"][:, 0],
        "lepton_1_phi": lep["phi"][:, 0],
        "lepton_2_pT": lep["pt"][:, 1],
        "lepton_2_eta": lep["eta"][:, 1],
        "lepton_2_phi": lep["phi"][:, 1],
        "missing_energy_magnitude": met,
        "missing_energy_phi": met_phi,
        "MET_rel": met_rel,
        "axial_MET": axial,
        "M_R": m_r,
        "M_TR_2": m_tr,
        "R": r,
        "MT2": mt2(l1[:, 1], l1[:, 2], l2[:, 1], l2[:, 2], met_x, met_y),
        "S_R": s_r,
        "M_Delta_R": m_delta,
        "dPhi_r_b": dphi_rb,
        "cos(theta_r1)": cos_r1,
    }
    return sel, pd.DataFrame({k: np.asarray(cols[k], dtype=np.float32) for k in SUSY_COLUMNS})


def zee_columns(reco: RecoEvents) -> tuple[NDArray[np.bool_], pd.DataFrame]:
    """Select dielectron events and fill the CMS ``Zee.csv`` columns except Run and Event.

    The two leading isolated electrons with ``pT > 20 GeV`` form the pair; ``Q`` is the
    charge, ``M`` the pair's invariant mass (electron mass neglected), GeV throughout.

    Parameters
    ----------
    reco : RecoEvents

    Returns
    -------
    selected : array of bool, shape (n,)
    columns : DataFrame with :data:`ZEE_COLUMNS` (``Run`` and ``Event`` set to 0)
    """
    electrons = reco.leptons[(abs(reco.leptons.pid) == 11) & (reco.leptons.pt > 20.0)]
    sel = np.asarray(ak.num(electrons, axis=1) >= 2)
    e = _objects(electrons[sel], 2, (*_KIN, "charge"))
    m = int(sel.sum())
    cols: dict[str, Any] = {
        "Run": np.zeros(m, dtype=np.int64),
        "Event": np.zeros(m, dtype=np.int64),
    }
    for i in (0, 1):
        for k, name in (("e", "E"), ("px", "px"), ("py", "py"), ("pz", "pz"), ("pt", "pt")):
            cols[f"{name}{i + 1}"] = e[k][:, i]
        cols[f"eta{i + 1}"] = e["eta"][:, i]
        cols[f"phi{i + 1}"] = e["phi"][:, i]
        cols[f"Q{i + 1}"] = e["charge"][:, i].astype(np.int64)
    cols["M"] = invariant_mass(
        e["pt"][:, 0], e["eta"][:, 0], e["phi"][:, 0], e["pt"][:, 1], e["eta"][:, 1], e["phi"][:, 1]
    )
    return sel, pd.DataFrame({k: cols[k] for k in ZEE_COLUMNS})
