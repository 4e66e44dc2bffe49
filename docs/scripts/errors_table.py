"""Write ``docs/errors.md``: the catalogue of bad inputs, generated from the hostile battery.

Each row is one case of ``tests/hostile/cases.py``: the input, the message ``neyman`` prints
for it (run now, on this checkout), the exit code, and the test that asserts it. Run from
the repository root:

    python docs/scripts/errors_table.py            # rewrite docs/errors.md
    python docs/scripts/errors_table.py --check    # exit 1 if docs/errors.md is out of date
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.hostile.cases import CASES, CATEGORIES, Case  # noqa: E402
from tests.hostile.workspace import Workspace, build_models  # noqa: E402

from neyman.cli import main  # noqa: E402

TEST = "tests/hostile/test_hostile.py::test_hostile"
HEADER = """# Bad inputs and what neyman says

Every row is one case of the hostile battery (`tests/hostile/cases.py`), run through the
`neyman` command; the linked test asserts the exit code, that the message is one line
naming the subject, that no input changed and that nothing was written outside the output.
The category is the harm the input did before it was handled (issue 14). Rows marked
*pending* still fail on this checkout; the note says which branch fixes them.
Regenerate with `python docs/scripts/errors_table.py` (it runs every case).
"""


def _run(case: Case, models: dict[str, Path]) -> tuple[int | str, str]:
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        w = Workspace(Path(d), models)
        argv = case.build(w)
        if case.subprocess:
            code = "import sys; from neyman.cli import main; sys.exit(main(sys.argv[1:]))"
            try:
                proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                                      text=True, timeout=60, check=False)  # fmt: skip
            except subprocess.TimeoutExpired:
                return "hang", "(no answer within 60 s)"
            rc: int | str = proc.returncode
            err = proc.stderr
        else:
            buf = io.StringIO()
            try:
                with warnings.catch_warnings(), contextlib.redirect_stderr(buf):
                    warnings.simplefilter("ignore")
                    rc = main(argv)
            except Exception as exc:  # what the battery reports as a traceback
                return "traceback", f"{type(exc).__name__}: {str(exc).splitlines()[0][:150]}"
            err = buf.getvalue()
        lines = [line for line in err.splitlines() if line.strip()]
        text = lines[0] if len(lines) == 1 else (f"({len(lines)} lines) " + " ".join(lines)[:150])
        return rc, text.replace(str(Path(d).resolve()), "…").replace(d, "…")


def _cell(text: str) -> str:
    text = re.sub(r"\s+", " ", text).replace("|", "\\|")
    return text if len(text) <= 300 else text[:297] + "..."


def build() -> str:
    rows = []
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as d:
        models = build_models(Path(d))
        for i, case in enumerate(CASES, 1):
            rc, message = _run(case, models)
            counts[case.category] += 1
            shown = "(succeeds)" if case.ok and rc == 0 else message
            note = f" *pending: {case.fixed_on}*" if case.fixed_on else ""
            rows.append(
                f"| {i} | {case.category} | {_cell(case.what)} | `{_cell(shown)}`{note} | {rc} "
                f"| [`{case.id}`](../{TEST}[{case.id}]) |"
            )
    summary = ", ".join(f"{counts[c]} {c}" for c in CATEGORIES)
    return (
        HEADER
        + f"\n{len(CASES)} cases: {summary}.\n\n"
        + "| # | category | input | message | exit | test |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def main_() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = build()
    target = ROOT / "docs" / "errors.md"
    if args.check:
        return 0 if target.read_text(encoding="utf-8") == text else 1
    target.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {target} ({len(CASES)} cases)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
