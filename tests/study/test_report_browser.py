"""The report opens in a real browser (headless Chromium) with no console errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from neyman.study import Study


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium not installed (.ci/run installs Debian's chromium)")


def test_report_loads_in_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = _chromium()
    out = tmp_path / "report"
    Study.from_dict(
        {
            "name": "browser check",
            "data": {
                "builtin": "gaussian_mixture",
                "builtin_options": {"d": 2, "n": 800, "random_state": 0},
            },
            "methods": [
                {"name": "fisher", "model": "fisher"},
                {"name": "bdt", "model": "bdt", "params": {"n_estimators": 20, "max_depth": 2}},
            ],
            "evaluation": {"bootstrap": 10},
        }
    ).run(out)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").as_uri())
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])"
        )
        rows = page.locator("#ranking tr").count()
        page.screenshot(path=str(tmp_path / "report.png"))
        browser.close()
    assert errors == []
    assert ["roc", True] in images
    assert all(ok for _, ok in images)
    assert rows == 1 + 2 + 1  # header, two methods, optimum
    assert (tmp_path / "report.png").stat().st_size > 10_000
