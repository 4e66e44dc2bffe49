"""One table of every built-in dataset, for ``neyman datasets list | info NAME | fetch NAME``.

Each entry says what kind it is (``toy``: generated with exact truth; ``real``: public data
read from a file; ``generated``: a simulation without exact truth), its size, its source,
citation and licence, and which loader makes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rich.table import Table

from neyman.data import Dataset
from neyman.datasets import drell_yan, mixtures, real, top_tagging, toys
from neyman.datasets._fetch import RemoteFile, data_dir, locate
from neyman.errors import ConfigError, DataError, did_you_mean

__all__ = [
    "DATASETS",
    "GENERATABLE",
    "DatasetInfo",
    "dataset_info",
    "fetch_dataset",
    "list_datasets",
    "load_dataset",
]

Kind = Literal["toy", "real", "generated"]


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` and :func:`dataset_info` show about one dataset."""

    name: str
    kind: Kind
    events: str
    features: str
    truth: bool
    source: str
    description: str
    citation: str
    licence: str
    loader: Callable[..., Any]
    files: tuple[RemoteFile, ...] = ()


_GEN = "generated"
_BSD = "BSD-3-Clause (generated)"
_BALDI = "P. Baldi, P. Sadowski, D. Whiteson, Nature Commun. 5 (2014) 4308, doi:10.1038/ncomms5308"

_ENTRIES = [
    DatasetInfo(
        "charges",
        "toy",
        "121",
        "2",
        True,
        "problem sheet",
        "Integer charge pairs -5..5 labelled attract (sign(q1) != sign(q2)) or not; "
        "kind='three_class' gives attractive / neutral / repulsive. Exact truth is +-inf "
        "(deterministic labels).",
        "course problem sheet",
        _BSD,
        toys.charges,
    ),
    DatasetInfo(
        "gaussian_mixture_1d",
        "toy",
        "n per class",
        "1",
        True,
        _GEN,
        "Signal 0.6 N(-1.1, 0.5) + 0.4 N(1, 1) against background 0.7 N(2, 0.5) + "
        "0.3 N(-1, 1) (N(mean, sigma)); exact log-likelihood ratio and optimal AUC by "
        "numerical integration.",
        "course problem sheet",
        _BSD,
        mixtures.gaussian_mixture_1d,
    ),
    DatasetInfo(
        "gaussian_mixture",
        "toy",
        "n per class",
        "d = 1..50",
        True,
        _GEN,
        "Seeded family of correlated d-dimensional Gaussian mixtures with the exact "
        "log-likelihood ratio: a benchmark whose Neyman-Pearson optimum is known.",
        "J. Neyman, E. S. Pearson, Phil. Trans. R. Soc. A 231 (1933) 289",
        _BSD,
        mixtures.gaussian_mixture,
    ),
    DatasetInfo(
        "rings",
        "toy",
        "n per class",
        "2",
        True,
        _GEN,
        "Alternating concentric rings (signal radii 1, 3; background 2, 4) with Gaussian "
        "smearing; closed-form density.",
        "-",
        _BSD,
        toys.rings,
    ),
    DatasetInfo(
        "xor",
        "toy",
        "n per class",
        "2",
        True,
        _GEN,
        "Four Gaussian blobs in an XOR pattern; exact mixture likelihood ratio.",
        "-",
        _BSD,
        toys.xor,
    ),
    DatasetInfo(
        "moons",
        "toy",
        "n per class",
        "2",
        True,
        "scikit-learn geometry",
        "scikit-learn's two half moons with uniform arc position; density by quadrature.",
        "F. Pedregosa et al., JMLR 12 (2011) 2825",
        _BSD,
        toys.moons,
    ),
    DatasetInfo(
        "circles",
        "toy",
        "n per class",
        "2",
        True,
        "scikit-learn geometry",
        "scikit-learn's two concentric circles with uniform angle; closed-form density.",
        "F. Pedregosa et al., JMLR 12 (2011) 2825",
        _BSD,
        toys.circles,
    ),
    DatasetInfo(
        "linearly_separable",
        "toy",
        "n per class",
        "2",
        True,
        _GEN,
        "Two Gaussians with a shared covariance: the optimal boundary is a line.",
        "-",
        _BSD,
        toys.linearly_separable,
    ),
    DatasetInfo(
        "magic",
        "real",
        "19,020",
        "10",
        False,
        "UCI ML Repository",
        "MAGIC gamma telescope: Hillas parameters of simulated gamma (signal, 12,332) and "
        "hadron (background, 6,688) air showers.",
        "R. K. Bock et al., Nucl. Instrum. Meth. A 516 (2004) 511",
        "CC BY 4.0",
        real.magic,
        (real.MAGIC_FILE,),
    ),
    DatasetInfo(
        "cms_dielectron",
        "real",
        "100,000",
        "6 (of 19 columns)",
        False,
        "CERN Open Data",
        "CMS 2010 events with two electrons: four-momenta, charges, invariant mass "
        "(regression target M).",
        "CMS Collaboration, doi:10.7483/OPENDATA.CMS.PCSW.AHVG",
        "CC0",
        real.cms_dielectron,
        (real.CMS_DIELECTRON_FILE,),
    ),
    DatasetInfo(
        "cms_zee",
        "real",
        "about 10,000",
        "6 (of 22 columns)",
        False,
        "CERN Open Data",
        "CMS 2011 Z -> ee candidates with identification and isolation variables; mass "
        "computed from pt, eta, phi as the regression target.",
        "CMS Collaboration, CERN Open Data Portal record 545",
        "CC0",
        real.cms_zee,
        (real.CMS_ZEE_FILE,),
    ),
    DatasetInfo(
        "higgs",
        "real",
        "11,000,000",
        "28 (21 low + 7 high)",
        False,
        "UCI ML Repository",
        "Simulated heavy-Higgs signal against t tbar; the authors' test set is the last "
        "500,000 events (split='paper').",
        _BALDI,
        "CC BY 4.0",
        real.higgs,
        (real.HIGGS_FILE,),
    ),
    DatasetInfo(
        "susy",
        "real",
        "5,000,000",
        "18 (8 low + 10 high)",
        False,
        "UCI ML Repository",
        "Simulated chargino pairs against W W; the authors' test set is the last 500,000 "
        "events (split='paper').",
        _BALDI,
        "CC BY 4.0",
        real.susy,
        (real.SUSY_FILE,),
    ),
    DatasetInfo(
        "digits",
        "real",
        "1,797",
        "1x8x8 image",
        False,
        "scikit-learn",
        "Handwritten digits 0-9 as 8x8 images (ships with scikit-learn; nothing to fetch).",
        "E. Alpaydin, C. Kaynak, UCI (1998), doi:10.24432/C50P49",
        "CC BY 4.0",
        real.digits,
    ),
    DatasetInfo(
        "mnist",
        "real",
        "60,000 + 10,000",
        "1x28x28 image",
        False,
        "LeCun et al.",
        "MNIST handwritten digits from the IDX files.",
        "Y. LeCun et al., Proc. IEEE 86 (1998) 2278",
        "CC BY-SA 3.0",
        real.mnist,
        tuple(
            RemoteFile(name, f"{real._MNIST}/{name}", digest)
            for name, digest in real.MNIST_FILES.items()
        ),
    ),
    DatasetInfo(
        "top_tagging",
        "real",
        "1,200,000 + 400,000 + 400,000",
        "up to 200 constituents (E, px, py, pz)",
        False,
        "Zenodo record 2603256",
        "Boosted hadronic top jets against QCD jets, anti-kt R = 0.8, 550 < pT < 650 GeV, "
        "|eta| < 2, Pythia 8 + Delphes at 14 TeV; read as a jets table with jagged "
        "constituent columns (the table of `neyman generate jets`).",
        "G. Kasieczka et al., SciPost Phys. 7, 014 (2019), arXiv:1902.09914",
        "CC BY 4.0",
        top_tagging.top_tagging_jets,
        tuple(top_tagging.TOP_TAGGING_FILES.values()),
    ),
    DatasetInfo(
        "drell_yan_ee",
        "generated",
        "n",
        "6 (of 19 columns)",
        False,
        _GEN,
        "Z/gamma* -> ee at 7 TeV: relativistic Breit-Wigner, 1 + cos^2, realistic boson pT "
        "and rapidity, electron smearing, CMS-like acceptance; in the CMS dielectron schema.",
        "PDG: m_Z = 91.1876 GeV, Gamma_Z = 2.4952 GeV",
        _BSD,
        drell_yan.drell_yan_ee,
    ),
]

#: Real datasets with a generator that writes the same columns: the command that makes one.
GENERATABLE: dict[str, str] = {
    "higgs": "neyman generate higgs -n 20000 -o higgs.parquet (needs neyman[generate])",
    "susy": "neyman generate susy -n 20000 -o susy.parquet (needs neyman[generate])",
}

#: Every dataset by name.
DATASETS: dict[str, DatasetInfo] = {e.name: e for e in _ENTRIES}


def _get(name: str) -> DatasetInfo:
    if name not in DATASETS:
        msg = f"no dataset named '{name}'{did_you_mean(name, DATASETS)}; see `neyman datasets list`"
        raise ConfigError(msg)
    return DATASETS[name]


def list_datasets() -> Table:
    """A rich table: name, kind, events, features, exact truth, source."""
    table = Table(title="neyman datasets", title_justify="left")
    for col, just in (
        ("name", "left"),
        ("kind", "left"),
        ("events", "right"),
        ("features", "right"),
        ("truth", "center"),
        ("source", "left"),
    ):
        table.add_column(col, justify=just, no_wrap=col == "name")  # type: ignore[arg-type]
    for e in _ENTRIES:
        table.add_row(e.name, e.kind, e.events, e.features, "yes" if e.truth else "no", e.source)
    return table


def dataset_info(name: str) -> str:
    """Description, size, source, citation, licence and how to load one dataset."""
    e = _get(name)
    lines = [
        f"{e.name} ({e.kind})",
        e.description,
        f"events: {e.events}; features: {e.features}; exact truth: {'yes' if e.truth else 'no'}",
        f"source: {e.source}",
        f"citation: {e.citation}",
        f"licence: {e.licence}",
        f"load: neyman.datasets.{e.loader.__name__}(...)",
    ]
    for f in e.files:
        check = f.known_hash or "no published checksum; schema checked on load"
        lines.append(f"file: {f.filename} from {f.url} ({check})")
    if e.files:
        lines.append(f"cache: {data_dir()} (set NEYMAN_DATA_DIR to change)")
    return "\n".join(lines)


def fetch_dataset(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Make a real dataset's file(s) available locally and return where they are.

    ``path`` as for the loaders (a file or a folder); without it the file is taken from the
    cache or downloaded with its checksum. For several files (MNIST) the folder is returned.
    """
    e = _get(name)
    if not e.files:
        msg = (
            f"dataset '{name}' is {'bundled with scikit-learn' if name == 'digits' else 'built in'}; "
            f"nothing to fetch (load it with neyman.datasets.{e.loader.__name__}())"
        )
        raise ConfigError(msg)
    try:
        found = [locate(f, path) for f in e.files]
    except DataError as err:
        if name not in GENERATABLE:
            raise
        # the UCI benchmarks are 2-3 GB; a sample in the same columns can be made locally
        msg = f"{err}; or make a {name.upper()}-like sample: {GENERATABLE[name]}"
        raise DataError(msg, path=err.path) from err
    return found[0] if len(found) == 1 else found[0].parent


def load_dataset(name: str, **kwargs: Any) -> Dataset:
    """Call the loader of dataset ``name`` with ``kwargs`` (e.g. ``path=``, ``n=``)."""
    e = _get(name)
    out = e.loader(**kwargs)
    if not isinstance(out, Dataset):
        msg = f"load_dataset('{name}') returns one Dataset; call neyman.datasets.{e.loader.__name__} for splits"
        raise ConfigError(msg)
    return out
