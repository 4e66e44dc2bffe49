from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from rich.console import Console

from neyman.cli import main
from neyman.data import read_table, write_table
from neyman.errors import ConfigError, DataError, MissingColumnError
from neyman.study import Study, apply_model, parse_config

FEATURES = ["pt1", "eta1", "m_jj"]


@pytest.fixture
def root_files(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    n = 1500
    sig = pd.DataFrame(
        {
            "pt1": rng.exponential(60, n) + 20,
            "eta1": rng.normal(0, 1.0, n),
            "m_jj": rng.normal(125, 15, n),
            "w": rng.uniform(0.5, 1.5, n),
        }
    )
    bkg = pd.DataFrame(
        {
            "pt1": rng.exponential(40, n) + 20,
            "eta1": rng.normal(0, 1.6, n),
            "m_jj": rng.exponential(100, n) + 30,
            "w": rng.uniform(0.5, 1.5, n),
        }
    )
    return write_table(sig, tmp_path / "signal.root"), write_table(
        bkg, tmp_path / "background.root"
    )


def _config(sig: Path, bkg: Path, **overrides: object) -> dict[str, object]:
    cfg: dict[str, object] = {
        "name": "toy <b>study</b>",
        "data": {
            "signal": {"path": str(sig), "tree": "Events"},
            "background": {"path": str(bkg), "tree": "Events"},
            "features": FEATURES,
            "weight": "w",
            "selection": "pt1 > 25",
        },
        "split": {"val": 0.2, "test": 0.3, "random_state": 1},
        "methods": [
            {"name": "fisher", "model": "fisher"},
            {"name": "bdt", "model": "bdt", "params": {"n_estimators": 30, "max_depth": 3}},
            {
                "name": "mlp",
                "model": "mlp",
                "params": {"hidden": [16], "epochs": 3, "batch_size": 128},
            },
        ],
        "evaluation": {"efficiencies": [0.5], "bootstrap": 20},
    }
    cfg.update(overrides)
    return cfg


def test_study_cli_end_to_end_then_apply(
    tmp_path: Path, root_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sig, bkg = root_files
    cfg_path = tmp_path / "study.yaml"
    cfg_path.write_text(yaml.safe_dump(_config(sig, bkg)))
    out = tmp_path / "report"
    assert main(["study", str(cfg_path), "-o", str(out), "--no-cache"]) == 0
    printed = capsys.readouterr().out
    assert "ranked by test AUC" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    names = [m["name"] for m in metrics["methods"]]
    assert sorted(names) == ["bdt", "fisher", "mlp"]
    aucs = [m["auc"] for m in metrics["methods"]]
    assert aucs == sorted(aucs, reverse=True)
    assert all(0.5 < a <= 1.0 for a in aucs)
    assert metrics["methods"][0]["name"] == "bdt"  # the only method that sees the m_jj peak
    page = (out / "index.html").read_text()
    assert "toy &lt;b&gt;study&lt;/b&gt;" in page and "<b>study</b>" not in page
    assert page.count("data:image/png;base64,") >= 5
    for name in ("roc", "rejection", "scores_bdt"):
        assert (out / "plots" / f"{name}.png").is_file()
        assert (out / "plots" / f"{name}.pdf").is_file()

    scored = tmp_path / "scored.parquet"
    assert main(["apply", str(out / "models" / "bdt"), str(sig), "-o", str(scored)]) == 0
    df = read_table(scored)
    raw = read_table(sig)
    # the training selection applies by default; rows keep the file order
    np.testing.assert_array_equal(df["entry"], np.flatnonzero(raw["pt1"].to_numpy() > 25))
    assert df["score"].between(0, 1).all()
    # the applied score equals the study's own score of the same (test) events
    test = read_table(out / "test_scores.parquet")
    test = test[test["source"] == 1]
    applied = df.set_index("entry").loc[test["entry"], "score"].to_numpy()
    np.testing.assert_allclose(applied, test["score:bdt"], rtol=0, atol=1e-6)


def test_apply_refuses_missing_features(tmp_path: Path, root_files: tuple[Path, Path]) -> None:
    sig, bkg = root_files
    out = tmp_path / "r"
    Study.from_dict(_config(sig, bkg, methods=[{"name": "f", "model": "fisher"}])).run(out)
    other = write_table(pd.DataFrame({"pt1": [30.0], "eta": [0.1]}), tmp_path / "other.parquet")
    with pytest.raises(MissingColumnError, match="column 'eta1' not in"):
        apply_model(out / "models" / "f", other, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_unknown_key_names_nearest(root_files: tuple[Path, Path]) -> None:
    sig, bkg = root_files
    cfg = _config(sig, bkg)
    cfg["evaluation"] = {"efficiencis": [0.5]}
    with pytest.raises(
        ConfigError, match=r"unknown key 'evaluation.efficiencis'; did you mean 'efficiencies'"
    ):
        parse_config(cfg)


def test_a_typo_of_a_required_key_is_named_as_the_typo() -> None:
    data = {"file": {"path": "e.csv"}, "label": "label", "features": ["a"]}
    with pytest.raises(ConfigError, match=r"unknown key 'methds'; did you mean 'methods'"):
        parse_config({"data": data, "methds": [{"name": "f", "model": "fisher"}]})
    with pytest.raises(ConfigError, match=r"unknown key 'data.file.pth'; did you mean 'path'"):
        parse_config({"data": {**data, "file": {"pth": "e.csv"}}, "methods": []})


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"d": 2, "n_evnts": 10}, r"builtin_options.n_evnts: gaussian_mixture has no option .*"
         r"\(accepted: d, n, n_components"),
        ({"d": 2, "n": "lots"}, r"builtin_options.n: 'lots' is not a valid int; gaussian_mixture takes n: int"),
        ({"n": 10}, r"gaussian_mixture needs d \(int\)"),
    ],
)  # fmt: skip
def test_builtin_options_are_checked_against_the_signature(
    options: dict[str, object], match: str
) -> None:
    methods = [{"name": "f", "model": "fisher"}]
    with pytest.raises(ConfigError, match=match):
        parse_config(
            {
                "data": {"builtin": "gaussian_mixture", "builtin_options": options},
                "methods": methods,
            }
        )
    ok = {"builtin": "gaussian_mixture", "builtin_options": {"d": 2, "n": "50"}}
    assert parse_config({"data": ok, "methods": methods}).data.builtin_options["n"] == 50


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"file": {"path": "e.csv"}, "features": ["a", "label"]}, "'label' is the label column"),
        ({"file": {"path": "e.csv"}, "features": ["log(label + 1)"]}, "read by the feature"),
        ({"file": {"path": "e.csv"}, "weight": "w", "features": ["a", "w"]}, "'w' is the weight"),
    ],
)
def test_a_feature_may_not_be_the_label_weight_or_truth(
    data: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigError, match=f"data.features: .*{match}"):
        parse_config({"data": data, "methods": [{"name": "f", "model": "fisher"}]})
    signal = {"signal": {"path": "s.csv"}, "background": {"path": "b.csv"}, "features": ["label"]}
    parse_config({"data": signal, "methods": [{"name": "f", "model": "fisher"}]})  # no label column


def test_too_few_events_for_the_split(tmp_path: Path) -> None:
    write_table(
        pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4], "label": [0, 1, 0, 1]}), tmp_path / "e.csv"
    )
    data = {"file": {"path": str(tmp_path / "e.csv")}, "features": ["a"]}
    study = Study.from_dict({"data": data, "methods": [{"name": "f", "model": "fisher"}]})
    with pytest.raises(
        DataError, match=r"too few events for the study's split .* found background 2, signal 2"
    ):
        study.run(tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("labels", "found"),
    [([-1, 1], "-1"), ([1, 2], "2"), ([0.0, 1.0, 0.5], "0.5"), ([0.0, 1.0, float("nan")], "nan")],
)
def test_a_labelled_file_must_hold_0_and_1(tmp_path: Path, labels: list[float], found: str) -> None:
    # -1/+1 labels used to train with -1 as a third class name ('-1' in the weights
    # summary, no background figures); 0.5 was counted as a second 'background' class
    n = 40
    lab = np.resize(np.asarray(labels), n)
    path = write_table(
        pd.DataFrame({"a": np.linspace(0.0, 1.0, n), "label": lab}), tmp_path / "e.parquet"
    )
    data = {"file": {"path": str(path)}, "features": ["a"]}
    study = Study.from_dict({"data": data, "methods": [{"name": "f", "model": "fisher"}]})
    with pytest.raises(
        DataError,
        match=rf"data.label column 'label' of .*e.parquet holds \d+ value\(s\) other than 0 "
        rf"\(background\) and 1 \(signal\): {found}; .* data.label: \"label > 0\"",
    ):
        study.run(tmp_path / "out", console=Console(quiet=True))
    assert not (tmp_path / "out").exists()
    if found == "-1":  # the expression the message suggests is a label the study accepts
        data["label"] = "label > 0"
        ds = Study.from_dict({"data": data, "methods": [{"name": "f", "model": "fisher"}]})
        assert sorted(set(ds.load_data().y.tolist())) == [0, 1]


def test_unknown_method(root_files: tuple[Path, Path]) -> None:
    sig, bkg = root_files
    with pytest.raises(ConfigError, match=r"unknown model 'bdtt'; did you mean 'bdt'"):
        parse_config(_config(sig, bkg, methods=[{"name": "x", "model": "bdtt"}]))


def test_unknown_feature(tmp_path: Path, root_files: tuple[Path, Path]) -> None:
    sig, bkg = root_files
    cfg = _config(sig, bkg)
    cfg["data"]["features"] = ["pt_1", "eta1"]  # type: ignore[index]
    with pytest.raises(MissingColumnError, match=r"'pt_1'.*did you mean 'pt1'"):
        Study.from_dict(cfg).run(tmp_path / "o", use_cache=False)


def test_missing_file(tmp_path: Path, root_files: tuple[Path, Path]) -> None:
    _, bkg = root_files
    with pytest.raises(DataError, match="file not found"):
        Study.from_dict(_config(tmp_path / "nope.root", bkg)).run(tmp_path / "o")


def test_zero_events_after_selection(tmp_path: Path, root_files: tuple[Path, Path]) -> None:
    sig, bkg = root_files
    cfg = _config(sig, bkg)
    cfg["data"]["selection"] = "pt1 > 1e9"  # type: ignore[index]
    with pytest.raises(DataError, match=r"0 events after selection"):
        Study.from_dict(cfg).run(tmp_path / "o")


def test_bad_config_via_cli_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("data: {builtin: gaussian_mixture}\nmethods: [{name: a, model: nope}]\n")
    assert main(["study", str(cfg), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "unknown model 'nope'" in err and err.count("\n") == 1


def test_cache_is_used_and_invalidated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    from neyman.data.cache import cache_path, cached_read_table

    monkeypatch.setenv("NEYMAN_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}).to_csv(src, index=False)
    first = cached_read_table(src, ["a"])
    cached = cache_path(src)
    assert cached.is_file()
    np.testing.assert_array_equal(first["a"], [1.0, 2.0])
    pd.DataFrame({"a": [5.0, 6.0, 7.0], "b": [0.0, 0.0, 0.0]}).to_csv(src, index=False)
    again = cached_read_table(src, ["a"])
    np.testing.assert_array_equal(again["a"], [5.0, 6.0, 7.0])  # source changed: new key
    assert cache_path(src) != cached
    assert cached_read_table(src, ["a"], use_cache=False)["a"].tolist() == [5.0, 6.0, 7.0]


def test_classes_in_trees_of_different_names_apply_to_both_files(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    # the model recorded only the signal's tree ('Events'), so `neyman apply` refused the
    # study's own background file (tree 'tree') with an error that did not say --tree
    n = 300
    frames = [
        pd.DataFrame({"a": rng.normal(mu, 1.0, n), "b": rng.normal(0.0, 1.0, n)})
        for mu in (1.0, 0.0)
    ]
    sig = write_table(frames[0], tmp_path / "s.root", tree="Events")
    bkg = write_table(frames[1], tmp_path / "b.root", tree="tree")
    data = {
        "signal": {"path": str(sig), "tree": "Events"},
        "background": {"path": str(bkg), "tree": "tree"},
        "features": ["a", "b"],
    }
    out = tmp_path / "out"
    cfg = {
        "data": data,
        "methods": [{"name": "f", "model": "fisher"}],
        "evaluation": {"bootstrap": 0},
    }
    Study.from_dict(cfg).run(out, console=Console(quiet=True), use_cache=False)
    test = pd.read_parquet(out / "test_scores.parquet")
    for label, path in ((1, sig), (0, bkg)):
        scored = pd.read_parquet(apply_model(out / "models" / "f", path, tmp_path / f"{label}.pq"))
        mine = test[test["source"] == label]
        got = scored.set_index("entry").loc[mine["entry"], "score"].to_numpy()
        np.testing.assert_allclose(got, mine["score:f"].to_numpy(), rtol=0, atol=1e-12)
    # a model whose sources agree on a tree records it; a file without it asks for --tree
    with pytest.raises(MissingColumnError, match=r"no tree 'Events', the tree the model was "
                       r"trained on \(available: tree\); name the tree to score with --tree"):  # fmt: skip
        apply_model(_events_model(tmp_path, sig), bkg, tmp_path / "x.pq")
    assert not (tmp_path / "x.pq").exists()
    apply_model(_events_model(tmp_path, sig), bkg, tmp_path / "x.pq", tree="tree")


def _events_model(tmp_path: Path, sig: Path) -> Path:
    """A model trained on two files that both name the tree 'Events'."""
    out = tmp_path / "events-model"
    if not out.exists():
        other = write_table(read_table(sig).assign(a=lambda d: -d["a"]), tmp_path / "o.root")
        data = {
            "signal": {"path": str(sig), "tree": "Events"},
            "background": {"path": str(other), "tree": "Events"},
            "features": ["a", "b"],
        }
        cfg = {"data": data, "methods": [{"name": "f", "model": "fisher"}]}
        Study.from_dict(cfg).run(out, console=Console(quiet=True), use_cache=False)
        assert json.loads((out / "models" / "f" / "pipeline.json").read_text())["tree"] == "Events"
    return out / "models" / "f"


def test_test_scores_name_each_events_file_and_entry_in_it(tmp_path: Path) -> None:
    """A class read from several files: ``file`` and ``entry`` find each test event again."""
    rng = np.random.default_rng(7)
    ids = iter(range(10**6))

    def part(name: str, n: int, shift: float) -> Path:
        df = pd.DataFrame(
            {
                "x": rng.normal(shift, 1.0, n),
                "y": rng.normal(0.0, 1.0, n),
                "uid": np.array([next(ids) for _ in range(n)], np.float64),
            }
        )
        return write_table(df, tmp_path / name)

    sig = [part(f"sig_{k}.parquet", n, 1.0) for k, n in enumerate((120, 90, 150))]
    bkg = [part(f"bkg_{k}.parquet", n, -1.0) for k, n in enumerate((200, 110))]
    cfg = {
        "name": "files",
        "data": {
            "signal": {"path": str(tmp_path / "sig_*.parquet")},
            "background": {"path": str(tmp_path / "bkg_*.parquet")},
            "features": ["x", "y"],
            "weight": "uid",  # carried along so each test row can be checked
            "selection": "y > -1.5",
        },
        "split": {"val": 0.2, "test": 0.3, "random_state": 1},
        "methods": [{"name": "fisher", "model": "fisher"}],
        "evaluation": {"efficiencies": [0.5], "bootstrap": 0},
    }
    out = tmp_path / "r"
    Study(parse_config(cfg)).run(out)
    scores = read_table(out / "test_scores.parquet")
    assert set(scores["file"]) <= {str(p) for p in [*sig, *bkg]}
    assert len(set(scores["file"])) == 5
    tables = {str(p): read_table(p) for p in [*sig, *bkg]}
    for file, entry, w in zip(scores["file"], scores["entry"], scores["weight_raw"], strict=True):
        assert tables[file]["uid"].iloc[int(entry)] == w
    # the same events through apply on one of the files: the same positions
    one = apply_model(out / "models" / "fisher", sig[1], tmp_path / "one.parquet")
    assert one is not None
    scored = read_table(tmp_path / "one.parquet")
    mine = scores[scores["file"] == str(sig[1])]
    by_entry = dict(zip(scored["entry"], scored["score"], strict=True))
    for entry, s in zip(mine["entry"], mine["score:fisher"], strict=True):
        assert by_entry[int(entry)] == pytest.approx(s, abs=1e-12)
