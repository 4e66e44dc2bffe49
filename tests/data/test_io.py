from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neyman.data.io import iter_table, read_table, write_table
from neyman.errors import ConfigError, DataError, MissingColumnError, NeymanWarning


@pytest.fixture
def frame(rng: np.random.Generator) -> pd.DataFrame:
    n = 1000
    return pd.DataFrame(
        {
            "pt1": rng.uniform(20, 100, n),
            "eta1": rng.normal(size=n),
            "phi1": rng.uniform(-3, 3, n),
            "label": (rng.random(n) < 0.5).astype(np.float64),
        }
    )


@pytest.mark.parametrize("ext", [".parquet", ".root", ".h5", ".csv", ".csv.gz", ".npy"])
def test_round_trip(tmp_path: Path, frame: pd.DataFrame, ext: str) -> None:
    path = write_table(frame, tmp_path / f"events{ext}")
    names = list(frame.columns) if ext == ".npy" else None
    back = read_table(path, names=names)
    assert list(back.columns) == list(frame.columns)
    np.testing.assert_array_equal(back.to_numpy(), frame.to_numpy())
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("ext", [".parquet", ".root", ".h5", ".csv"])
def test_iter_table_chunks_and_columns(tmp_path: Path, frame: pd.DataFrame, ext: str) -> None:
    path = write_table(frame, tmp_path / f"events{ext}")
    chunks = list(iter_table(path, ["pt1", "label"], chunk_rows=300))
    assert all(len(c) <= 300 for c in chunks)
    got = pd.concat(chunks, ignore_index=True)
    np.testing.assert_array_equal(got.to_numpy(), frame[["pt1", "label"]].to_numpy())


def test_root_written_by_uproot_directly(
    tmp_path: Path, rng: np.random.Generator, caplog: pytest.LogCaptureFixture
) -> None:
    import awkward as ak
    import uproot

    path = tmp_path / "f.root"
    with uproot.recreate(path) as f:
        t = f.mktree("Events", {"x": "float64", "jet_pt": "var * float64"})
        t.extend(
            {
                "x": rng.normal(size=5),
                "jet_pt": ak.Array([[50.0, 30.0], [40.0], [], [10.0, 5.0, 1.0], [7.0]]),
            }
        )
    whole = read_table(path)  # reads what can be read: the flat branch
    assert list(whole.columns) == ["x", "njet_pt"] and whole.attrs["skipped"] == ["jet_pt"]
    with pytest.raises(DataError, match=r"branch 'jet_pt' .* is jagged .*jet_pt\[0\]") as err:
        read_table(path, ["jet_pt"])
    assert err.value.key == "jet_pt"
    caplog.clear()
    df = read_table(
        path, ["x", "jet_pt[0]", "jet_pt[1]"], missing={"jet_pt[0]": -1.0, "jet_pt[1]": -2.0}
    )
    np.testing.assert_array_equal(df["jet_pt[0]"].to_numpy(), [50.0, 40.0, -1.0, 10.0, 7.0])
    np.testing.assert_array_equal(df["jet_pt[1]"].to_numpy(), [30.0, -2.0, -2.0, 5.0, -2.0])
    # the "skipped" note is for whole-file reads: named columns are what the caller chose
    assert "skipped" not in df.attrs
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]


def test_hdf5_written_by_h5py_2d(tmp_path: Path, rng: np.random.Generator) -> None:
    import h5py

    arr = rng.normal(size=(100, 3))
    with h5py.File(tmp_path / "a.h5", "w") as f:
        ds = f.create_dataset("events", data=arr)
        ds.attrs["columns"] = ["a", "b", "c"]
    df = read_table(tmp_path / "a.h5")
    assert list(df.columns) == ["a", "b", "c"]
    np.testing.assert_array_equal(df.to_numpy(), arr)


def test_headerless_csv_with_names_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "magic.data.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("28.7967,16.0021,g\n31.6036,11.7235,h\n")
    df = read_table(path, names=["fLength", "fWidth", "class"])
    assert df.shape == (2, 3) and df["class"].tolist() == ["g", "h"]
    auto = read_table(path)  # header detected as absent
    assert auto.shape == (2, 3) and list(auto.columns) == ["col0", "col1", "col2"]


def test_where_selection(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = write_table(frame, tmp_path / "e.parquet")
    df = read_table(path, ["pt1"], where="pt1 > 50 and abs(eta1) < 1")
    ref = frame.loc[(frame.pt1 > 50) & (frame.eta1.abs() < 1), "pt1"].to_numpy()
    np.testing.assert_array_equal(df["pt1"].to_numpy(), ref)
    assert list(df.columns) == ["pt1"]
    with pytest.raises(ConfigError, match="not allowed"):
        read_table(path, where="__import__('os').system('true')")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.parquet")


def test_unsupported_extension(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_text("a")
    with pytest.raises(DataError, match=r"unsupported file type '.xlsx'.*\.root.*\.parquet"):
        read_table(tmp_path / "x.xlsx")


def test_missing_column_suggests(tmp_path: Path, frame: pd.DataFrame) -> None:
    for ext in (".parquet", ".root", ".csv", ".h5"):
        path = write_table(frame, tmp_path / f"e{ext}")
        with pytest.raises(MissingColumnError, match=r"'pt_1'.*did you mean 'pt1'"):
            read_table(path, ["pt_1"])


def test_not_root_and_empty_files(tmp_path: Path) -> None:
    bad = tmp_path / "fake.root"
    bad.write_bytes(b"this is not a ROOT file at all" * 10)
    with pytest.raises(DataError, match="not a ROOT file"):
        read_table(bad)
    empty = tmp_path / "empty.parquet"
    empty.touch()
    with pytest.raises(DataError, match="empty"):
        read_table(empty)
    corrupt = tmp_path / "c.parquet"
    corrupt.write_bytes(b"PAR1garbage")
    with pytest.raises(DataError, match="not a readable Parquet"):
        read_table(corrupt)


def test_failed_write_keeps_existing_file(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = write_table(frame, tmp_path / "keep.parquet")
    before = path.read_bytes()
    bad = pd.DataFrame({"x": [object()]})
    with pytest.raises(Exception):  # noqa: B017, PT011 - pyarrow's own error type
        write_table(bad, path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_npy_refuses_pickled_objects(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="no pickle"):
        read_table(path)


def test_globs_and_lists_of_files(tmp_path: Path, frame: pd.DataFrame) -> None:
    from neyman.data.cache import cached_read_table
    from neyman.data.io import expand_paths

    parts = [frame.iloc[:300], frame.iloc[300:700], frame.iloc[700:]]
    for i, part in enumerate(parts):
        write_table(part.reset_index(drop=True), tmp_path / f"run{i}.root")
    pattern = str(tmp_path / "run*.root")
    assert [p.name for p in expand_paths(pattern)] == ["run0.root", "run1.root", "run2.root"]
    df = read_table(pattern, ["pt1", "abs(eta1)"], where="pt1 > 50")
    ref = frame.loc[frame.pt1 > 50]
    np.testing.assert_array_equal(df["pt1"], ref["pt1"])
    np.testing.assert_array_equal(df["abs(eta1)"], ref["eta1"].abs())
    listed = read_table([tmp_path / "run2.root", tmp_path / "run0.root"], ["pt1"])
    np.testing.assert_array_equal(listed["pt1"], np.concatenate([parts[2].pt1, parts[0].pt1]))
    chunks = list(iter_table(pattern, ["pt1"], chunk_rows=250))
    assert [len(c) for c in chunks] == [250, 50, 250, 150, 250, 50]
    cached = cached_read_table(pattern, ["pt1"], use_cache=False)
    np.testing.assert_array_equal(cached["pt1"], frame["pt1"])
    with pytest.raises(DataError, match=r"no file matches '.*nothing\*.root'"):
        read_table(str(tmp_path / "nothing*.root"))
    write_table(frame[["pt1"]], tmp_path / "run3.root")
    with pytest.raises(DataError, match=r"run3.root has other columns than .*run0.root") as err:
        read_table(pattern)
    assert err.value.path == str(tmp_path / "run3.root")


def test_a_column_named_like_an_expression_reads_one_way_in_every_file(tmp_path: Path) -> None:
    # 'x/1' is a column of a.parquet; b.parquet lacks it, so there it parses as x / 1
    write_table(pd.DataFrame({"x": [2.0, 4.0], "x/1": [9.0, 9.0]}), tmp_path / "a.parquet")
    write_table(pd.DataFrame({"x": [6.0]}), tmp_path / "b.parquet")
    with pytest.warns(
        NeymanWarning,
        match=r"'x/1' in .*a.parquet is a column and also an expression of its columns \(x\); the column is read; write '\(x/1\)'",
    ):
        assert read_table(tmp_path / "a.parquet", ["x/1"])["x/1"].tolist() == [9.0, 9.0]
    assert read_table(tmp_path / "b.parquet", ["x/1"])["x/1"].tolist() == [6.0]
    for files in (str(tmp_path / "*.parquet"), [tmp_path / "b.parquet", tmp_path / "a.parquet"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NeymanWarning)
            with pytest.raises(
                DataError,
                match=r"'x/1' is a column of .*a.parquet but not of .*b.parquet, where it would be computed from x",
            ) as err:
                read_table(files, ["x/1"])
            assert "\n" not in str(err.value)
            with pytest.raises(DataError, match=r"'x/1' is a column of .*a.parquet but not of"):
                list(iter_table(files, ["x/1"], chunk_rows=1))
    # the parenthesised expression is computed in every file, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_table(str(tmp_path / "*.parquet"), ["(x/1)"])["(x/1)"].tolist() == [
            2.0,
            4.0,
            6.0,
        ]
    # a name that is only a name, or one element x[1], is never ambiguous
    write_table(pd.DataFrame({"x[1]": [1.0], "x": [3.0]}), tmp_path / "c.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_table(tmp_path / "c.parquet", ["x[1]", "x"]).shape == (1, 2)
