"""Provenance: checksums equal hashlib's, entry counts, weight effect, escaping in the page."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neyman.errors import DataError
from neyman.study.provenance import (
    collect_provenance,
    count_entries,
    file_record,
    sha256_file,
    weight_effect,
)
from neyman.study.report import _provenance_html


def test_sha256_streams_in_chunks(tmp_path: Path) -> None:
    data = np.random.default_rng(0).bytes(300_001)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_file(path, chunk_size=4096) == expected
    assert sha256_file(path) == expected


def test_file_record_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    pd.DataFrame({"x": np.arange(7.0)}).to_parquet(path)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    rec = file_record(path, role="signal", selection="x > 1")
    assert rec.size == path.stat().st_size
    assert rec.modified == "2023-11-14T22:13:20+00:00"
    assert rec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert count_entries(path) == 7
    with pytest.raises(DataError) as err:
        file_record(tmp_path / "nope.root", role="signal")
    assert err.value.path == str(tmp_path / "nope.root")


def test_count_entries_of_a_root_tree(tmp_path: Path) -> None:
    uproot = pytest.importorskip("uproot")
    path = tmp_path / "t.root"
    with uproot.recreate(path) as f:
        f["Events"] = {"x": np.arange(11.0)}
    assert count_entries(path, "Events") == 11
    assert count_entries(path) == 11


def test_weight_effect_per_class() -> None:
    y = np.array([1, 1, 1, 0, 0])
    raw = np.array([0.5, -0.25, 1.0, 2.0, -1.0])
    used = np.array([0.5, 0.0, 1.0, 2.0, 0.0])
    eff = weight_effect(y, raw, used)
    assert eff["signal"] == {
        "events": 3.0,
        "negative_fraction": pytest.approx(1 / 3),
        "sum_raw": 1.25,
        "sum_abs_raw": 1.75,
        "sum_used": 1.5,
    }
    assert eff["background"]["sum_raw"] == 1.0
    assert eff["background"]["sum_used"] == 2.0


def test_provenance_renders_escaped(tmp_path: Path) -> None:
    path = tmp_path / "<b>odd&name.csv"
    path.write_text("x\n1\n")
    prov = collect_provenance(
        {"name": "<script>alert(1)</script>"},
        files=[file_record(path, role="signal", tree="<t>")],
        selection="pt > 20 && <x>",
        weights={"weight column": "w<1>"},
        seeds={"random_state": 3},
        argv=["/usr/bin/neyman", "study", "a b.yaml"],
    )
    page = _provenance_html(prov)
    assert "<b>odd" not in page and "&lt;b&gt;odd&amp;name.csv" in page
    assert "<script>" not in page
    assert "pt &gt; 20 &amp;&amp; &lt;x&gt;" in page
    assert prov.command == "neyman study 'a b.yaml'"
    d = prov.to_dict()
    assert d["config"] == {"name": "<script>alert(1)</script>"}
    assert d["files"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
