"""What every lab shares: the result object, a console and figure saving."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from neyman.errors import ConfigError, did_you_mean

__all__ = ["LabResult", "check_options", "lab_console", "save_figure"]


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
