"""The Top Tagging Reference dataset: boosted top jets against QCD jets, as constituents.

Kasieczka, Plehn, et al., "The Machine Learning Landscape of Top Taggers", SciPost Phys. 7,
014 (2019), arXiv:1902.09914; data: Kasieczka, Plehn, Thompson, Russell, Zenodo record
2603256 (doi:10.5281/zenodo.2603256), CC BY 4.0. 14 TeV, Pythia 8 and Delphes (ATLAS card,
no pile-up), anti-kt R = 0.8 jets with 550 < pT < 650 GeV and |eta| < 2; top jets matched
to a hadronic top and its decay quarks within Delta R < 0.8. 1.2M training, 400k validation
and 400k test jets in ``train.h5``, ``val.h5`` and ``test.h5``.

Schema (a pandas DataFrame under the key ``table``, one row per jet): ``E_i, PX_i, PY_i,
PZ_i`` (GeV) for the constituents ``i = 0..199`` ordered by decreasing pT, zero-padded;
``truthE, truthPX, truthPY, truthPZ`` (the top quark, zero for QCD), ``ttv`` (0 train,
1 test, 2 validation) and ``is_signal_new`` (1 top, 0 QCD).

The file is read with h5py in pandas' ``fixed`` HDF5 layout (``axis0`` column names,
``blockK_items`` and ``blockK_values`` arrays); nothing in it is unpickled or executed. The
schema is checked before any data is read: a file without the columns above gives one
:class:`~neyman.errors.DataError` naming what is missing.

:func:`top_tagging_jets` returns the jets in the table form of ``neyman generate jets``
(``part_pt, part_eta, part_phi, part_e`` per jet, the jet's ``pt, eta, phi, e, mass`` and
``n_constituents``, and ``label``), so the same code reads both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from neyman.datasets._fetch import RemoteFile, locate
from neyman.errors import ConfigError, DataError

__all__ = [
    "TOP_TAGGING_COLUMNS",
    "TOP_TAGGING_FILES",
    "TOP_TAGGING_MAX_PARTICLES",
    "top_tagging_from_momenta",
    "top_tagging_jets",
]

_RECORD = "https://zenodo.org/records/2603256/files"
#: Constituent slots per jet in the reference files.
TOP_TAGGING_MAX_PARTICLES = 200
#: The columns the loader needs, in the order of the published files.
TOP_TAGGING_COLUMNS: tuple[str, ...] = (
    *(f"{c}_{i}" for i in range(TOP_TAGGING_MAX_PARTICLES) for c in ("E", "PX", "PY", "PZ")),
    "is_signal_new",
)
#: The three published files by split. No checksum is recorded here (it could not be
#: verified offline when this loader was written): the schema is checked on load instead.
TOP_TAGGING_FILES: dict[str, RemoteFile] = {
    split: RemoteFile(f"{split}.h5", f"{_RECORD}/{split}.h5") for split in ("train", "val", "test")
}


def _names(raw: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(raw).ravel()]


def _blocks(group: Any, file: Path) -> list[tuple[list[str], Any]]:
    """(column names, 2-D dataset) per block of a pandas ``fixed`` frame."""
    if "table" in group and "block0_items" not in group:
        msg = (
            f"{file} stores key 'table' in pandas' 'table' format; neyman reads the 'fixed' "
            "format of the published Top Tagging files (re-save it with format='fixed')"
        )
        raise DataError(msg, path=str(file), key="table")
    blocks = []
    k = 0
    while f"block{k}_items" in group and f"block{k}_values" in group:
        blocks.append((_names(group[f"block{k}_items"][()]), group[f"block{k}_values"]))
        k += 1
    if not blocks:
        msg = f"{file}: key 'table' has no pandas blocks (block0_items, block0_values)"
        raise DataError(msg, path=str(file), key="block0_values")
    return blocks


def _read(
    file: Path, rows: int | None, max_particles: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``(n, p, 4)`` array of ``(E, PX, PY, PZ)`` and the labels, after the schema check."""
    import h5py

    try:
        handle = h5py.File(file, "r")
    except OSError as err:
        msg = f"{file} is not an HDF5 file ({err}); expected the Top Tagging Reference format"
        raise DataError(msg, path=str(file)) from err
    with handle:
        if "table" not in handle:
            msg = f"{file} has no key 'table' (keys: {', '.join(handle.keys())}); expected the Top Tagging Reference format"
            raise DataError(msg, path=str(file), key="table", available=list(handle.keys()))
        blocks = _blocks(handle["table"], file)
        where: dict[str, tuple[int, int]] = {}
        for b, (names, _) in enumerate(blocks):
            for j, name in enumerate(names):
                where[name] = (b, j)
        missing = [c for c in TOP_TAGGING_COLUMNS if c not in where]
        if missing:
            msg = (
                f"{file} lacks {len(missing)} Top Tagging column(s), first '{missing[0]}'; "
                "expected E_i, PX_i, PY_i, PZ_i for i < 200 and is_signal_new"
            )
            raise DataError(msg, path=str(file), key=missing[0], available=sorted(where)[:50])
        n_total = blocks[0][1].shape[0]
        n = n_total if rows is None else min(rows, n_total)
        loaded = [np.asarray(values[:n]) for _, values in blocks]
    p = max_particles
    out = np.empty((n, p, 4), dtype=np.float64)
    for i in range(p):
        for c, name in enumerate(("E", "PX", "PY", "PZ")):
            b, j = where[f"{name}_{i}"]
            out[:, i, c] = loaded[b][:, j]
    b, j = where["is_signal_new"]
    labels = np.asarray(loaded[b][:, j])
    bad = sorted(set(np.unique(labels).tolist()) - {0, 1})
    if bad:
        msg = f"{file}: is_signal_new holds {bad[:5]}, expected only 0 and 1"
        raise DataError(msg, path=str(file), key="is_signal_new", value=bad[:5])
    if not np.all(np.isfinite(out)):
        msg = f"{file} has NaN or infinite constituent momenta"
        raise DataError(msg, path=str(file))
    return out, labels.astype(np.int64)


def top_tagging_from_momenta(
    momenta: NDArray[np.float64], labels: NDArray[np.int64]
) -> pd.DataFrame:
    """Jets table (see the module docstring) from ``(n, p, 4)`` constituent ``(E, px, py, pz)``.

    Slots with ``E = 0`` are padding. ``pt`` in GeV; ``eta`` of a massless direction;
    ``phi`` in (-pi, pi].
    """
    e, px, py, pz = (momenta[..., k] for k in range(4))
    real = e > 0
    pt = np.hypot(px, py)
    eta = np.arcsinh(np.divide(pz, pt, out=np.zeros_like(pz), where=pt > 0))
    phi = np.arctan2(py, px)
    jpx, jpy, jpz, je = (np.sum(np.where(real, v, 0.0), axis=1) for v in (px, py, pz, e))
    jpt = np.hypot(jpx, jpy)
    frame = pd.DataFrame(
        {
            "pt": jpt,
            "eta": np.arcsinh(jpz / np.maximum(jpt, 1e-12)),
            "phi": np.arctan2(jpy, jpx),
            "e": je,
            "mass": np.sqrt(np.maximum(je**2 - jpx**2 - jpy**2 - jpz**2, 0.0)),
            "n_constituents": real.sum(axis=1).astype(np.int64),
        }
    )
    for name, values in (("part_pt", pt), ("part_eta", eta), ("part_phi", phi), ("part_e", e)):
        frame[name] = [v[m] for v, m in zip(values, real, strict=True)]
    frame["label"] = labels
    return frame


def top_tagging_jets(
    path: str | os.PathLike[str] | None = None,
    *,
    split: str = "test",
    rows: int | None = None,
) -> pd.DataFrame:
    """Read a Top Tagging Reference file as a jets table.

    Parameters
    ----------
    path : path-like, optional
        A file in the reference format, or a folder holding ``<split>.h5``; else the cache
        folder, else a download from Zenodo (see :mod:`neyman.datasets._fetch`).
    split : {"train", "val", "test"}
        Which published file when ``path`` is a folder or not given.
    rows : int, optional
        Read only the first ``rows`` jets.

    Returns
    -------
    DataFrame
        ``pt, eta, phi, e, mass, n_constituents, part_pt, part_eta, part_phi, part_e,
        label`` (1 top, 0 QCD); energies and momenta in GeV.

    Raises
    ------
    DataError
        A missing file, a file that is not HDF5, or one without the reference columns (the
        message and ``error.key`` name the first missing column).
    """
    if split not in TOP_TAGGING_FILES:
        msg = f"split must be one of train, val, test; got {split!r}"
        raise ConfigError(msg, key="split", value=split, available=TOP_TAGGING_FILES)
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        msg = f"rows must be an int >= 1; got {rows!r}"
        raise ConfigError(msg, key="rows", value=rows)
    file = locate(TOP_TAGGING_FILES[split], path)
    momenta, labels = _read(file, rows, TOP_TAGGING_MAX_PARTICLES)
    frame = top_tagging_from_momenta(momenta, labels)
    frame.attrs["source"] = str(file)
    return frame
