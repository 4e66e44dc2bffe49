"""The lab contract (options, figures) and ``neyman lab``: every option is a flag."""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib.pyplot as plt
import pytest
from rich.console import Console

from neyman.cli import main
from neyman.errors import ConfigError
from neyman.labs import LABS, list_labs
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    resolve_options,
)

OPTIONS = (
    Option("epochs", int, 100, "training epochs"),
    Option("lr", float, 0.01),
    Option("data", Path, None),
    Option("kind", str, "a", choices=("a", "b")),
    Option("plain", bool, False),
)


def test_resolve_options_fills_defaults_and_coerces() -> None:
    got = resolve_options("toy", OPTIONS, {"lr": 1, "data": "x.csv", "epochs": None})
    assert got == {"epochs": 100, "lr": 1.0, "data": Path("x.csv"), "kind": "a", "plain": False}
    assert isinstance(got["lr"], float)


def test_unknown_option_suggests_the_nearest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'epochs'") as err:
        resolve_options("toy", OPTIONS, {"epoch": 5})
    assert err.value.key == "epoch"
    assert "epochs" in err.value.available


@pytest.mark.parametrize(
    ("name", "value"), [("epochs", 2.5), ("epochs", True), ("lr", "x"), ("kind", "c")]
)
def test_bad_option_value_names_the_option(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=name) as err:
        resolve_options("toy", OPTIONS, {name: value})
    assert err.value.key == name
    assert err.value.value == value


def test_option_minimum_is_checked() -> None:
    opts = (Option("epochs", int, None, minimum=1),)
    assert resolve_options("toy", opts, {"epochs": 1}) == {"epochs": 1}
    assert resolve_options("toy", opts, {}) == {"epochs": None}  # not given: the lab decides
    with pytest.raises(ConfigError, match="option 'epochs' of lab toy must be >= 1, got 0"):
        resolve_options("toy", opts, {"epochs": 0})


# a given 0 (or less) used to fall through `value or default` and run with the default while
# printing it as the setting; it is an error naming the option, before any work
ZERO_IS_AN_ERROR = [
    ("decision-boundaries", "epochs"),
    ("decision-boundaries", "events"),
    ("perceptron-xor", "epochs"),
    ("perceptron-xor", "perceptron_epochs"),
    ("rnn", "events"),
    ("rnn", "epochs"),
    ("susy", "epochs"),
    ("zmass", "epochs"),
    ("jet-tagging", "rows"),
    ("jet-tagging", "epochs"),
]


@pytest.mark.parametrize(("name", "option"), ZERO_IS_AN_ERROR)
@pytest.mark.parametrize("value", [0, -1])
def test_a_given_zero_is_an_error_not_the_default(name: str, option: str, value: int) -> None:
    if name not in INSTALLED:
        pytest.skip(f"{name} is not installed")
    mod = _module(name)
    with pytest.raises(ConfigError, match=f"'{option}'") as err:
        mod.compute(quick=True, console=Console(file=io.StringIO()), **{option: value})
    assert err.value.key == option


@dataclass
class _Toy(Answers):
    auc: float
    curve: list[float] = figure_data(default_factory=list)


def test_figure_data_is_not_an_answer() -> None:
    a = _Toy(0.8, [1.0, 2.0])
    assert a.as_dict() == {"auc": 0.8}


def _console() -> Console:
    return Console(record=True, width=200, force_terminal=False)


def test_figures_without_out_writes_nothing_and_says_so(tmp_path: Path) -> None:
    con = _console()
    result = LabResult("toy")
    figs = Figures(None, result, con)
    fig = plt.figure()
    figs.save(fig, "roc")
    figs.report()
    text = con.export_text()
    assert "none written" in text
    assert "-o DIR" in text
    assert "roc" in text
    assert result.figures == []
    assert list(tmp_path.iterdir()) == []
    assert not plt.fignum_exists(fig.number)  # closed, not left open


def test_figures_with_out_lists_exactly_the_files(tmp_path: Path) -> None:
    con = _console()
    result = LabResult("toy")
    figs = Figures(tmp_path / "figs", result, con)
    figs.save(plt.figure(), "roc")
    figs.save(plt.figure(), "scores")
    figs.report()
    written = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert written == ["roc.png", "scores.png"]
    assert sorted(p.name for p in result.figures) == written
    assert "roc.png, scores.png" in con.export_text()


# --------------------------------------------------------------------------- the CLI
INSTALLED = [name for name, _ in list_labs()]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"neyman.labs.{LABS[name].module}")


def _with_options(name: str) -> list[str]:
    return [n for n in INSTALLED if getattr(_module(n), "OPTIONS", None)]


@pytest.mark.parametrize("name", INSTALLED)
def test_registry_summary_is_the_module_summary(name: str) -> None:
    mod = _module(name)
    assert mod.SUMMARY == LABS[name].summary
    assert mod.NAME == name


def test_lab_list_imports_no_lab() -> None:
    code = (
        "import sys\nfrom neyman.cli import main\nmain(['lab', 'list'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('neyman.labs.')))\n"
        "print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "False False"
    assert lines[-2] == "['neyman.labs._base']"
    for name in INSTALLED:
        assert name in proc.stdout


@pytest.mark.parametrize("name", [n for n in INSTALLED if n in LABS])
def test_every_option_is_a_flag(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = _module(name)
    opts = getattr(mod, "OPTIONS", None)
    if opts is None or not all(isinstance(o, Option) for o in opts):
        pytest.skip(f"{name} declares no Option OPTIONS yet")
    with pytest.raises(SystemExit) as exc:
        main(["lab", name, "--help"])
    assert exc.value.code == 0
    helptext = capsys.readouterr().out
    argv, expected = ["lab", name, "--quick"], {}
    for opt in opts:
        assert opt.flag in helptext
        if opt.type is bool:
            argv.append(opt.flag if not opt.default else f"--no-{opt.flag[2:]}")
            expected[opt.name] = not opt.default
        elif opt.choices:
            argv += [opt.flag, str(opt.choices[-1])]
            expected[opt.name] = opt.choices[-1]
        else:
            sample = {int: 3, float: 0.5, str: "x", Path: "f.csv"}[opt.type]
            argv += [opt.flag, str(sample)]
            expected[opt.name] = sample
    got: dict[str, Any] = {}
    monkeypatch.setattr(mod, "run", lambda **kw: got.update(kw))
    assert main(argv) == 0
    assert got.pop("quick") is True
    assert got.pop("out") is None
    got.pop("console")
    assert got == expected


def test_unknown_flag_suggests_the_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "charges", "--epoch", "5"]) == 2
    err = capsys.readouterr().err
    assert "no option '--epoch'" in err
    assert "did you mean '--epochs'" in err


def test_unknown_lab(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "charge"]) == 2
    assert "did you mean 'charges'" in capsys.readouterr().err
