"""The ``neyman`` command: thin wiring from arguments to the public API.

``neyman demo | study | apply | compare | lab | datasets | generate``. A :class:`~neyman.errors.NeymanError`
reaching here prints one line (``error: ...``) and exits with code 2; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neyman import __version__
from neyman.errors import NeymanError

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
    from neyman.study import Study

    study = Study.from_yaml(Path(args.config))
    try:
        study.run(Path(args.output), console=_console(), use_cache=not args.no_cache)
    except KeyboardInterrupt:
        print(
            f"error: study interrupted; nothing written to {args.output} (a previous report there is kept)",
            file=sys.stderr,
        )
        return 130
    return 0


def _cmd_apply(args: argparse.Namespace) -> int:
    from neyman.study import apply_model

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
def _cmd_lab(args: argparse.Namespace) -> int:
    from rich.table import Table

    from neyman.labs import get_lab, list_labs

    console = _console()
    if args.name == "list":
        table = Table(title="neyman labs", title_justify="left")
        table.add_column("lab")
        table.add_column("what it shows")
        for name, summary in list_labs():
            table.add_row(name, summary)
        console.print(table)
        return 0
    lab = get_lab(args.name)
    options: dict[str, Any] = {}
    for key in ("data", "labels", "rows", "image", "mnist"):
        value = getattr(args, key)
        if value is not None:
            options[key] = value
    out = Path(args.output) if args.output else None
    lab.run(quick=args.quick, out=out, console=console, **options)
    if out is not None:
        console.print(f"figures written to {out}/")
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
    p.set_defaults(handler=_cmd_apply)

    p = sub.add_parser("compare", help="one table and ROC figure across several study outputs")
    p.add_argument("outputs", nargs="+", help="study output directories (with metrics.json)")
    p.add_argument("-o", "--output", required=True, help="directory for the comparison")
    p.add_argument(
        "--label", action="append", default=None, help="name of each output, in order (repeat)"
    )
    p.set_defaults(handler=_cmd_compare)

    p = sub.add_parser("lab", help="run a course exercise (`neyman lab list`)")
    p.add_argument("name", help="lab name, or 'list'")
    p.add_argument("--quick", action="store_true", help="small settings, seconds")
    p.add_argument("-o", "--output", default=None, help="directory for figures")
    p.add_argument("--data", default=None, help="data file the lab reads")
    p.add_argument("--labels", default=None, help="labels file (projection-trick)")
    p.add_argument("--rows", type=int, default=None, help="read only the first N rows")
    p.add_argument("--image", default=None, help="a PNG to classify (digits)")
    p.add_argument("--mnist", default=None, help="directory with MNIST IDX files (digits)")
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
        code: int = args.handler(args)
    except NeymanError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; files already written are kept", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
