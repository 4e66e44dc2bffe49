"""Jet constituents as network inputs: padded particle sets with masks, and jet images.

Why it exists: a jet is a variable-length set of particles. Set networks
(:class:`neyman.models.ParticleSetClassifier`) read a fixed-size padded array with a mask;
convolutional networks (:class:`neyman.models.CNNClassifier`) read an image. Both are made
here, from the same constituents, relative to the jet axis.

Constituents come in any of these forms (each particle's ``pt`` and ``e`` in GeV):

- an awkward array of records per jet with fields ``pt, eta, phi, e`` (or ``part_pt``, ...);
- a pandas DataFrame or a mapping with the jagged columns ``part_pt, part_eta, part_phi,
  part_e`` (as written by ``neyman generate jets``), each cell an array;
- a sequence of arrays of shape (n_i, 4) holding ``(pt, eta, phi, e)`` per particle;
- a padded array of shape (n, p, 4) of ``(pt, eta, phi, e)`` where ``pt <= 0`` marks padding.

:func:`as_jagged` brings them to one form, :func:`pad_constituents` to fixed-size arrays
(highest pT first, with a mask), :func:`particle_features` to the network features and
:func:`particle_inputs` to the array the set networks read; :func:`jet_images` makes the
images. Read this module before ``neyman.models.particle_set``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neyman.errors import DataError

__all__ = [
    "FEATURE_NAMES",
    "FEATURE_SCALING",
    "PaddedConstituents",
    "as_jagged",
    "jet_axis",
    "jet_images",
    "pad_constituents",
    "particle_features",
    "particle_inputs",
]

FloatArray = NDArray[np.float64]

#: Per-particle features, in order: position relative to the jet axis, log momenta, log
#: momentum fractions and the distance to the axis.
FEATURE_NAMES = ("deta", "dphi", "log_pt", "log_e", "log_pt_rel", "log_e_rel", "delta_r")

#: ``(shift, scale)`` per feature: the network sees ``(x - shift) * scale``. The constants are
#: those of the Particle Transformer's top-tagging inputs (Qu, Li, Qian, arXiv:2202.03772),
#: which bring each feature to about unit size for 500-650 GeV jets.
FEATURE_SCALING: dict[str, tuple[float, float]] = {
    "deta": (0.0, 1.0),
    "dphi": (0.0, 1.0),
    "log_pt": (1.7, 0.7),
    "log_e": (2.0, 0.7),
    "log_pt_rel": (-4.7, 0.7),
    "log_e_rel": (-4.7, 0.7),
    "delta_r": (0.2, 4.0),
}

_FIELDS = ("pt", "eta", "phi", "e")


def _wrap(dphi: Any) -> Any:
    """Azimuthal difference wrapped into [-pi, pi)."""
    return (dphi + np.pi) % (2.0 * np.pi) - np.pi


def as_jagged(constituents: Any) -> list[NDArray[np.float64]]:
    """Constituents in any accepted form (see the module docstring) as a list of (n_i, 4).

    Returns
    -------
    list of ndarray of shape (n_i, 4)
        ``(pt, eta, phi, e)`` per particle, one array per jet, float64.

    Raises
    ------
    neyman.errors.DataError
        For an unknown form, missing fields (named) or a wrong particle shape.
    """
    if isinstance(constituents, np.ndarray) and constituents.ndim == 3:
        if constituents.shape[2] != 4:
            msg = (
                f"padded constituents must have shape (n, p, 4) of (pt, eta, phi, e); got "
                f"{constituents.shape}"
            )
            raise DataError(msg, key="constituents", value=constituents.shape)
        arr = np.asarray(constituents, dtype=np.float64)
        return [jet[jet[:, 0] > 0] for jet in arr]
    columns = _columns(constituents)
    if columns is not None:
        return [
            np.column_stack([np.asarray(c, dtype=np.float64) for c in cells]).reshape(-1, 4)
            for cells in zip(*columns, strict=True)
        ]
    if isinstance(constituents, Sequence) and not isinstance(constituents, str | bytes):
        out = []
        for i, jet in enumerate(constituents):
            a = np.asarray(jet, dtype=np.float64)
            if a.size == 0:
                a = a.reshape(0, 4)
            if a.ndim != 2 or a.shape[1] != 4:
                msg = (
                    f"jet {i} has constituents of shape {a.shape}; each jet must be an array of "
                    "shape (n_particles, 4) holding (pt, eta, phi, e)"
                )
                raise DataError(msg, key="constituents", value=a.shape)
            out.append(a)
        return out
    msg = (
        f"cannot read jet constituents from {type(constituents).__name__}; pass an awkward array "
        "of records (pt, eta, phi, e), a table with part_pt/part_eta/part_phi/part_e columns, a "
        "list of (n_i, 4) arrays or a padded (n, p, 4) array"
    )
    raise DataError(msg, key="constituents", value=type(constituents).__name__)


def _columns(obj: Any) -> list[Any] | None:
    """The four jagged columns of a record array, DataFrame or mapping, else None."""
    fields: Sequence[str] | None = None
    if type(obj).__module__.startswith("awkward"):
        fields = list(obj.fields)
    elif isinstance(obj, Mapping) or hasattr(obj, "columns"):
        fields = [str(c) for c in (obj.columns if hasattr(obj, "columns") else obj.keys())]
    if fields is None:
        return None
    for names in (_FIELDS, tuple(f"part_{f}" for f in _FIELDS)):
        if all(n in fields for n in names):
            if type(obj).__module__.startswith("awkward"):
                import awkward as ak

                return [ak.to_list(obj[n]) for n in names]
            return [list(obj[n]) for n in names]
    missing = [n for n in (f"part_{f}" for f in _FIELDS) if n not in fields]
    msg = f"jet constituents need the fields {', '.join(missing)} (or pt, eta, phi, e)"
    raise DataError(msg, key=missing[0], available=fields)


@dataclass(frozen=True)
class PaddedConstituents:
    """Constituents in fixed-size arrays, highest pT first.

    Attributes
    ----------
    pt, eta, phi, e : ndarray of shape (n, p)
        GeV and radians; zero where ``mask`` is False.
    mask : ndarray of bool, shape (n, p)
        True for real particles.
    """

    pt: FloatArray
    eta: FloatArray
    phi: FloatArray
    e: FloatArray
    mask: NDArray[np.bool_]


def pad_constituents(constituents: Any, max_particles: int) -> PaddedConstituents:
    """Sort each jet's particles by decreasing pT, keep ``max_particles``, pad with zeros.

    Parameters
    ----------
    constituents : any accepted form (module docstring)
    max_particles : int
        Fixed number of particle slots per jet.

    Returns
    -------
    PaddedConstituents

    Examples
    --------
    >>> pc = pad_constituents([[[10.0, 0.1, 0.2, 12.0], [30.0, 0.0, 0.0, 30.0]]], 3)
    >>> pc.pt.tolist(), pc.mask.tolist()
    ([[30.0, 10.0, 0.0]], [[True, True, False]])
    """
    jets = as_jagged(constituents)
    n = len(jets)
    out = np.zeros((4, n, max_particles), dtype=np.float64)
    mask = np.zeros((n, max_particles), dtype=bool)
    for i, jet in enumerate(jets):
        if not np.all(np.isfinite(jet)):
            msg = f"jet {i} has a NaN or infinite constituent value; drop or fix that jet"
            raise DataError(msg, key="constituents", value=i)
        jet = jet[jet[:, 0] > 0]
        order = np.argsort(-jet[:, 0], kind="stable")[:max_particles]
        k = len(order)
        out[:, i, :k] = jet[order].T
        mask[i, :k] = True
    return PaddedConstituents(pt=out[0], eta=out[1], phi=out[2], e=out[3], mask=mask)


def jet_axis(padded: PaddedConstituents) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The jet's ``(pt, eta, phi, e)`` from the four-momentum sum of its constituents (E-scheme)."""
    px = np.sum(padded.pt * np.cos(padded.phi), axis=1)
    py = np.sum(padded.pt * np.sin(padded.phi), axis=1)
    pz = np.sum(padded.pt * np.sinh(padded.eta), axis=1)
    e = np.sum(padded.e, axis=1)
    pt = np.hypot(px, py)
    eta = np.arcsinh(pz / np.maximum(pt, 1e-12))
    return pt, eta, np.arctan2(py, px), e


def particle_features(padded: PaddedConstituents) -> FloatArray:
    """Per-particle features relative to the jet axis, shape (n, p, 7), zero at padding.

    In the order of :data:`FEATURE_NAMES`: ``deta = eta - eta_jet``, ``dphi = phi - phi_jet``
    (wrapped into [-pi, pi)), ``log pT``, ``log E`` (GeV), ``log(pT / pT_jet)``,
    ``log(E / E_jet)`` and ``delta_r = sqrt(deta^2 + dphi^2)``. Unscaled; see
    :data:`FEATURE_SCALING` and :func:`particle_inputs`.
    """
    jpt, jeta, jphi, je = jet_axis(padded)
    m = padded.mask
    safe_pt = np.where(m, padded.pt, 1.0)
    safe_e = np.where(m, np.maximum(padded.e, 1e-12), 1.0)
    deta = padded.eta - jeta[:, None]
    dphi = _wrap(padded.phi - jphi[:, None])
    feats = np.stack(
        [
            deta,
            dphi,
            np.log(safe_pt),
            np.log(safe_e),
            np.log(safe_pt / np.maximum(jpt, 1e-12)[:, None]),
            np.log(safe_e / np.maximum(je, 1e-12)[:, None]),
            np.hypot(deta, dphi),
        ],
        axis=-1,
    )
    return np.where(m[..., None], feats, 0.0)


def particle_inputs(constituents: Any, max_particles: int) -> NDArray[np.float32]:
    """The array a set network reads: shape (n, p, 1 + 7), float32.

    Channel 0 is the mask (1 for a particle, 0 for padding); channels 1.. are
    :func:`particle_features` scaled by :data:`FEATURE_SCALING` and zero at padding. This is
    also the input of an exported ONNX set network.
    """
    padded = pad_constituents(constituents, max_particles)
    feats = particle_features(padded)
    shift = np.array([FEATURE_SCALING[f][0] for f in FEATURE_NAMES])
    scale = np.array([FEATURE_SCALING[f][1] for f in FEATURE_NAMES])
    mask = padded.mask[..., None]
    scaled = np.where(mask, (feats - shift) * scale, 0.0)
    return np.concatenate([mask.astype(np.float64), scaled], axis=-1).astype(np.float32)


def jet_images(
    constituents: Any,
    *,
    bins: int = 32,
    extent: float = 1.0,
    rotate: bool = True,
    flip: bool = True,
    normalize: bool = True,
) -> NDArray[np.float32]:
    """Jet images: pT deposited in a ``bins x bins`` grid of (deta, dphi), shape (n, 1, h, w).

    The preprocessing of Macaluso and Shih (JHEP 10 (2018) 121, arXiv:1803.00107) and of the
    CNN in the Top Tagging comparison (Kasieczka et al., arXiv:1902.09914):

    1. **centre** on the pT-weighted centroid of the constituents in (eta, phi);
    2. **rotate** so that the principal axis of the pT-weighted (deta, dphi) distribution
       points along the vertical (phi) axis of the image;
    3. **flip** so that the pT sum is largest in the upper-right quadrant (upper half
       first, then right half);
    4. **normalise** each image to a pixel sum of 1.

    Rows are ``dphi`` (bottom to top), columns ``deta`` (left to right), both in
    ``[-extent, extent)``; particles outside are dropped.

    Parameters
    ----------
    constituents : any accepted form (module docstring)
    bins : int
        Pixels per side.
    extent : float
        Half-width of the image in eta and phi.
    rotate, flip, normalize : bool
        Steps 2-4 (each can be switched off).

    Returns
    -------
    ndarray of shape (n, 1, bins, bins), float32
        ``CNNClassifier`` reads it directly.
    """
    jets = as_jagged(constituents)
    images = np.zeros((len(jets), 1, bins, bins), dtype=np.float32)
    edges = np.linspace(-extent, extent, bins + 1)
    for i, jet in enumerate(jets):
        jet = jet[jet[:, 0] > 0]
        if len(jet) == 0:
            continue
        pt, eta, phi = jet[:, 0], jet[:, 1], jet[:, 2]
        # centroid with phi relative to the leading particle, so it never straddles +-pi
        phi = _wrap(phi - phi[np.argmax(pt)])
        x = eta - np.average(eta, weights=pt)
        y = phi - np.average(phi, weights=pt)
        if rotate and len(jet) > 1:
            cov = np.cov(np.vstack([x, y]), aweights=pt, bias=True)
            _, vecs = np.linalg.eigh(cov)
            major = vecs[:, -1]  # eigenvector of the largest eigenvalue
            angle = np.arctan2(major[0], major[1])  # rotate the major axis onto +y
            c, s = np.cos(angle), np.sin(angle)
            x, y = c * x - s * y, s * x + c * y
        if flip:
            if np.sum(pt[y < 0]) > np.sum(pt[y > 0]):
                y = -y
            if np.sum(pt[x < 0]) > np.sum(pt[x > 0]):
                x = -x
        hist, _, _ = np.histogram2d(y, x, bins=(edges, edges), weights=pt)
        total = hist.sum()
        if normalize and total > 0:
            hist = hist / total
        images[i, 0] = hist
    return images
