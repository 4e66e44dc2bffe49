"""The ``neyman generate`` subcommand, kept beside the generator so ``neyman.cli`` stays thin.

``neyman.cli`` calls :func:`add_generate_parser` on its subparsers; the parsed arguments
carry ``handler=run_generate``. This module imports no Pythia at import time, so
``neyman --help`` works without the extra; running the command without it prints the
install hint.

Usage::

    neyman generate higgs -n 20000 -o higgs.parquet --seed 1 --jobs 2
    neyman generate zee -n 1000 -o zee.parquet --no-hadronization
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

__all__ = ["add_generate_parser", "run_generate"]

_PROCESS_HELP = {
    "higgs": "gg -> H0 -> W H+- -> W W h(bb) against t tbar, 8 TeV (UCI HIGGS columns)",
    "susy": "chargino pairs -> W chi0 W chi0 against WW, 8 TeV (UCI SUSY columns)",
    "zee": "Drell-Yan Z/gamma* -> e e, 7 TeV (CMS dielectron columns)",
}


def add_generate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``generate`` to an ``argparse`` subparsers object and return its parser.

    Parameters
    ----------
    subparsers : the object returned by ``ArgumentParser.add_subparsers()``

    Returns
    -------
    argparse.ArgumentParser
        The ``generate`` parser; its namespace has ``handler=run_generate``.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "generate",
        help="generate HIGGS-, SUSY- or Z-like events with Pythia 8 (needs neyman[generate])",
        description="Generate events with Pythia 8 and FastJet and write them to Parquet. "
        "Processes: " + "; ".join(f"{k}: {v}" for k, v in _PROCESS_HELP.items()),
    )
    parser.add_argument("process", choices=sorted(_PROCESS_HELP), help="what to generate")
    parser.add_argument("-n", "--events", type=int, required=True, help="selected events")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="output file, must end in .parquet"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="parallel processes; events do not depend on it"
    )
    parser.add_argument(
        "--hadronization",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="hadronise and add multiparton interactions (default on; off is much faster)",
    )
    parser.add_argument(
        "--chunk-size", type=int, default=1000, help="accepted events per chunk and class"
    )
    parser.set_defaults(handler=run_generate)
    return parser


def run_generate(args: argparse.Namespace) -> int:
    """Run ``neyman generate`` from parsed arguments; return the exit code.

    Raises
    ------
    neyman.generate.GenerateImportError
        Without Pythia 8 (a ``NeymanError``: the CLI prints its one-line hint).
    neyman.errors.ConfigError
        Bad ``-n``, ``--seed``, ``--jobs`` or output path.
    """
    from rich.console import Console

    from neyman.generate import generate

    console = Console(stderr=True)
    start = time.perf_counter()
    try:
        frame = generate(
            args.process,
            args.events,
            seed=args.seed,
            jobs=args.jobs,
            hadronization=args.hadronization,
            output=args.output,
            chunk_size=args.chunk_size,
            progress=True,
        )
    except KeyboardInterrupt:
        parts = args.output.with_name(args.output.name + ".parts")
        console.print(
            f"interrupted: finished chunks are kept in {parts}/; rerun the same command to resume"
        )
        return 130
    seconds = time.perf_counter() - start
    generated = frame.attrs["generated"]
    accepted = frame.attrs["accepted"]
    total = sum(generated.values())
    for label in sorted(generated, reverse=True):
        eff = accepted[label] / generated[label] if generated[label] else float("nan")
        name = "events" if args.process == "zee" else f"label {label}"
        console.print(
            f"{name}: {accepted[label]} selected of {generated[label]} generated "
            f"(efficiency {eff:.1%})"
        )
    console.print(
        f"wrote {len(frame)} events to {args.output} in {seconds:.1f} s "
        f"({total / seconds:.0f} generated events/s with {args.jobs} job(s))"
    )
    return 0
