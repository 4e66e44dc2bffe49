"""Screenshots of a real study report for docs/guide.md, "Reading the report".

Writes the guide's NanoAOD-like signal/background ROOT files (``nanoaod_like.py``: TTree
``Events``, a jagged jet collection, signed NLO-like weights, the true log-likelihood ratio),
runs a study on them, opens ``index.html`` in headless Chromium and saves one PNG per report
section under ``docs/img/report_<section>.png``. Run from the repository root:

    python docs/scripts/report_screenshots.py [WORKDIR]

Needs uproot, pyhf (``neyman[stats]``), playwright and Debian's chromium.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nanoaod_like import write_pair  # noqa: E402

SECTIONS = ("provenance", "ranking", "inputs", "scores", "cuts", "fit", "training")


CONFIG = {
    "name": "NanoAOD-like resonance search",
    "data": {
        "signal": {"path": "signal.root", "tree": "Events"},
        "background": {"path": "background.root", "tree": "Events"},
        "features": ["x1", "x2", "Jet_pt[0]", "len(Jet_pt)"],
        "weight": "genWeight",
        "truth": "true_llr",
        "missing": {"Jet_pt[0]": 0.0},
        "selection": "x2 > -3",
    },
    "methods": [
        {"name": "likelihood", "model": "likelihood", "params": {"bins": 20}},
        {
            "name": "bdt",
            "model": "bdt",
            "params": {"n_estimators": 300, "max_depth": 3, "early_stopping_rounds": 10},
        },
        {
            "name": "mlp",
            "model": "mlp",
            "params": {"hidden": [32, 32], "epochs": 30, "early_stopping": True, "patience": 5},
        },
    ],
    "evaluation": {
        "bootstrap": 50,
        "figure_of_merit": "asimov",
        "background_uncertainty": 0.1,
        "luminosity_scale": 1.0,
        "fit": {"background_uncertainty": 0.1, "bins": 10},
    },
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from neyman.study import Study

    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    write_pair(work, 20_000)
    (work / "study.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    out = work / "report"
    Study.from_yaml(work / "study.yaml").run(out)
    img = Path("docs/img")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto((out / "index.html").as_uri())
        for name in SECTIONS:
            page.locator(f"#s-{name}").screenshot(path=str(img / f"report_{name}.png"))
        browser.close()
    print(f"report in {out}; screenshots in {img}/report_*.png")  # noqa: T201


if __name__ == "__main__":
    main()
