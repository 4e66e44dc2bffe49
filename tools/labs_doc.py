"""Assemble docs/labs.md from the per-lab pages in docs/labs/ (run: python tools/labs_doc.py)."""

from __future__ import annotations

import re
from pathlib import Path

from neyman.labs import LAB_MODULES, list_labs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def main() -> None:
    summaries = dict(list_labs())
    parts = [
        "# Labs\n",
        "Every exercise of the course runs as one command, `neyman lab NAME` (`--quick` for a "
        "small version in seconds, `-o DIR` for the figures). Each lab is a module in "
        "`src/neyman/labs/` that reads like the worked solution and uses only neyman's public "
        "API; `examples/labs/NAME.ipynb` is the same code as a notebook. The sections below are "
        "the per-lab pages in `docs/labs/`, with the printed answers and figures of a real run.\n",
        "| lab | what it shows |\n|---|---|",
    ]
    parts += [f"| [`{n}`](#{n}) | {summaries[n]} |" for n in LAB_MODULES if n in summaries]
    parts.append("")
    for name in LAB_MODULES:
        page = DOCS / "labs" / f"{name}.md"
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"\]\((?!https?:|/|#)", "](labs/", text)  # links relative to docs/
        text = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", text, flags=re.MULTILINE)
        parts.append(f'<a id="{name}"></a>\n\n{text.strip()}\n')
    (DOCS / "labs.md").write_text("\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
