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
*pending* still fail on this checkout; the note says why. A *warning* row runs (exit 0)
and prints one line `warning: ...`: the input may be fine, and the line says what to check.
Temporary directories show as `<tmp>`.
Regenerate with `python docs/scripts/errors_table.py` (it runs every case).

## What cannot be detected

- **A flipped value in a ROOT or HDF5 file written by another tool.** ROOT stores a basket
  that does not compress (random float64, for instance) raw, and a raw basket has no
  checksum; an HDF5 dataset has none unless written with the Fletcher-32 filter, which
  itself cannot tell `0x00` from `0xFF`. Nothing in such a file tells a damaged value from a
  true one. Files that neyman writes (`write_table`, `neyman apply -o`) carry a SHA-256 of
  every column (`neyman_sha256`), checked on every full read, and HDF5 Fletcher-32; a
  damaged one is refused. Parquet files carry page checksums, which neyman verifies.
- **A CSV cut inside its last number.** `1.25` cut to `1.2` is a valid number. A CSV
  whose last line has no newline is read with one warning naming the file and that line;
  a complete hand-written file silences it by ending with a newline.
"""


def _normalise(text: str, *dirs: str) -> str:
    """``text`` with temporary directories as ``<tmp>``: the table is the same on each run."""
    for d in dirs:
        text = text.replace(str(Path(d).resolve()), "<tmp>").replace(d, "<tmp>")
    tmp = re.escape(str(Path(tempfile.gettempdir()).resolve()))
    return re.sub(tmp + r"/tmp[A-Za-z0-9_]+", "<tmp>", text)  # any other mkdtemp directory


def _run(case: Case, models: dict[str, Path]) -> tuple[int | str, str]:
    rc, text, d = _run_in_tmp(case, models)
    return rc, _normalise(text, d, *{str(p.parent) for p in models.values()})


def _run_in_tmp(case: Case, models: dict[str, Path]) -> tuple[int | str, str, str]:
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        w = Workspace(Path(d), models)
        argv = case.build(w)
        if case.subprocess:
            code = "import sys; from neyman.cli import main; sys.exit(main(sys.argv[1:]))"
            try:
                proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                                      text=True, timeout=60, check=False)  # fmt: skip
            except subprocess.TimeoutExpired:
                return "hang", "(no answer within 60 s)", d
            rc: int | str = proc.returncode
            err = proc.stderr
        else:
            buf = io.StringIO()
            try:
                with warnings.catch_warnings(), contextlib.redirect_stderr(buf):
                    warnings.simplefilter("ignore")
                    rc = main(argv)
            except Exception as exc:  # what the battery reports as a traceback
                return "traceback", f"{type(exc).__name__}: {str(exc).splitlines()[0][:150]}", d
            err = buf.getvalue()
        lines = [line for line in err.splitlines() if line.strip()]
        text = lines[0] if len(lines) == 1 else (f"({len(lines)} lines) " + " ".join(lines)[:150])
        return rc, text, d


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
            shown = message
            if rc == 0 and not (case.warns and message.startswith("warning: ")):
                shown = "(succeeds)" if case.ok else "(no error: exit 0)"
            note = f" *pending: {case.fixed_on}*" if case.fixed_on else ""
            note += " *warning*" if case.warns else ""
            rows.append(
                f"| {i} | {case.category} | {_cell(case.what)} | `{_cell(shown)}`{note} | {rc} "
                f"| [`{TEST}[{case.id}]`](../tests/hostile/test_hostile.py) |"
            )
    summary = ", ".join(f"{counts[c]} {c}" for c in CATEGORIES)
    return (
        HEADER
        + f"\n## Every case\n\n{len(CASES)} cases: {summary}.\n\n"
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
