"""Physics features as pure, array-generic kernels (NumPy arrays and torch tensors alike).

All momenta and masses are in GeV; angles in radians. These functions never read files and
never hold state, so the same formula serves data preparation, labs and network inputs.
Tests check them against the ``vector`` package and exact four-vector sums.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "delta_eta",
    "delta_phi",
    "delta_r",
    "eta",
    "invariant_mass",
    "invariant_mass_from_four_vectors",
    "pt",
]

A = TypeVar("A")


def _ns(x: Any) -> Any:
    """The array namespace of ``x``: torch for tensors, NumPy otherwise."""
    if type(x).__module__.startswith("torch"):
        import torch

        return torch
    return np


def delta_phi(phi1: A, phi2: A) -> A:
    """Azimuthal difference ``phi1 - phi2`` wrapped into [-π, π).

    Parameters
    ----------
    phi1, phi2 : array of shape (n,), rad

    Examples
    --------
    >>> float(delta_phi(3.0, -3.0))  # 6 rad wraps to 6 - 2π
    -0.28318530717958623
    """
    xp = _ns(phi1) if _ns(phi1) is not np else _ns(phi2)
    d = phi1 - phi2  # type: ignore[operator]
    # floor-based remainder keeps the result in [-π, π) for any input, including ±π exactly
    return d - 2.0 * math.pi * xp.floor((d + math.pi) / (2.0 * math.pi))  # type: ignore[no-any-return]


def delta_eta(eta1: A, eta2: A) -> A:
    """Pseudorapidity difference ``eta1 - eta2``."""
    return eta1 - eta2  # type: ignore[operator,no-any-return]


def delta_r(eta1: A, phi1: A, eta2: A, phi2: A) -> A:
    """Angular distance ΔR = sqrt(Δη² + Δφ²), with Δφ wrapped into [-π, π)."""
    xp = _ns(eta1) if _ns(eta1) is not np else _ns(phi1)
    return xp.sqrt(delta_eta(eta1, eta2) ** 2 + delta_phi(phi1, phi2) ** 2)  # type: ignore[no-any-return,operator]


def pt(px: A, py: A) -> A:
    """Transverse momentum pT = sqrt(px² + py²) in GeV."""
    xp = _ns(px)
    return xp.sqrt(px * px + py * py)  # type: ignore[no-any-return,operator]


def eta(px: A, py: A, pz: A) -> A:
    """Pseudorapidity η = asinh(pz / pT) (equal to -ln tan(θ/2)); ±inf along the beam."""
    xp = _ns(px)
    p_t = pt(px, py)
    if xp is np:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arcsinh(np.divide(pz, p_t))  # type: ignore[no-any-return,call-overload]
    return xp.asinh(pz / p_t)  # type: ignore[no-any-return,operator]


def invariant_mass(
    pt1: A,
    eta1: A,
    phi1: A,
    pt2: A,
    eta2: A,
    phi2: A,
    m1: float | A = 0.0,
    m2: float | A = 0.0,
) -> A:
    """Invariant mass of a pair from pT (GeV), η and φ (rad), with optional masses (GeV).

    For massless particles M² = 2 pT₁ pT₂ (cosh Δη − cos Δφ). With masses,
    M² = m₁² + m₂² + 2 (E₁E₂ − p⃗₁·p⃗₂) with E = sqrt(m² + pT² cosh² η) and
    p⃗₁·p⃗₂ = pT₁ pT₂ (cos Δφ + sinh η₁ sinh η₂).
    Round-off can make M² slightly negative for collinear pairs; it is clipped to 0.

    Examples
    --------
    >>> round(float(invariant_mass(45.0, 0.0, 0.0, 45.0, 0.0, 3.141592653589793)), 6)
    90.0
    """
    xp = _ns(pt1)
    deta = delta_eta(eta1, eta2)
    dphi = delta_phi(phi1, phi2)
    massless = isinstance(m1, int | float) and isinstance(m2, int | float) and m1 == 0 and m2 == 0
    if massless:
        m2sq = 2.0 * pt1 * pt2 * (xp.cosh(deta) - xp.cos(dphi))  # type: ignore[operator]
    else:
        # E = sqrt(m² + pT² cosh² η) and p₁·p₂ = pT₁ pT₂ (cos Δφ + sinh η₁ sinh η₂)
        e1 = xp.sqrt(m1 * m1 + (pt1 * xp.cosh(eta1)) ** 2)  # type: ignore[operator]
        e2 = xp.sqrt(m2 * m2 + (pt2 * xp.cosh(eta2)) ** 2)  # type: ignore[operator]
        pdot = pt1 * pt2 * (xp.cos(dphi) + xp.sinh(eta1) * xp.sinh(eta2))  # type: ignore[operator]
        m2sq = m1 * m1 + m2 * m2 + 2.0 * (e1 * e2 - pdot)  # type: ignore[operator]
    if xp is np:
        return np.sqrt(np.maximum(m2sq, 0.0))  # type: ignore[no-any-return]
    return xp.sqrt(xp.clamp(m2sq, min=0.0))  # type: ignore[no-any-return]


def invariant_mass_from_four_vectors(
    e1: A, px1: A, py1: A, pz1: A, e2: A, px2: A, py2: A, pz2: A
) -> A:
    """Invariant mass (GeV) of the sum of two four-vectors (E, px, py, pz) in GeV.

    Subtracts large numbers at low mass: stored values with few significant digits give a
    less exact mass there than :func:`invariant_mass` from pT, η, φ.
    """
    xp = _ns(e1)
    e = e1 + e2  # type: ignore[operator]
    x = px1 + px2  # type: ignore[operator]
    y = py1 + py2  # type: ignore[operator]
    z = pz1 + pz2  # type: ignore[operator]
    m2sq = e * e - x * x - y * y - z * z
    if xp is np:
        return np.sqrt(np.maximum(m2sq, 0.0))  # type: ignore[no-any-return]
    return xp.sqrt(xp.clamp(m2sq, min=0.0))  # type: ignore[no-any-return]
