"""Lab jet-tagging's printed numbers and sentences, from hand-made results (no generator)."""

from __future__ import annotations

import io

from rich.console import Console

from neyman.labs import jet_tagging as lab


def _method(name: str, auc: float, low: float, high: float, rej30: float) -> lab.MethodResult:
    return lab.MethodResult(
        name=name,
        inputs="x",
        n_parameters=None,
        train_seconds=1.0,
        seconds_per_epoch=None,
        auc=auc,
        auc_low=low,
        auc_high=high,
        rejection_30=rej30,
        rejection_50=2.0,
    )


def test_no_background_passing_prints_a_bound_from_the_counts() -> None:
    # quick run: 30 test QCD jets, none passing at εS = 0.3 printed "inf"
    assert lab.format_rejection(float("inf"), 30) == "> 30 *"
    assert lab.format_rejection(float("inf"), 1200) == "> 1,200 *"
    assert lab.rejection_note(30).startswith("* 0 of 30 background jets pass: 1/εB > 30 ")
    assert lab.format_rejection(12.345, 30) == "12.3"


def test_ranking_says_compatible_where_intervals_overlap() -> None:
    methods = [
        _method("BDT", 0.80, 0.78, 0.82, 5.0),
        _method("CNN", 0.90, 0.88, 0.92, 10.0),
        _method("Deep Sets", 0.91, 0.89, 0.93, 12.0),
        _method("transformer", 0.95, 0.94, 0.96, float("inf")),
    ]
    text = lab.ranking_sentence(methods)
    assert text.startswith("Ranking by AUC: transformer > Deep Sets ≈ CNN > BDT (≈: compatible")
    separated = [_method("A", 0.9, 0.89, 0.91, 1.0), _method("B", 0.8, 0.79, 0.81, 1.0)]
    assert lab.ranking_sentence(separated) == "Ranking by AUC: A > B."


def test_render_prints_the_bound_and_the_hedged_ranking() -> None:
    answers = lab.JetTaggingAnswers(
        source="test",
        n_train=140,
        n_test=60,
        epochs=3,
        n_test_background=30,
        methods=[
            _method("BDT", 0.80, 0.78, 0.82, 5.0),
            _method("CNN", 0.90, 0.88, 0.92, 10.0),
            _method("Deep Sets", 0.91, 0.89, 0.93, 12.0),
            _method("transformer", 0.95, 0.94, 0.96, float("inf")),
        ],
        ranking=["transformer", "Deep Sets", "CNN", "BDT"],
        ordering_holds=False,
        rocs={n: ([0.0, 0.5, 1.0], [0.0, 0.1, 1.0]) for n in ("BDT", "transformer")},
        mass={"top": [170.0, 180.0], "QCD": [40.0, 60.0]},
        tau32={"top": [0.5, 0.6], "QCD": [0.8, 0.9]},
    )
    buf = io.StringIO()
    lab.render(answers, console=Console(file=buf, width=200))
    text = buf.getvalue()
    assert "inf" not in text
    assert "> 30 *" in text
    assert "* 0 of 30 background jets pass: 1/εB > 30" in text
    assert "transformer > Deep Sets ≈ CNN > BDT" in text
