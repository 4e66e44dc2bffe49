"""Top Tagging Reference format: schema check, conversion to constituents, checked download."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import h5py
import numpy as np
import pytest

import neyman.datasets.top_tagging as tt
from neyman.datasets import DATASETS, dataset_info
from neyman.datasets._fetch import RemoteFile
from neyman.errors import ConfigError, DataError

from .test_fetch import server, sha256  # noqa: F401 - the 127.0.0.1 file server fixture


def write_reference(path: Path, momenta: np.ndarray, labels: np.ndarray, *, drop: str = "") -> Path:
    """A file in pandas' 'fixed' HDF5 layout with the reference columns (floats in block 0,
    the label in block 1, as pandas writes a frame with two dtypes)."""
    n = len(labels)
    names = [f"{c}_{i}" for i in range(200) for c in ("E", "PX", "PY", "PZ")]
    values = np.zeros((n, 800))
    values[:, : momenta.shape[1] * 4] = momenta.reshape(n, -1)
    extra = ["truthE", "truthPX", "truthPY", "truthPZ", "ttv"]
    values = np.hstack([values, np.zeros((n, 5))])
    names = names + extra
    keep = [i for i, c in enumerate(names) if c != drop]
    names = [names[i] for i in keep]
    values = values[:, keep]
    with h5py.File(path, "w") as f:
        g = f.create_group("table")
        g.attrs["pandas_type"] = b"frame"
        g.attrs["nblocks"] = 2
        g["axis0"] = np.array([*names, "is_signal_new"], dtype="S")
        g["axis1"] = np.arange(n)
        g["block0_items"] = np.array(names, dtype="S")
        g["block0_values"] = values.astype(np.float32)
        g["block1_items"] = np.array(["is_signal_new"], dtype="S")
        g["block1_values"] = labels.reshape(-1, 1).astype(np.int64)
    return path


def _jets() -> tuple[np.ndarray, np.ndarray]:
    # jet 0: two massless constituents back to back in phi at eta 0 -> mass 2*sqrt(E1 E2)
    m = np.zeros((2, 3, 4))
    m[0, 0] = [100.0, 100.0, 0.0, 0.0]
    m[0, 1] = [50.0, 0.0, 50.0, 0.0]
    m[1, 0] = [30.0, 0.0, 0.0 + 18.0, 24.0]  # pT 18, pz 24
    return m, np.array([1, 0])


def test_reads_the_reference_schema(tmp_path: Path) -> None:
    momenta, labels = _jets()
    file = write_reference(tmp_path / "test.h5", momenta, labels)
    jets = tt.top_tagging_jets(file)
    assert jets["label"].tolist() == [1, 0]
    assert jets["n_constituents"].tolist() == [2, 1]
    np.testing.assert_allclose(jets.loc[0, "part_pt"], [100.0, 50.0], rtol=1e-6)
    np.testing.assert_allclose(jets.loc[0, "part_phi"], [0.0, np.pi / 2], atol=1e-7)
    np.testing.assert_allclose(jets.loc[1, "part_eta"], [np.arcsinh(24.0 / 18.0)], rtol=1e-6)
    # two massless particles at 90 degrees: m^2 = 2 E1 E2 (1 - cos 90)
    assert jets.loc[0, "mass"] == pytest.approx(np.sqrt(2 * 100.0 * 50.0), rel=1e-6)
    assert jets.loc[1, "mass"] == pytest.approx(0.0, abs=1e-3)
    assert tt.top_tagging_jets(file, rows=1)["label"].tolist() == [1]
    # a folder with <split>.h5 works too
    assert len(tt.top_tagging_jets(tmp_path, split="test")) == 2


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    momenta, labels = _jets()
    file = write_reference(tmp_path / "bad.h5", momenta, labels, drop="PY_17")
    with pytest.raises(DataError, match="'PY_17'") as err:
        tt.top_tagging_jets(file)
    assert err.value.key == "PY_17"
    assert err.value.path == str(file)
    not_hdf = tmp_path / "x.h5"
    not_hdf.write_text("E_0,PX_0\n")
    with pytest.raises(DataError, match="not an HDF5 file"):
        tt.top_tagging_jets(not_hdf)
    with pytest.raises(ConfigError, match="split") as cerr:
        tt.top_tagging_jets(file, split="training")
    assert cerr.value.key == "split"


def test_download_is_checked(
    server: tuple[str, Path],  # noqa: F811 - the fixture imported above
    data_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, www = server
    momenta, labels = _jets()
    src = write_reference(www / "test.h5", momenta, labels)
    good = RemoteFile("test.h5", f"{url}/test.h5", sha256(src))
    monkeypatch.setitem(tt.TOP_TAGGING_FILES, "test", good)
    jets = tt.top_tagging_jets()
    assert (data_cache / "test.h5").is_file()
    assert jets["label"].tolist() == [1, 0]
    (data_cache / "test.h5").unlink()
    bad = dataclasses.replace(good, known_hash="sha256:" + "0" * 64)
    monkeypatch.setitem(tt.TOP_TAGGING_FILES, "test", bad)
    with pytest.raises(DataError, match="checksum mismatch"):
        tt.top_tagging_jets()
    assert not (data_cache / "test.h5").exists()


def test_registry_entry() -> None:
    assert DATASETS["top_tagging"].loader is tt.top_tagging_jets
    assert "test.h5" in dataset_info("top_tagging")
