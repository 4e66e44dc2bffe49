"""The analyst's report: provenance, input variables, significance per method and the binned
fit, checked in headless Chromium on NanoAOD-like ROOT files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from neyman.study import Study

SELECTION = "nJet >= 1"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium not installed (.ci/run installs Debian's chromium)")


def write_events(folder: Path, n: int = 1500, seed: int = 0) -> tuple[Path, Path]:
    """Signal and background ROOT files (TTree Events) with NLO-like signed weights."""
    uproot = pytest.importorskip("uproot")
    rng = np.random.default_rng(seed)
    paths = []
    for name, shift in (("signal", 1.0), ("background", 0.0)):
        w = rng.normal(0.02 if shift else 0.4, 0.01, n)
        w[rng.uniform(size=n) < 0.12] *= -1.0
        branches = {
            "Jet_pt0": rng.exponential(40 + 20 * shift, n) + 20,
            "mjj": rng.normal(300 + 80 * shift, 60, n),
            "dEta": np.abs(rng.normal(0, 1.5 + shift, n)),
            "nJet": rng.poisson(2 + shift, n).astype(np.int32),
            "genWeight": w,
        }
        path = folder / f"{name}.root"
        with uproot.recreate(path) as f:
            f["Events"] = branches
        paths.append(path)
    return paths[0], paths[1]


def pairwise_auc(y: np.ndarray, score: np.ndarray, w: np.ndarray) -> float:
    """Weighted AUC by counting signal-background pairs (ties count one half)."""
    s, b = y == 1, y == 0
    diff = score[s][:, None] - score[b][None, :]
    pair = w[s][:, None] * w[b][None, :]
    won = np.sum(pair * ((diff > 0) + 0.5 * (diff == 0)))
    return float(won / (w[s].sum() * w[b].sum()))


def study_config(sig: Path, bkg: Path, name: str = "dijet") -> dict[str, Any]:
    return {
        "name": name,
        "data": {
            "signal": {"path": str(sig), "tree": "Events"},
            "background": {"path": str(bkg), "tree": "Events"},
            "features": ["Jet_pt0", "mjj", "dEta"],
            "weight": "genWeight",
            "selection": SELECTION,
        },
        "methods": [
            {"name": "likelihood", "model": "likelihood", "params": {"bins": 12}},
            {
                "name": "bdt",
                "model": "bdt",
                "params": {"n_estimators": 30, "max_depth": 2, "negative_weights": "keep"},
            },
        ],
        "evaluation": {
            "bootstrap": 5,
            "log_scores": True,
            "luminosity_scale": 2.0,
            "background_uncertainty": 0.05,
            "fit": {"background_uncertainty": 0.1, "bins": 6},
        },
    }


def test_analyst_report_in_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("pyhf")
    exe = _chromium()
    sig, bkg = write_events(tmp_path)
    fonts: dict[str, float] = {}
    original = Figure.savefig

    def record(fig: Figure, fname: Any, *args: Any, **kwargs: Any) -> Any:
        sizes = [
            t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
        ]
        fonts[Path(str(fname)).name] = min(sizes)
        return original(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    out = tmp_path / "report"
    Study.from_dict(study_config(sig, bkg)).run(out)
    monkeypatch.undo()

    # every figure of the page has text >= 9 pt, and a PDF twin
    assert fonts and min(fonts.values()) >= 9.0, fonts
    for png in (out / "plots").glob("*.png"):
        assert png.with_suffix(".pdf").is_file()
    # files get the process umask, not 0600
    umask = os.umask(0)
    os.umask(umask)
    for f in (out / "index.html", out / "metrics.json", out / "scores" / "bdt.npz"):
        assert f.stat().st_mode & 0o777 == 0o666 & ~umask

    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").as_uri())
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0,"
            " i.width, i.naturalWidth])"
        )
        files = page.evaluate(
            "Array.from(document.querySelectorAll('#provenance-files tr')).slice(1)"
            ".map(r => Array.from(r.cells).map(c => c.innerText))"
        )
        fit_rows = page.locator("#fit tr").count()
        text = page.inner_text("body")
        policy = page.inner_text("#weight-policy")
        browser.close()

    assert errors == []
    assert images and all(ok for _, ok, _, _ in images)
    # figures at natural size: 150 dpi PNG shown at 96 CSS px per inch
    assert all(w == round(nw * 96 / 150) for _, _, w, nw in images)
    alts = {a for a, *_ in images}
    assert {"input_Jet_pt0", "input_mjj", "input_dEta"} <= alts
    assert {"significance_likelihood", "significance_bdt", "fit_likelihood", "fit_bdt"} <= alts
    assert fit_rows == 1 + 2
    by_role = {row[0]: row for row in files}
    for role, path in (("signal", sig), ("background", bkg)):
        assert by_role[role][-1] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert by_role[role][2] == "Events"
    assert SELECTION in text
    assert "genWeight" in policy

    metrics = json.loads((out / "metrics.json").read_text())
    prov = metrics["provenance"]
    assert prov["selection"] == SELECTION
    assert prov["config"]["data"]["weight"] == "genWeight"
    # events before selection are the file's entries; after, what the study used
    assert prov["events"]["signal"]["before"] == 1500
    assert (
        prov["events"]["signal"]["after"]
        == metrics["provenance"]["weights"]["effect"]["signal"]["events"]
    )
    assert set(metrics["fit"]) == {"likelihood", "bdt"}
    for name, fit in metrics["fit"].items():
        assert fit["discovery_z"] > 0 and fit["upper_limit_mu"] > 0, name
        assert min(fit["bins"]["background"]) >= 1.0
    # the saved test scores reproduce the ranking's AUC (signed weights, all pairs)
    with np.load(out / "scores" / "bdt.npz") as npz:
        auc = pairwise_auc(npz["y"], npz["score"], npz["weight"])
    bdt = next(m for m in metrics["methods"] if m["name"] == "bdt")
    assert auc == pytest.approx(bdt["auc"], abs=1e-9)
