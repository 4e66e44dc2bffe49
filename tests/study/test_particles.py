"""A study whose methods read jet constituents (data.particles): run, report, apply, load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import neyman
from neyman.errors import ConfigError
from neyman.study import Study, apply_model, parse_config

MAX_PARTICLES = 10
COLUMNS = ("part_pt", "part_eta", "part_phi", "part_e")


def _jets(rng: np.random.Generator, n: int, prongs: int) -> pd.DataFrame:
    """Jets of 4-16 particles around ``prongs`` axes (a toy of top against QCD jets)."""
    cells: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
    for _ in range(n):
        k = int(rng.integers(4, 17))
        axes = rng.normal(0.0, 0.25, (prongs, 2))
        which = rng.integers(0, prongs, k)
        pt = np.sort(rng.exponential(30.0, k) + 1.0)[::-1]
        eta = axes[which, 0] + rng.normal(0.0, 0.03, k)
        phi = np.pi - 0.1 + axes[which, 1] + rng.normal(0.0, 0.03, k)  # wraps past +-pi
        phi = (phi + np.pi) % (2 * np.pi) - np.pi
        for c, v in zip(COLUMNS, (pt, eta, phi, pt * np.cosh(eta)), strict=True):
            cells[c].append(v)
    frame = pd.DataFrame({"n_constituents": [len(c) for c in cells["part_pt"]]})
    for c, v in cells.items():
        frame[c] = pd.Series(v, dtype=object)
    return frame


def _write_root(frame: pd.DataFrame, path: Path) -> Path:
    """The layout of ``neyman generate jets -o x.root``: a counter and jagged branches."""
    import awkward as ak
    import uproot

    part = ak.zip({c.removeprefix("part_"): ak.Array(list(frame[c])) for c in COLUMNS})
    branches = {"n_constituents": frame["n_constituents"].to_numpy(), "part": part}
    with uproot.recreate(path) as f:
        f.mktree(
            "Events",
            {k: v.dtype if isinstance(v, np.ndarray) else v.type for k, v in branches.items()},
        )
        f["Events"].extend(branches)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    rng = np.random.default_rng(11)
    d = tmp_path_factory.mktemp("jets")
    sig, bkg = _jets(rng, 150, 3), _jets(rng, 150, 1)
    sig.to_parquet(d / "top.parquet")
    bkg.to_parquet(d / "qcd.parquet")
    return {
        "top": d / "top.parquet",
        "qcd": d / "qcd.parquet",
        "top.root": _write_root(sig, d / "top.root"),
        "dir": d,
    }


def _config(files: dict[str, Path], **data: object) -> dict[str, object]:
    small = {"epochs": 2, "batch_size": 64, "verbose": 0, "device": "cpu"}
    return {
        "name": "particle sets",
        "data": {
            "signal": {"path": str(files["top"])},
            "background": {"path": str(files["qcd"])},
            "features": ["n_constituents"],
            "particles": {"max_particles": MAX_PARTICLES},
            **data,
        },
        "evaluation": {"bootstrap": 0, "fit": {"enabled": False}},
        "methods": [
            {"name": "fisher", "model": "fisher"},
            {
                "name": "pfn",
                "model": "particle_set",
                "params": {"phi_sizes": [16, 16], "f_sizes": [16], **small},
            },
            {
                "name": "part",
                "model": "ParticleSetClassifier",
                "params": {
                    "architecture": "transformer",
                    "dim": 8,
                    "heads": 2,
                    "n_blocks": 1,
                    "max_particles": 8,
                    **small,
                },
            },
        ],
    }


def test_study_trains_particle_sets_and_apply_reproduces_scores(
    files: dict[str, Path], tmp_path: Path
) -> None:
    result = Study.from_dict(_config(files)).run(tmp_path / "out", use_cache=False)
    out = result.out
    assert {m.name for m in result.methods} == {"fisher", "pfn", "part"}
    html = (out / "index.html").read_text()
    for name in ("pfn", "part"):  # the report's ranking lists both set methods
        assert f"{name} <span class=small>(ParticleSetClassifier)" in html
    # the feature methods see data.features only; the particle-set methods the slots
    fisher = next(m for m in result.methods if m.name == "fisher")
    assert set(fisher.importance or {}) == {"n_constituents"}
    plain = neyman.load(out / "models" / "fisher")
    assert (plain.features, plain.missing) == (["n_constituents"], None)
    assert plain.scale[0] != 1.0  # standardised, unlike the particle slots
    scores = pd.read_parquet(out / "test_scores.parquet")
    test_top = scores[scores["source"] == 1]
    for name, slots in (("pfn", MAX_PARTICLES), ("part", 8)):
        pipe = neyman.load(out / "models" / name)
        assert pipe.features[:4] == ["part_pt[0]", "part_eta[0]", "part_phi[0]", "part_e[0]"]
        assert len(pipe.features) == 4 * MAX_PARTICLES
        assert pipe.estimator.input_shape_ == (slots, 8)
        np.testing.assert_array_equal(pipe.mean, 0.0)  # constituents stay in GeV, radians
        # the saved model scores the training file as the study did. The study scored its test
        # jets of both classes in one batch, this scores the whole top file: torch's float32
        # matrix products round differently with the batch size and the row position (BLAS
        # blocking and remainder kernels, which differ by CPU and thread count), so the scores
        # agree to float32 rounding (a few ulp of the logit, eps = 1.2e-7), as apply's in
        # test_analysis.py, not bit for bit
        again = pipe.score(files["top"])[test_top["entry"].to_numpy()]
        np.testing.assert_allclose(again, test_top[f"score:{name}"], rtol=0, atol=1e-6)
        # and the same jets from a ROOT file with jagged branches, through neyman apply: the
        # same batch as pipe.score, in the same process, so the same numbers bit for bit
        applied = pd.read_parquet(
            apply_model(out / "models" / name, files["top.root"], tmp_path / f"{name}.parquet")
        )
        np.testing.assert_array_equal(
            applied["score"].to_numpy()[test_top["entry"].to_numpy()], again
        )


NO_PARTICLES = {"particles": None}


@pytest.mark.parametrize(
    ("data", "method", "match"),
    [
        (NO_PARTICLES, {}, "add data.particles"),
        ({}, {"features": ["n_constituents"]}, "remove its features"),
        ({}, {"params": {"max_particles": 11}}, "max_particles=11, more than the 10"),
        ({"missing": "drop"}, {}, "fill values per feature"),
        ({"particles": {"max_particles": 0}}, {}, "max_particles"),
        ({"particles": {"max_particles": 3, "pt": "part_eta"}}, {}, "'part_eta' twice"),
        ({"particles": {"max_particles": 3, "pt": "1pt"}}, {}, "data.particles.pt"),
        ({"particles": {"max_particles": 3, "E": "e"}}, {}, "unknown key 'data.particles.E'"),
        ({"builtin": "rings", "signal": None, "background": None}, {}, "built-in problems"),
        ({"features": None}, {"model": "bdt"}, "reads features; list data.features"),
    ],
)
def test_bad_particle_configs_name_the_key(
    files: dict[str, Path], data: dict[str, object], method: dict[str, object], match: str
) -> None:
    cfg = _config(files)
    cfg["data"] = {k: v for k, v in {**cfg["data"], **data}.items() if v is not None}  # type: ignore[dict-item]
    cfg["methods"] = [{"name": "pfn", "model": "particle_set", **method}]
    with pytest.raises(ConfigError, match=match):
        parse_config(cfg)


def test_many_particle_slots_read_and_apply_without_warnings(
    files: dict[str, Path], tmp_path: Path
) -> None:
    # 4 x 30 expressions: more than the 100 columns at which pandas warns about inserting
    # into a fragmented frame (warnings are errors here)
    from neyman.models import ParticleSetClassifier
    from neyman.models.pipeline import Pipeline, read_events

    slots = parse_config(_config(files, particles={"max_particles": 30})).data.columns[1:]
    fills = dict.fromkeys(slots, 0.0)
    ev = read_events(files["top"], slots, missing=fills)
    assert ev.values.shape == (150, 4 * 30)
    lengths = pd.read_parquet(files["top"])["part_pt"].map(len).to_numpy()
    np.testing.assert_array_equal(ev.values["part_pt[29]"] > 0, lengths >= 30)
    est = ParticleSetClassifier(
        max_particles=30, phi_sizes=(4,), f_sizes=(), epochs=1, verbose=0, random_state=0
    ).fit(ev.values.to_numpy(np.float32), np.arange(150) % 2)
    pipe = Pipeline(slots, est, mean=np.zeros(120), scale=np.ones(120), missing=fills)
    pipe.save(tmp_path / "m")
    scored = pd.read_parquet(apply_model(tmp_path / "m", files["top.root"], tmp_path / "s.pq"))
    np.testing.assert_array_equal(scored["score"], pipe.signal_score(pipe.transform(ev.values)))
