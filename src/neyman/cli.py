"""The ``neyman`` command: thin wiring from arguments to the public API.

``neyman demo | study | apply | compare | lab | datasets | generate``. A :class:`~neyman.errors.NeymanError`
reaching here prints one line (``error: ...``) and exits with code 2; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neyman import __version__
from neyman.errors import ConfigError, NeymanError, NeymanWarning, did_you_mean

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


# --------------------------------------------------------------------------- demo
def _cmd_demo(args: argparse.Namespace) -> int:
    from neyman.study import run_demo

    run_demo(out=Path(args.output), quick=args.quick, console=_console())
    return 0


# --------------------------------------------------------------------------- study / apply
def _cmd_study(args: argparse.Namespace) -> int:
    from neyman.study.config import load_config

    cfg = load_config(Path(args.config))  # validated before the runner and models import

    from neyman.study.run import Study

    study = Study(cfg)
    from neyman.scale.study import run_study, torchrun_world, train_as_rank

    world = torchrun_world()
    if world is not None and world[0] != 0:  # other torchrun ranks only join the DDP fits
        train_as_rank(study, use_cache=not args.no_cache)
        return 0
    try:
        run_study(
            study,
            Path(args.output),
            console=_console(),
            use_cache=not args.no_cache,
            scheduler=args.scheduler,
            nproc=args.nproc,
        )
    except KeyboardInterrupt:
        print(
            f"error: study interrupted; nothing written to {args.output} (a previous report there is kept)",
            file=sys.stderr,
        )
        return 130
    return 0


def _cmd_apply(args: argparse.Namespace) -> int:
    from neyman.study import apply_model

    if args.scheduler is not None:  # many files, one output each, on a Dask cluster
        from neyman.scale.dask import apply_files

        outs = apply_files(
            args.model,
            args.events,
            args.output,
            scheduler=args.scheduler,
            tree=args.tree,
            column=args.column,
            selection=not args.no_selection,
        )
        _console().print(f"wrote {len(outs)} files into {args.output}")
        return 0
    out = apply_model(
        Path(args.model),
        Path(args.events),
        Path(args.output),
        tree=args.tree,
        column=args.column,
        selection=not args.no_selection,
        force=args.force,
    )
    _console().print(f"wrote {out}")
    return 0


# --------------------------------------------------------------------------- compare
def _cmd_compare(args: argparse.Namespace) -> int:
    from neyman.study.compare import compare_studies

    out = compare_studies(
        [Path(p) for p in args.outputs], Path(args.output), labels=args.label or None
    )
    _console().print(f"comparison: {out}")
    return 0


# --------------------------------------------------------------------------- lab
def _lab_options(lab: Any) -> list[Any]:
    """The lab's ``OPTIONS``; for a lab not yet declaring them, Options from ``DEFAULTS``."""
    from neyman.labs import Option

    declared = getattr(lab, "OPTIONS", None)
    if declared is not None:
        # a lab still naming its options as strings (before the Option contract) gets
        # text flags, ``--rows`` an integer one
        return [
            o if isinstance(o, Option) else Option(str(o), int if o == "rows" else str)
            for o in declared
        ]
    defaults: dict[str, Any] = getattr(lab, "DEFAULTS", {})
    return [
        Option(k, type(v) if isinstance(v, bool | int | float) else str, v)
        for k, v in defaults.items()
    ]


def _lab_parser(name: str, lab: Any) -> argparse.ArgumentParser:
    """Stage two of ``neyman lab NAME ...``: a parser built from that lab's OPTIONS."""
    from neyman.labs import LABS

    p = argparse.ArgumentParser(
        prog=f"neyman lab {name}", description=LABS[name].summary, allow_abbrev=False
    )
    p.add_argument("--quick", action="store_true", help="small settings, seconds")
    p.add_argument(
        "-o", "--output", default=None, help="directory for figures (none written without it)"
    )
    for opt in _lab_options(lab):
        shown = "decided by the lab" if opt.default is None else repr(opt.default)
        text = f"{opt.help} (default: {shown})" if opt.help else f"default: {shown}"
        if opt.type is bool:
            action = argparse.BooleanOptionalAction if opt.default else "store_true"
            p.add_argument(opt.flag, dest=opt.name, action=action, default=None, help=text)
        else:
            metavar = "PATH" if opt.type is Path else opt.name.upper()
            p.add_argument(
                opt.flag,
                dest=opt.name,
                type=str if opt.type is Path else opt.type,
                choices=opt.choices,
                default=None,
                metavar=metavar,
                help=text,
            )
    return p


def _cmd_lab(args: argparse.Namespace) -> int:
    from rich.table import Table

    from neyman.labs import get_lab, list_labs

    console = _console()
    if args.name in (None, "list"):
        table = Table(title="neyman labs (neyman lab NAME --help for its options)")
        table.add_column("lab")
        table.add_column("what it shows")
        for name, summary in list_labs():
            table.add_row(name, summary)
        console.print(table)
        return 0
    lab = get_lab(args.name)
    parser = _lab_parser(args.name, lab)
    ns, extra = parser.parse_known_args(args.rest)
    if extra:
        flags = [
            a.option_strings[-1] for a in parser._actions if a.option_strings[1:2] != ["--help"]
        ]
        word = extra[0].split("=")[0]
        msg = (
            f"lab {args.name} has no option '{word}'{did_you_mean(word, flags, limit=30)}; "
            f"see neyman lab {args.name} --help"
        )
        raise ConfigError(msg, key=word, available=flags)
    options = {k: v for k, v in vars(ns).items() if k not in ("quick", "output") and v is not None}
    out = Path(ns.output) if ns.output else None
    lab.run(quick=ns.quick, out=out, console=console, **options)
    return 0


# --------------------------------------------------------------------------- datasets
def _cmd_datasets(args: argparse.Namespace) -> int:
    from neyman.datasets.registry import dataset_info, fetch_dataset, list_datasets

    console = _console()
    if args.action == "list":
        console.print(list_datasets())
    elif args.action == "info":
        console.print(dataset_info(args.name))
    else:
        path = fetch_dataset(args.name, Path(args.path) if args.path else None)
        console.print(f"{args.name}: {path}")
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="neyman",
        description="Machine learning for physics analyses, judged against the Neyman-Pearson optimum.",
    )
    parser.add_argument("--version", action="version", version=f"neyman {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="compare methods on a built-in problem with a known optimum")
    p.add_argument("-o", "--output", default="neyman-demo", help="report directory")
    p.add_argument("--quick", action="store_true", help="a small version in seconds")
    p.set_defaults(handler=_cmd_demo)

    p = sub.add_parser("study", help="run a declared comparison from a YAML config")
    p.add_argument("config", help="study config (YAML)")
    p.add_argument("-o", "--output", default="neyman-report", help="report directory")
    p.add_argument("--no-cache", action="store_true", help="do not use the Parquet data cache")
    p.add_argument(
        "--scheduler",
        default=None,
        help="local:N or tcp://HOST:PORT: read, train (BDT: xgboost.dask) and score on a "
        "Dask cluster (engine: dask); workers must share the output's filesystem",
    )
    p.add_argument(
        "--nproc",
        type=int,
        default=1,
        help="train the MLPs with DistributedDataParallel on N CPU processes (gloo); "
        "under torchrun the launcher's processes",
    )
    p.set_defaults(handler=_cmd_study)

    p = sub.add_parser("apply", help="add a model's score to every event of a file")
    p.add_argument("model", help="saved model directory, e.g. out/models/bdt")
    p.add_argument("events", help="event file (ROOT, Parquet, CSV, HDF5)")
    p.add_argument("-o", "--output", required=True, help="output file (e.g. scored.parquet)")
    p.add_argument("--tree", default=None, help="TTree name for ROOT input")
    p.add_argument("--column", default="score", help="name of the score column")
    p.add_argument(
        "--no-selection",
        action="store_true",
        help="score every event, adding the training selection's pass/fail as 'selected'",
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument(
        "--scheduler",
        default=None,
        help="local:N or tcp://HOST:PORT: score each file of EVENTS (a glob) into "
        "OUTPUT/<stem>.parquet on a Dask cluster, skipping outputs that exist",
    )
    p.set_defaults(handler=_cmd_apply)

    p = sub.add_parser("compare", help="one table and ROC figure across several study outputs")
    p.add_argument("outputs", nargs="+", help="study output directories (with metrics.json)")
    p.add_argument("-o", "--output", required=True, help="directory for the comparison")
    p.add_argument(
        "--label", action="append", default=None, help="name of each output, in order (repeat)"
    )
    p.set_defaults(handler=_cmd_compare)

    p = sub.add_parser(
        "lab",
        help="run a course exercise (`neyman lab list`, `neyman lab NAME --help`)",
        usage="neyman lab NAME [--quick] [-o DIR] [lab options]  |  neyman lab list",
    )
    p.add_argument("name", nargs="?", default=None, help="lab name, or 'list'")
    p.add_argument(
        "rest", nargs=argparse.REMAINDER, help="the lab's options (neyman lab NAME --help)"
    )
    p.set_defaults(handler=_cmd_lab)

    p = sub.add_parser("datasets", help="list, describe or fetch data sets")
    p.add_argument("action", choices=["list", "info", "fetch"])
    p.add_argument("name", nargs="?", default=None)
    p.add_argument("--path", default=None, help="use this local file instead of downloading")
    p.set_defaults(handler=_cmd_datasets)

    try:
        from neyman.generate.cli import add_generate_parser
    except ImportError:
        p = sub.add_parser("generate", help="generate events with Pythia 8 (neyman[generate])")
        p.add_argument("args", nargs=argparse.REMAINDER)
        p.set_defaults(handler=_generate_missing)
    else:
        add_generate_parser(sub)
    return parser


def _generate_missing(args: argparse.Namespace) -> int:
    msg = "neyman generate needs Pythia 8 and FastJet: pip install 'neyman[generate]'"
    raise NeymanError(msg)


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """After a run that succeeded: each NeymanWarning once, as one line ``warning: ...``.

    Other warnings go back to Python's handling. After an error only the error is printed:
    it is the thing to fix first, and a warning would break its one line.
    """
    seen: set[str] = set()
    for w in caught:
        if not issubclass(w.category, NeymanWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        elif str(w.message) not in seen:
            seen.add(str(w.message))
            print(f"warning: {w.message}", file=sys.stderr)


def _os_error_line(exc: OSError) -> str:
    """``cannot use FILE: REASON; ...`` for an operating-system error (one line)."""
    from neyman.errors import short

    reason = exc.strerror or short(str(exc), 200) or type(exc).__name__
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    where = " -> ".join(short(str(n), 160) for n in names) or "a file"
    line = (
        f"cannot use {where}: {reason}; check the path, its permissions and the free space "
        "(neyman --debug ... shows where)"
    )
    return " ".join(line.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neyman`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    if args.command == "datasets" and args.action in ("info", "fetch") and not args.name:
        parser.error(f"datasets {args.action} needs a NAME")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NeymanWarning)
            code: int = args.handler(args)
        _show_warnings(caught)
    except NeymanError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # the file system refused something no check foresaw (a full disk, permissions, a
        # read-only mount): one line naming the file, as for any bad input
        if args.debug:
            raise
        print(f"error: {_os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; files already written are kept", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
