"""Jet mass and tau32 of generated top and QCD jets: the figure in ``docs/generate.md``.

Make the jets, then run this script on them::

    neyman generate jets --process top -n 5000 -o /tmp/top.parquet --seed 2026
    neyman generate jets --process qcd -n 5000 -o /tmp/qcd.parquet --seed 2026
    python docs/scripts/jets_mass_tau32.py /tmp/top.parquet /tmp/qcd.parquet \
        --figure docs/img/generate_jets_mass_tau32.png

It prints the number of jets, the median mass and the median tau32 per file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="Parquet files of neyman generate jets")
    parser.add_argument("--figure", type=Path, required=True, help="PNG to write")
    args = parser.parse_args()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for path in args.files:
        table = pq.read_table(path, columns=["mass", "tau32", "label"]).to_pandas()
        name = "top" if table["label"].iloc[0] == 1 else "QCD"
        label = f"{name} ({len(table):,} jets)"
        axes[0].hist(
            table["mass"], bins=np.linspace(0, 300, 61), histtype="step", density=True, label=label
        )
        axes[1].hist(
            table["tau32"], bins=np.linspace(0, 1, 41), histtype="step", density=True, label=label
        )
        print(  # noqa: T201
            f"{path}: {len(table)} jets, median mass {table['mass'].median():.1f} GeV, "
            f"median tau32 {table['tau32'].median():.3f}"
        )
    axes[0].axvline(172.5, color="grey", lw=0.8, ls=":")
    axes[0].set_xlabel("jet mass [GeV]")
    axes[1].set_xlabel(r"$\tau_{32}$ (exclusive-kt axes)")
    for ax in axes:
        ax.set_ylabel("density")
        ax.legend()
    fig.suptitle("anti-kt R = 0.8, 550 < pT < 650 GeV, |eta| < 2, 14 TeV (neyman generate jets)")
    fig.tight_layout()
    fig.savefig(args.figure, dpi=110)


if __name__ == "__main__":
    main()
