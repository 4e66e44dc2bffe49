"""Jets as particles: top, QCD, quark and gluon jets with their constituents, from Pythia 8.

Why it exists: the field's reference results on constituent-level jets (the Top Tagging
Reference dataset, Kasieczka et al., SciPost Phys. 7, 014 (2019), arXiv:1902.09914) need a
sample of boosted jets with every particle in them. This module makes such samples offline
and reproducibly, with the same detector model as the other generators.

Processes (14 TeV, as the reference dataset):

``top`` (label 1)
    ``g g, q qbar -> t tbar`` with both W bosons decaying to quarks; a jet is kept when a top
    quark (its last copy before the decay) and at least three of the top decay quarks lie
    within ``match_radius`` of its axis, as in the reference dataset.
``qcd`` (label 0)
    QCD 2 -> 2 (``HardQCD:all``); every jet in the window is kept.
``quark`` (label 1) / ``gluon`` (label 0)
    ``q g -> Z q`` and ``q qbar -> Z g`` with ``Z -> nu nu``; a jet is kept when the hard
    outgoing quark (gluon) lies within ``match_radius`` of its axis.

Read ``detector.py`` first. Each visible final-state particle is smeared by the detector
model's resolutions (:func:`~neyman.generate.detector.resolution`): charged particles within
the tracker (``|eta| < lepton_eta_max``) with the tracker resolution, photons and electrons
with the electromagnetic calorimeter's, neutral hadrons with the hadronic calorimeter's (the
jet resolution parameters). Particles with ``pT < constituent_pt_min`` are dropped. The smeared
particles are clustered with anti-kt of radius ``radius`` (FastJet); jets in the kinematic
window (``pt_min < pT < pt_max``, ``|eta| < eta_max``) are kept, with up to
``max_constituents`` constituents (the highest pT first).

Per jet: the constituents (``part_pt, part_eta, part_phi, part_e`` in GeV, ``part_charge``
and ``part_pid``, the signed PDG id), the jet's ``pt, eta, phi, e, mass`` (GeV), its number of
constituents and its substructure: N-subjettiness ``tau1..tau3`` (Thaler, Van Tilburg,
JHEP 03 (2011) 015, arXiv:1011.2268) with exclusive-kt axes and their ratios
``tau21, tau32``, and the energy-correlation ratios ``c2 = e3/e2^2`` and ``d2 = e3/e2^3``
with ``beta = 1`` (Larkoski, Salam, Thaler, JHEP 06 (2013) 108, arXiv:1305.0007;
Larkoski, Moult, Neill, JHEP 12 (2014) 009, arXiv:1409.6298).

Chunks, seeds, resumable output and ``--jobs`` are those of ``_generate.py``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import awkward as ak
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from neyman.data.physics import delta_phi
from neyman.errors import ConfigError, DataError, did_you_mean
from neyman.generate import detector as _detector
from neyman.generate.detector import INVISIBLE_PDG_IDS, DetectorConfig, resolution, smear
from neyman.generate.pythia import PYTHIA_SEED_MAX, _make_pythia

if TYPE_CHECKING:
    from neyman.generate._generate import ProgressCallback, _Result

__all__ = [
    "JET_COLUMNS",
    "JET_PROCESSES",
    "PARTICLE_COLUMNS",
    "JetConfig",
    "add_substructure",
    "constituent_detector",
    "energy_correlation",
    "generate_jets",
    "jet_process_settings",
    "nsubjettiness",
]

#: process -> label (1: top or quark, 0: QCD or gluon)
JET_PROCESSES: dict[str, int] = {"top": 1, "qcd": 0, "quark": 1, "gluon": 0}
_PROCESS_CODE = {"top": 11, "qcd": 12, "quark": 13, "gluon": 14}

#: scalar columns per jet
JET_COLUMNS = (
    "pt",
    "eta",
    "phi",
    "e",
    "mass",
    "n_constituents",
    "tau1",
    "tau2",
    "tau3",
    "tau21",
    "tau32",
    "c2",
    "d2",
)
#: jagged columns per jet (one entry per constituent, decreasing pT)
PARTICLE_COLUMNS = ("part_pt", "part_eta", "part_phi", "part_e", "part_charge", "part_pid")

#: Long-lived charged particles (|PDG id|) and the sign of their charge for a positive id.
_CHARGED = {11: -1, 13: -1, 211: 1, 321: 1, 2212: 1, 3112: -1, 3222: 1, 3312: -1, 3334: -1}


@dataclass(frozen=True)
class JetConfig:
    """What a jet sample is: kinematic window, jet radius, matching and phase-space cut.

    Parameters
    ----------
    pt_min, pt_max : float, GeV
        Jet transverse-momentum window (reference dataset: 550-650).
    eta_max : float
        ``|eta| <`` this (reference: 2).
    radius : float
        Anti-kt radius ``R`` (reference: 0.8).
    match_radius : float
        ``Delta R`` within which the top (and its decay quarks) or the hard parton must lie.
    pthat_min, pthat_max : float, GeV, optional
        Pythia's ``PhaseSpace:pTHatMin/Max``, so that the window is reached efficiently;
        default ``pt_min - 50`` and ``pt_max + 100``.
    max_constituents : int
        Keep at most this many constituents per jet, highest pT first (reference: 200).
    constituent_pt_min : float, GeV
        Detector threshold on each particle's transverse momentum.
    ecm : float, GeV
        Centre-of-mass energy (reference: 14 TeV).
    """

    pt_min: float = 550.0
    pt_max: float = 650.0
    eta_max: float = 2.0
    radius: float = 0.8
    match_radius: float = 0.8
    pthat_min: float | None = None
    pthat_max: float | None = None
    max_constituents: int = 200
    constituent_pt_min: float = 0.5
    ecm: float = 14000.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name.startswith("pthat"):
                continue
            bad = isinstance(value, bool) or not isinstance(value, int | float)
            if bad or not np.isfinite(value) or value < 0:
                msg = (
                    f"The '{f.name}' parameter of JetConfig must be a finite number >= 0. "
                    f"Got {value!r} instead."
                )
                raise ConfigError(msg, key=f.name, value=value)
        if not self.pt_max > self.pt_min:
            msg = f"JetConfig needs pt_max > pt_min; got {self.pt_min} and {self.pt_max} GeV"
            raise ConfigError(msg, key="pt_max", value=self.pt_max)
        for name in ("radius", "match_radius", "eta_max", "ecm", "max_constituents"):
            if getattr(self, name) <= 0:
                msg = f"The '{name}' parameter of JetConfig must be > 0. Got {getattr(self, name)!r} instead."
                raise ConfigError(msg, key=name, value=getattr(self, name))

    @property
    def pthat(self) -> tuple[float, float]:
        """``(pTHatMin, pTHatMax)`` in GeV."""
        low = max(self.pt_min - 50.0, 0.0) if self.pthat_min is None else self.pthat_min
        high = self.pt_max + 100.0 if self.pthat_max is None else self.pthat_max
        return float(low), float(high)


def jet_process_settings(
    process: str, config: JetConfig, *, hadronization: bool = True
) -> list[str]:
    """Pythia settings strings for one jet process (without the seed).

    Parameters
    ----------
    process : {"top", "qcd", "quark", "gluon"}
    config : JetConfig
    hadronization : bool
        False stops at the parton level and switches off multiparton interactions.
    """
    if process not in JET_PROCESSES:
        msg = f"unknown jet process '{process}'{did_you_mean(process, JET_PROCESSES)}"
        raise ConfigError(msg, key="process", value=process, available=JET_PROCESSES)
    low, high = config.pthat
    settings = [
        f"Beams:eCM = {config.ecm:.1f}",
        "Print:quiet = on",
        "Next:numberCount = 0",
        "Random:setSeed = on",
        f"PhaseSpace:pTHatMin = {low:.3f}",  # reach the jet window efficiently
        f"PhaseSpace:pTHatMax = {high:.3f}",
    ]
    if not hadronization:
        settings += ["HadronLevel:all = off", "PartonLevel:MPI = off"]
    if process == "top":
        settings += [
            "Top:gg2ttbar = on",
            "Top:qqbar2ttbar = on",
            "24:onMode = off",
            "24:onIfAny = 1 2 3 4 5",  # both W -> q q'
        ]
    elif process == "qcd":
        settings += ["HardQCD:all = on"]
    else:
        settings += [
            "WeakBosonAndParton:qg2gmZq = on"
            if process == "quark"
            else "WeakBosonAndParton:qqbar2gmZg = on",
            "WeakZ0:gmZmode = 2",  # Z only, no photon
            "23:onMode = off",
            "23:onIfAny = 12 14 16",  # Z -> nu nu: the jet is alone in the detector
        ]
    return settings


# ------------------------------------------------------------------------------ detector


def _charge(pid: NDArray[np.int64]) -> NDArray[np.int64]:
    sign = np.sign(pid)
    out = np.zeros(len(pid), dtype=np.int64)
    apid = np.abs(pid)
    for code, q in _CHARGED.items():
        out[apid == code] = q
    return out * sign


def constituent_detector(
    particles: ak.Array,
    detector: DetectorConfig,
    config: JetConfig,
    rng: np.random.Generator,
) -> ak.Array:
    """Visible, smeared final-state particles: the inputs to jet clustering.

    Parameters
    ----------
    particles : awkward array of records per event
        ``id``, ``status``, ``px, py, pz, e`` (GeV), as from Pythia's ``nextBatch``.
    detector : DetectorConfig
        Acceptance and resolutions.
    config : JetConfig
        ``constituent_pt_min``.
    rng : numpy.random.Generator

    Returns
    -------
    awkward array of records per event
        ``px, py, pz, e, pt, eta, phi`` (GeV), ``charge`` and ``pid``.
    """
    final = particles[particles.status > 0]
    pid = ak.to_numpy(ak.flatten(final.id)).astype(np.int64)
    counts = ak.to_numpy(ak.num(final, axis=1))
    p = {k: ak.to_numpy(ak.flatten(final[k])).astype(np.float64) for k in ("px", "py", "pz", "e")}
    pt = np.hypot(p["px"], p["py"])
    eta = np.arcsinh(p["pz"] / np.maximum(pt, 1e-12))
    apid = np.abs(pid)
    charge = _charge(pid)
    tracked = (charge != 0) & (np.abs(eta) < detector.lepton_eta_max)
    em = (apid == 22) | (apid == 11)
    sigma = np.where(
        tracked,
        resolution(pt, constant=detector.muon_constant, slope=detector.muon_slope),
        np.where(
            em,
            resolution(
                p["e"], stochastic=detector.electron_stochastic, constant=detector.electron_constant
            ),
            resolution(p["e"], stochastic=detector.jet_stochastic, constant=detector.jet_constant),
        ),
    )
    factor = smear(sigma, rng)
    invisible = np.isin(apid, INVISIBLE_PDG_IDS)
    keep = ~invisible & (np.abs(eta) < detector.calo_eta_max)
    keep &= pt * factor > config.constituent_pt_min
    event = np.repeat(np.arange(len(counts)), counts)[keep]
    px, py, pz, e = (p[k][keep] * factor[keep] for k in ("px", "py", "pz", "e"))
    pt_s = np.hypot(px, py)
    new_counts = np.bincount(event, minlength=len(counts))
    columns = {
        "px": px,
        "py": py,
        "pz": pz,
        "e": e,
        "pt": pt_s,
        "eta": np.arcsinh(pz / np.maximum(pt_s, 1e-12)),
        "phi": np.arctan2(py, px),
        "charge": charge[keep],
        "pid": pid[keep],
    }
    return ak.unflatten(ak.zip(columns), new_counts)


def _cluster_with_constituents(
    particles: ak.Array, radius: float, pt_min: float
) -> tuple[ak.Array, ak.Array]:
    """Anti-kt jets (events x jets) and their constituents (events x jets x particles)."""
    import fastjet

    vectors = ak.zip(
        {"px": particles.px, "py": particles.py, "pz": particles.pz, "E": particles.e},
        with_name="Momentum4D",
    )
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
    with _detector._quiet_stdout():  # FastJet prints a banner on first use
        sequence = fastjet.ClusterSequence(vectors, jetdef)
        raw = sequence.inclusive_jets(min_pt=pt_min)
        index = sequence.constituent_index(min_pt=pt_min)
    pt = np.hypot(raw.px, raw.py)
    jets = ak.zip(
        {
            "px": raw.px,
            "py": raw.py,
            "pz": raw.pz,
            "e": raw.E,
            "pt": pt,
            "eta": np.arcsinh(raw.pz / np.maximum(pt, 1e-12)),
            "phi": np.arctan2(raw.py, raw.px),
        }
    )
    # constituent_index: per event, per jet, indices into that event's particles; make them
    # indices into the flattened particles and rebuild the events x jets x particles nesting
    counts = ak.to_numpy(ak.num(particles, axis=1))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    flat_index = ak.to_numpy(ak.flatten(index + starts, axis=None)).astype(np.int64)
    flat = ak.flatten(particles, axis=1)[flat_index]
    per_jet = ak.to_numpy(ak.flatten(ak.num(index, axis=2), axis=None))
    constituents = ak.unflatten(ak.unflatten(flat, per_jet), ak.to_numpy(ak.num(index, axis=1)))
    return jets, constituents


# ---------------------------------------------------------------------------- substructure


def nsubjettiness(constituents: ak.Array, radius: float, n_max: int = 3) -> NDArray[np.float64]:
    """N-subjettiness ``tau_1..tau_n_max`` (beta = 1) with exclusive-kt axes.

    ``tau_N = sum_i pT_i min_k Delta R(i, axis_k) / (R sum_i pT_i)`` where the ``N`` axes
    are the jet's constituents reclustered with the exclusive kt algorithm into exactly
    ``N`` subjets. A jet with fewer than ``N`` constituents has ``tau_N = 0``.

    Parameters
    ----------
    constituents : awkward array of records per jet
        ``px, py, pz, e, pt, eta, phi`` (GeV).
    radius : float
        The jet radius ``R`` in the normalisation.
    n_max : int
        Largest ``N``.

    Returns
    -------
    ndarray of shape (n_jets, n_max)
    """
    import fastjet

    n_jets = len(constituents)
    out = np.zeros((n_jets, n_max), dtype=np.float64)
    counts = ak.to_numpy(ak.num(constituents, axis=1))
    vectors = ak.zip(
        {
            "px": constituents.px,
            "py": constituents.py,
            "pz": constituents.pz,
            "E": constituents.e,
        },
        with_name="Momentum4D",
    )
    # kt with a radius larger than any jet: exclusive clustering then merges pairs only
    jetdef = fastjet.JetDefinition(fastjet.kt_algorithm, 10.0)
    pt_sum = ak.to_numpy(ak.sum(constituents.pt, axis=1))
    for n in range(1, n_max + 1):
        ok = counts >= n
        if not ok.any():
            continue
        sel = constituents[ok]
        with warnings.catch_warnings():
            # fastjet's awkward interface warns about exclusive jets whatever the algorithm;
            # kt is the one for which they are well defined
            warnings.filterwarnings("ignore", message="dcut and exclusive jets")
            axes = fastjet.ClusterSequence(vectors[ok], jetdef).exclusive_jets(n_jets=n)
        a_pt = np.hypot(axes.px, axes.py)
        a_eta = np.arcsinh(axes.pz / np.maximum(a_pt, 1e-12))
        a_phi = np.arctan2(axes.py, axes.px)
        part, ax_eta = ak.unzip(ak.cartesian([sel, a_eta], nested=True))
        _, ax_phi = ak.unzip(ak.cartesian([sel.phi, a_phi], nested=True))
        dr = np.sqrt((part.eta - ax_eta) ** 2 + delta_phi(part.phi, ax_phi) ** 2)
        tau = ak.sum(sel.pt * ak.min(dr, axis=2), axis=1)
        out[ok, n - 1] = ak.to_numpy(tau) / (radius * pt_sum[ok])
    return out


def energy_correlation(
    pt: NDArray[np.float64], eta: NDArray[np.float64], phi: NDArray[np.float64]
) -> tuple[float, float]:
    """Energy-correlation functions ``(e2, e3)`` of one jet, beta = 1, pT fractions.

    ``e2 = sum_{i<j} z_i z_j R_ij`` and ``e3 = sum_{i<j<k} z_i z_j z_k R_ij R_ik R_jk`` with
    ``z_i = pT_i / sum pT`` (arXiv:1305.0007). With ``B_ij = sqrt(z_i z_j) R_ij`` (zero on the
    diagonal), ``e3 = trace(B^3) / 6``: an O(n^3) matrix product instead of a triple loop.

    Examples
    --------
    >>> import numpy as np
    >>> e2, e3 = energy_correlation(np.array([1.0, 1.0]), np.zeros(2), np.array([0.0, 0.4]))
    >>> round(e2, 6), e3
    (0.1, 0.0)
    """
    z = pt / pt.sum()
    deta = eta[:, None] - eta[None, :]
    dphi = delta_phi(phi[:, None], phi[None, :])
    r = np.sqrt(deta**2 + dphi**2)
    e2 = 0.5 * float(z @ r @ z)
    s = np.sqrt(z)
    b = s[:, None] * r * s[None, :]
    e3 = float(np.trace(b @ b @ b)) / 6.0
    return e2, e3


# ------------------------------------------------------------------------------- one batch


def _within(jets: ak.Array, objects: ak.Array, radius: float) -> ak.Array:
    """Per jet: how many objects of the same event lie within ``Delta R < radius``."""
    left, right = ak.unzip(ak.cartesian([jets, objects], nested=True))
    dr2 = (left.eta - right.eta) ** 2 + delta_phi(left.phi, right.phi) ** 2
    return ak.sum(dr2 < radius**2, axis=2)


def _kin(obj: ak.Array) -> ak.Array:
    pt = np.hypot(obj.px, obj.py)
    return ak.zip(
        {
            "id": obj.id,
            "pt": pt,
            "eta": np.arcsinh(obj.pz / np.maximum(pt, 1e-12)),
            "phi": np.arctan2(obj.py, obj.px),
        }
    )


def _matched(process: str, particles: ak.Array, jets: ak.Array, config: JetConfig) -> ak.Array:
    """Per jet (events x jets): does it pass the process's truth matching?"""
    if process == "qcd":
        return ak.ones_like(jets.pt, dtype=bool)
    status, aid = particles.status, abs(particles.id)
    r = config.match_radius
    if process == "top":
        tops = _kin(particles[(aid == 6) & (status == -62)])  # last copy, before the decay
        quarks = _kin(particles[(status == -23) & (aid <= 5)])  # t -> b W, W -> q q'
        return (_within(jets, tops, r) > 0) & (_within(jets, quarks, r) >= 3)
    hard = (status == -23) & ((aid <= 5) if process == "quark" else (aid == 21))
    return _within(jets, _kin(particles[hard]), r) > 0


def _jets_of_batch(
    process: str,
    particles: ak.Array,
    detector: DetectorConfig,
    config: JetConfig,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The selected jets of one batch of events, one row per jet."""
    visible = constituent_detector(particles, detector, config, rng)
    jets, constituents = _cluster_with_constituents(visible, config.radius, 0.5 * config.pt_min)
    in_window = (
        (jets.pt > config.pt_min) & (jets.pt < config.pt_max) & (abs(jets.eta) < config.eta_max)
    )
    keep = in_window & _matched(process, particles, jets, config)
    jets = ak.flatten(jets[keep])
    constituents = ak.flatten(constituents[keep], axis=1)
    if len(jets) == 0:
        return pd.DataFrame(columns=[*JET_COLUMNS, *PARTICLE_COLUMNS])
    constituents = constituents[ak.argsort(constituents.pt, axis=1, ascending=False)]
    constituents = constituents[:, : config.max_constituents]
    return _jet_frame(jets, constituents, config)


def add_substructure(frame: pd.DataFrame, radius: float = 0.8) -> pd.DataFrame:
    """Add ``tau1..tau3, tau21, tau32, c2, d2`` computed from a jets table's constituents.

    For jets read from elsewhere (e.g. :func:`neyman.datasets.top_tagging_jets`), so that
    they get the substructure columns of ``neyman generate jets``. Needs FastJet only.

    Parameters
    ----------
    frame : DataFrame
        A jets table with ``part_pt, part_eta, part_phi, part_e`` (GeV, one array per jet).
    radius : float
        Jet radius in the N-subjettiness normalisation.

    Returns
    -------
    DataFrame
        A copy of ``frame`` with the substructure columns (overwritten where present).
    """
    pt, eta, phi, e = (
        [np.asarray(v, dtype=np.float64) for v in frame[f"part_{k}"]]
        for k in ("pt", "eta", "phi", "e")
    )
    constituents = ak.zip(
        {
            "pt": ak.Array(pt),
            "eta": ak.Array(eta),
            "phi": ak.Array(phi),
            "e": ak.Array(e),
            "px": ak.Array(pt) * np.cos(ak.Array(phi)),
            "py": ak.Array(pt) * np.sin(ak.Array(phi)),
            "pz": ak.Array(pt) * np.sinh(ak.Array(eta)),
        }
    )
    columns = _substructure(constituents, radius)
    out = frame.copy()
    for name, values in columns.items():
        out[name] = values
    return out


def _substructure(constituents: ak.Array, radius: float) -> dict[str, NDArray[np.float64]]:
    tau = nsubjettiness(constituents, radius)
    ecf = [
        energy_correlation(
            ak.to_numpy(c.pt).astype(np.float64),
            ak.to_numpy(c.eta).astype(np.float64),
            ak.to_numpy(c.phi).astype(np.float64),
        )
        if len(c) > 0
        else (0.0, 0.0)
        for c in constituents
    ]
    e2 = np.array([x[0] for x in ecf])
    e3 = np.array([x[1] for x in ecf])
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "tau1": tau[:, 0],
            "tau2": tau[:, 1],
            "tau3": tau[:, 2],
            "tau21": np.where(tau[:, 0] > 0, tau[:, 1] / tau[:, 0], 0.0),
            "tau32": np.where(tau[:, 1] > 0, tau[:, 2] / tau[:, 1], 0.0),
            "c2": np.where(e2 > 0, e3 / e2**2, 0.0),
            "d2": np.where(e2 > 0, e3 / e2**3, 0.0),
        }


def _jet_frame(jets: ak.Array, constituents: ak.Array, config: JetConfig) -> pd.DataFrame:
    sub = _substructure(constituents, config.radius)
    mass2 = jets.e**2 - jets.px**2 - jets.py**2 - jets.pz**2
    frame = pd.DataFrame(
        {
            "pt": ak.to_numpy(jets.pt),
            "eta": ak.to_numpy(jets.eta),
            "phi": ak.to_numpy(jets.phi),
            "e": ak.to_numpy(jets.e),
            "mass": np.sqrt(np.maximum(ak.to_numpy(mass2), 0.0)),
            "n_constituents": ak.to_numpy(ak.num(constituents, axis=1)).astype(np.int64),
            **sub,
        }
    )
    for name in PARTICLE_COLUMNS:
        key = name.removeprefix("part_")
        dtype = np.int64 if key in ("charge", "pid") else np.float64
        cells = [np.asarray(x, dtype=dtype) for x in ak.to_list(constituents[key])]
        frame[name] = pd.Series(cells, index=frame.index, dtype=object)
    return frame


# ------------------------------------------------------------------------------ generation


@dataclass(frozen=True)
class _JetTask:
    """One chunk of jets: the unit of seeding, parallel work and resumable output."""

    process: str
    label: int
    chunk: int
    n_events: int
    first_event: int
    seed: int
    hadronization: bool
    detector: DetectorConfig
    batch_size: int
    config: JetConfig = field(default_factory=JetConfig)


def _run_jet_task(task: _JetTask, progress: ProgressCallback | None = None) -> _Result:
    from neyman.generate import _generate

    code = _PROCESS_CODE[task.process]
    ss = np.random.SeedSequence([task.seed, code, task.label, task.chunk])
    pythia_ss, detector_ss = ss.spawn(2)
    pythia_seed = int(pythia_ss.generate_state(1)[0]) % PYTHIA_SEED_MAX + 1
    settings = jet_process_settings(task.process, task.config, hadronization=task.hadronization)
    pythia = _make_pythia(settings, pythia_seed)
    rng = np.random.default_rng(detector_ss)
    frames: list[pd.DataFrame] = []
    accepted = generated = 0
    while accepted < task.n_events:
        batch = pythia.nextBatch(task.batch_size, "skip")
        prt = batch["prt"]
        mom = prt["p"]
        particles = ak.zip(
            {
                "id": prt["id"],
                "status": prt["status"],
                "px": mom["px"],
                "py": mom["py"],
                "pz": mom["pz"],
                "e": mom["e"],
            }
        )
        frame = _jets_of_batch(task.process, particles, task.detector, task.config, rng)
        frame = frame.iloc[: task.n_events - accepted]
        generated += len(particles)
        accepted += len(frame)
        frames.append(frame)
        if progress is not None:
            progress(len(particles), len(frame))
        if accepted == 0 and generated >= _generate._MAX_EMPTY:
            msg = (
                f"no {task.process} jet passed the window in {generated} generated events; "
                "widen it (pt_min, pt_max, eta_max) or set pthat_min/pthat_max to match it"
            )
            raise DataError(msg, key="process", value=task.process)
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    out["label"] = np.int64(task.label)
    return _generate._Result(frame=out, generated=generated, label=task.label)


def _run_jet_task_quiet(task: _JetTask) -> _Result:
    return _run_jet_task(task)


def generate_jets(
    process: str,
    n: int,
    *,
    seed: int,
    jobs: int = 1,
    config: JetConfig | None = None,
    hadronization: bool = True,
    output: str | os.PathLike[str] | None = None,
    detector: DetectorConfig | None = None,
    chunk_size: int = 500,
    batch_size: int = 100,
    progress: bool | ProgressCallback | None = None,
) -> pd.DataFrame:
    """Generate ``n`` jets of one process with their constituents (see the module docstring).

    Parameters
    ----------
    process : {"top", "qcd", "quark", "gluon"}
    n : int
        Number of selected jets.
    seed : int >= 0
        Same seed, same jets; independent of ``jobs``.
    jobs : int, default 1
        Worker processes.
    config : JetConfig, optional
        Kinematic window, radius, matching and phase-space cut (default: the reference's).
    hadronization : bool, default True
    output : path ending in .parquet or .root, optional
        Also write the jets there: Parquet with the constituent columns as lists, or ROOT
        (a TTree ``Events``) with them as jagged branches ``part_pt, ...`` sharing the
        counter branch ``npart``. Finished chunks are kept in ``<output>.parts/`` so an
        interrupted call resumes.
    detector : DetectorConfig, optional
        Resolutions and acceptance.
    chunk_size : int, default 500
        Selected jets per chunk: the unit of seeding, parallel work and output.
    batch_size : int, default 100
        Events per ``Pythia.nextBatch`` call.
    progress : bool or callable, optional
        A rich progress bar (default: when stderr is a terminal), or
        ``progress(generated_events, accepted_jets)``.

    Returns
    -------
    DataFrame
        One row per jet: :data:`JET_COLUMNS`, :data:`PARTICLE_COLUMNS` (each cell an array)
        and ``label``. ``frame.attrs["generated"]`` counts generated events,
        ``frame.attrs["accepted"]`` selected jets.
    """
    from neyman.generate import _generate

    if process not in JET_PROCESSES:
        msg = f"unknown jet process '{process}'{did_you_mean(process, JET_PROCESSES)}"
        raise ConfigError(msg, key="process", value=process, available=JET_PROCESSES)
    _generate._validate(n, seed, jobs, chunk_size, batch_size)
    cfg = JetConfig() if config is None else config
    det = DetectorConfig() if detector is None else detector
    label = JET_PROCESSES[process]
    tasks = [
        _JetTask(
            process=process,
            label=label,
            chunk=k,
            n_events=min(chunk_size, n - start),
            first_event=start + 1,
            seed=int(seed),
            hadronization=hadronization,
            detector=det,
            batch_size=batch_size,
            config=cfg,
        )
        for k, start in enumerate(range(0, n, chunk_size))
    ]
    parts = None if output is None else _generate._Parts(Path(output))
    frames, generated = [], 0
    bar = _generate._progress_bar(
        progress, title=f"{process} jets", total=n, accepted="jets", generated="events"
    )
    with bar as callback:
        results = _generate._results(
            tasks,  # type: ignore[arg-type]
            jobs,
            callback,
            parts,
            runner=_run_jet_task,
            quiet_runner=_run_jet_task_quiet,
        )
        for result in results:
            generated += result.generated
            frames.append(result.frame)
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["generated"] = {str(label): generated}
    frame.attrs["accepted"] = {str(label): len(frame)}
    if parts is not None:
        parts.finish(frames)
    return frame
