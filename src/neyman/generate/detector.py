"""A simple, documented detector model: from generated particles to leptons, jets and MET.

Why it exists: generator-level particles are too clean for a realistic classification problem,
and a full simulation (Geant4, Delphes) is far too heavy for a teaching toolkit. This module
applies the handful of effects that shape the UCI HIGGS and SUSY features:

1. **Acceptance.** Neutrinos and the lightest neutralino (and anything beyond the calorimeter,
   ``|eta| > calo_eta_max``) are invisible.
2. **Lepton isolation.** An electron or muon with ``pT > lepton_pt_min`` and
   ``|eta| < lepton_eta_max`` is *isolated* if the scalar sum of the transverse momenta of the
   other visible particles within ``Delta R < isolation_cone`` is below
   ``isolation_max`` times its own ``pT``. Leptons from W and Z decays pass; leptons inside
   b-jets mostly do not.
3. **Jets.** All remaining visible particles (isolated leptons removed) are clustered with the
   anti-kt algorithm (Cacciari, Salam, Soyez, JHEP 04 (2008) 063, arXiv:0802.1189) of radius
   ``jet_radius`` using FastJet; jets keep ``pT > jet_pt_min`` and ``|eta| < jet_eta_max``
   after smearing.
4. **Energy smearing.** Each reconstructed object's four-momentum is scaled by
   ``1 + sigma z`` with ``z ~ N(0, 1)`` and a calorimeter resolution
   ``sigma = a / sqrt(E / GeV) (+) b`` (added in quadrature) for electrons and jets; muons are
   measured in a tracker, ``sigma = c (+) d pT / GeV``. See :func:`resolution`.
5. **b-tagging.** A jet is a b-jet (c-jet) if a b (c) quark of ``pT > 5 GeV`` from the end of
   the parton shower lies within ``Delta R < jet_radius`` of its axis, otherwise light; it is
   tagged with probability ``btag_efficiency``, ``c_mistag`` or ``light_mistag``
   (see :func:`btag`).
6. **Missing transverse momentum** is minus the vector sum of the transverse momenta of all
   visible particles, with the smearing of the reconstructed leptons and jets propagated into
   it (see :func:`missing_pt`).

The pure-NumPy parts (:func:`resolution`, :func:`smear`, :func:`btag`, :func:`missing_pt`) need neither Pythia nor FastJet; :func:`reconstruct`
needs FastJet (``pip install 'neyman[generate]'``).

Read this module before ``neyman.generate.features``, which builds the UCI columns from its
output.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import ArrayLike, NDArray

from neyman.data.physics import delta_phi
from neyman.errors import ConfigError

__all__ = [
    "INVISIBLE_PDG_IDS",
    "DetectorConfig",
    "RecoEvents",
    "btag",
    "missing_pt",
    "reconstruct",
    "resolution",
    "smear",
]

#: PDG ids that leave no trace: neutrinos, the lightest neutralino and the gravitino.
INVISIBLE_PDG_IDS: tuple[int, ...] = (12, 14, 16, 1000022, 1000039)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of the detector model; every energy and momentum in GeV.

    Parameters
    ----------
    lepton_pt_min : float, GeV
        Minimum transverse momentum of a reconstructed electron or muon.
    lepton_eta_max : float
        Tracker acceptance for leptons, ``|eta| <`` this.
    isolation_cone : float
        Radius ``Delta R`` of the isolation cone around a lepton.
    isolation_max : float
        Maximum relative isolation (sum of other visible ``pT`` in the cone over the lepton's).
    jet_radius : float
        Anti-kt radius parameter ``R``.
    jet_pt_min : float, GeV
        Minimum (smeared) jet transverse momentum.
    jet_eta_max : float
        Jet acceptance, ``|eta| <`` this.
    calo_eta_max : float
        Particles beyond ``|eta| >`` this are invisible (calorimeter coverage).
    btag_efficiency, c_mistag, light_mistag : float in [0, 1]
        Probability to tag a b-, c- or light-flavour jet as a b-jet.
    electron_stochastic, electron_constant : float
        Electron energy resolution ``a / sqrt(E) (+) b``.
    muon_constant, muon_slope : float, muon_slope in 1/GeV
        Muon momentum resolution ``c (+) d pT``.
    jet_stochastic, jet_constant : float
        Jet energy resolution ``a / sqrt(E) (+) b``.

    Defaults are round numbers close to the ATLAS and CMS detectors of LHC Run 1.
    """

    lepton_pt_min: float = 10.0
    lepton_eta_max: float = 2.5
    isolation_cone: float = 0.3
    isolation_max: float = 0.15
    jet_radius: float = 0.4
    jet_pt_min: float = 20.0
    jet_eta_max: float = 2.5
    calo_eta_max: float = 4.9
    btag_efficiency: float = 0.70
    c_mistag: float = 0.20
    light_mistag: float = 0.01
    electron_stochastic: float = 0.10
    electron_constant: float = 0.007
    muon_constant: float = 0.01
    muon_slope: float = 1e-4
    jet_stochastic: float = 0.60
    jet_constant: float = 0.03

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
                msg = (
                    f"The '{f.name}' parameter of DetectorConfig must be a finite float >= 0. "
                    f"Got {value!r} instead."
                )
                raise ConfigError(msg)
        for name in ("btag_efficiency", "c_mistag", "light_mistag"):
            value = getattr(self, name)
            if value > 1:
                msg = (
                    f"The '{name}' parameter of DetectorConfig must be a probability in "
                    f"[0, 1]. Got {value!r} instead."
                )
                raise ConfigError(msg)
        for name in ("jet_radius", "isolation_cone"):
            if getattr(self, name) <= 0:
                msg = (
                    f"The '{name}' parameter of DetectorConfig must be a float > 0. "
                    f"Got {getattr(self, name)!r} instead."
                )
                raise ConfigError(msg)


@dataclass(frozen=True)
class RecoEvents:
    """Reconstructed objects of a batch of events (one entry per input event).

    Attributes
    ----------
    leptons : awkward array of records, per event a list sorted by decreasing ``pt``
        Isolated electrons and muons: ``px, py, pz, e, pt, eta, phi`` (GeV), ``charge``
        (+1/-1) and ``pid`` (signed PDG id).
    jets : awkward array of records, per event a list sorted by decreasing ``pt``
        Anti-kt jets: ``px, py, pz, e, pt, eta, phi`` (GeV), ``flavour`` (5, 4 or 0) and
        ``btag`` (bool).
    met_x, met_y : array of shape (n,), GeV
        Missing transverse momentum components.
    """

    leptons: ak.Array
    jets: ak.Array
    met_x: FloatArray
    met_y: FloatArray

    def __len__(self) -> int:
        return len(self.met_x)


# --------------------------------------------------------------------------------------------
# Pure NumPy kernels


def resolution(
    energy: ArrayLike, *, stochastic: float = 0.0, constant: float = 0.0, slope: float = 0.0
) -> FloatArray:
    """Relative resolution ``sigma / E = stochastic / sqrt(E) (+) constant (+) slope * E``.

    The three terms are added in quadrature (``(+)``), the usual calorimeter parametrisation
    (stochastic and constant term) extended by a term linear in the energy for the tracker's
    curvature measurement of muons (then ``energy`` is the transverse momentum).

    Parameters
    ----------
    energy : array_like, GeV
        Energy (or transverse momentum); values <= 0 give the constant term only.
    stochastic : float, sqrt(GeV)
    constant : float
    slope : float, 1/GeV

    Returns
    -------
    ndarray
        Relative resolution, dimensionless.

    Examples
    --------
    >>> round(float(resolution(100.0, stochastic=0.5, constant=0.03)), 4)
    0.0583
    """
    e = np.asarray(energy, dtype=np.float64)
    safe = np.where(e > 0, e, np.inf)  # E <= 0 has no stochastic term
    stoch = stochastic / np.sqrt(safe)
    return np.asarray(np.sqrt(stoch**2 + constant**2 + (slope * e) ** 2), dtype=np.float64)


def smear(sigma: ArrayLike, rng: np.random.Generator) -> FloatArray:
    """Multiplicative smearing factors ``max(1 + sigma z, 0)`` with ``z ~ N(0, 1)``.

    Parameters
    ----------
    sigma : array_like
        Relative resolution per object.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray
        Factors to multiply the four-momenta by; clipped at 0 (an object cannot have
        negative energy).
    """
    s = np.asarray(sigma, dtype=np.float64)
    return np.asarray(np.maximum(1.0 + s * rng.standard_normal(s.shape), 0.0), dtype=np.float64)


def btag(
    flavour: ArrayLike,
    rng: np.random.Generator,
    *,
    efficiency: float = 0.7,
    c_mistag: float = 0.2,
    light_mistag: float = 0.01,
) -> NDArray[np.bool_]:
    """Tag jets as b-jets at random with flavour-dependent probabilities.

    Parameters
    ----------
    flavour : array_like of int
        Truth flavour of each jet: 5 (b), 4 (c) or anything else (light).
    rng : numpy.random.Generator
    efficiency, c_mistag, light_mistag : float in [0, 1]
        Tag probability for b, c and light jets.

    Returns
    -------
    ndarray of bool
    """
    f = np.abs(np.asarray(flavour))
    for name, p in (
        ("efficiency", efficiency),
        ("c_mistag", c_mistag),
        ("light_mistag", light_mistag),
    ):
        if not 0.0 <= p <= 1.0:
            msg = f"The '{name}' parameter of btag must be a probability in [0, 1]. Got {p!r} instead."
            raise ConfigError(msg)
    prob = np.where(f == 5, efficiency, np.where(f == 4, c_mistag, light_mistag))
    return np.asarray(rng.random(f.shape) < prob, dtype=np.bool_)


def missing_pt(
    visible_px: ArrayLike,
    visible_py: ArrayLike,
    smear_dpx: ArrayLike = 0.0,
    smear_dpy: ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Missing transverse momentum from the visible momentum sum.

    ``MET = -(sum of visible pT) - (sum of smearing shifts of reconstructed objects)``, so
    that mismeasured jets and leptons produce fake missing momentum as in a real detector.

    Parameters
    ----------
    visible_px, visible_py : array_like of shape (n,), GeV
        Per-event sums of the visible particles' transverse momentum components.
    smear_dpx, smear_dpy : array_like of shape (n,), GeV
        Per-event sums of ``p_smeared - p_true`` over reconstructed objects.

    Returns
    -------
    met_x, met_y : ndarray of shape (n,), GeV
    """
    mx = -(np.asarray(visible_px, dtype=np.float64) + np.asarray(smear_dpx, dtype=np.float64))
    my = -(np.asarray(visible_py, dtype=np.float64) + np.asarray(smear_dpy, dtype=np.float64))
    return np.asarray(mx, dtype=np.float64), np.asarray(my, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Awkward helpers


def _pt_eta_phi(px: Any, py: Any, pz: Any) -> tuple[Any, Any, Any]:
    """Transverse momentum, pseudorapidity and azimuth; works on NumPy and awkward arrays."""
    pt = np.hypot(px, py)
    # pT = 0 (beam-collinear) would give an infinite eta: treat it as far forward.
    eta = np.arcsinh(pz / np.maximum(pt, 1e-12))
    phi = np.arctan2(py, px)
    return pt, eta, phi


def _with_kinematics(obj: ak.Array) -> ak.Array:
    pt, eta, phi = _pt_eta_phi(obj.px, obj.py, obj.pz)
    obj = ak.with_field(obj, pt, "pt")
    obj = ak.with_field(obj, eta, "eta")
    return ak.with_field(obj, phi, "phi")


def _scale(obj: ak.Array, factor: ak.Array) -> ak.Array:
    for name in ("px", "py", "pz", "e"):
        obj = ak.with_field(obj, obj[name] * factor, name)
    return _with_kinematics(obj)


def _jagged_draw(counts: Any, draw: FloatArray) -> ak.Array:
    return ak.unflatten(draw, np.asarray(counts, dtype=np.int64))


def _sort_pt(obj: ak.Array) -> ak.Array:
    return obj[ak.argsort(obj.pt, axis=1, ascending=False)]


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C++ writes to file descriptor 1 (FastJet prints a banner on first use)."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # pytest capture, notebooks
        fd = 1
    saved = os.dup(fd)
    try:
        with _devnull() as devnull:
            os.dup2(devnull, fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


@contextlib.contextmanager
def _devnull() -> Iterator[int]:
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        yield fd
    finally:
        os.close(fd)


_BANNER_SHOWN = False


def _cluster(particles: ak.Array, radius: float, pt_min: float) -> ak.Array:
    """Anti-kt jets (px, py, pz, e records) of each event's particles, via FastJet."""
    global _BANNER_SHOWN
    try:
        import fastjet
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        msg = "neyman.generate.detector.reconstruct needs FastJet: pip install 'neyman[generate]'"
        raise ImportError(msg) from exc
    vectors = ak.zip(
        {"px": particles.px, "py": particles.py, "pz": particles.pz, "E": particles.e},
        with_name="Momentum4D",
    )
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
    if not _BANNER_SHOWN:
        with _quiet_stdout():
            jets = fastjet.ClusterSequence(vectors, jetdef).inclusive_jets(min_pt=pt_min)
        _BANNER_SHOWN = True
    else:
        jets = fastjet.ClusterSequence(vectors, jetdef).inclusive_jets(min_pt=pt_min)
    return ak.zip({"px": jets.px, "py": jets.py, "pz": jets.pz, "e": jets.E})


def _any_within(a: ak.Array, b: ak.Array, radius: float) -> ak.Array:
    """Per object of ``a``: is any object of ``b`` (same event) within ``Delta R < radius``?"""
    pairs = ak.cartesian([a, b], nested=True)
    left, right = ak.unzip(pairs)
    deta = left.eta - right.eta
    dphi = delta_phi(left.phi, right.phi)
    return ak.any(deta**2 + dphi**2 < radius**2, axis=2)


def reconstruct(
    particles: ak.Array, config: DetectorConfig | None = None, *, rng: np.random.Generator
) -> RecoEvents:
    """Apply the detector model to a batch of generated events.

    Parameters
    ----------
    particles : awkward array of records, one list of particles per event
        Fields ``id`` (PDG id), ``status`` (Pythia status: > 0 final state, -71..-79 partons
        entering hadronisation), ``px, py, pz, e`` in GeV. Final-state particles are the
        input to the detector; b and c quarks at the end of the shower define jet flavour.
    config : DetectorConfig, optional
        Detector parameters; defaults to ``DetectorConfig()``.
    rng : numpy.random.Generator
        Source of smearing and b-tagging randomness.

    Returns
    -------
    RecoEvents
        Isolated leptons, jets and missing transverse momentum of every input event.
    """
    cfg = DetectorConfig() if config is None else config
    abs_id = abs(particles.id)
    final = _with_kinematics(particles[particles.status > 0])
    final_abs = abs(final.id)
    invisible = final_abs < 0  # all False, same jagged structure
    for pid in INVISIBLE_PDG_IDS:
        invisible = invisible | (final_abs == pid)
    visible = final[~invisible & (abs(final.eta) < cfg.calo_eta_max)]
    visible = ak.with_field(visible, ak.local_index(visible, axis=1), "idx")

    # Leptons and isolation.
    vis_abs = abs(visible.id)
    cand = visible[
        ((vis_abs == 11) | (vis_abs == 13))
        & (visible.pt > cfg.lepton_pt_min)
        & (abs(visible.eta) < cfg.lepton_eta_max)
    ]
    pairs = ak.cartesian([cand, visible], nested=True)
    lc, vp = ak.unzip(pairs)
    dr2 = (lc.eta - vp.eta) ** 2 + delta_phi(lc.phi, vp.phi) ** 2
    in_cone = (dr2 < cfg.isolation_cone**2) & (lc.idx != vp.idx)
    iso = ak.sum(ak.where(in_cone, vp.pt, 0.0), axis=2) / cand.pt
    leptons = cand[iso < cfg.isolation_max]

    # Jets from everything visible but the isolated leptons.
    vis_idx, lep_idx = ak.unzip(ak.cartesian([visible.idx, leptons.idx], nested=True))
    is_lepton = ak.any(vis_idx == lep_idx, axis=2)
    jet_input = visible[~is_lepton]
    # Cluster with a looser threshold so that jets can be smeared up across jet_pt_min.
    jets = _with_kinematics(_cluster(jet_input, cfg.jet_radius, 0.5 * cfg.jet_pt_min))

    # Flavour from b/c quarks at the end of the shower (status > 0 without hadronisation,
    # -71..-79 when they enter the string fragmentation).
    status = particles.status
    shower_end = (status > 0) | ((status <= -71) & (status >= -79))
    quarks = _with_kinematics(particles[shower_end & ((abs_id == 5) | (abs_id == 4))])
    quarks = quarks[quarks.pt > 5.0]
    has_b = _any_within(jets, quarks[abs(quarks.id) == 5], cfg.jet_radius)
    has_c = _any_within(jets, quarks[abs(quarks.id) == 4], cfg.jet_radius)
    flavour = ak.where(has_b, 5, ak.where(has_c, 4, 0))
    jets = ak.with_field(jets, flavour, "flavour")

    # Smearing: jets (calorimeter), electrons (calorimeter), muons (tracker).
    jet_counts = ak.num(jets, axis=1)
    jet_sigma = resolution(
        ak.to_numpy(ak.flatten(jets.e)), stochastic=cfg.jet_stochastic, constant=cfg.jet_constant
    )
    jet_factor = _jagged_draw(jet_counts, smear(jet_sigma, rng))
    lep_counts = ak.num(leptons, axis=1)
    lep_e = ak.to_numpy(ak.flatten(leptons.e))
    lep_pt = ak.to_numpy(ak.flatten(leptons.pt))
    is_muon = ak.to_numpy(ak.flatten(abs(leptons.id) == 13))
    lep_sigma = np.where(
        is_muon,
        resolution(lep_pt, constant=cfg.muon_constant, slope=cfg.muon_slope),
        resolution(lep_e, stochastic=cfg.electron_stochastic, constant=cfg.electron_constant),
    )
    lep_factor = _jagged_draw(lep_counts, smear(lep_sigma, rng))

    true_jets, true_leps = jets, leptons
    jets = _scale(jets, jet_factor)
    leptons = _scale(leptons, lep_factor)
    keep_jet = (jets.pt > cfg.jet_pt_min) & (abs(jets.eta) < cfg.jet_eta_max)
    keep_lep = leptons.pt > cfg.lepton_pt_min

    # MET: all visible particles, plus the smearing shifts of every smeared object (kept or
    # not: a jet that fluctuated below threshold was still mismeasured by the calorimeter).
    dpx = ak.sum(jets.px - true_jets.px, axis=1) + ak.sum(leptons.px - true_leps.px, axis=1)
    dpy = ak.sum(jets.py - true_jets.py, axis=1) + ak.sum(leptons.py - true_leps.py, axis=1)
    met_x, met_y = missing_pt(
        ak.to_numpy(ak.sum(visible.px, axis=1)),
        ak.to_numpy(ak.sum(visible.py, axis=1)),
        ak.to_numpy(dpx),
        ak.to_numpy(dpy),
    )

    jets = jets[keep_jet]
    n_jets = ak.num(jets, axis=1)
    tags = btag(
        ak.to_numpy(ak.flatten(jets.flavour)),
        rng,
        efficiency=cfg.btag_efficiency,
        c_mistag=cfg.c_mistag,
        light_mistag=cfg.light_mistag,
    )
    jets = ak.with_field(jets, _jagged_draw(n_jets, tags.astype(np.float64)) > 0.5, "btag")
    leptons = leptons[keep_lep]
    leptons = ak.with_field(leptons, -np.sign(leptons.id), "charge")
    leptons = ak.zip(
        {
            "px": leptons.px,
            "py": leptons.py,
            "pz": leptons.pz,
            "e": leptons.e,
            "pt": leptons.pt,
            "eta": leptons.eta,
            "phi": leptons.phi,
            "charge": leptons.charge,
            "pid": leptons.id,
        }
    )
    return RecoEvents(leptons=_sort_pt(leptons), jets=_sort_pt(jets), met_x=met_x, met_y=met_y)
