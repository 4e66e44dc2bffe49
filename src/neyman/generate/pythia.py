"""Pythia 8 configuration of neyman's three processes, and batched event generation.

Why it exists: the settings that make a HIGGS-, SUSY- or Z-like sample are scattered over the
Pythia manual, and a few are easy to get wrong. They live here, one function per process,
each line commented.

Processes (``label`` 1 is signal, 0 background):

``higgs`` (8 TeV), after Baldi, Sadowski, Whiteson, Nature Commun. 5 (2014) 4308,
arXiv:1402.4735
    signal ``g g -> H0 (425 GeV) -> W-+ H+- (325 GeV)``, ``H+- -> W+- h (125 GeV)``,
    ``h -> b bbar``; background ``t tbar -> W+ b W- bbar``. The ``H0 -> W H+-`` coupling is
    off by default in Pythia and switched on with ``HiggsH2:coup2HchgW``. One W is forced to
    decay to ``e nu`` or ``mu nu`` and the other to quarks, which is several times more
    efficient than generating all decays and selecting. Pythia can only force by charge
    (``onPosIfAny``/``onNegIfAny``), so the charges are symmetrised by generating alternate
    batches with two generators, one with the ``W+`` and one with the ``W-`` leptonic.
``susy`` (8 TeV)
    signal ``q qbar -> chi1+ chi1-``, ``chi1+- -> W+- chi1^0`` with the spectrum of the shipped
    benchmark ``susy_benchmark.slha`` (see that file); background ``q qbar -> W+ W-``. Both
    W's decay to ``e nu`` or ``mu nu``.
``zee`` (7 TeV)
    ``q qbar -> Z/gamma* -> e+ e-`` with ``60 < m(ee) < 120 GeV``, full ``gamma*/Z``
    interference, as in the CMS 2010 dielectron open data.

Without hadronisation (``hadronization=False``) multiparton interactions are switched off
too, and the detector sees final-state partons: fast, and enough for mass peaks and tests.

Events come out of ``Pythia.nextBatch`` as awkward arrays, one call per batch, with no
per-particle Python loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from neyman.errors import ConfigError, did_you_mean

__all__ = [
    "PROCESSES",
    "PYTHIA_SEED_MAX",
    "EventStream",
    "process_settings",
    "susy_slha_path",
]

#: Processes neyman can generate, with their labels (1 = signal, 0 = background).
PROCESSES: dict[str, tuple[int, ...]] = {"higgs": (1, 0), "susy": (1, 0), "zee": (1,)}

#: Pythia accepts seeds in [1, 900_000_000].
PYTHIA_SEED_MAX = 900_000_000

_W_LEPTONS = "11 13"  # e nu_e, mu nu_mu (taus excluded, as in the UCI samples)
_W_QUARKS = "1 2 3 4"  # u d, c s (and Cabibbo-suppressed combinations)


def susy_slha_path() -> Path:
    """Path of the shipped SUSY benchmark spectrum ``susy_benchmark.slha``."""
    return Path(str(resources.files("neyman.generate").joinpath("susy_benchmark.slha")))


def _common(ecm: float, hadronization: bool) -> list[str]:
    settings = [
        f"Beams:eCM = {ecm:.1f}",  # centre-of-mass energy, GeV
        "Print:quiet = on",  # no banner, no init and event listings
        "Next:numberCount = 0",
        "Random:setSeed = on",
        "Check:event = on",
    ]
    if not hadronization:
        settings += [
            "HadronLevel:all = off",  # stop at the parton level
            "PartonLevel:MPI = off",  # no underlying event: it would be unhadronised partons
        ]
    return settings


def process_settings(
    process: str, label: int, *, hadronization: bool = True, leptonic_w: int = 1
) -> list[str]:
    """Pythia settings strings for one process and class.

    Parameters
    ----------
    process : {"higgs", "susy", "zee"}
    label : int
        1 for signal, 0 for background (``zee`` has only 1).
    hadronization : bool, default True
        Hadronise (and add multiparton interactions); False stops at the parton level.
    leptonic_w : {+1, -1}, default +1
        ``higgs`` only: which W charge decays leptonically (the other decays to quarks).

    Returns
    -------
    list of str
        Lines for ``Pythia.readString``, without the seed.
    """
    if process not in PROCESSES:
        msg = f"unknown process '{process}'{did_you_mean(process, PROCESSES)}"
        raise ConfigError(msg)
    if label not in PROCESSES[process]:
        msg = f"process '{process}' has no label {label!r}; use one of {PROCESSES[process]}"
        raise ConfigError(msg)
    if leptonic_w not in (1, -1):
        msg = f"leptonic_w must be +1 or -1. Got {leptonic_w!r} instead."
        raise ConfigError(msg)

    if process == "higgs":
        lep, had = ("Pos", "Neg") if leptonic_w == 1 else ("Neg", "Pos")
        settings = _common(8000.0, hadronization) + [
            "24:onMode = off",
            f"24:on{lep}IfAny = {_W_LEPTONS}",  # this W charge -> l nu
            f"24:on{had}IfAny = {_W_QUARKS}",  # the other -> q q'
        ]
        if label == 1:
            settings += [
                "Higgs:useBSM = on",
                "HiggsBSM:gg2H2 = on",  # g g -> H0 (Pythia's H2, PDG 35)
                "35:m0 = 425.0",
                "37:m0 = 325.0",  # H+-
                "25:m0 = 125.0",  # h
                "HiggsH2:coup2HchgW = 1.0",  # H0 -> W H+- coupling, off by default
                "35:onMode = off",
                "35:onIfMatch = 24 37",  # H0 -> W+- H-+
                "37:onMode = off",
                "37:onIfMatch = 24 25",  # H+ -> W+ h
                "25:onMode = off",
                "25:onIfMatch = 5 5",  # h -> b bbar
            ]
        else:
            settings += ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on"]  # t tbar -> W b W b
        return settings
    if process == "susy":
        settings = _common(8000.0, hadronization) + [
            "24:onMode = off",
            f"24:onIfAny = {_W_LEPTONS}",  # both W -> l nu
        ]
        if label == 1:
            settings += [
                f"SLHA:file = {susy_slha_path()}",
                "SLHA:verbose = 0",  # no spectrum printout
                "SUSY:qqbar2chi+chi- = on",
                "SUSY:idA = 1000024",  # only chi1+ chi1-
                "SUSY:idB = 1000024",
            ]
        else:
            settings += ["WeakDoubleBoson:ffbar2WW = on"]
        return settings
    return _common(7000.0, hadronization) + [
        "WeakSingleBoson:ffbar2gmZ = on",  # q qbar -> Z/gamma*
        "WeakZ0:gmZmode = 0",  # full gamma*/Z interference
        "23:onMode = off",
        "23:onIfAny = 11",  # -> e+ e-
        "PhaseSpace:mHatMin = 60.0",
        "PhaseSpace:mHatMax = 120.0",
    ]


def _import_pythia() -> Any:
    try:
        import pythia8mc
    except ImportError as exc:
        from neyman.generate import GenerateImportError

        raise GenerateImportError from exc
    return pythia8mc


def _make_pythia(settings: list[str], seed: int) -> Any:
    pythia8mc = _import_pythia()
    pythia = pythia8mc.Pythia("", False)  # no banner
    for line in [*settings, f"Random:seed = {seed}"]:
        if not pythia.readString(line):
            msg = f"Pythia rejected the setting '{line}'; check the Pythia 8 manual"
            raise ConfigError(msg)
    if not pythia.init():
        msg = "Pythia failed to initialise with settings: " + "; ".join(settings)
        raise ConfigError(msg)
    return pythia


class EventStream:
    """Batches of generated events for one process and class.

    Parameters
    ----------
    process : {"higgs", "susy", "zee"}
    label : int
        1 signal, 0 background.
    seed : int
        Seeds every generator of the stream (derived with ``numpy.random.SeedSequence``).
    hadronization : bool, default True
    batch_size : int, default 200
        Events per ``nextBatch`` call.

    Notes
    -----
    ``higgs`` alternates between two generators (W+ leptonic, W- leptonic) batch by batch.
    The stream is deterministic given its arguments.
    """

    def __init__(
        self,
        process: str,
        label: int,
        *,
        seed: int,
        hadronization: bool = True,
        batch_size: int = 200,
    ) -> None:
        if batch_size < 1:
            msg = f"batch_size must be an int >= 1. Got {batch_size!r} instead."
            raise ConfigError(msg)
        signs = (1, -1) if process == "higgs" else (1,)
        states = np.random.SeedSequence(seed).generate_state(len(signs))
        self.batch_size = batch_size
        self._pythias = [
            _make_pythia(
                process_settings(process, label, hadronization=hadronization, leptonic_w=s),
                int(st) % PYTHIA_SEED_MAX + 1,
            )
            for s, st in zip(signs, states, strict=True)
        ]
        self._turn = 0

    def next_batch(self) -> ak.Array:
        """Return the next batch of events as particles with id, status, px, py, pz, e."""
        pythia = self._pythias[self._turn % len(self._pythias)]
        self._turn += 1
        batch = pythia.nextBatch(self.batch_size, "skip")
        prt = batch["prt"]
        mom = prt["p"]
        return ak.zip(
            {
                "id": prt["id"],
                "status": prt["status"],
                "px": mom["px"],
                "py": mom["py"],
                "pz": mom["pz"],
                "e": mom["e"],
            }
        )

    def __iter__(self) -> Iterator[ak.Array]:
        while True:
            yield self.next_batch()
