"""ROOT files written by ROOT elsewhere (scikit-hep-testdata; see tests/fixtures/root/README.md).

Every tree of every file gives a table or a one-line NeymanError, never a traceback; the
values neyman reads agree with uproot's own arrays, read independently here.
"""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

from neyman.data.io import iter_table, read_table
from neyman.errors import DataError, NeymanError

ROOT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "root"
FILES = sorted(ROOT_DIR.glob("*.root"))
TREES = [
    (f, key.split(";")[0])
    for f in FILES
    for key, cls in uproot.open(f).classnames().items()
    if cls.startswith("TTree") or cls == "ROOT::RNTuple"
]


def test_fixtures_are_present_and_small() -> None:
    assert len(FILES) == 7 and (ROOT_DIR / "LICENSE").is_file()
    assert sum(f.stat().st_size for f in FILES) < 1_500_000


@pytest.mark.parametrize(("path", "tree"), TREES, ids=[f"{p.name}:{t}" for p, t in TREES])
def test_every_tree_reads_or_refuses_in_one_line(path: Path, tree: str) -> None:
    error: NeymanError | None = None
    try:
        df = read_table(path, tree=tree)
    except NeymanError as exc:
        error = exc
    if error is not None:
        assert "\n" not in str(error) and str(path) in str(error)
        return
    assert len(df) == uproot.open(path)[tree].num_entries
    assert all(np.issubdtype(dt, np.number) or np.issubdtype(dt, np.bool_) for dt in df.dtypes)


def test_fullsplit_event_tree_values() -> None:
    path = ROOT_DIR / "uproot-small-evnt-tree-fullsplit.root"
    t = uproot.open(path)["tree"]
    df = read_table(path)
    assert len(df) == 100
    assert df["evt/U64"].dtype == np.uint64 and df["evt/U32"].dtype == np.uint32
    np.testing.assert_array_equal(df["evt/I64"], t["evt/I64"].array(library="np"))
    np.testing.assert_array_equal(
        df["evt/ArrayF64[10][3]"], t["evt/ArrayF64[10]"].array(library="np")[:, 3]
    )
    assert "evt/StlVecF32" in df.attrs["skipped"] and "evt/Str" in df.attrs["skipped"]
    # std::vector<float> and int16_t[] through expressions, by their short names
    vec = t["evt/StlVecF32"].array()
    got = read_table(
        path, ["len(StlVecF32)", "sum(StlVecF32)", "SliceI16[-1]", "P3.Py"], missing="drop"
    )
    has = ak.to_numpy(ak.num(vec)) > 0
    np.testing.assert_array_equal(got["len(StlVecF32)"], ak.to_numpy(ak.num(vec))[has])
    np.testing.assert_allclose(got["sum(StlVecF32)"], ak.to_numpy(ak.sum(vec, axis=1))[has])
    np.testing.assert_array_equal(
        got["SliceI16[-1]"], ak.to_numpy(t["evt/SliceI16"].array()[has][:, -1])
    )
    np.testing.assert_array_equal(got["P3.Py"], t["evt/P3/P3.Py"].array(library="np")[has])
    with pytest.raises(DataError, match=r"branch 'evt/StdStr' .* holds std::string") as err:
        read_table(path, ["evt/StdStr"])
    assert err.value.key == "evt/StdStr"
    with pytest.raises(DataError, match=r"branch 'evt/SliceF64' .* is jagged .*SliceF64\[0\]"):
        read_table(path, ["evt/SliceF64"])


def test_rntuple_nanoaod_muons() -> None:
    path = ROOT_DIR / "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root"
    r = uproot.open(path)["Events"]
    pt, eta, phi, mass = (r[f"Muon_{v}"].array() for v in ("pt", "eta", "phi", "mass"))
    two = ak.to_numpy(ak.num(pt)) >= 2
    mll = "invariant_mass(Muon_pt[0], Muon_eta[0], Muon_phi[0], Muon_pt[1], Muon_eta[1], Muon_phi[1], Muon_mass[0], Muon_mass[1])"
    chunks = list(iter_table(path, [mll, "nMuon"], where="nMuon >= 2", chunk_rows=300))
    assert len(chunks) == 4
    got = np.concatenate([c[mll].to_numpy() for c in chunks])
    vector = pytest.importorskip("vector")
    mu = [
        vector.array(
            {
                "pt": ak.to_numpy(v[0][two][:, k]).astype(np.float64),
                "eta": ak.to_numpy(v[1][two][:, k]).astype(np.float64),
                "phi": ak.to_numpy(v[2][two][:, k]).astype(np.float64),
                "mass": ak.to_numpy(v[3][two][:, k]).astype(np.float64),
            }
        )
        for k in (0, 1)
        for v in [(pt, eta, phi, mass)]
    ]
    np.testing.assert_allclose(got, (mu[0] + mu[1]).mass, rtol=1e-9)


def test_nested_and_object_branches_refused_by_name() -> None:
    path = ROOT_DIR / "uproot-vectorVectorDouble.root"
    with pytest.raises(DataError, match=r"nothing holds one number per event"):
        read_table(path)
    with pytest.raises(DataError, match=r"'x' .*std::vector<std::vector<double>>"):
        read_table(path, ["x"])
    with pytest.raises(NeymanError, match="nested lists"):
        read_table(path, ["len(x)"])
    leaf = ROOT_DIR / "uproot-leaflist.root"
    with pytest.raises(DataError, match=r"branch 'leaflist' .* holds struct"):
        read_table(leaf, ["leaflist"])


def test_text_branches_in_expressions_are_refused_by_name() -> None:
    path = ROOT_DIR / "uproot-small-evnt-tree-fullsplit.root"
    with pytest.raises(DataError, match=r"branch 'StdStr' .* holds std::string") as err:
        read_table(path, ["len(StdStr)"])
    assert err.value.key == "StdStr"
