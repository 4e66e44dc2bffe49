"""Event generation with Pythia 8 and FastJet: HIGGS-, SUSY- and Z-like samples, offline.

Why it exists: the UCI HIGGS and SUSY benchmarks are gigabytes with frozen generator
settings. ``neyman.generate`` makes samples with the same columns locally and reproducibly,
and lets you vary the physics (masses, energies, detector resolution).

Needs the extra: ``pip install 'neyman[generate]'`` (``pythia8mc`` and ``fastjet``).

Public functions (imported on first use; without Pythia,
``from neyman.generate import generate_higgs`` raises :class:`GenerateImportError`, an
``ImportError`` and a ``NeymanError``, with the install hint):

- :func:`generate_higgs`, :func:`generate_susy`, :func:`generate_zee`, :func:`generate`:
  events as a pandas DataFrame, optionally written to Parquet or ROOT chunk by chunk.

Submodules, read in this order: ``pythia`` (process settings, batched generation),
``detector`` (the detector model; its NumPy kernels work without Pythia and FastJet),
``features`` (selections and the UCI / CMS columns), ``cli`` (``neyman generate``).

Examples
--------
>>> from neyman.generate import generate_zee  # doctest: +SKIP
>>> events = generate_zee(500, seed=1, hadronization=False)  # doctest: +SKIP
>>> events["M"].median()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from neyman.errors import NeymanError

if TYPE_CHECKING:
    from neyman.generate._generate import (
        generate,
        generate_higgs,
        generate_susy,
        generate_zee,
    )

__all__ = [
    "GenerateImportError",
    "generate",
    "generate_higgs",
    "generate_susy",
    "generate_zee",
]

_LAZY = ("generate", "generate_higgs", "generate_susy", "generate_zee")


class GenerateImportError(NeymanError, ImportError):
    """Pythia 8 (or FastJet) is not installed; the message says how to install it."""

    def __init__(self, msg: str = "neyman.generate needs Pythia 8: pip install 'neyman[generate]'"):
        super().__init__(msg)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        try:
            from neyman.generate import _generate
        except ImportError as exc:
            if isinstance(exc, GenerateImportError):
                raise
            missing = exc.name or ""
            if missing.split(".")[0] in ("pythia8mc", "fastjet"):
                raise GenerateImportError from exc
            raise
        return getattr(_generate, name)
    msg = f"module 'neyman.generate' has no attribute '{name}'"
    raise AttributeError(msg)
