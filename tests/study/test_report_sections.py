"""The report's numbers, apart from its pages: yields, input binning, settings, analyse()."""

from __future__ import annotations

import numpy as np
import pytest

from neyman.models import HistogramLikelihoodRatio
from neyman.study import Study
from neyman.study.report import (
    FitSettings,
    MethodScores,
    ReportInputs,
    ReportSettings,
    analyse,
    input_edges,
    settings_from_config,
    yield_weights,
)


def test_yield_weights_scale_each_class_to_its_total() -> None:
    y = np.array([1, 1, 0, 0, 0])
    raw = np.array([1.0, 3.0, 2.0, -1.0, 1.0])
    w = yield_weights(y, raw, {1: 40.0, 0: 10.0}, luminosity_scale=3.0)
    assert w[y == 1].sum() == pytest.approx(3 * 40.0)
    assert w[y == 0].sum() == pytest.approx(3 * 10.0)
    # shapes inside a class are kept, signs included
    np.testing.assert_allclose(w[y == 0] / w[y == 0][0], raw[y == 0] / raw[y == 0][0])


def test_input_edges_are_the_likelihood_methods() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))
    y = (rng.uniform(size=500) < 0.5).astype(int)
    w = rng.uniform(0.5, 1, 500)
    edges = input_edges(X, y, w, bins=7, binning="quantile")
    model = HistogramLikelihoodRatio(bins=7, binning="quantile").fit(X, y, sample_weight=w)
    for a, b in zip(edges, model.edges_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_settings_from_config() -> None:
    study = Study.from_dict(
        {
            "data": {"builtin": "gaussian_mixture", "builtin_options": {"d": 2}},
            "methods": [{"name": "f", "model": "fisher"}],
            "evaluation": {
                "log_scores": True,
                "luminosity_scale": 2.5,
                "figure_of_merit": "s/sqrt(b)",
                "fit": {"background_uncertainty": 0.1, "bins": 4},
            },
        }
    )
    st = settings_from_config(study.config.evaluation)
    assert (st.log_scores, st.luminosity_scale, st.kind) == (True, 2.5, "s_over_sqrt_b")
    assert (st.fit.background_uncertainty, st.fit.bins) == (0.1, 4)


def test_bad_evaluation_keys_are_refused() -> None:
    from neyman.errors import ConfigError

    base = {
        "data": {"builtin": "gaussian_mixture", "builtin_options": {"d": 2}},
        "methods": [{"name": "f", "model": "fisher"}],
    }
    with pytest.raises(ConfigError, match="figure_of_merit"):
        Study.from_dict({**base, "evaluation": {"figure_of_merit": "s/b"}})
    with pytest.raises(ConfigError, match="asimov"):
        Study.from_dict(
            {**base, "evaluation": {"figure_of_merit": "s/sqrt(b)", "background_uncertainty": 0.1}}
        )
    with pytest.raises(ConfigError, match="background_uncertainty"):
        Study.from_dict({**base, "evaluation": {"fit": {"background_uncertainty": 1.5}}})


def _inputs(settings: ReportSettings) -> ReportInputs:
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(400), np.zeros(2000)]
    score = np.r_[rng.normal(1.5, 1, 400), rng.normal(-1, 1, 2000)]
    w = np.full(2400, 0.5)
    return ReportInputs(settings=settings, scores={"m": MethodScores(score, y, w, w)})


def test_analyse_scans_with_the_figure_of_merit() -> None:
    from neyman.evaluate import significance_scan

    st = ReportSettings(
        figure_of_merit="s/sqrt(s+b)", min_background=2.0, fit=FitSettings(enabled=False)
    )
    inputs = _inputs(st)
    a = analyse(inputs)
    ms = inputs.scores["m"]
    expected = significance_scan(
        ms.test_y, ms.test_score, ms.yield_weight, kind="s_over_sqrt_s_plus_b", min_background=2.0
    )
    assert a.scans["m"].best_z == expected.best_z
    assert a.scans["m"].kind == "s_over_sqrt_s_plus_b"
    assert a.fits == {} and a.fit_missing is None


def test_without_pyhf_the_fit_section_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import neyman.evaluate

    monkeypatch.setattr(neyman.evaluate, "pyhf_available", lambda: False)
    a = analyse(_inputs(ReportSettings()))
    assert a.fits == {}
    assert a.fit_missing is not None and "pip install 'neyman[stats]'" in a.fit_missing
    assert a.to_dict()["fit_unavailable"] == a.fit_missing


def test_figure_files_never_collide_or_exceed_a_file_name(tmp_path: object) -> None:
    from pathlib import Path

    from neyman.study.report import _Figures

    figs = _Figures(Path(str(tmp_path)) / "plots")
    names = ["input_a/c", "input_a*c", "input_" + " + ".join(["a"] * 90), "input_" + "π" * 200]
    for name in names:
        figs.add("inputs", name, name, lambda ax: ax.plot([0, 1]))
    files = [f.png for f in figs.items]
    assert len({f.name for f in files}) == len(names)  # a/c and a*c both sanitise to a_c
    assert all(len(f.name.encode()) <= 110 and f.is_file() for f in files)
