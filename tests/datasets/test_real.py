"""Real-data loaders: the shared files when present, and small files in the public schemas."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neyman.data import DatasetSplit
from neyman.datasets import (
    cms_dielectron,
    cms_zee,
    digits,
    higgs,
    magic,
    mnist,
    read_idx,
    real,
    susy,
)
from neyman.errors import ConfigError, DataError, MissingColumnError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MAGIC_SHARED = SHARED / "magic04.data"
CMS_SHARED = SHARED / "cms_dielectron_2010_sample.csv"


# ----------------------------------------------------------------------------- MAGIC
@pytest.mark.skipif(not MAGIC_SHARED.is_file(), reason=f"{MAGIC_SHARED} not present")
def test_magic_shared_file() -> None:
    ds = magic(MAGIC_SHARED)
    assert ds.X.shape == (19_020, 10)
    assert ds.feature_names == real.MAGIC_FEATURES
    assert int(ds.y.sum()) == 12_332 and int((ds.y == 0).sum()) == 6_688
    raw = pd.read_csv(MAGIC_SHARED, header=None)
    np.testing.assert_allclose(ds.X, raw.iloc[:, :10].to_numpy(np.float32))
    np.testing.assert_array_equal(ds.y, (raw[10] == "g").to_numpy().astype(int))
    # the shared file is the published one: same checksum as the registry records
    digest = hashlib.sha256(MAGIC_SHARED.read_bytes()).hexdigest()
    assert real.MAGIC_FILE.known_hash == f"sha256:{digest}"
    # a folder holding magic04.data works too
    assert magic(SHARED).n_events == 19_020


MAGIC_ROWS = [
    [28.7967, 16.0021, 2.6449, 0.3918, 0.1982, 27.7004, 22.011, -8.2027, 40.092, 81.8828, "g"],
    [31.6036, 11.7235, 2.5185, 0.5303, 0.3773, 26.2722, 23.8238, -9.9574, 6.3609, 205.261, "g"],
    [93.7035, 37.9432, 3.1454, 0.168, 0.1011, 53.2566, 89.0566, 11.8175, 14.1862, 231.9028, "h"],
]


def write_magic(path: Path, rows=MAGIC_ROWS) -> Path:
    text = "".join(",".join(str(v) for v in row) + "\n" for row in rows)
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["magic04.data", "magic04.data.gz"])
def test_magic_small_headerless_file(tmp_path: Path, name: str) -> None:
    ds = magic(write_magic(tmp_path / name))
    assert ds.X.shape == (3, 10)
    assert ds.y.tolist() == [1, 1, 0]
    assert ds.class_names == ["hadron", "gamma"]
    np.testing.assert_allclose(ds.X[2], np.array(MAGIC_ROWS[2][:10], dtype=np.float32))


def test_magic_bad_files(tmp_path: Path) -> None:
    bad_label = [r[:10] + ["x"] for r in MAGIC_ROWS]
    with pytest.raises(DataError, match="expected only 'g' and 'h'"):
        magic(write_magic(tmp_path / "a.data", bad_label))
    with pytest.raises(DataError, match="11"):
        magic(write_magic(tmp_path / "b.data", [r[:9] + ["g"] for r in MAGIC_ROWS]))
    with pytest.raises(DataError, match="does not exist"):
        magic(tmp_path / "nope.data")
    with pytest.raises(DataError, match=r"magic04.data not found in folder .*archive.ics.uci.edu"):
        magic(tmp_path)


def test_missing_file_names_url_and_file_name() -> None:
    # offline (conftest) and an empty cache: a clear message, no download attempt
    with pytest.raises(DataError) as err:
        magic()
    text = str(err.value)
    assert "magic04.data" in text and real.MAGIC_FILE.url in text and "\n" not in text
    with pytest.raises(
        DataError,
        match=r"HIGGS\.csv\.gz.*archive\.ics\.uci\.edu/ml/machine-learning-databases/00280",
    ):
        higgs()
    with pytest.raises(DataError, match=r"dielectron\.csv.*opendata\.cern\.ch"):
        cms_dielectron()


def test_cached_file_is_used(data_cache: Path) -> None:
    data_cache.mkdir(parents=True)
    write_magic(data_cache / "magic04.data")
    assert magic().n_events == 3


# ----------------------------------------------------------------------------- CMS
def massless_pair_mass(df: pd.DataFrame) -> np.ndarray:
    """Oracle: exact four-vector sum of two massless electrons built from pt, eta, phi."""
    e = np.zeros(len(df))
    p = np.zeros((len(df), 3))
    for k in (1, 2):
        pt, eta, phi = (df[f"{v}{k}"].to_numpy(np.float64) for v in ("pt", "eta", "phi"))
        mom = np.column_stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)])
        e += np.linalg.norm(mom, axis=1)
        p += mom
    return np.sqrt(np.maximum(e**2 - (p**2).sum(1), 0.0))


@pytest.mark.skipif(not CMS_SHARED.is_file(), reason=f"{CMS_SHARED} not present")
def test_cms_dielectron_shared_sample() -> None:
    ds = cms_dielectron(CMS_SHARED)
    assert ds.X.shape == (1412, 6)
    assert ds.feature_names == ["pt1", "eta1", "phi1", "pt2", "eta2", "phi2"]
    assert ds.target_name == "M" and not ds.is_classification
    raw = pd.read_csv(CMS_SHARED)
    assert list(raw.columns) == real.CMS_DIELECTRON_COLUMNS
    np.testing.assert_array_equal(ds.y, raw["M"].to_numpy(np.float64))
    assert int(((ds.y > 60) & (ds.y < 120)).sum()) == 163
    # the recorded mass agrees with the massless formula to 0.05% on every event
    rel = np.abs(massless_pair_mass(raw) / raw["M"].to_numpy() - 1)
    assert rel.max() < 5e-4
    full = cms_dielectron(CMS_SHARED, features=["E1", "px1", "py1", "pz1", "Q1"])
    assert full.X.shape == (1412, 5)


def test_cms_dielectron_small_file_and_errors(tmp_path: Path) -> None:
    rows = [
        [
            1,
            2,
            45.0,
            30.0,
            20.0,
            27.0,
            36.06,
            0.69,
            0.588,
            -1,
            46.0,
            -30.0,
            -21.0,
            -28.0,
            36.62,
            -0.71,
            -2.53,
            1,
            90.1,
        ],
    ]
    path = tmp_path / "dielectron.csv"
    pd.DataFrame(rows, columns=real.CMS_DIELECTRON_COLUMNS).to_csv(path, index=False)
    ds = cms_dielectron(tmp_path)  # a folder holding dielectron.csv
    assert ds.y.tolist() == [90.1]
    assert ds.feature_groups == {"kinematics": ds.feature_names}
    with pytest.raises(MissingColumnError, match="did you mean 'pt1'"):
        cms_dielectron(path, features=["pt_1"])
    with pytest.raises(MissingColumnError, match="M"):
        cms_dielectron(path, features=["M"])
    broken = tmp_path / "broken.csv"
    pd.DataFrame(
        rows, columns=[c.replace("eta2", "Eta2") for c in real.CMS_DIELECTRON_COLUMNS]
    ).to_csv(broken, index=False)
    with pytest.raises(
        MissingColumnError,
        match=r"column 'eta2' not in .*broken\.csv \(CMS dielectron schema\); did you mean",
    ):
        cms_dielectron(broken)


def test_cms_zee_schema_and_computed_mass(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 20
    data = {"Run": np.full(n, 165000), "Event": np.arange(n)}
    for k in (1, 2):
        data |= {
            f"pt{k}": rng.uniform(20, 60, n),
            f"eta{k}": rng.uniform(-2.5, 2.5, n),
            f"phi{k}": rng.uniform(-np.pi, np.pi, n),
            f"Q{k}": rng.choice([-1, 1], n),
            f"type{k}": rng.choice(["EB", "EE"], n),
            f"sigmaEtaEta{k}": rng.uniform(0, 0.03, n),
            f"HoverE{k}": rng.uniform(0, 0.1, n),
            f"isoTrack{k}": rng.uniform(0, 5, n),
            f"isoEcal{k}": rng.uniform(0, 5, n),
            f"isoHcal{k}": rng.uniform(0, 5, n),
        }
    df = pd.DataFrame(data)[real.CMS_ZEE_COLUMNS]
    path = tmp_path / "Zee.csv"
    df.to_csv(path, index=False)
    ds = cms_zee(path)
    assert ds.X.shape == (n, 6) and ds.target_name == "M"
    np.testing.assert_allclose(ds.y, massless_pair_mass(pd.read_csv(path)), rtol=1e-9)
    assert "computed" in ds.meta["mass"]
    df.drop(columns="isoHcal2").to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(MissingColumnError, match="isoHcal2"):
        cms_zee(tmp_path / "bad.csv")


# ----------------------------------------------------------------------------- HIGGS, SUSY
def write_uci(path: Path, n: int, d: int, seed: int = 0) -> np.ndarray:
    """Header-less, gzip-compressed, label first, in the UCI files' number format."""
    rng = np.random.default_rng(seed)
    arr = np.column_stack([rng.integers(0, 2, n).astype(float), rng.normal(size=(n, d))])
    lines = "\n".join(",".join(f"{v:.18e}" for v in row) for row in arr) + "\n"
    with gzip.open(path, "wt") as fh:
        fh.write(lines)
    return arr


@pytest.mark.parametrize(
    ("loader", "fname", "d", "n_low", "n_high"),
    [(higgs, "HIGGS.csv.gz", 28, 21, 7), (susy, "SUSY.csv.gz", 18, 8, 10)],
)
def test_uci_benchmarks_small_files(tmp_path: Path, loader, fname, d, n_low, n_high) -> None:
    arr = write_uci(tmp_path / fname, 53, d)
    ds = loader(tmp_path / fname, chunk_rows=10)  # several chunks
    assert ds.X.shape == (53, d)
    assert len(ds.feature_groups["low"]) == n_low and len(ds.feature_groups["high"]) == n_high
    assert ds.feature_names == ds.feature_groups["low"] + ds.feature_groups["high"]
    np.testing.assert_array_equal(ds.X, arr[:, 1:].astype(np.float32))
    np.testing.assert_array_equal(ds.y, arr[:, 0].astype(int))
    first = loader(tmp_path, rows=7)  # folder + rows
    np.testing.assert_array_equal(first.X, arr[:7, 1:].astype(np.float32))
    assert ds.select("high").n_features == n_high


def test_uci_names() -> None:
    assert real.HIGGS_FEATURES[:5] == [
        "lepton_pT",
        "lepton_eta",
        "lepton_phi",
        "missing_energy_magnitude",
        "missing_energy_phi",
    ]
    assert real.HIGGS_FEATURES[5:9] == ["jet1pt", "jet1eta", "jet1phi", "jet1b-tag"]
    assert real.HIGGS_HIGH_LEVEL == ["m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb"]
    assert len(real.SUSY_FEATURES) == 18 and real.SUSY_FEATURES[-1] == "cos(theta_r1)"


def test_paper_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arr = write_uci(tmp_path / "SUSY.csv.gz", 40, 18, seed=3)
    monkeypatch.setitem(real.PAPER_TEST_EVENTS, "susy", 15)
    parts = susy(tmp_path / "SUSY.csv.gz", split="paper")
    assert isinstance(parts, DatasetSplit)
    assert (parts.train.n_events, parts.val.n_events, parts.test.n_events) == (25, 0, 15)
    np.testing.assert_array_equal(parts.test.X, arr[25:, 1:].astype(np.float32))
    with pytest.raises(ConfigError, match="rows"):
        susy(tmp_path / "SUSY.csv.gz", rows=10, split="paper")
    monkeypatch.setitem(real.PAPER_TEST_EVENTS, "susy", 40)
    with pytest.raises(DataError, match="last 40"):
        susy(tmp_path / "SUSY.csv.gz", split="paper")


def test_uci_bad_files(tmp_path: Path) -> None:
    write_uci(tmp_path / "HIGGS.csv.gz", 5, 18)
    with pytest.raises(DataError, match="19 comma-separated fields.*29"):
        higgs(tmp_path / "HIGGS.csv.gz")
    arr = write_uci(tmp_path / "x.csv.gz", 5, 18)
    arr[0, 0] = 2
    with gzip.open(tmp_path / "y.csv.gz", "wt") as fh:
        fh.write("\n".join(",".join(map(str, r)) for r in arr))
    with pytest.raises(DataError, match="labels"):
        susy(tmp_path / "y.csv.gz")
    with pytest.raises(ConfigError, match="rows"):
        susy(tmp_path / "x.csv.gz", rows=0)


# ----------------------------------------------------------------------------- images
def test_digits_images() -> None:
    from sklearn.datasets import load_digits

    ds = digits()
    assert ds.X.shape == (1797, 1, 8, 8) and ds.is_image
    ref = load_digits()
    np.testing.assert_allclose(ds.X[:, 0], ref.images / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y, ref.target)
    assert np.bincount(ds.y).min() >= 170  # about 180 per digit
    assert digits(normalize=False).X.max() == 16.0


def write_idx(path: Path, arr: np.ndarray, code: int = 0x08) -> None:
    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}i", *arr.shape)
    payload = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_reader(tmp_path: Path, gz: bool) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    ext = ".gz" if gz else ""
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{ext}", images)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{ext}", labels)
    ds = mnist(tmp_path, kind="test")
    assert ds.X.shape == (5, 1, 28, 28)
    np.testing.assert_allclose(ds.X[:, 0], images / 255.0, rtol=1e-6)
    assert ds.y.tolist() == [3, 1, 4, 1, 5]
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        mnist(tmp_path, kind="train")
    with pytest.raises(ConfigError, match="kind"):
        mnist(tmp_path, kind="valid")  # type: ignore[arg-type]


def test_read_idx_types_and_errors(tmp_path: Path) -> None:
    floats = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    write_idx(tmp_path / "f.idx", floats, code=0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), floats)
    ints = np.array([-5, 70000, 3], dtype=np.int32)
    write_idx(tmp_path / "i.idx", ints, code=0x0C)
    np.testing.assert_array_equal(read_idx(tmp_path / "i.idx"), ints)
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "bad.idx")
    raw = (tmp_path / "f.idx").read_bytes()
    (tmp_path / "short.idx").write_bytes(raw[:-4])
    with pytest.raises(DataError, match="bytes follow"):
        read_idx(tmp_path / "short.idx")


def test_higgs_from_parquet(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.normal(size=(12, 28)).astype(np.float32), columns=real.HIGGS_FEATURES)
    df.insert(0, "label", rng.integers(0, 2, 12))
    df.to_parquet(tmp_path / "higgs.parquet")
    ds = higgs(tmp_path / "higgs.parquet", rows=10)
    np.testing.assert_array_equal(ds.X, df[real.HIGGS_FEATURES].to_numpy()[:10])
    np.testing.assert_array_equal(ds.y, df["label"].to_numpy()[:10])


@pytest.mark.parametrize("label_at", [0, 28])
def test_higgs_csv_with_header_row(tmp_path: Path, label_at: int) -> None:
    """A HIGGS CSV saved from pandas (header row, as the course reads it) is accepted."""
    arr = write_uci(tmp_path / "plain.csv.gz", 31, 28, seed=4)
    features = [f"feature_{i}" for i in range(28)]
    frame = pd.DataFrame(arr[:, 1:], columns=features)
    frame.insert(label_at, "label", arr[:, 0])
    frame.to_csv(tmp_path / "with_header.csv", index=False)
    ds = higgs(tmp_path / "with_header.csv", chunk_rows=10)
    np.testing.assert_array_equal(ds.X, arr[:, 1:].astype(np.float32))
    np.testing.assert_array_equal(ds.y, arr[:, 0].astype(int))
    assert ds.feature_names == real.HIGGS_FEATURES
    assert higgs(tmp_path / "with_header.csv", rows=5).n_events == 5


def test_offline_messages_give_command_line_advice(tmp_path: Path) -> None:
    """The message names the CLI flags (--data, --path) as well as Python's path=."""
    with pytest.raises(DataError) as err:
        higgs()
    text = str(err.value)
    assert "--data FILE" in text and "--path FILE" in text and "path= in Python" in text
    assert err.value.path is not None and err.value.path.endswith("HIGGS.csv.gz")
    missing = tmp_path / "nowhere.csv.gz"
    with pytest.raises(DataError) as err:
        higgs(missing)
    assert err.value.path == str(missing)
    assert "--data FILE" in str(err.value)
    with pytest.raises(DataError) as err:
        higgs(tmp_path)  # a folder without the file
    assert err.value.path == str(tmp_path / "HIGGS.csv.gz")
    assert "--path FILE" in str(err.value)
