"""Jets with constituents: top-mass peak, tau32, substructure against oracles, the CLI."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pythia8mc")
pytest.importorskip("fastjet")

from neyman.errors import ConfigError  # noqa: E402
from neyman.generate.cli import add_generate_parser  # noqa: E402
from neyman.generate.jets import (  # noqa: E402
    JET_COLUMNS,
    PARTICLE_COLUMNS,
    JetConfig,
    add_substructure,
    energy_correlation,
    generate_jets,
    jet_process_settings,
)

pytestmark = pytest.mark.generate


@pytest.fixture(scope="module")
def top() -> pd.DataFrame:
    return generate_jets("top", 40, seed=3, progress=False, chunk_size=20)


@pytest.fixture(scope="module")
def qcd() -> pd.DataFrame:
    return generate_jets("qcd", 40, seed=3, progress=False, chunk_size=20)


def test_schema_and_window(top: pd.DataFrame) -> None:
    assert list(top.columns) == [*JET_COLUMNS, *PARTICLE_COLUMNS, "label"]
    assert len(top) == 40
    assert (top["label"] == 1).all()
    assert top["pt"].between(550, 650).all()
    assert (top["eta"].abs() < 2).all()
    # the jet four-momentum is the sum of its constituents' (all kept: fewer than 200)
    for _, jet in top.head(5).iterrows():
        px = np.sum(jet["part_pt"] * np.cos(jet["part_phi"]))
        py = np.sum(jet["part_pt"] * np.sin(jet["part_phi"]))
        assert np.hypot(px, py) == pytest.approx(jet["pt"], rel=1e-6)
        assert np.sum(jet["part_e"]) == pytest.approx(jet["e"], rel=1e-6)
        assert len(jet["part_pt"]) == jet["n_constituents"]
        assert np.all(np.diff(jet["part_pt"]) <= 0)
        assert set(np.unique(jet["part_charge"])) <= {-1, 0, 1}


def test_top_mass_peak_and_tau32(top: pd.DataFrame, qcd: pd.DataFrame) -> None:
    assert abs(top["mass"].median() - 172.5) < 15.0
    assert top["tau32"].median() < qcd["tau32"].median()
    assert qcd["mass"].median() < 120.0


def test_tau1_against_the_jet_axis(top: pd.DataFrame) -> None:
    # one exclusive kt jet is all constituents: its axis is the jet axis
    for _, jet in top.head(10).iterrows():
        dphi = (jet["part_phi"] - jet["phi"] + np.pi) % (2 * np.pi) - np.pi
        dr = np.hypot(jet["part_eta"] - jet["eta"], dphi)
        tau1 = np.sum(jet["part_pt"] * dr) / (0.8 * np.sum(jet["part_pt"]))
        assert jet["tau1"] == pytest.approx(tau1, rel=1e-6)
    np.testing.assert_allclose(top["tau32"], top["tau3"] / top["tau2"])
    np.testing.assert_allclose(top["tau21"], top["tau2"] / top["tau1"])


def test_energy_correlation_against_triple_loop() -> None:
    rng = np.random.default_rng(5)
    pt = rng.exponential(10, 9)
    eta = rng.normal(0, 0.3, 9)
    phi = rng.normal(0, 0.3, 9)
    e2, e3 = energy_correlation(pt, eta, phi)
    z = pt / pt.sum()

    def r(i: int, j: int) -> float:
        return float(np.hypot(eta[i] - eta[j], phi[i] - phi[j]))

    e2_loop = sum(z[i] * z[j] * r(i, j) for i, j in itertools.combinations(range(9), 2))
    e3_loop = sum(
        z[i] * z[j] * z[k] * r(i, j) * r(i, k) * r(j, k)
        for i, j, k in itertools.combinations(range(9), 3)
    )
    assert e2 == pytest.approx(e2_loop, rel=1e-12)
    assert e3 == pytest.approx(e3_loop, rel=1e-12)


def test_same_seed_same_jets_and_jobs_do_not_matter() -> None:
    a = generate_jets("qcd", 20, seed=9, progress=False, chunk_size=10)
    b = generate_jets("qcd", 20, seed=9, progress=False, chunk_size=10, jobs=2)
    pd.testing.assert_frame_equal(a[list(JET_COLUMNS)], b[list(JET_COLUMNS)])


def test_quark_gluon_settings_and_jets() -> None:
    assert "WeakBosonAndParton:qg2gmZq = on" in jet_process_settings("quark", JetConfig())
    assert "WeakBosonAndParton:qqbar2gmZg = on" in jet_process_settings("gluon", JetConfig())
    q = generate_jets("quark", 10, seed=1, progress=False, config=JetConfig(pt_min=200, pt_max=400))
    assert q["pt"].between(200, 400).all()
    assert (q["label"] == 1).all()


def test_bad_config_and_process_name_the_key() -> None:
    with pytest.raises(ConfigError, match="pt_max > pt_min") as err:
        JetConfig(pt_min=600, pt_max=500)
    assert err.value.key == "pt_max"
    with pytest.raises(ConfigError, match="did you mean 'top'") as err:
        generate_jets("tops", 10, seed=1)
    assert err.value.key == "process"
    low, high = JetConfig().pthat
    assert (low, high) == (500.0, 750.0)


def test_cli_writes_jagged_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_generate_parser(parser.add_subparsers())
    out = tmp_path / "qcd.parquet"
    args = parser.parse_args(
        ["generate", "jets", "--process", "qcd", "-n", "8", "-o", str(out), "--chunk-size", "4"]
    )
    assert args.handler(args) == 0
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 8
    assert str(table.schema.field("part_pt").type) == "list<element: double>"
    assert "jets/s" in capsys.readouterr().err
    missing = parser.parse_args(["generate", "jets", "-n", "8", "-o", str(out)])
    with pytest.raises(ConfigError, match="--process") as err:
        missing.handler(missing)
    assert err.value.key == "process"


def test_add_substructure_reproduces_the_generator(top: pd.DataFrame) -> None:
    columns = ["tau1", "tau2", "tau3", "tau21", "tau32", "c2", "d2"]
    again = add_substructure(top.drop(columns=columns).head(8))
    np.testing.assert_allclose(again[columns], top[columns].head(8), rtol=1e-6, atol=1e-9)


def test_root_output_matches_parquet_and_resumes(tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    import uproot

    from neyman.data import read_table

    kw = {"seed": 4, "chunk_size": 2, "batch_size": 5}
    frame = generate_jets("qcd", 4, output=tmp_path / "q.parquet", progress=False, **kw)
    calls = {"n": 0}

    def interrupt_in_second_chunk(generated: int, accepted: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    out = tmp_path / "q.root"
    with pytest.raises(KeyboardInterrupt):
        generate_jets("qcd", 4, output=out, progress=interrupt_in_second_chunk, **kw)
    assert not out.exists()
    assert len(list((tmp_path / "q.root.parts").glob("part-*.parquet"))) == 1
    resumed = generate_jets("qcd", 4, output=out, progress=False, **kw)
    pd.testing.assert_frame_equal(resumed, frame)
    assert not (tmp_path / "q.root.parts").exists()

    parquet = pq.read_table(tmp_path / "q.parquet").to_pandas()
    events = uproot.open(out)["Events"]
    assert events.num_entries == 4
    # one counter branch for the constituents, as uproot writes zipped jagged columns
    np.testing.assert_array_equal(events["npart"].array(library="np"), frame["n_constituents"])
    for name in [*JET_COLUMNS, "label"]:
        np.testing.assert_array_equal(events[name].array(library="np"), parquet[name], name)
    for name in PARTICLE_COLUMNS:
        jagged = events[name].array().tolist()
        assert len(jagged) == 4
        for row, cells in zip(jagged, parquet[name], strict=True):
            np.testing.assert_array_equal(row, cells, name)
    # read_table gives the same flat columns and jagged expressions from either file
    columns = ["pt", "mass", "tau32", "part_pt[0]", "part_eta[1]", "len(part_pt)", "max(part_e)"]
    pd.testing.assert_frame_equal(
        read_table(out, columns), read_table(tmp_path / "q.parquet", columns)
    )
    assert read_table(out, ["len(part_pt)"])["len(part_pt)"].tolist() == [
        len(c) for c in parquet["part_pt"]
    ]


def test_output_suffix_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.parquet or \.root") as err:
        generate_jets("qcd", 2, seed=1, output=tmp_path / "q.csv", progress=False)
    assert err.value.key == "output"
