"""The ``neyman generate`` subcommand, kept beside the generator so ``neyman.cli`` stays thin.

``neyman.cli`` calls :func:`add_generate_parser` on its subparsers; the parsed arguments
carry ``handler=run_generate``. This module imports no Pythia at import time, so
``neyman --help`` works without the extra; running the command without it prints the
install hint.

Usage::

    neyman generate higgs -n 20000 -o higgs.parquet --seed 1 --jobs 2
    neyman generate zee -n 1000 -o zee.parquet --no-hadronization
    neyman generate jets --process top -n 5000 -o top.parquet --pt-min 550 --pt-max 650
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
    "jets": "anti-kt jets with their constituents, 14 TeV: --process top|qcd|quark|gluon",
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
        description="Generate events with Pythia 8 and FastJet and write them to Parquet or ROOT. "
        "Processes: " + "; ".join(f"{k}: {v}" for k, v in _PROCESS_HELP.items()),
    )
    parser.add_argument("process", choices=sorted(_PROCESS_HELP), help="what to generate")
    parser.add_argument("-n", "--events", type=int, required=True, help="selected events")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="output file: .parquet or .root"
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
    jets = parser.add_argument_group("jets (neyman.generate.jets)")
    jets.add_argument(
        "--process",
        dest="jet_process",
        choices=("top", "qcd", "quark", "gluon"),
        default=None,
        help="which jets: hadronic t tbar, QCD dijets, Z(nu nu)+quark or Z(nu nu)+gluon",
    )
    jets.add_argument("--pt-min", type=float, default=550.0, help="jet pT window, GeV (550)")
    jets.add_argument("--pt-max", type=float, default=650.0, help="jet pT window, GeV (650)")
    jets.add_argument("--eta-max", type=float, default=2.0, help="jet |eta| < this (2)")
    jets.add_argument("--radius", type=float, default=0.8, help="anti-kt R (0.8)")
    jets.add_argument(
        "--pthat-min", type=float, default=None, help="Pythia pTHatMin, GeV (pt-min - 50)"
    )
    jets.add_argument(
        "--pthat-max", type=float, default=None, help="Pythia pTHatMax, GeV (pt-max + 100)"
    )
    parser.set_defaults(handler=run_generate)
    return parser


def _run_jets(args: argparse.Namespace) -> Any:
    from neyman.errors import ConfigError
    from neyman.generate.jets import JetConfig, generate_jets

    if args.jet_process is None:
        msg = "neyman generate jets needs --process top, qcd, quark or gluon"
        raise ConfigError(msg, key="process", available=("top", "qcd", "quark", "gluon"))
    config = JetConfig(
        pt_min=args.pt_min,
        pt_max=args.pt_max,
        eta_max=args.eta_max,
        radius=args.radius,
        pthat_min=args.pthat_min,
        pthat_max=args.pthat_max,
    )
    return generate_jets(
        args.jet_process,
        args.events,
        seed=args.seed,
        jobs=args.jobs,
        config=config,
        hadronization=args.hadronization,
        output=args.output,
        chunk_size=args.chunk_size,
        progress=True,
    )


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
        if args.process == "jets":
            frame = _run_jets(args)
        else:
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
        if args.process == "jets":
            console.print(
                f"{args.jet_process} jets: {accepted[label]} selected from {generated[label]} "
                f"generated events ({eff:.2f} jets per event)"
            )
            continue
        name = "events" if args.process == "zee" else f"label {label}"
        console.print(
            f"{name}: {accepted[label]} selected of {generated[label]} generated "
            f"(efficiency {eff:.1%})"
        )
    console.print(
        f"wrote {len(frame)} events to {args.output} in {seconds:.1f} s "
        f"({total / seconds:.0f} generated events/s with {args.jobs} job(s))"
    )
    if args.process == "jets":
        console.print(f"{len(frame) / seconds:.1f} jets/s")
    return 0
