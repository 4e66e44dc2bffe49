"""The registry behind `neyman datasets list | info | fetch`."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

import neyman.datasets as nd
from neyman.data import Dataset
from neyman.datasets import DATASETS, dataset_info, fetch_dataset, list_datasets, load_dataset
from neyman.errors import ConfigError, DataError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"

ISSUE_NAMES = {
    "charges", "gaussian_mixture_1d", "gaussian_mixture", "rings", "xor", "moons", "circles",
    "linearly_separable", "magic", "cms_dielectron", "cms_zee", "higgs", "susy", "digits",
    "mnist", "drell_yan_ee", "top_tagging",
}  # fmt: skip


def test_registry_covers_every_dataset_and_loader() -> None:
    assert set(DATASETS) == ISSUE_NAMES
    for name, info in DATASETS.items():
        assert getattr(nd, info.loader.__name__) is info.loader, name
        assert info.kind in ("toy", "real", "generated")
        assert info.description and info.citation and info.licence and info.source
        assert (info.kind == "real" and name != "digits") == bool(info.files), name


def test_list_datasets_table() -> None:
    table = list_datasets()
    assert [c.header for c in table.columns] == [
        "name",
        "kind",
        "events",
        "features",
        "truth",
        "source",
    ]
    assert table.row_count == len(DATASETS)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    text = console.export_text()
    assert "gaussian_mixture_1d" in text and "19,020" in text and "CERN Open Data" in text


def test_dataset_info_text() -> None:
    text = dataset_info("magic")
    assert "Bock" in text and "CC BY 4.0" in text
    assert "magic04.data" in text and "sha256:e9314b7e" in text
    assert "licence: CC0" in dataset_info("cms_dielectron")
    with pytest.raises(ConfigError, match="did you mean 'magic'"):
        dataset_info("magik")


def test_fetch_dataset() -> None:
    with pytest.raises(ConfigError, match="built in; nothing to fetch"):
        fetch_dataset("xor")
    with pytest.raises(ConfigError, match="scikit-learn"):
        fetch_dataset("digits")
    with pytest.raises(DataError, match="NEYMAN_OFFLINE"):
        fetch_dataset("susy")
    if (SHARED / "magic04.data").is_file():
        assert fetch_dataset("magic", path=SHARED) == SHARED / "magic04.data"


def test_every_exact_truth_dataset_agrees_with_its_function() -> None:
    for name, info in DATASETS.items():
        if not info.truth:
            continue
        if name == "charges":
            ds = load_dataset(name)
        elif name == "gaussian_mixture":
            ds = load_dataset(name, d=4, n=40, random_state=0)
        else:
            ds = load_dataset(name, n=40, random_state=0)
        assert isinstance(ds, Dataset) and ds.truth is not None, name
        x = ds.X.astype(np.float64)
        np.testing.assert_array_equal(ds.meta["llr"](x), ds.truth, err_msg=name)
        assert ds.meta["description"], name


def test_load_dataset() -> None:
    assert load_dataset("drell_yan_ee", n=50, random_state=0).n_events == 50
    with pytest.raises(ConfigError, match="no dataset named"):
        load_dataset("higgs2")


def test_fetch_higgs_offline_names_the_generator() -> None:
    """`neyman datasets fetch higgs` offline points at `neyman generate higgs` and --path."""
    with pytest.raises(DataError) as err:
        fetch_dataset("higgs")
    text = str(err.value)
    assert "neyman generate higgs" in text
    assert "--path FILE" in text
    assert err.value.path is not None and err.value.path.endswith("HIGGS.csv.gz")
    with pytest.raises(DataError) as err:
        fetch_dataset("magic", path="/nonexistent/magic04.data")
    assert "neyman generate" not in str(err.value)  # no generator for MAGIC
    assert err.value.path == "/nonexistent/magic04.data"
