"""What every lab shares: the result object, a console and figure saving."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from neyman.errors import ConfigError, did_you_mean

__all__ = ["Answers", "LabResult", "Option", "check_options", "lab_console", "save_figure"]


@dataclass(frozen=True)
class Option:
    """One lab option: the same name is a keyword of ``compute``/``run`` and a CLI flag.

    ``neyman lab NAME --help`` lists a lab's ``OPTIONS``; ``--rows 10`` becomes
    ``rows=10`` (dashes in flags, underscores in keywords). ``type`` is ``int``, ``float``,
    ``str``, ``bool`` (a flag) or ``Path``; ``default`` is what ``compute`` uses when the
    option is not given (``None``: the lab decides, e.g. from ``quick``).
    """

    name: str
    type: type
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] | None = None


@dataclass
class Answers:
    """Base of every lab's typed result: each number and verdict ``render`` shows.

    A lab module defines ``compute(*, quick=False, console=None, **options) -> Answers``
    (all the numbers, with intervals where statistical; verdicts follow from them) and
    ``render(answers, out=None, console=None) -> LabResult`` (text and figures), and
    ``run`` is ``render(compute(...))``. The CLI, the notebooks and the tests use the same two.
    ``as_dict`` gives the plain values :attr:`LabResult.answers` holds.
    """

    def as_dict(self) -> dict[str, Any]:
        """The answers as plain values (nested dataclasses become dicts)."""
        from dataclasses import asdict

        return asdict(self)


@dataclass
class LabResult:
    """The answers a lab printed (asserted by tests) and the figures it wrote."""

    name: str
    answers: dict[str, Any] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)


def lab_console(console: Console | None = None) -> Console:
    """The console a lab prints to (a plain one when output is not a terminal)."""
    if console is not None:
        return console
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def save_figure(fig: Any, out: Path | None, name: str, result: LabResult, fmt: str = "png") -> None:
    """Save a matplotlib figure as ``out/name.fmt`` (when ``out`` is given) and close it."""
    import matplotlib.pyplot as plt

    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.{fmt}"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        result.figures.append(path)
    plt.close(fig)


def check_options(lab: str, options: Mapping[str, Any], known: Iterable[str]) -> None:
    """Raise ConfigError naming the first option lab ``lab`` does not know (did-you-mean)."""
    names = list(known)
    unknown = sorted(set(options) - set(names))
    if unknown:
        msg = f"lab {lab} has no option '{unknown[0]}'{did_you_mean(unknown[0], names)}"
        raise ConfigError(msg)
