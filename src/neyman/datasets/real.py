"""Loaders for public physics and ML benchmark data, in their published schemas.

Each loader takes ``path=`` (a file, or a folder holding the published file name); without it
the file is taken from the cache or downloaded with a checksum (see
:mod:`neyman.datasets._fetch`). Nothing here is needed at run time by the rest of neyman.

- :func:`magic`: MAGIC gamma telescope (UCI), gammas are signal;
- :func:`cms_dielectron`, :func:`cms_zee`: CMS open data electron pairs, mass as target;
- :func:`higgs`, :func:`susy`: the UCI benchmarks of Baldi, Sadowski, Whiteson (2014), read in
  chunks, with their low/high-level feature groups and the authors' split;
- :func:`digits`, :func:`mnist`: handwritten digits as (n, 1, h, w) images.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from neyman.data import Dataset
from neyman.data.dataset import DatasetSplit
from neyman.data.physics import invariant_mass
from neyman.datasets._fetch import RemoteFile, locate
from neyman.errors import ConfigError, DataError, MissingColumnError, did_you_mean

__all__ = [
    "CMS_DIELECTRON_COLUMNS",
    "CMS_ZEE_COLUMNS",
    "HIGGS_FEATURES",
    "HIGGS_HIGH_LEVEL",
    "HIGGS_LOW_LEVEL",
    "MAGIC_FEATURES",
    "SUSY_FEATURES",
    "SUSY_HIGH_LEVEL",
    "SUSY_LOW_LEVEL",
    "cms_dielectron",
    "cms_zee",
    "digits",
    "higgs",
    "magic",
    "mnist",
    "read_idx",
    "susy",
]

PathLike = str | os.PathLike[str]

# ----------------------------------------------------------------------------- schemas
MAGIC_FEATURES = [
    "fLength",
    "fWidth",
    "fSize",
    "fConc",
    "fConc1",
    "fAsym",
    "fM3Long",
    "fM3Trans",
    "fAlpha",
    "fDist",
]

CMS_DIELECTRON_COLUMNS = [
    "Run",
    "Event",
    *[f"{v}1" for v in ("E", "px", "py", "pz", "pt", "eta", "phi", "Q")],
    *[f"{v}2" for v in ("E", "px", "py", "pz", "pt", "eta", "phi", "Q")],
    "M",
]

_ZEE_PER_ELECTRON = (
    "pt",
    "eta",
    "phi",
    "Q",
    "type",
    "sigmaEtaEta",
    "HoverE",
    "isoTrack",
    "isoEcal",
    "isoHcal",
)
CMS_ZEE_COLUMNS = [
    "Run",
    "Event",
    *[f"{v}1" for v in _ZEE_PER_ELECTRON],
    *[f"{v}2" for v in _ZEE_PER_ELECTRON],
]

#: The kinematic features both CMS loaders return by default (the zmass lab's inputs).
CMS_KINEMATICS = ["pt1", "eta1", "phi1", "pt2", "eta2", "phi2"]

HIGGS_LOW_LEVEL = [
    "lepton_pT",
    "lepton_eta",
    "lepton_phi",
    "missing_energy_magnitude",
    "missing_energy_phi",
    *[f"jet{i}{v}" for i in range(1, 5) for v in ("pt", "eta", "phi", "b-tag")],
]
HIGGS_HIGH_LEVEL = ["m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb"]
HIGGS_FEATURES = HIGGS_LOW_LEVEL + HIGGS_HIGH_LEVEL

SUSY_LOW_LEVEL = [
    "lepton_1_pT",
    "lepton_1_eta",
    "lepton_1_phi",
    "lepton_2_pT",
    "lepton_2_eta",
    "lepton_2_phi",
    "missing_energy_magnitude",
    "missing_energy_phi",
]
SUSY_HIGH_LEVEL = [
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
]
SUSY_FEATURES = SUSY_LOW_LEVEL + SUSY_HIGH_LEVEL

# ----------------------------------------------------------------------------- sources
_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"
MAGIC_FILE = RemoteFile(
    "magic04.data",
    f"{_UCI}/magic/magic04.data",
    "sha256:e9314b7ebd4b4b59a3b3d65f7316663963777b16a46786877651dbbaa640b36a",
)
# No checksum is published for these; the loaders check the schema of what they read instead.
CMS_DIELECTRON_FILE = RemoteFile(
    "dielectron.csv", "https://opendata.cern.ch/record/304/files/dielectron.csv"
)
CMS_ZEE_FILE = RemoteFile("Zee.csv", "https://opendata.cern.ch/record/545/files/Zee.csv")
HIGGS_FILE = RemoteFile("HIGGS.csv.gz", f"{_UCI}/00280/HIGGS.csv.gz")
SUSY_FILE = RemoteFile("SUSY.csv.gz", f"{_UCI}/00279/SUSY.csv.gz")
_MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist"
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
}

#: Events the authors held out as the test set (the last rows of each file).
PAPER_TEST_EVENTS = {"higgs": 500_000, "susy": 500_000}

_BALDI = (
    "P. Baldi, P. Sadowski, D. Whiteson, Searching for exotic particles in high-energy physics "
    "with deep learning, Nature Commun. 5 (2014) 4308, doi:10.1038/ncomms5308"
)


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt")
    return path.open("r")


def _first_line(path: Path) -> str:
    try:
        with _open_text(path) as fh:
            return fh.readline().strip()
    except (OSError, UnicodeDecodeError, EOFError) as err:
        msg = f"cannot read {path} as text ({err}); is it the right file?"
        raise DataError(msg) from err


def _check_fields(path: Path, expected: int, what: str) -> None:
    line = _first_line(path)
    got = len(line.split(","))
    if got != expected:
        msg = (
            f"{path} has {got} comma-separated fields per line, but the {what} schema has "
            f"{expected}; pass the published {what} file"
        )
        raise DataError(msg)


# ----------------------------------------------------------------------------- MAGIC
def magic(path: PathLike | None = None) -> Dataset:
    """The MAGIC gamma telescope data: 19,020 events, 10 image features.

    Header-less CSV ``fLength, ..., fDist, class``; ``g`` (gamma, 12,332) is signal
    (``y = 1``), ``h`` (hadron, 6,688) background.

    Parameters
    ----------
    path : path-like, optional
        ``magic04.data`` or a folder holding it; else cache, else download (sha256-checked).

    Returns
    -------
    Dataset
        Features :data:`MAGIC_FEATURES` (lengths in mm, angles in degrees, sizes in photo-
        electrons as in the source), ``class_names = ["hadron", "gamma"]``.
    """
    file = locate(MAGIC_FILE, path)
    _check_fields(file, 11, "MAGIC (10 features + class)")
    try:
        df = pd.read_csv(
            file,
            header=None,
            names=[*MAGIC_FEATURES, "class"],
            dtype={**dict.fromkeys(MAGIC_FEATURES, np.float64), "class": str},
        )
    except (ValueError, pd.errors.ParserError) as err:
        msg = f"cannot parse {file} as the MAGIC CSV ({err})"
        raise DataError(msg) from err
    labels = df["class"].str.strip()
    bad = sorted(set(labels.unique()) - {"g", "h"})
    if bad:
        msg = f"{file}: class column holds {bad[:5]}, expected only 'g' and 'h'"
        raise DataError(msg)
    return Dataset(
        df[MAGIC_FEATURES].to_numpy(),
        y=(labels == "g").to_numpy().astype(np.int64),
        feature_names=list(MAGIC_FEATURES),
        class_names=["hadron", "gamma"],
        target_name="class",
        name="magic",
        meta={
            "description": "MAGIC gamma telescope: Hillas image parameters of simulated "
            "gamma (signal) and hadron (background) showers",
            "citation": "R. K. Bock et al., Methods for multidimensional event classification: "
            "a case study using images from a Cherenkov gamma-ray telescope, "
            "Nucl. Instrum. Meth. A 516 (2004) 511",
            "licence": "CC BY 4.0",
            "source": MAGIC_FILE.url,
            "path": str(file),
        },
    )


# ----------------------------------------------------------------------------- CMS
def _read_csv_schema(file: Path, required: Sequence[str], what: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(file)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        msg = f"cannot parse {file} as the {what} CSV ({err})"
        raise DataError(msg) from err
    df.columns = [str(c).strip() for c in df.columns]
    for col in required:
        if col not in df.columns:
            msg = f"column '{col}' not in {file} ({what} schema){did_you_mean(col, df.columns)}"
            raise MissingColumnError(msg)
    return df


def _dielectron_dataset(
    df: pd.DataFrame,
    features: Sequence[str] | None,
    *,
    name: str,
    meta: dict[str, Any],
    source: str,
) -> Dataset:
    feats = list(CMS_KINEMATICS if features is None else features)
    for f in feats:
        if f not in df.columns or f == "M":
            options = [c for c in df.columns if c != "M"]
            msg = f"feature '{f}' not available in {source}{did_you_mean(f, options)}"
            raise MissingColumnError(msg)
    if "M" in df.columns:
        mass = df["M"].to_numpy(np.float64)
    else:
        mass = invariant_mass(
            *(df[c].to_numpy(np.float64) for c in ("pt1", "eta1", "phi1", "pt2", "eta2", "phi2"))
        )
        meta = {**meta, "mass": "computed from pt, eta, phi (massless electrons)"}
    groups = {"kinematics": [f for f in CMS_KINEMATICS if f in feats]}
    return Dataset(
        df[feats].to_numpy(np.float64),
        y=np.asarray(mass, dtype=np.float64),
        feature_names=feats,
        feature_groups={k: v for k, v in groups.items() if v},
        target_name="M",
        name=name,
        meta={**meta, "columns": list(df.columns), "units": "GeV, radians"},
    )


_CMS_LICENCE = "CC0 (CERN Open Data Portal)"


def cms_dielectron(
    path: PathLike | None = None, *, features: Sequence[str] | None = None
) -> Dataset:
    """CMS open data, events with two electrons (2010), mass as the regression target.

    Columns ``Run,Event,E1,px1,py1,pz1,pt1,eta1,phi1,Q1,E2,...,Q2,M`` (GeV). ``X`` holds
    ``features`` (default ``pt1, eta1, phi1, pt2, eta2, phi2``), ``y`` the recorded pair mass
    ``M`` (computed from pt, eta, phi when the file has no ``M``).

    Parameters
    ----------
    path : path-like, optional
        ``dielectron.csv`` (or a sample in its schema, e.g. ``shared/data``'s
        ``cms_dielectron_2010_sample.csv``), or a folder holding ``dielectron.csv``.
    features : list of str, optional
        Any numeric columns of the file other than ``M``.
    """
    file = locate(CMS_DIELECTRON_FILE, path)
    required = [c for c in CMS_DIELECTRON_COLUMNS if c != "M"]
    df = _read_csv_schema(file, required, "CMS dielectron")
    return _dielectron_dataset(
        df,
        features,
        name="cms_dielectron",
        source=str(file),
        meta={
            "description": "CMS 2010 collision events with two electrons (Run2010B), "
            "four-momenta, charges and invariant mass",
            "citation": "CMS Collaboration, Events with two electrons from 2010, CERN Open "
            "Data Portal, doi:10.7483/OPENDATA.CMS.PCSW.AHVG",
            "licence": _CMS_LICENCE,
            "source": CMS_DIELECTRON_FILE.url,
            "path": str(file),
        },
    )


def cms_zee(path: PathLike | None = None, *, features: Sequence[str] | None = None) -> Dataset:
    """CMS open data 2011 ``Zee.csv``: electron pairs with identification variables.

    Columns ``Run,Event,pt1,eta1,phi1,Q1,type1,sigmaEtaEta1,HoverE1,isoTrack1,isoEcal1,
    isoHcal1`` and the same for electron 2. The file has no mass: ``y`` is the massless
    invariant mass ``M² = 2 pT1 pT2 (cosh Δη - cos Δφ)`` (GeV) computed with
    :func:`neyman.data.physics.invariant_mass`.
    """
    file = locate(CMS_ZEE_FILE, path)
    df = _read_csv_schema(file, CMS_ZEE_COLUMNS, "CMS Zee")
    return _dielectron_dataset(
        df,
        features,
        name="cms_zee",
        source=str(file),
        meta={
            "description": "CMS 2011 Z -> ee candidates with electron identification and "
            "isolation variables",
            "citation": "CMS Collaboration, Zee and Zmumu events from 2011, CERN Open Data "
            "Portal, record 545",
            "licence": _CMS_LICENCE,
            "source": CMS_ZEE_FILE.url,
            "path": str(file),
        },
    )


# ----------------------------------------------------------------------------- HIGGS / SUSY
def _uci_columns(file: Path, names: list[str]) -> list[str] | None:
    """Column names for a CSV whose first line is a header row, else None (the UCI file).

    The course reads the file with ``pd.read_csv``, so copies saved from a DataFrame carry a
    header: its label column is the one called ``label`` (any case; else the first), and the
    other columns are the features in UCI order, whatever they are called.
    """
    header = [f.strip().strip('"').strip() for f in _first_line(file).split(",")]
    try:
        [float(f) for f in header]
    except ValueError:
        pass
    else:
        return None  # numbers: no header row
    lower = [h.lower() for h in header]
    at = lower.index("label") if "label" in lower else 0
    it = iter(names)
    return ["label" if i == at else next(it) for i in range(len(header))]


def _read_uci_benchmark(
    file: Path, names: list[str], rows: int | None, chunk_rows: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Read ``label, features...`` header-less CSV (``.gz`` too) in chunks of float32."""
    if file.suffix in (".parquet", ".pq"):
        from neyman.data.io import read_table

        df = read_table(file, columns=["label", *names])
        if rows is not None:
            df = df.iloc[:rows]
        return df[names].to_numpy(np.float32), df["label"].to_numpy().astype(np.int64)
    _check_fields(file, len(names) + 1, f"{len(names)}-feature UCI")
    columns = _uci_columns(file, names)
    xs: list[npt.NDArray[np.float32]] = []
    ys: list[npt.NDArray[np.int64]] = []
    try:
        reader = pd.read_csv(
            file,
            header=None if columns is None else 0,
            names=["label", *names] if columns is None else columns,
            dtype=np.float32,
            chunksize=chunk_rows,
            nrows=rows,
        )
        for chunk in reader:
            xs.append(chunk[names].to_numpy(np.float32))
            ys.append(chunk["label"].to_numpy(np.float32).astype(np.int64))
    except (ValueError, pd.errors.ParserError, EOFError, OSError) as err:
        msg = f"cannot parse {file} as the UCI benchmark CSV ({err})"
        raise DataError(msg) from err
    if not xs:
        msg = f"{file} holds no events"
        raise DataError(msg)
    y = np.concatenate(ys)
    bad = np.setdiff1d(np.unique(y), [0, 1])
    if bad.size:
        msg = f"{file}: first column holds labels {bad[:5].tolist()}, expected 0 and 1"
        raise DataError(msg)
    return np.concatenate(xs), y


def _benchmark(
    key: Literal["higgs", "susy"],
    remote: RemoteFile,
    low: list[str],
    high: list[str],
    path: PathLike | None,
    rows: int | None,
    split: Literal["paper"] | None,
    chunk_rows: int,
    meta: dict[str, Any],
) -> Dataset | DatasetSplit:
    if rows is not None and (int(rows) != rows or rows < 1):
        msg = f"rows must be a positive integer; got {rows!r}"
        raise ConfigError(msg)
    if split not in (None, "paper"):
        msg = f"split must be None or 'paper'; got {split!r}"
        raise ConfigError(msg)
    if split == "paper" and rows is not None:
        msg = "split='paper' holds out the last events of the whole file; do not combine it with rows="
        raise ConfigError(msg)
    file = locate(remote, path)
    names = low + high
    X, y = _read_uci_benchmark(file, names, rows, chunk_rows)
    ds = Dataset(
        X,
        y=y,
        feature_names=names,
        feature_groups={"low": list(low), "high": list(high)},
        class_names=["background", "signal"],
        name=key,
        meta={**meta, "source": remote.url, "path": str(file), "citation": _BALDI},
    )
    if split is None:
        return ds
    n_test = PAPER_TEST_EVENTS[key]
    if ds.n_events <= n_test:
        msg = (
            f"{file} has {ds.n_events} events, but the paper split holds out the last {n_test}; "
            "read the full file"
        )
        raise DataError(msg)
    cut = ds.n_events - n_test
    return DatasetSplit(
        ds.subset(np.arange(cut)), ds.subset(np.arange(0)), ds.subset(np.arange(cut, ds.n_events))
    )


@overload
def higgs(
    path: PathLike | None = ..., rows: int | None = ..., split: None = ..., *, chunk_rows: int = ...
) -> Dataset: ...
@overload
def higgs(
    path: PathLike | None, rows: int | None, split: Literal["paper"], *, chunk_rows: int = ...
) -> DatasetSplit: ...
@overload
def higgs(
    path: PathLike | None = ...,
    rows: int | None = ...,
    *,
    split: Literal["paper"],
    chunk_rows: int = ...,
) -> DatasetSplit: ...
def higgs(
    path: PathLike | None = None,
    rows: int | None = None,
    split: Literal["paper"] | None = None,
    *,
    chunk_rows: int = 500_000,
) -> Dataset | DatasetSplit:
    """The UCI HIGGS benchmark: 11,000,000 events, 21 low-level + 7 high-level features.

    Header-less CSV (``HIGGS.csv.gz``): label (1 = signal), then :data:`HIGGS_FEATURES`.
    Read in float32 chunks of ``chunk_rows``; ``rows=N`` reads only the first N events.

    Parameters
    ----------
    path : path-like, optional
        ``HIGGS.csv.gz`` (or ``.csv``, or Parquet with a ``label`` column), or its folder.
    rows : int, optional
        Read the first ``rows`` events only.
    split : {None, "paper"}
        ``"paper"``: return a :class:`~neyman.data.DatasetSplit` whose test part is the last
        500,000 events (the authors' test set) and whose validation part is empty.

    Returns
    -------
    Dataset or DatasetSplit
        With ``feature_groups = {"low": 21 names, "high": 7 names}``.
    """
    return _benchmark(
        "higgs",
        HIGGS_FILE,
        HIGGS_LOW_LEVEL,
        HIGGS_HIGH_LEVEL,
        path,
        rows,
        split,
        chunk_rows,
        {
            "description": "UCI HIGGS: simulated gg -> H0 -> W H+- -> W W h -> W W b b signal "
            "against t tbar background, 8 TeV",
            "licence": "CC BY 4.0",
        },
    )


@overload
def susy(
    path: PathLike | None = ..., rows: int | None = ..., split: None = ..., *, chunk_rows: int = ...
) -> Dataset: ...
@overload
def susy(
    path: PathLike | None, rows: int | None, split: Literal["paper"], *, chunk_rows: int = ...
) -> DatasetSplit: ...
@overload
def susy(
    path: PathLike | None = ...,
    rows: int | None = ...,
    *,
    split: Literal["paper"],
    chunk_rows: int = ...,
) -> DatasetSplit: ...
def susy(
    path: PathLike | None = None,
    rows: int | None = None,
    split: Literal["paper"] | None = None,
    *,
    chunk_rows: int = 500_000,
) -> Dataset | DatasetSplit:
    """The UCI SUSY benchmark: 5,000,000 events, 8 low-level + 10 high-level features.

    Header-less CSV (``SUSY.csv.gz``): label (1 = signal), then :data:`SUSY_FEATURES`.
    Arguments as for :func:`higgs`; ``split="paper"`` holds out the last 500,000 events.
    """
    return _benchmark(
        "susy",
        SUSY_FILE,
        SUSY_LOW_LEVEL,
        SUSY_HIGH_LEVEL,
        path,
        rows,
        split,
        chunk_rows,
        {
            "description": "UCI SUSY: simulated chargino pairs decaying to W and neutralino "
            "(two leptons + missing energy) against W W background",
            "licence": "CC BY 4.0",
        },
    )


# ----------------------------------------------------------------------------- images
def digits(*, normalize: bool = True) -> Dataset:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images) as (n, 1, 8, 8) images.

    Pixel values are 0..16 in the source; ``normalize=True`` divides by 16 into [0, 1].
    ``y`` is the digit 0..9.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.asarray(bunch.images, dtype=np.float64)[:, None, :, :]
    if normalize:
        images = images / 16.0
    return Dataset(
        images,
        y=np.asarray(bunch.target, dtype=np.int64),
        class_names=[str(i) for i in range(10)],
        target_name="digit",
        name="digits",
        meta={
            "description": "UCI optical recognition of handwritten digits (8x8, 1,797 images), "
            "as bundled with scikit-learn",
            "citation": "E. Alpaydin, C. Kaynak, Optical Recognition of Handwritten Digits, "
            "UCI Machine Learning Repository (1998), doi:10.24432/C50P49",
            "licence": "CC BY 4.0",
            "source": "sklearn.datasets.load_digits",
        },
    )


_IDX_DTYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path: PathLike) -> npt.NDArray[Any]:
    """Read an IDX file (the MNIST format), gzip-compressed or not.

    Header: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, then each size as a big-endian
    int32; the data follow, big-endian.
    """
    file = Path(path)
    try:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as err:
        msg = f"cannot read IDX file {file} ({err})"
        raise DataError(msg) from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        msg = f"{file} is not an IDX file (bad magic number {raw[:4].hex()})"
        raise DataError(msg)
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        msg = f"{file}: IDX header truncated"
        raise DataError(msg)
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        msg = f"{file}: IDX header says shape {shape} ({expected} bytes) but {len(raw) - header} bytes follow"
        raise DataError(msg)
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def mnist(path: PathLike | None = None, *, kind: Literal["train", "test"] = "train") -> Dataset:
    """MNIST handwritten digits from the IDX files, as (n, 1, 28, 28) images in [0, 1].

    Parameters
    ----------
    path : path-like, optional
        Folder with ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]`` (and
        ``t10k-...`` for ``kind="test"``); else the cache (downloaded, md5-checked).
    kind : {"train", "test"}
        60,000 training or 10,000 test images.
    """
    if kind not in ("train", "test"):
        msg = f"kind must be 'train' or 'test'; got {kind!r}"
        raise ConfigError(msg)
    prefix = "train" if kind == "train" else "t10k"
    found: dict[str, Path] = {}
    for part, code in (("images", "idx3"), ("labels", "idx1")):
        base = f"{prefix}-{part}-{code}-ubyte"
        gz = RemoteFile(f"{base}.gz", f"{_MNIST}/{base}.gz", MNIST_FILES[f"{base}.gz"])
        if path is not None:
            folder = Path(path).expanduser()
            if not folder.is_dir():
                msg = f"mnist needs the folder holding the IDX files; {folder} is not a folder"
                raise DataError(msg)
            hits = [folder / base, folder / f"{base}.gz"]
            hit = next((h for h in hits if h.is_file()), None)
            if hit is None:
                msg = f"{base}[.gz] not found in {folder}; download it from {gz.url}"
                raise DataError(msg)
            found[part] = hit
        else:
            found[part] = locate(gz)
    images = read_idx(found["images"])
    labels = read_idx(found["labels"])
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        msg = f"MNIST files disagree: images {images.shape}, labels {labels.shape}"
        raise DataError(msg)
    return Dataset(
        images[:, None, :, :].astype(np.float32) / 255.0,
        y=labels.astype(np.int64),
        class_names=[str(i) for i in range(10)],
        target_name="digit",
        name=f"mnist_{kind}",
        meta={
            "description": "MNIST handwritten digits (28x28)",
            "citation": "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, Gradient-based learning "
            "applied to document recognition, Proc. IEEE 86 (1998) 2278",
            "licence": "CC BY-SA 3.0",
            "source": _MNIST,
            "path": str(found["images"].parent),
        },
    )
