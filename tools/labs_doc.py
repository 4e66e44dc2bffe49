"""Assemble docs/labs.md from the per-lab pages and the measured runs (python tools/labs_doc.py).

The lab table comes from the registry (``neyman.labs.LABS``, no lab imported); the table of
run costs from every ``docs/labs/runs/NAME.json`` that exists (written one lab at a time by
``python docs/scripts/run_lab_full.py NAME``), so labs measured by different people at
different times all appear; the sections are the pages ``docs/labs/NAME.md``.
``--check`` writes nothing and exits 1 when docs/labs.md differs from what it would write
(``tests/labs/test_labs_doc.py`` runs it, so an edited page or run is never left out).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from neyman.labs import LABS, list_labs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RUNS = DOCS / "labs" / "runs"

INTRO = (
    "Every exercise of the course runs as one command, `neyman lab NAME`: `--quick` for a "
    "small version in seconds, `-o DIR` to write the figures (without it a lab writes none "
    "and says so in one line), and every option of a lab as a flag (`neyman lab NAME --help` "
    "lists them, e.g. `neyman lab charges --epochs 5`). `neyman lab list` shows the labs "
    "without importing any of them (measured with `/usr/bin/time` on 2026-12-01, load about "
    "2: 0.1 s CPU and 19 MB peak RSS, down from 3.9 s CPU and 541 MB when it imported every "
    "lab). Each lab is a module in `src/neyman/labs/` with "
    "`compute()` (every number and verdict, with errors where statistical) and `render()` "
    "(text and figures); `examples/labs/NAME.ipynb` steps through the same lab one cell per "
    "step, executed with its outputs and figures (`make notebooks` regenerates and executes "
    "them). The sections below are the per-lab pages in `docs/labs/`."
)


def _runs() -> list[dict[str, Any]]:
    records = []
    for path in sorted(RUNS.glob("*.json")):
        rec = json.loads(path.read_text(encoding="utf-8"))
        if not rec.get("quick", False):
            records.append(rec)
    order = {name: i for i, name in enumerate(LABS)}
    return sorted(records, key=lambda r: order.get(str(r["lab"]), len(order)))


def runs_table() -> list[str]:
    """The measured full runs as Markdown lines (empty when none was measured)."""
    recs = _runs()
    if not recs:
        return []
    lines = [
        "## What a full run costs",
        "",
        "Each lab run once with full settings as a student would (`neyman lab NAME -o DIR`), "
        "in a fresh process, by `python docs/scripts/run_lab_full.py NAME`, one lab at a time. "
        "The machine is a shared 2-core x86_64 box on which other jobs ran at the same time: "
        "the load average before each run is given, and wall times on a busy machine are "
        "several times the CPU time. Peak RSS is the lab process's maximum resident memory.",
        "",
        "| lab | exit | wall | CPU | peak RSS | load before | date |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in recs:
        lines.append(
            f"| `{r['lab']}` | {r['exit_code']} | {r['wall_s']:.0f} s | {r['cpu_s']:.0f} s "
            f"| {r['peak_rss_mb']:.0f} MB | {r['load_before']:.1f} on {r['cores']} cores "
            f"| {r['date']} |"
        )
    missing = [n for n, _ in list_labs() if n not in {str(r["lab"]) for r in recs}]
    if missing:
        lines += ["", "Not measured yet: " + ", ".join(f"`{n}`" for n in missing) + "."]
    return [*lines, ""]


def render() -> str:
    """The text of docs/labs.md from the registry, the runs and the per-lab pages."""
    summaries = dict(list_labs())
    parts = [
        "# Labs\n",
        INTRO + "\n",
        "| lab | what it shows |\n|---|---|",
    ]
    pages = {n for n in LABS if (DOCS / "labs" / f"{n}.md").is_file()}
    parts += [
        f"| [`{n}`](#{n}) | {summaries[n]} |" if n in pages else f"| `{n}` | {summaries[n]} |"
        for n in LABS
        if n in summaries
    ]
    parts.append("")
    parts += runs_table()
    for name in LABS:
        page = DOCS / "labs" / f"{name}.md"
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"\]\((?!https?:|/|#)", "](labs/", text)  # links relative to docs/
        text = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", text, flags=re.MULTILINE)
        parts.append(f'<a id="{name}"></a>\n\n{text.strip()}\n')
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    """Write docs/labs.md, or with ``--check`` say whether it is up to date (exit 1 if not)."""
    text = render()
    target = DOCS / "labs.md"
    if "--check" in argv:
        if target.read_text(encoding="utf-8") != text:
            sys.stderr.write("docs/labs.md is out of date: run python tools/labs_doc.py\n")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
