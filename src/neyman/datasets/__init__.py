"""Built-in datasets: problems with exact truth, real physics data, generated Drell-Yan.

Every function returns a :class:`~neyman.data.Dataset` (``n`` is events per class for the
classification toys). Read in this order:

- :mod:`~neyman.datasets.mixtures`: Gaussian-mixture problems with the exact likelihood
  ratio (:class:`GaussianMixtureProblem`, :func:`gaussian_mixture_1d`,
  :func:`gaussian_mixture`);
- :mod:`~neyman.datasets.toys`: :func:`charges`, :func:`rings`, :func:`xor`, :func:`moons`,
  :func:`circles`, :func:`linearly_separable`, all with exact truth;
- :mod:`~neyman.datasets.real`: :func:`magic`, :func:`cms_dielectron`, :func:`cms_zee`,
  :func:`higgs`, :func:`susy`, :func:`digits`, :func:`mnist` (path, else cache, else a
  checksummed download; see :mod:`~neyman.datasets._fetch`);
- :mod:`~neyman.datasets.top_tagging`: :func:`top_tagging_jets`, the Top Tagging Reference
  dataset's jets as constituents (the table of ``neyman generate jets``);
- :mod:`~neyman.datasets.drell_yan`: :func:`drell_yan_ee`, generated Z/γ* -> ee events;
- :mod:`~neyman.datasets.registry`: the table behind ``neyman datasets list | info | fetch``.

Exact truth convention: ``dataset.truth`` holds ``log p_s(x)/p_b(x)`` per event and
``dataset.meta["llr"]`` is the function computing it at any ``x`` of shape (n, d).
"""

from __future__ import annotations

from neyman.datasets._fetch import data_dir
from neyman.datasets.drell_yan import drell_yan_ee, drell_yan_ee_frame
from neyman.datasets.mixtures import (
    GaussianMixture,
    GaussianMixtureProblem,
    gaussian_mixture,
    gaussian_mixture_1d,
    gaussian_mixture_problem,
)
from neyman.datasets.real import (
    cms_dielectron,
    cms_zee,
    digits,
    higgs,
    magic,
    mnist,
    read_idx,
    susy,
)
from neyman.datasets.registry import (
    DATASETS,
    DatasetInfo,
    dataset_info,
    fetch_dataset,
    list_datasets,
    load_dataset,
)
from neyman.datasets.top_tagging import top_tagging_jets
from neyman.datasets.toys import charges, circles, linearly_separable, moons, rings, xor

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "GaussianMixture",
    "GaussianMixtureProblem",
    "charges",
    "circles",
    "cms_dielectron",
    "cms_zee",
    "data_dir",
    "dataset_info",
    "digits",
    "drell_yan_ee",
    "drell_yan_ee_frame",
    "fetch_dataset",
    "gaussian_mixture",
    "gaussian_mixture_1d",
    "gaussian_mixture_problem",
    "higgs",
    "linearly_separable",
    "list_datasets",
    "load_dataset",
    "magic",
    "mnist",
    "moons",
    "read_idx",
    "rings",
    "susy",
    "top_tagging_jets",
    "xor",
]
