"""The lab contract (options, figures) and ``neyman lab``: every option is a flag."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from rich.console import Console

from neyman.errors import ConfigError
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
    figs.save(plt.figure(), "roc")
    figs.report()
    text = con.export_text()
    assert "none written" in text
    assert "-o DIR" in text
    assert "roc" in text
    assert result.figures == []
    assert list(tmp_path.iterdir()) == []
    assert plt.get_fignums() == []


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
