"""Every bad input of the analysis path is a one-line error carrying its subject.

Config mistakes are refused before any file is read or written; data mistakes name the
column and the key to set; ``apply`` never harms its input; a study output is locked,
atomic and confined.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from neyman.cli import main
from neyman.errors import ConfigError, DataError, MissingColumnError, NeymanWarning
from neyman.study import Study, apply_model, parse_config
from neyman.study._output import OutputBusyError, ReportWriter, StudyInterrupted, confined
from tests.study import _nano
from tests.study.test_analysis import nano_config


@pytest.fixture(scope="module")
def nano(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _nano.write_pair(tmp_path_factory.mktemp("nano"), 400)


def _quick(cfg: dict[str, Any]) -> dict[str, Any]:
    cfg["methods"] = [{"name": "fisher", "model": "fisher"}]
    return cfg


def _run(cfg: dict[str, Any], out: Path) -> None:
    Study.from_dict(cfg).run(out, console=Console(quiet=True), use_cache=False)


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    return err


# ------------------------------------------------------------------ config, before work
def test_bad_method_parameter_writes_nothing(
    tmp_path: Path, nano: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = nano_config(*nano)
    cfg["methods"][1]["params"]["hiden"] = [8]
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(cfg))
    before = sorted(tmp_path.iterdir())
    assert main(["study", str(path), "-o", str(tmp_path / "out")]) == 2
    err = _one_line(capsys)
    assert "method 'mlp' (MLPClassifier) has no parameter 'hiden'; did you mean 'hidden'" in err
    assert sorted(tmp_path.iterdir()) == before  # no output, no lock, no temporary directory
    with pytest.raises(ConfigError) as info:
        parse_config(cfg)
    assert info.value.key == "methods.1.params.hiden"
    assert "hidden" in info.value.available


def test_bad_parameter_value_names_the_constraint(nano: tuple[Path, Path]) -> None:
    cfg = nano_config(*nano)
    cfg["methods"][0]["params"]["learning_rate"] = -1
    with pytest.raises(
        ConfigError, match=r"'learning_rate' parameter of BDTClassifier must be"
    ) as info:
        parse_config(cfg)
    assert info.value.key == "methods.0.params.learning_rate"


def test_method_may_not_override_the_weight_policy(nano: tuple[Path, Path]) -> None:
    cfg = nano_config(*nano)
    cfg["methods"][0]["params"]["negative_weights"] = "drop"
    with pytest.raises(ConfigError, match="unlike data.negative_weights .'keep'.; set") as info:
        parse_config(cfg)
    assert info.value.key == "methods.0.params.negative_weights"
    cfg["methods"][0]["params"]["negative_weights"] = "keep"  # the same policy: allowed
    parse_config(cfg)


@pytest.mark.parametrize("name", ["../x", "/abs", "a/b", ".hidden", ""])
def test_bad_method_name(nano: tuple[Path, Path], name: str) -> None:
    cfg = _quick(nano_config(*nano))
    cfg["methods"][0]["name"] = name
    with pytest.raises(ConfigError, match="becomes a directory name") as info:
        parse_config(cfg)
    assert info.value.key == "methods.0"


def test_unsupported_negative_weight_policy(nano: tuple[Path, Path]) -> None:
    cfg = nano_config(*nano)
    cfg["methods"].append({"name": "logit", "model": "logistic"})
    with pytest.raises(
        ConfigError, match=r"'keep' is not supported by logit; use 'drop' or 'abs'"
    ) as info:
        parse_config(cfg)
    assert info.value.key == "data.negative_weights"
    assert info.value.available == ("logit",)
    cfg["data"]["negative_weights"] = "abs"
    parse_config(cfg)


def test_bad_expression_is_refused_before_reading(nano: tuple[Path, Path]) -> None:
    cfg = nano_config(*nano)
    cfg["data"]["features"] = ["x1", "__import__('os')"]
    cfg["data"]["missing"] = None
    with pytest.raises(ConfigError) as info:
        parse_config(cfg)
    assert info.value.key == "data.features.1"


# ------------------------------------------------------------------ data
def test_unknown_truth_column(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    cfg = _quick(nano_config(*nano, truth="true_lr"))
    with pytest.raises(
        MissingColumnError, match=r"data.truth: column 'true_lr' not in .*did you mean 'true_llr'"
    ) as info:
        _run(cfg, tmp_path / "out")
    assert info.value.key == "data.truth"
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


def test_jagged_branch_without_index(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    cfg = _quick(nano_config(*nano, features=["x1", "Jet_pt"], missing=None))
    with pytest.raises(DataError, match=r"'Jet_pt'.*jagged") as info:
        _run(cfg, tmp_path / "out")
    assert info.value.key == "Jet_pt"
    assert list(tmp_path.iterdir()) == []


def test_missing_object_without_policy(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    cfg = _quick(nano_config(*nano, missing=None))
    with pytest.raises(
        DataError,
        match=r"selected events in .* have no value for 'Jet_pt\[0\]'.*set data.missing: drop",
    ) as info:
        _run(cfg, tmp_path / "out")
    assert info.value.key == "Jet_pt[0]"
    # the count is that of zero-jet events passing the selection, counted independently
    import uproot

    a = uproot.open(nano[0])["Events"].arrays(["nJet", "x2"], library="np")
    count = int(str(info.value).split()[0])
    assert count == int(((a["nJet"] == 0) & (a["x2"] > -3)).sum())


def test_missing_drop_removes_those_events(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    import json

    import uproot

    cfg = _quick(nano_config(*nano, missing="drop"))
    _run(cfg, tmp_path / "out")
    counts = json.loads((tmp_path / "out" / "metrics.json").read_text())["info"]["events"]
    for role, path in zip(("signal", "background"), nano, strict=True):
        a = uproot.open(path)["Events"].arrays(["nJet", "x2"], library="np")
        assert counts[role]["kept"] == int(((a["nJet"] > 0) & (a["x2"] > -3)).sum())


# ------------------------------------------------------------------ apply: never harm the input
@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, nano: tuple[Path, Path]) -> Path:
    out = tmp_path_factory.mktemp("model") / "report"
    _run(_quick(nano_config(*nano)), out)
    return out / "models" / "fisher"


def test_apply_refuses_output_that_is_the_input(
    tmp_path: Path, nano: tuple[Path, Path], model: Path
) -> None:
    import shutil

    src = tmp_path / "events.root"
    shutil.copy(nano[0], src)
    data = src.read_bytes()
    link = tmp_path / "hard.root"
    os.link(src, link)
    spelt = tmp_path / "sub" / ".." / "events.root"
    (tmp_path / "sub").mkdir()
    for out in (src, spelt, link):
        with pytest.raises(DataError, match="is the input file") as info:
            apply_model(model, src, out, force=True)
        assert info.value.key == "output"
    assert src.read_bytes() == data


def test_apply_refuses_existing_output_without_force(
    tmp_path: Path, nano: tuple[Path, Path], model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scored.parquet"
    out.write_bytes(b"precious")
    assert main(["apply", str(model), str(nano[0]), "-o", str(out)]) == 2
    assert "exists; pass --force" in _one_line(capsys)
    assert out.read_bytes() == b"precious"
    with pytest.raises(DataError, match="exists; pass --force") as info:
        apply_model(model, nano[0], out)
    assert (info.value.key, info.value.path) == ("output", str(out))
    assert main(["apply", str(model), str(nano[0]), "-o", str(out), "--force"]) == 0
    assert out.read_bytes() != b"precious"


def test_apply_to_root_leaves_the_input_alone(
    tmp_path: Path, nano: tuple[Path, Path], model: Path
) -> None:
    before = nano[0].read_bytes()
    out = apply_model(model, nano[0], tmp_path / "scored.root")
    import uproot

    assert "score" in uproot.open(out)["Events"].keys()
    assert nano[0].read_bytes() == before


# ------------------------------------------------------------------ study output
def test_concurrent_study_is_refused(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    out = tmp_path / "out"
    with ReportWriter(out):
        with pytest.raises(
            OutputBusyError, match=f"another study \\(process {os.getpid()}\\) is writing"
        ) as info:
            _run(_quick(nano_config(*nano)), out)
        assert info.value.path == str(out)
    assert not out.exists()
    _run(_quick(nano_config(*nano)), out)  # the lock is gone with its holder
    assert (out / "metrics.json").is_file()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / ".out.lock").write_text("999999999\n")  # no such process
    with ReportWriter(out) as w:
        w.path("a.txt").write_text("x")
        w.commit()
    assert (out / "a.txt").read_text() == "x" and not (tmp_path / ".out.lock").exists()


def _killed_writer(out: Path) -> int:
    """A process that takes the lock on ``out``, writes into its temporary directory and is
    killed by SIGKILL (no handler runs); returns its pid."""
    import subprocess
    import sys

    code = (
        "import os, sys, pathlib; from neyman.study._output import ReportWriter\n"
        "w = ReportWriter(pathlib.Path(sys.argv[1])).__enter__()\n"
        "w.path('half.txt').write_text('x'); print('ready', flush=True); sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.close()
    proc.stdout.close()
    return proc.pid


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pid = _killed_writer(out)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert ".out.lock" in left and any(n.startswith(".out.tmp-") for n in left), left
    # siblings that are not this output's leftovers: another output's, a user's folder
    keep = [".out.tmp-b.tmp-abcd1234", ".out.tmp-notes", "out.tmp-abcd1234", ".other.tmp-abcd1234"]
    for name in keep:
        (tmp_path / name).mkdir()
    writer = ReportWriter(out)
    with pytest.warns(NeymanWarning, match=f"removed 1 temporary folder.*process {pid}") as rec:
        writer.__enter__()
    assert len(rec) == 1
    try:
        writer.path("a.txt").write_text("y")
        writer.commit()
    finally:
        writer.__exit__(None, None, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, "out"])
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]


def test_killed_inside_commit_puts_the_previous_report_back(tmp_path: Path) -> None:
    # killed between commit's two renames: the previous report is only in .out.old-*/out
    (tmp_path / ".out.lock").write_text("999999999\n")
    (tmp_path / ".out.old-abcd1234" / "out").mkdir(parents=True)
    (tmp_path / ".out.old-abcd1234" / "out" / "metrics.json").write_text("{}")
    (tmp_path / ".out.tmp-efgh5678").mkdir()
    writer = ReportWriter(tmp_path / "out")
    with pytest.warns(NeymanWarning, match="previous report was put back"):
        writer.__enter__()
    writer.__exit__(None, None, None)  # this run ends before its commit
    assert (tmp_path / "out" / "metrics.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_live_lock_leaves_the_leftovers_alone(tmp_path: Path) -> None:
    (tmp_path / ".out.lock").write_text(f"{os.getpid()}\n")
    (tmp_path / ".out.tmp-abcd1234").mkdir()
    with pytest.raises(OutputBusyError):
        ReportWriter(tmp_path / "out").__enter__()
    assert (tmp_path / ".out.tmp-abcd1234").is_dir()


@pytest.mark.parametrize("existing", ["empty", "report", "missing"])
def test_output_that_is_a_symlink_is_refused(tmp_path: Path, existing: str) -> None:
    real = tmp_path / "real"
    if existing != "missing":
        real.mkdir()
    if existing == "report":
        (real / "metrics.json").write_text("{}")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(ConfigError, match="is a symbolic link") as info:
        ReportWriter(link).__enter__()
    assert info.value.value == str(real.resolve()) and info.value.key == "output"
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["link", *(["real"] if existing != "missing" else [])]
    )


def test_rerun_replaces_the_whole_report(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    out = tmp_path / "out"
    cfg = _quick(nano_config(*nano))
    _run(cfg, out)
    cfg["methods"] = [{"name": "likelihood", "model": "likelihood"}]
    _run(cfg, out)
    assert sorted(p.name for p in (out / "models").iterdir()) == ["likelihood"]
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir())


def test_interrupt_keeps_the_previous_report(
    tmp_path: Path,
    nano: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    cfg = _quick(nano_config(*nano))
    _run(cfg, out)
    before = (out / "metrics.json").read_bytes()
    import neyman.study.engines as engines  # the local engine fits each method

    def interrupted(*args: Any, **kw: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        msg = "SIGTERM did not interrupt"
        raise AssertionError(msg)  # pragma: no cover

    monkeypatch.setattr(engines, "fit_method", interrupted)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["study", str(path), "-o", str(out), "--no-cache"]) == 130
    assert "study interrupted" in _one_line(capsys)
    assert (out / "metrics.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study.yaml"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_sigint_in_writer_removes_the_temporary_directory(tmp_path: Path) -> None:
    def interrupted_write() -> None:
        with ReportWriter(tmp_path / "out") as w:
            w.path("half.txt").write_text("x")
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(StudyInterrupted):
        interrupted_write()
    assert list(tmp_path.iterdir()) == []


def test_files_follow_the_umask(tmp_path: Path, nano: tuple[Path, Path]) -> None:
    old = os.umask(0o022)
    try:
        _run(_quick(nano_config(*nano)), tmp_path / "out")
    finally:
        os.umask(old)
    out = tmp_path / "out"
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*")}
    assert (out.stat().st_mode & 0o777) == 0o755
    assert modes["models/fisher/weights.safetensors"] == 0o644
    assert modes["models"] == 0o755
    assert set(modes.values()) == {0o644, 0o755}


@pytest.mark.parametrize("bad", ["../escaped", "/etc/x", "a/../../b"])
def test_paths_are_confined(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="resolves outside the output directory") as info:
        confined(tmp_path, bad)
    assert info.value.key == bad
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(ConfigError):
        confined(tmp_path, "link/x")
    assert confined(tmp_path, "models/a") == tmp_path.resolve() / "models" / "a"


def test_apply_without_selection_and_dropped_objects(
    tmp_path: Path, nano: tuple[Path, Path]
) -> None:
    import uproot

    from neyman.data import read_table

    out = tmp_path / "out"
    _run(_quick(nano_config(*nano, missing="drop")), out)
    model = out / "models" / "fisher"
    every = apply_model(model, nano[0], tmp_path / "all.parquet", selection=False)
    default = apply_model(model, nano[0], tmp_path / "sel.parquet")
    df, sel = read_table(every), read_table(default)
    a = uproot.open(nano[0])["Events"].arrays(["nJet", "x2"], library="np")
    passes = (a["nJet"] > 0) & (a["x2"] > -3)
    assert df["entry"].tolist() == list(range(len(a["nJet"])))
    assert df["selected"].tolist() == passes.astype(int).tolist()
    assert df["score"].isna().tolist() == (a["nJet"] == 0).tolist()
    assert df.loc[passes, "score"].tolist() == sel["score"].tolist()


def test_failed_swap_puts_the_previous_report_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.json").write_text("old")  # a previous report
    real = Path.replace

    def flaky(self: Path, target: Path) -> Path:
        if Path(target) == out and self.name.startswith(".out.tmp-"):
            msg = "disk gone"
            raise OSError(msg)
        return real(self, target)

    def swap() -> None:
        with ReportWriter(out) as w:
            w.path("new.txt").write_text("new")
            monkeypatch.setattr(Path, "replace", flaky)
            w.commit()

    with pytest.raises(OSError, match="disk gone"):
        swap()
    monkeypatch.setattr(Path, "replace", real)
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_output_folder_of_other_files_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    out.mkdir()
    (out / "events.csv").write_text("a,b\n")
    with pytest.raises(ConfigError, match=r"not a neyman output.*events\.csv") as info:
        with ReportWriter(out):
            pass
    assert info.value.key == "output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis"]  # no lock, no temp
    assert (out / "events.csv").read_text() == "a,b\n"


def test_an_output_holding_an_input_is_refused_however_spelt(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    events = tmp_path / "in" / "events.csv"
    events.write_text("a\n")
    for out in (tmp_path / "in", tmp_path / "in" / "x" / "..", tmp_path):
        with pytest.raises(ConfigError, match="holds the input"):
            with ReportWriter(out, inputs=[events]):
                pass
    assert events.read_text() == "a\n"


def test_an_earlier_report_or_an_empty_folder_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for previous in ((), ("metrics.json", "index.html", "plots")):
        for name in previous:
            (out / name).write_text("old") if "." in name else (out / name).mkdir()
        with ReportWriter(out) as w:
            w.path("metrics.json").write_text("new")
            w.commit()
        assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]
        (out / "metrics.json").unlink()


def test_files_dropped_into_the_output_during_the_run_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def run_while_user_writes() -> None:
        with ReportWriter(out) as w:
            out.mkdir()
            (out / "notes.txt").write_text("mine")
            w.commit()

    with pytest.raises(ConfigError, match="notes.txt"):
        run_while_user_writes()
    assert (out / "notes.txt").read_text() == "mine"
