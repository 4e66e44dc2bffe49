from __future__ import annotations

import subprocess
import sys

import pytest

import neyman
from neyman.cli import main


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert neyman.__version__ in capsys.readouterr().out
    assert main([]) == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "study", "apply", "lab", "datasets", "generate"):
        assert cmd in out


def test_neyman_error_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lab", "no-such-lab"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_debug_shows_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "neyman.cli", "--debug", "lab", "no-such-lab"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_demo_quick_prints_summary(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--quick", "-o", str(tmp_path)]) == 0
    assert "signal" in capsys.readouterr().out


def test_apply_options_reach_apply_model(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import neyman.study as study

    seen: dict[str, object] = {}

    def fake(model: object, events: object, output: object, **kw: object) -> object:
        seen.update(kw, model=str(model), events=str(events), output=str(output))
        return output

    monkeypatch.setattr(study, "apply_model", fake)
    argv = ["apply", "m", "e.root", "-o", "o.parquet", "--tree", "T", "--column", "s"]
    assert main([*argv, "--no-selection", "--force"]) == 0
    assert seen == {
        "model": "m",
        "events": "e.root",
        "output": "o.parquet",
        "tree": "T",
        "column": "s",
        "selection": False,
        "force": True,
    }
    assert main(argv) == 0
    assert seen["selection"] is True and seen["force"] is False


def test_apply_missing_model_is_one_line(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    events = Path(str(tmp_path)) / "e.csv"
    events.write_text("a\n1\n")
    out = Path(str(tmp_path)) / "o.parquet"
    assert main(["apply", str(Path(str(tmp_path)) / "nope"), str(events), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model directory not found") and err.count("\n") == 1
    assert not out.exists()


def test_an_os_error_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import neyman.study.compare

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "/data/out/index.html")

    monkeypatch.setattr(neyman.study.compare, "compare_studies", full_disk)
    assert main(["compare", "a", "-o", "b"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: cannot use /data/out/index.html: No space left on device")
