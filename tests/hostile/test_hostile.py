"""The hostile battery: every bad input is a one-line error (exit 2), never a traceback,
never a write outside the output, never a changed input, never a hang. An input that may
be fine (``Case.warns``) runs and prints one line ``warning: ...`` naming what to check.

Cases live in :mod:`tests.hostile.cases`; their ids start with the harm they did before
being handled (security, data-loss, hang, traceback, silent-wrong) or ``ok`` for inputs
that must succeed. Cases run in-process through :func:`neyman.cli.main`; those that could
hang before their fix run in a subprocess with a timeout.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

from neyman.cli import main
from tests.hostile.cases import CASES, CATEGORIES, Case
from tests.hostile.workspace import Workspace, snapshot

TIMEOUT_S = 60  # a fixed case answers in seconds; this only stops a hang


def _params() -> list[object]:
    out = []
    for c in CASES:
        marks = [pytest.mark.xfail(strict=False, reason=c.fixed_on)] if c.fixed_on else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


def _run(case: Case, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    if case.subprocess:
        code = "import sys; from neyman.cli import main; sys.exit(main(sys.argv[1:]))"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code, *argv],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{case.id}: no answer within {TIMEOUT_S} s (hang)")
        return proc.returncode, proc.stderr + proc.stdout
    with warnings.catch_warnings():
        # the CLI's behaviour is under test, not pytest's warnings-as-errors
        warnings.simplefilter("ignore")
        rc = main(argv)
        gc.collect()  # a file handle leaked by a failed read shows up in this case, not later
    captured = capsys.readouterr()
    return rc, captured.err


def _allowed(w: Workspace, rel: str) -> bool:
    path = w.root / rel
    if path == w.scored or path == w.out or w.out in path.parents:
        return True
    # the output's own siblings: its lock and the temporary folders of a killed run
    top = path.relative_to(w.out.parent).parts[0] if w.out.parent in path.parents else ""
    return top == f".{w.out.name}.lock" or top.startswith(
        (f".{w.out.name}.tmp-", f".{w.out.name}.old-")
    )


@pytest.mark.parametrize("case", _params())
def test_hostile(
    case: Case,
    tmp_path: Path,
    saved_models: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative write (e.g. 'touch pwned') lands here
    w = Workspace(tmp_path, saved_models)
    argv = case.build(w)
    before = snapshot(tmp_path)
    rc, err = _run(case, argv, capsys)

    assert "Traceback" not in err
    if case.ok:
        assert rc == 0, err
    elif case.warns:  # may be fine, may be wrong: the run goes on and says so in one line
        assert rc == 0, err
        warned = [line for line in err.splitlines() if line.startswith("warning: ")]
        assert len(warned) == 1, f"expected one warning line, got {err.splitlines()[:5]}"
        assert case.subject in warned[0], f"{case.subject!r} not named in {warned[0]!r}"
    else:
        assert rc == 2, f"exit {rc}, expected 2 (stderr: {err[-500:]!r})"
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line, got {lines[:5]}"
        assert lines[0].startswith("error: ")
        assert case.subject in lines[0], f"{case.subject!r} not named in {lines[0]!r}"
        assert len(lines[0]) < 2000

    after = snapshot(tmp_path)
    changed = sorted(
        rel
        for rel in set(before) | set(after)
        if before.get(rel) != after.get(rel) and not _allowed(w, rel)
    )
    assert not changed, f"changed outside the output: {changed[:10]}"
    if case.survives:
        assert w.previous is not None
        rel = str(w.previous.relative_to(tmp_path))
        kept = {k: v for k, v in before.items() if k == rel or k.startswith(rel + "/")}
        now = {k: v for k, v in after.items() if k == rel or k.startswith(rel + "/")}
        assert now == kept, "the previous output was changed"


def test_the_battery_covers_what_issue_14_asks() -> None:
    counts = Counter(c.category for c in CASES)
    assert sum(counts.values()) >= 150
    assert set(counts) == set(CATEGORIES)
    assert len({c.id for c in CASES}) == len(CASES)
    for c in CASES:
        assert c.ok == (c.subject == ""), c.id
