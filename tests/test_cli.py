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
