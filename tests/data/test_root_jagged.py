"""NanoAOD-like ROOT input written with uproot: jagged branches, expressions, missing objects."""

from __future__ import annotations

import logging
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd
import pytest

from neyman.data import _root
from neyman.data.io import iter_table, read_table
from neyman.errors import ConfigError, DataError, MissingColumnError

N = 300


@pytest.fixture
def nano(rng: np.random.Generator) -> dict[str, object]:
    counts = rng.poisson(1.5, N).astype(np.int32)
    counts[:4] = 0
    total = int(counts.sum())
    return {
        "nJet": counts,
        "Jet_pt": ak.unflatten(rng.exponential(40.0, total).astype(np.float32) + 20, counts),
        "Jet_eta": ak.unflatten(rng.normal(0, 1.5, total).astype(np.float32), counts),
        "MET_pt": rng.exponential(30.0, N),
        "weight": rng.normal(1.0, 0.5, N),
        "run": np.full(N, 2**32 - 1, dtype=np.uint32),
        "event": (np.arange(N, dtype=np.uint64) + np.uint64(2**63)),
        "lep_p": rng.normal(size=(N, 3)),
    }


@pytest.fixture
def ttree(tmp_path: Path, nano: dict[str, object]) -> Path:
    import uproot

    path = tmp_path / "nano.root"
    with uproot.recreate(path) as f:
        t = f.mktree(
            "Events",
            {
                "Jet_pt": "var * float32",
                "Jet_eta": "var * float32",
                "MET_pt": "float64",
                "weight": "float64",
                "run": "uint32",
                "event": "uint64",
                "lep_p": ("float64", (3,)),
            },
            counter_name=lambda c: "n" + c.split("_")[0],
        )
        t.extend({k: v for k, v in nano.items() if k != "nJet"})
    return path


@pytest.fixture
def rntuple(tmp_path: Path, nano: dict[str, object]) -> Path:
    import uproot

    path = tmp_path / "nano_rntuple.root"
    with uproot.recreate(path) as f:
        f.mkrntuple(
            "Events",
            {
                "Jet": ak.zip({"pt": nano["Jet_pt"], "eta": nano["Jet_eta"]}),
                "MET_pt": nano["MET_pt"],
                "run": nano["run"],
            },
        )
    return path


def _lead(jagged: object) -> tuple[np.ndarray, np.ndarray]:
    rows = ak.to_list(jagged)
    return np.array([r[0] if r else np.nan for r in rows]), np.array([not r for r in rows])


def test_counts_branch_and_jagged_types(ttree: Path) -> None:
    t = _root.open_tree(ttree, None)
    kinds = {name: b.kind for name, b in t.branches.items()}
    assert kinds == {
        "nJet": "flat",
        "Jet_pt": "jagged",
        "Jet_eta": "jagged",
        "MET_pt": "flat",
        "weight": "flat",
        "run": "flat",
        "event": "flat",
        "lep_p": "fixed",
    }
    assert t.branches["Jet_pt"].typename == "float[]"


def test_expression_columns_read_only_needed_branches(
    ttree: Path, nano: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    original = _root.read_branch

    def spy(t: _root.RootTree, name: str, start: int, stop: int) -> object:
        read.append(name)
        return original(t, name, start, stop)

    monkeypatch.setattr(_root, "read_branch", spy)
    cols = ["Jet_pt[0]", "len(Jet_pt)", "max(Jet_eta)", "MET_pt / Jet_pt[0]"]
    df = read_table(ttree, cols, where="nJet >= 1 && MET_pt > 5")
    assert list(df.columns) == cols
    assert sorted(set(read)) == ["Jet_eta", "Jet_pt", "MET_pt", "nJet"]
    lead, none = _lead(nano["Jet_pt"])
    met, nj = np.asarray(nano["MET_pt"]), np.asarray(nano["nJet"])
    sel = (nj >= 1) & (met > 5)
    np.testing.assert_array_equal(df["Jet_pt[0]"], lead[sel])
    np.testing.assert_array_equal(df["len(Jet_pt)"], nj[sel])
    np.testing.assert_allclose(df["MET_pt / Jet_pt[0]"], met[sel] / lead[sel], rtol=1e-12)
    eta_max = np.array([max(r) if r else np.nan for r in ak.to_list(nano["Jet_eta"])])
    np.testing.assert_array_equal(df["max(Jet_eta)"], eta_max[sel])
    assert not none[sel].any()


def test_missing_policies(ttree: Path, nano: dict[str, object]) -> None:
    lead, none = _lead(nano["Jet_pt"])
    with pytest.raises(DataError, match=r"^\d+ of 300 selected events .* 'Jet_pt\[0\]'") as err:
        read_table(ttree, ["Jet_pt[0]", "MET_pt"])
    assert err.value.key == "Jet_pt[0]"
    assert f"{int(none.sum())} of 300" in str(err.value)
    assert "data.missing: drop" in str(err.value) and "{'Jet_pt[0]': -1}" in str(err.value)
    dropped = read_table(ttree, ["Jet_pt[0]", "MET_pt"], missing="drop")
    np.testing.assert_array_equal(dropped["Jet_pt[0]"], lead[~none])
    np.testing.assert_array_equal(dropped["MET_pt"], np.asarray(nano["MET_pt"])[~none])
    filled = read_table(ttree, ["Jet_pt[0]"], missing={"Jet_pt[0]": -1.0})
    np.testing.assert_array_equal(filled["Jet_pt[0]"], np.where(none, -1.0, lead))
    with pytest.raises(DataError, match=r"'Jet_eta\[0\]'"):  # not in the mapping: still errors
        read_table(ttree, ["Jet_pt[0]", "Jet_eta[0]"], missing={"Jet_pt[0]": -1.0})
    with pytest.raises(ConfigError, match=r"names 'Jet_pt\[1\]', which is not a feature") as cerr:
        read_table(ttree, ["Jet_pt[0]"], missing={"Jet_pt[1]": 0.0})
    assert cerr.value.key == "Jet_pt[1]"
    with pytest.raises(ConfigError, match="not a policy"):
        read_table(ttree, ["Jet_pt[0]"], missing="ignore")
    # the selection comes first: events it removes need no policy
    ok = read_table(ttree, ["Jet_pt[0]"], where="nJet > 0")
    np.testing.assert_array_equal(ok["Jet_pt[0]"], lead[~none])


def test_keep_all_gives_the_selection_mask(ttree: Path, nano: dict[str, object]) -> None:
    lead, none = _lead(nano["Jet_pt"])
    met = np.asarray(nano["MET_pt"])
    df = read_table(
        ttree, ["Jet_pt[0]", "MET_pt"], where="MET_pt > 20", missing="drop", keep_all=True
    )
    assert len(df) == N
    np.testing.assert_array_equal(df["passes"], (met > 20) & ~none)
    np.testing.assert_array_equal(df["MET_pt"], met)
    selected = read_table(ttree, ["Jet_pt[0]", "MET_pt"], where="MET_pt > 20", missing="drop")
    pd.testing.assert_frame_equal(
        df.loc[df["passes"], ["Jet_pt[0]", "MET_pt"]].reset_index(drop=True), selected
    )
    named = read_table(ttree, ["MET_pt"], where="MET_pt > 20", keep_all=True, passes_column="sel")
    np.testing.assert_array_equal(named["sel"], met > 20)


def test_iter_table_chunks_match_read_table(ttree: Path) -> None:
    cols = ["Jet_pt[-1]", "sum(Jet_pt)", "weight"]
    whole = read_table(ttree, cols, where="len(Jet_pt) >= 2")
    chunks = list(iter_table(ttree, cols, where="len(Jet_pt) >= 2", chunk_rows=37))
    assert len(chunks) == int(np.ceil(N / 37)) and all(len(c) <= 37 for c in chunks)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)


def test_whole_tree_reads_flat_numbers_and_reports_the_rest(
    ttree: Path, nano: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="neyman"):
        df = read_table(ttree)
    assert list(df.columns) == [
        "nJet", "MET_pt", "weight", "run", "event", "lep_p[0]", "lep_p[1]", "lep_p[2]",
    ]  # fmt: skip
    assert df.attrs["skipped"] == ["Jet_pt", "Jet_eta"]
    (record,) = [r for r in caplog.records if r.name == "neyman"]
    assert "skipped 2 branches" in record.getMessage() and "Jet_pt[0]" in record.getMessage()
    # unsigned and 64-bit integers keep their exact values
    assert df["run"].dtype == np.uint32 and int(df["run"].iloc[0]) == 2**32 - 1
    assert df["event"].dtype == np.uint64
    assert df["event"].tolist() == np.asarray(nano["event"]).tolist()
    np.testing.assert_array_equal(df[["lep_p[0]", "lep_p[1]", "lep_p[2]"]], nano["lep_p"])


def test_branches_asked_by_name_that_are_not_numbers(ttree: Path) -> None:
    with pytest.raises(DataError, match=r"^branch 'Jet_pt' in .* is jagged \(float\[\]") as err:
        read_table(ttree, ["Jet_pt"])
    assert err.value.key == "Jet_pt"
    with pytest.raises(DataError, match=r"branch 'lep_p' .* fixed-size array .*lep_p\[2\]"):
        read_table(ttree, ["lep_p"])
    with pytest.raises(ConfigError, match=r"^feature 'Jet_pt \* 2' gives a variable number"):
        read_table(ttree, ["Jet_pt * 2"])
    with pytest.raises(MissingColumnError, match=r"'Jet_ptt' \(used in 'Jet_ptt\[0\]'\).*'Jet_pt'"):
        read_table(ttree, ["Jet_ptt[0]"])


def test_rntuple_collections(rntuple: Path, nano: dict[str, object]) -> None:
    t = _root.open_tree(rntuple, "Events")
    assert t.is_rntuple
    assert t.branches["Jet.pt"].kind == "jagged" and t.branches["Jet"].kind == "group"
    lead, none = _lead(nano["Jet_pt"])
    df = read_table(
        rntuple, ["Jet.pt[0]", "len(Jet.eta)", "run"], where="MET_pt > 0", missing="drop"
    )
    np.testing.assert_array_equal(df["Jet.pt[0]"], lead[~none])
    np.testing.assert_array_equal(df["len(Jet.eta)"], np.asarray(nano["nJet"])[~none])
    assert df["run"].dtype == np.uint32
    whole = read_table(rntuple)
    assert list(whole.columns) == ["MET_pt", "run"]
    assert set(whole.attrs["skipped"]) == {"Jet.pt", "Jet.eta"}
    chunks = list(iter_table(rntuple, ["max(Jet.pt)"], chunk_rows=100, missing="drop"))
    got = pd.concat(chunks, ignore_index=True)["max(Jet.pt)"].to_numpy()
    ref = [max(r) for r in ak.to_list(nano["Jet_pt"]) if r]
    np.testing.assert_array_equal(got, ref)


def test_parquet_list_columns_as_jagged(tmp_path: Path, nano: dict[str, object]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "nano.parquet"
    table = pa.table(
        {
            "Jet_pt": ak.to_arrow(nano["Jet_pt"], extensionarray=False),
            "MET_pt": np.asarray(nano["MET_pt"]),
        }
    )
    pq.write_table(table, path)
    lead, none = _lead(nano["Jet_pt"])
    df = read_table(path, ["Jet_pt[0]", "len(Jet_pt)", "MET_pt"], missing="drop")
    np.testing.assert_allclose(df["Jet_pt[0]"], lead[~none], rtol=1e-6)
    np.testing.assert_array_equal(df["len(Jet_pt)"], np.asarray(nano["nJet"])[~none])
    chunks = list(iter_table(path, ["max(Jet_pt)"], chunk_rows=64, missing={"max(Jet_pt)": 0.0}))
    got = pd.concat(chunks, ignore_index=True)["max(Jet_pt)"].to_numpy()
    ref = [max(r) if r else 0.0 for r in ak.to_list(nano["Jet_pt"])]
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    whole = read_table(path)
    assert list(whole.columns) == ["MET_pt"] and whole.attrs["skipped"] == ["Jet_pt"]
    with pytest.raises(DataError, match=r"column 'Jet_pt' .* holds a list per event"):
        read_table(path, ["Jet_pt"])


def test_several_trees_message_names_every_way_to_choose(tmp_path: Path) -> None:
    import uproot

    path = tmp_path / "two.root"
    with uproot.recreate(path) as f:
        f["Events"] = {"x": np.arange(3.0)}
        f["Runs"] = {"run": np.arange(2.0)}
    with pytest.raises(DataError) as err:
        read_table(path, ["x"])
    msg = str(err.value)
    assert "\n" not in msg
    assert "2 trees (Events, Runs)" in msg
    assert "tree='Events'" in msg
    assert "data.<source>.tree: Events" in msg
    assert "--tree Events" in msg


def test_a_file_without_trees_says_so(tmp_path: Path) -> None:
    import uproot

    path = tmp_path / "histos.root"
    with uproot.recreate(path) as f:
        f["h"] = np.histogram(np.arange(5.0), bins=2)
    with pytest.raises(DataError, match=r"holds no TTree or RNTuple \(keys: h\)"):
        read_table(path, ["x"])
