"""Screenshots of a real study report for docs/guide.md, "Reading the report".

Writes a NanoAOD-like signal/background pair of ROOT files (TTree ``Events``, signed NLO-like
weights), runs a study on them, opens ``index.html`` in headless Chromium and saves one PNG
per report section under ``docs/img/report_<section>.png``. Run from the repository root:

    python docs/scripts/report_screenshots.py [WORKDIR]

Needs uproot, pyhf (``neyman[stats]``), playwright and Debian's chromium.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import uproot
import yaml

SECTIONS = ("provenance", "ranking", "inputs", "scores", "cuts", "fit", "training")


def write_events(folder: Path, n: int = 20_000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for name, shift in (("signal", 1.0), ("background", 0.0)):
        w = rng.normal(0.002 if shift else 0.2, 0.001 if shift else 0.05, n)
        w[rng.uniform(size=n) < 0.12] *= -1.0  # NLO-like negative weights
        with uproot.recreate(folder / f"{name}.root") as f:
            f["Events"] = {
                "Jet_pt0": rng.exponential(40 + 20 * shift, n) + 20,
                "mjj": rng.normal(300 + 80 * shift, 60, n),
                "dEta": np.abs(rng.normal(0, 1.5 + shift, n)),
                "nJet": rng.poisson(2 + shift, n).astype(np.int32),
                "genWeight": w,
            }


CONFIG = {
    "name": "dijet resonance",
    "data": {
        "signal": {"path": "signal.root", "tree": "Events"},
        "background": {"path": "background.root", "tree": "Events"},
        "features": ["Jet_pt0", "mjj", "dEta"],
        "weight": "genWeight",
        "selection": "nJet >= 1",
    },
    "methods": [
        {"name": "likelihood", "model": "likelihood", "params": {"bins": 20}},
        {
            "name": "bdt",
            "model": "bdt",
            "params": {"n_estimators": 200, "max_depth": 3, "negative_weights": "keep"},
        },
    ],
    "evaluation": {
        "bootstrap": 50,
        "luminosity_scale": 1.0,
        "figure_of_merit": "asimov",
        "background_uncertainty": 0.05,
        "fit": {"background_uncertainty": 0.1, "bins": 10},
    },
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from neyman.study import Study

    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    write_events(work)
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
