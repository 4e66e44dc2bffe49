"""Damaged or suspicious files give one-line DataErrors, never silently wrong tables."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neyman.data.cache import cache_path, cached_read_table, content_hash
from neyman.data.io import iter_table, read_table, write_table
from neyman.errors import DataError, MissingColumnError, NeymanWarning


@pytest.fixture
def frame(rng: np.random.Generator) -> pd.DataFrame:
    n = 500
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})


# ----------------------------------------------------------------------- CSV
def test_csv_cut_mid_row_names_the_line(tmp_path: Path, frame: pd.DataFrame) -> None:
    full = write_table(frame, tmp_path / "full.csv").read_bytes()
    lines = full.splitlines(keepends=True)
    cut = b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]  # in the last row's 2nd field
    assert cut.count(b",") < full.count(b",") and not cut.endswith(b"\n")
    path = tmp_path / "cut.csv"
    path.write_bytes(cut)
    with pytest.raises(DataError, match=rf"line {len(lines)} has \d of 3 fields.*cut") as err:
        read_table(path)
    assert err.value.path == str(path) and err.value.value == len(lines)
    with pytest.raises(DataError, match="cut.csv"):
        list(iter_table(path, chunk_rows=100))


def test_csv_short_row_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n7,8,9\n")
    with pytest.raises(DataError, match=r"line 3 has 2 of 3 fields"):
        read_table(path, ["c"])


def test_csv_missing_final_newline_is_fine_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("a,b\n1,2\n3,4")  # no final newline, but complete: read, with a warning
    with pytest.warns(NeymanWarning, match="ok.csv does not end with a newline"):
        assert read_table(path)["b"].tolist() == [2, 4]
    empty_field = tmp_path / "nan.csv"
    empty_field.write_text("a,b\n1,\n3,4\n")  # an empty field is NaN, not a short row
    assert read_table(empty_field)["b"].isna().tolist() == [True, False]


def test_csv_duplicated_header(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("pt,eta,pt\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match=r"header names 'pt' more than once") as err:
        read_table(path)
    assert err.value.key == "pt"
    with pytest.raises(DataError, match="more than once"):
        list(iter_table(path))


def test_csv_text_in_numeric_column(tmp_path: Path) -> None:
    path = tmp_path / "text.csv"
    path.write_text("pt,label\n1.5,1\n2.5,0\noops,1\n4.5,0\n")
    with pytest.raises(
        DataError, match=r"column 'pt' holds numbers and text; first text 'oops' on line 4"
    ) as err:
        read_table(path)
    assert err.value.key == "pt" and err.value.value == "oops"
    with pytest.raises(DataError, match="oops"):
        list(iter_table(path, chunk_rows=2))
    labels = tmp_path / "labels.csv"
    labels.write_text("pt,cls\n1.5,g\n2.5,h\n")
    assert read_table(labels)["cls"].tolist() == ["g", "h"]  # a text-only column is fine


# ----------------------------------------------------------------------- Parquet
def test_parquet_flipped_bit_is_caught_by_page_checksums(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    import pyarrow.parquet as pq

    path = write_table(frame, tmp_path / "e.parquet")
    col = pq.ParquetFile(path).metadata.row_group(0).column(1)
    # the middle of b's dictionary page, which holds its values
    offset = col.dictionary_page_offset + (col.data_page_offset - col.dictionary_page_offset) // 2
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    bad = tmp_path / "flipped.parquet"
    bad.write_bytes(bytes(data))
    # the oracle: without verification the damage goes unnoticed and a value changes
    unverified = pq.read_table(bad).to_pandas()
    assert not np.array_equal(unverified["b"].to_numpy(), frame["b"].to_numpy())
    with pytest.raises(DataError, match=r"flipped.parquet is not a readable Parquet file") as err:
        read_table(bad)
    assert err.value.path == str(bad)
    with pytest.raises(DataError, match="not a readable Parquet"):
        list(iter_table(bad, chunk_rows=100))
    pd.testing.assert_frame_equal(read_table(path), frame)  # the intact file reads


# ----------------------------------------------------------------------- HDF5
def test_hdf5_external_storage_and_links_are_refused(tmp_path: Path) -> None:
    import h5py

    outside = tmp_path / "outside.bin"
    np.arange(10, dtype=np.float64).tofile(outside)
    ext = tmp_path / "ext.h5"
    with h5py.File(ext, "w") as f:
        f.create_dataset("x", shape=(10,), dtype="f8", external=[(str(outside), 0, 80)])
    with pytest.raises(DataError, match=r"dataset 'x' uses external storage") as err:
        read_table(ext)
    assert err.value.key == "x"
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("x", data=np.arange(5.0))
    linked = tmp_path / "linked.h5"
    with h5py.File(linked, "w") as f:
        g = f.create_group("events")
        g.create_dataset("y", data=np.arange(5.0))
        g["x"] = h5py.ExternalLink(str(other), "/x")
    with pytest.raises(DataError, match=r"'x' is an external link to .*other.h5"):
        read_table(linked)
    with pytest.raises(DataError, match="external link"):
        read_table(linked, tree="events")


def test_hdf5_near_miss_key_suggests(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = write_table(frame, tmp_path / "e.h5", tree="events")
    with pytest.raises(MissingColumnError, match=r"key 'evnts'.*did you mean 'events'") as err:
        read_table(path, tree="evnts")
    assert err.value.available == ("events",)


# ----------------------------------------------------------------------- cache
def test_cache_is_keyed_by_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frame: pd.DataFrame
) -> None:
    import xxhash

    monkeypatch.setenv("NEYMAN_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}).to_csv(src, index=False)
    assert content_hash(src) == xxhash.xxh3_128_hexdigest(src.read_bytes())
    first = cached_read_table(src, ["a", "a + b"])
    assert first["a + b"].tolist() == [4.0, 6.0]
    target = cache_path(src)
    assert target.is_file() and target.parent == tmp_path / "cache"
    stat = src.stat()
    src.write_text(src.read_text().replace("2.0", "9.0"))  # same size ...
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ... and same modification time
    assert src.stat().st_size == stat.st_size and src.stat().st_mtime_ns == stat.st_mtime_ns
    assert cached_read_table(src, ["a"])["a"].tolist() == [1.0, 9.0]  # never stale
    assert cache_path(src) != target


def test_cache_falls_back_to_source_for_jagged_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import awkward as ak
    import uproot

    monkeypatch.setenv("NEYMAN_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "j.root"
    with uproot.recreate(path) as f:
        t = f.mktree("Events", {"x": "float64", "jet_pt": "var * float64"})
        t.extend({"x": np.array([1.0, 2.0]), "jet_pt": ak.Array([[5.0], []])})
    df = cached_read_table(path, ["x", "jet_pt[0]"], missing="drop")
    assert df["jet_pt[0]"].tolist() == [5.0]
    with pytest.raises(DataError, match=rf"in {path}:Events have no value for 'jet_pt\[0\]'"):
        cached_read_table(path, ["jet_pt[0]"])


# ------------------------------------------------------------- checksums neyman writes
def _flip_in_values(path: Path, values: np.ndarray) -> Path:
    """Flip 8 bytes in the middle of ``values`` as stored raw (either byte order)."""
    data = bytearray(path.read_bytes())
    for order in "<>":  # little-endian first: 0/1 integers match shifted the other way
        at = data.find(values[:4].astype(values.dtype.newbyteorder(order)).tobytes())
        if at >= 0:
            mid = at + 8 * (len(values) // 2)
            data[mid : mid + 8] = bytes(b ^ 0xFF for b in data[mid : mid + 8])
            bad = path.with_name("flipped" + path.suffix)
            bad.write_bytes(bytes(data))
            return bad
    msg = "values not stored raw"
    raise AssertionError(msg)  # pragma: no cover


@pytest.mark.parametrize(("ext", "column"), [(".root", "b"), (".h5", "n")])
def test_flipped_values_in_files_neyman_writes_are_caught(
    tmp_path: Path, rng: np.random.Generator, ext: str, column: str
) -> None:
    # 120 random float64 do not compress: ROOT stores their basket raw, with no checksum of
    # its own; HDF5's Fletcher-32 cannot see 0x00 flipped to 0xFF (the 0/1 column n). The
    # SHA-256 record neyman writes beside them catches both.
    n = 120
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "n": np.arange(n) % 2})
    path = write_table(frame, tmp_path / f"e{ext}")
    pd.testing.assert_frame_equal(read_table(path), frame, check_dtype=False)
    bad = _flip_in_values(path, frame[column].to_numpy())
    match = f"column '{column}' in .* does not match the checksum"
    with pytest.raises(DataError, match=match) as err:
        read_table(bad)
    assert err.value.key == column
    with pytest.raises(DataError, match="does not match the checksum"):
        list(iter_table(bad, chunk_rows=50))
    assert read_table(bad, ["a"])["a"].tolist() == frame["a"].tolist()  # 'a' is intact


@pytest.mark.parametrize("ext", [".root", ".h5"])
def test_files_from_elsewhere_have_no_record_and_read(
    tmp_path: Path, frame: pd.DataFrame, ext: str
) -> None:
    path = tmp_path / f"e{ext}"
    if ext == ".root":
        import uproot

        with uproot.recreate(path) as f:
            f["Events"] = {c: frame[c].to_numpy() for c in frame.columns}
    else:
        import h5py

        with h5py.File(path, "w") as f:
            for c in frame.columns:
                f.create_dataset(f"events/{c}", data=frame[c].to_numpy())
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_damaged_checksum_record_is_named(tmp_path: Path, frame: pd.DataFrame) -> None:
    import h5py

    path = write_table(frame, tmp_path / "e.h5")
    with h5py.File(path, "a") as f:
        f["Events"].attrs["neyman_sha256"] = "{not json"
    with pytest.raises(DataError, match="checksum record 'neyman_sha256' .* is damaged"):
        read_table(path)


def test_csv_without_final_newline_warns_naming_the_last_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text("a,b\n1.5,2.25\n3.5,4.2")  # perhaps 4.25 cut after its first decimal
    with pytest.warns(NeymanWarning, match=r"cut.csv does not end with a newline.*'3.5,4.2'"):
        assert read_table(path)["b"].tolist() == [2.25, 4.2]
    with pytest.warns(NeymanWarning, match="end it with a newline"):
        assert len(pd.concat(iter_table(path, chunk_rows=1))) == 2
    path.write_text("a,b\n1.5,2.25\n3.5,4.2\n")
    assert read_table(path)["b"].tolist() == [2.25, 4.2]  # no warning: they are errors here
