"""What every lab shares: options, the typed answers, a console, progress and figures.

The contract of a lab module (read this first, then any lab):

* ``NAME``, ``SUMMARY`` (equal to its entry in :data:`neyman.labs.LABS`), ``OPTIONS``
  (a tuple of :class:`Option`; each is a keyword of ``compute``/``run`` and a CLI flag);
* ``compute(*, quick=False, console=None, **options) -> <Lab>Answers``: every number and
  verdict (a dataclass subclassing :class:`Answers`; intervals where statistical);
* ``render(answers, out=None, console=None) -> LabResult``: prints the answers and, with
  ``out``, writes the figures through :class:`Figures` (which says so when it writes none);
* ``run(*, quick=False, out=None, console=None, **options)`` = ``render(compute(...))``;
* optionally ``NOTEBOOK_CELLS``: ``(markdown, code)`` pairs, one step of the exercise each.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from neyman.errors import ConfigError, NeymanError, did_you_mean, short

__all__ = [
    "Answers",
    "Figures",
    "LabResult",
    "Option",
    "check_options",
    "cli_hint",
    "figure_data",
    "in_notebook",
    "lab_console",
    "lab_progress",
    "resolve_options",
    "save_figure",
]


@dataclass(frozen=True)
class Option:
    """One lab option: the same name is a keyword of ``compute``/``run`` and a CLI flag.

    ``neyman lab NAME --help`` lists a lab's ``OPTIONS``; ``--rows 10`` becomes
    ``rows=10`` (dashes in flags, underscores in keywords). ``type`` is ``int``, ``float``,
    ``str``, ``bool`` (a flag) or ``Path``; ``default`` is what ``compute`` uses when the
    option is not given (``None``: the lab decides, e.g. from ``quick``); ``minimum`` is
    the smallest number accepted (a given ``--epochs 0`` is an error, never the default).
    """

    name: str
    type: type
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None  # the smallest value accepted (numbers only)

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--hidden-units`` for ``hidden_units``."""
        return "--" + self.name.replace("_", "-")


def figure_data(**kwargs: Any) -> Any:
    """A dataclass field that ``render`` needs for figures but that is not an answer.

    Arrays of a curve, a fitted network: kept out of :meth:`Answers.as_dict`, ``repr`` and
    ``==``. Use as ``curve: list[float] = figure_data(default_factory=list)``.
    """
    return field(repr=False, compare=False, metadata={"figure_data": True}, **kwargs)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in fields(value)
            if not f.metadata.get("figure_data")
        }
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class Answers:
    """Base of every lab's typed result: each number and verdict ``render`` shows.

    A lab module defines ``compute(*, quick=False, console=None, **options) -> Answers``
    (all the numbers, with intervals where statistical; verdicts follow from them) and
    ``render(answers, out=None, console=None) -> LabResult`` (text and figures), and
    ``run`` is ``render(compute(...))``. The CLI, the notebooks and the tests use the same two.
    ``as_dict`` gives the plain values :attr:`LabResult.answers` holds (fields declared
    with :func:`figure_data` are left out).
    """

    def as_dict(self) -> dict[str, Any]:
        """The answers as plain values (nested dataclasses become dicts)."""
        out: dict[str, Any] = _plain(self)
        return out


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


@contextmanager
def lab_progress(console: Console, what: str) -> Iterator[Any]:
    """A rich progress display for a lab step that takes over ~5 s.

    Yields a :class:`rich.progress.Progress`; add tasks with ``progress.add_task(text,
    total=n)`` and ``progress.advance(task)``. On a terminal it redraws in place; otherwise
    (logs, notebooks, tests) it prints ``what`` once, so a long step is never silent.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    if not console.is_terminal:
        console.print(f"… {what}", markup=False)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        yield progress


def in_notebook() -> bool:
    """True inside a Jupyter kernel with matplotlib's inline backend (figures are shown)."""
    if "ipykernel" not in sys.modules:
        return False
    import matplotlib

    return "inline" in str(matplotlib.get_backend()).lower()


def _show_inline(fig: Any) -> None:
    from IPython.display import display

    display(fig)  # type: ignore[no-untyped-call]


def save_figure(fig: Any, out: Path | None, name: str, result: LabResult, fmt: str = "png") -> None:
    """Save a matplotlib figure as ``out/name.fmt`` (when ``out`` is given) and close it.

    In a notebook the figure is shown inline first. Prefer :class:`Figures`, which also
    tells the user where the figures went (or that none were written).
    """
    import matplotlib.pyplot as plt

    if in_notebook():
        _show_inline(fig)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.{fmt}"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        result.figures.append(path)
    plt.close(fig)


class Figures:
    """Where a lab's ``render`` sends its figures, and the one line that says where they went.

    ``figs.save(fig, "roc")`` writes ``out/roc.png`` when ``out`` is given (and shows the
    figure inline in a notebook), then closes it; ``figs.report()`` at the end of
    ``render`` prints the files written, or one line saying none were and how to get them.
    It never claims a file it did not write.
    """

    def __init__(self, out: Path | None, result: LabResult, console: Console) -> None:
        self.out = out
        self.result = result
        self.console = console
        self.skipped: list[str] = []

    def save(self, fig: Any, name: str, fmt: str = "png") -> None:
        """Write (or show) one figure and close it."""
        save_figure(fig, self.out, name, self.result, fmt)
        if self.out is None:
            self.skipped.append(name)

    def add(self, path: Path) -> None:
        """Record a file the lab wrote itself (e.g. a ``.dot`` graph) under ``out``."""
        self.result.figures.append(path)

    def report(self) -> None:
        """Print the files written, or one line saying no figure was written and why."""
        if self.result.figures:
            names = ", ".join(p.name for p in self.result.figures)
            where = self.result.figures[0].parent
            self.console.print(f"figures written to {where}/: {names}", markup=False)
        elif self.skipped:
            shown = "shown above; " if in_notebook() else ""
            self.console.print(
                f"figures: {shown}none written ({len(self.skipped)} available: "
                f"{', '.join(self.skipped)}); give -o DIR on the command line "
                "or out=Path('DIR') in Python to write them",
                markup=False,
            )


def _option_names(known: Iterable[str] | Iterable[Option]) -> list[str]:
    return [k.name if isinstance(k, Option) else str(k) for k in known]


def check_options(
    lab: str, options: Mapping[str, Any], known: Iterable[str] | Iterable[Option]
) -> None:
    """Raise ConfigError naming the first option lab ``lab`` does not know (did-you-mean)."""
    names = _option_names(known)
    unknown = sorted(set(options) - set(names))
    if unknown:
        msg = (
            f"lab {lab} has no option '{unknown[0]}'{did_you_mean(unknown[0], names)}; "
            f"see neyman lab {lab} --help"
        )
        raise ConfigError(msg, key=unknown[0], available=names)


def _coerce(lab: str, opt: Option, value: Any) -> Any:
    bad = f"option '{opt.name}' of lab {lab} must be"
    if opt.type is bool:
        if not isinstance(value, bool):
            msg = f"{bad} True or False, got {short(value)}"
            raise ConfigError(msg, key=opt.name, value=value)
    elif opt.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"{bad} an integer, got {short(value)}"
            raise ConfigError(msg, key=opt.name, value=value)
    elif opt.type is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{bad} a number, got {short(value)}"
            raise ConfigError(msg, key=opt.name, value=value)
        value = float(value)
    elif opt.type is Path:
        if not isinstance(value, str | Path):
            msg = f"{bad} a file path, got {short(value)}"
            raise ConfigError(msg, key=opt.name, value=value)
        value = Path(value)
    elif opt.type is str and not isinstance(value, str):
        msg = f"{bad} a string, got {short(value)}"
        raise ConfigError(msg, key=opt.name, value=value)
    if opt.minimum is not None and value < opt.minimum:
        msg = f"{bad} >= {opt.minimum:g}, got {short(value)}"
        raise ConfigError(msg, key=opt.name, value=value)
    if opt.choices is not None and value not in opt.choices:
        shown = ", ".join(map(str, opt.choices))
        msg = f"{bad} one of {shown}, got {short(value)}"
        raise ConfigError(msg, key=opt.name, value=value, available=map(str, opt.choices))
    return value


def resolve_options(
    lab: str, declared: Iterable[Option], options: Mapping[str, Any]
) -> dict[str, Any]:
    """Check ``options`` against a lab's ``OPTIONS`` and fill in the defaults.

    Unknown names raise ConfigError with a did-you-mean; values are checked against each
    option's ``type`` and ``choices`` (an int is accepted for a float, a str for a Path).
    ``None`` means "not given" and leaves the default (which may itself be ``None``: the
    lab decides, e.g. from ``quick``).
    """
    decl = list(declared)
    check_options(lab, options, decl)
    resolved: dict[str, Any] = {}
    for opt in decl:
        value = options.get(opt.name)
        resolved[opt.name] = opt.default if value is None else _coerce(lab, opt, value)
    return resolved


def cli_hint(exc: Exception, lab: str, option: Option, given: Any = None) -> NeymanError:
    """The same error with how to give the file in both worlds: CLI flag and keyword.

    Data loaders say "pass its path"; a lab's user may be at a terminal or in Python, so
    ``neyman lab LAB --data FILE`` and ``data=FILE`` are both named. ``given`` (the value
    the user passed) becomes the error's ``path`` when the original error has none.
    """
    text = (
        f"{exc} (command line: neyman lab {lab} {option.flag} FILE; Python: {option.name}='FILE')"
    )
    if isinstance(exc, NeymanError):
        path = exc.path if exc.path is not None else (None if given is None else str(given))
        new = type(exc)(text, key=exc.key, path=path, available=exc.available, value=exc.value)
    else:
        new = ConfigError(text, key=option.name)
    return new
