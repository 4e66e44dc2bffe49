"""Generation end to end with Pythia 8 and FastJet: schemas, mass peaks, reproducibility,
chunked output and the CLI. A few hundred parton-level events per test."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pythia8mc")
pytest.importorskip("fastjet")

from neyman.errors import ConfigError  # noqa: E402
from neyman.generate import generate, generate_higgs, generate_susy, generate_zee  # noqa: E402
from neyman.generate.cli import add_generate_parser  # noqa: E402
from neyman.generate.features import HIGGS_COLUMNS, SUSY_COLUMNS, ZEE_COLUMNS  # noqa: E402
from neyman.generate.pythia import process_settings  # noqa: E402

pytestmark = pytest.mark.generate

M_Z = 91.1876  # GeV, PDG


@pytest.fixture(scope="module")
def zee() -> pd.DataFrame:
    return generate_zee(400, seed=11, hadronization=False, progress=False)


@pytest.fixture(scope="module")
def higgs() -> pd.DataFrame:
    return generate_higgs(600, seed=12, hadronization=False, progress=False)


def test_zee_schema_and_z_peak(zee: pd.DataFrame) -> None:
    assert tuple(zee.columns) == ZEE_COLUMNS
    assert len(zee) == 400
    assert zee["Event"].tolist() == list(range(1, 401))
    assert set(zee["Q1"]) <= {-1, 1} and set(zee["Q2"]) <= {-1, 1}
    assert (zee["pt1"] >= zee["pt2"]).all()
    # columns are mutually consistent
    np.testing.assert_allclose(np.hypot(zee["px1"], zee["py1"]), zee["pt1"], rtol=1e-9)
    e = zee["E1"] + zee["E2"]
    p2 = sum((zee[f"{c}1"] + zee[f"{c}2"]) ** 2 for c in ("px", "py", "pz"))
    np.testing.assert_allclose(np.sqrt(e**2 - p2), zee["M"], rtol=1e-6, atol=1e-6)
    window = zee["M"][(zee["M"] > 81.0) & (zee["M"] < 101.0)]
    assert len(window) > 250
    assert abs(float(np.median(window)) - M_Z) < 1.0


def test_higgs_schema_and_bb_peak(higgs: pd.DataFrame) -> None:
    assert tuple(higgs.columns) == (*HIGGS_COLUMNS, "label")
    assert higgs["label"].value_counts().to_dict() == {1: 300, 0: 300}
    assert all(higgs[c].dtype == np.float32 for c in HIGGS_COLUMNS)
    assert np.isfinite(higgs[list(HIGGS_COLUMNS)].to_numpy()).all()
    assert (np.diff(higgs[[f"jet{i}pt" for i in range(1, 5)]].to_numpy(), axis=1) <= 0).all()
    assert set(np.unique(higgs[[f"jet{i}b-tag" for i in range(1, 5)]])) <= {0.0, 1.0}
    signal = higgs[higgs["label"] == 1]
    tags = signal[[f"jet{i}b-tag" for i in range(1, 5)]].sum(axis=1)
    m_bb = signal["m_bb"][tags >= 2].to_numpy()
    assert len(m_bb) > 60
    # h -> b bbar at 125 GeV; parton-level jets lose ~5-10 % (out-of-cone radiation)
    counts, edges = np.histogram(m_bb, bins=np.arange(60.0, 200.0, 10.0))
    peak = 0.5 * (edges[np.argmax(counts)] + edges[np.argmax(counts) + 1])
    assert 100.0 <= peak <= 135.0
    window = m_bb[(m_bb > 80) & (m_bb < 160)]
    assert 105.0 < np.median(window) < 130.0
    # ttbar has no such peak: fewer background events in the window
    background = higgs[higgs["label"] == 0]
    btags = background[[f"jet{i}b-tag" for i in range(1, 5)]].sum(axis=1)
    bm = background["m_bb"][btags >= 2].to_numpy()
    assert np.mean((bm > 100) & (bm < 140)) < np.mean((m_bb > 100) & (m_bb < 140))
    # m_lv is the W mass by construction whenever the neutrino solution is real
    assert np.median(higgs["m_lv"]) == pytest.approx(80.385, abs=0.01)


def test_susy_schema() -> None:
    susy = generate_susy(200, seed=13, hadronization=False, progress=False)
    assert tuple(susy.columns) == (*SUSY_COLUMNS, "label")
    assert susy["label"].value_counts().to_dict() == {1: 100, 0: 100}
    assert np.isfinite(susy[list(SUSY_COLUMNS)].to_numpy()).all()
    assert (susy["lepton_1_pT"] >= susy["lepton_2_pT"]).all()
    assert (susy["R"] >= 0).all() and (susy["MT2"] >= 0).all()
    np.testing.assert_allclose(susy["R"], susy["M_TR_2"] / susy["M_R"], rtol=1e-5)
    # chargino pairs carry more missing momentum than WW
    met = susy.groupby("label")["missing_energy_magnitude"].median()
    assert met[1] > met[0]


def test_same_seed_same_events(zee: pd.DataFrame) -> None:
    again = generate_zee(400, seed=11, hadronization=False, progress=False)
    pd.testing.assert_frame_equal(again, zee)
    other = generate_zee(100, seed=12, hadronization=False, progress=False)
    assert not np.allclose(other["M"], zee["M"].iloc[:100])


def test_jobs_do_not_change_the_events() -> None:
    one = generate_zee(100, seed=5, hadronization=False, chunk_size=50, progress=False)
    two = generate_zee(100, seed=5, hadronization=False, chunk_size=50, jobs=2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    assert one.attrs == two.attrs


def test_interrupted_job_keeps_chunks_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "zee.parquet"
    calls = {"n": 0}

    def interrupt_in_second_chunk(generated: int, accepted: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # chunks of 50 accepted need 1-2 batches of 100
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_zee(
            100, seed=6, hadronization=False, output=out, chunk_size=50, batch_size=100,
            progress=interrupt_in_second_chunk,
        )  # fmt: skip
    assert not out.exists()
    kept = sorted((tmp_path / "zee.parquet.parts").glob("part-*.parquet"))
    assert len(kept) >= 1
    first = pd.read_parquet(kept[0])
    full = generate_zee(
        100, seed=6, hadronization=False, output=out, chunk_size=50, batch_size=100, progress=False
    )
    # the resumed file equals an uninterrupted run, and starts with the kept chunk
    fresh = generate_zee(
        100, seed=6, hadronization=False, chunk_size=50, batch_size=100, progress=False
    )
    pd.testing.assert_frame_equal(full, fresh)
    pd.testing.assert_frame_equal(pd.read_parquet(out), fresh)
    pd.testing.assert_frame_equal(fresh.iloc[: len(first)], first)
    assert not (tmp_path / "zee.parquet.parts").exists()
    assert full.attrs == fresh.attrs


def test_cli_writes_parquet_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="neyman")
    add_generate_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "z.parquet"
    args = parser.parse_args(
        ["generate", "zee", "-n", "60", "-o", str(out), "--seed", "3", "--no-hadronization"]
    )
    assert args.hadronization is False and args.jobs == 1
    assert args.handler(args) == 0
    frame = pd.read_parquet(out)
    assert tuple(frame.columns) == ZEE_COLUMNS and len(frame) == 60
    err = capsys.readouterr().err
    assert "selected of" in err and "efficiency" in err


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "'n' parameter"),
        ({"n": 10, "seed": -1}, "'seed' parameter"),
        ({"n": 10, "jobs": 0}, "'jobs' parameter"),
        ({"n": 10, "output": "events.csv"}, "must end in .parquet"),
        ({"n": 10, "output": "/no/such/dir/e.parquet"}, "does not exist"),
    ],
)
def test_bad_arguments_are_config_errors(kwargs: dict[str, object], match: str) -> None:
    kwargs = {"seed": 1, **kwargs}
    with pytest.raises(ConfigError, match=match):
        generate("zee", progress=False, **kwargs)  # type: ignore[arg-type]


def test_unknown_process_suggests_the_nearest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'higgs'"):
        generate("higs", 10, seed=1)
    with pytest.raises(ConfigError, match="no label 0"):
        process_settings("zee", 0)


def test_higgs_settings_force_one_leptonic_w_of_each_charge() -> None:
    plus = process_settings("higgs", 1, leptonic_w=1)
    minus = process_settings("higgs", 1, leptonic_w=-1)
    assert "24:onPosIfAny = 11 13" in plus and "24:onNegIfAny = 1 2 3 4" in plus
    assert "24:onNegIfAny = 11 13" in minus and "24:onPosIfAny = 1 2 3 4" in minus
    assert "HiggsH2:coup2HchgW = 1.0" in plus
    assert "HadronLevel:all = off" in process_settings("higgs", 0, hadronization=False)


def test_root_output_holds_the_frame(tmp_path: Path) -> None:
    from neyman.data import read_table

    out = tmp_path / "zee.root"
    frame = generate_zee(
        20, seed=13, hadronization=False, output=out, chunk_size=10, progress=False
    )
    back = read_table(out, tree="Events")
    pd.testing.assert_frame_equal(back[list(frame.columns)], frame)
    assert not (tmp_path / "zee.root.parts").exists()
