"""Lab jet-tagging end to end: quick mode on generated jets, and the reference file format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pythia8mc")
pytest.importorskip("fastjet")

from neyman.errors import ConfigError, DataError  # noqa: E402
from neyman.generate.jets import generate_jets  # noqa: E402
from neyman.labs import get_lab  # noqa: E402
from neyman.labs import jet_tagging as lab  # noqa: E402
from tests.datasets.test_top_tagging import write_reference  # noqa: E402

pytestmark = pytest.mark.generate


def _check(answers: lab.JetTaggingAnswers) -> None:
    assert [m.name for m in answers.methods] == ["BDT", "CNN", "Deep Sets", "transformer"]
    aucs = {m.name: m.auc for m in answers.methods}
    assert answers.ranking == sorted(aucs, key=lambda k: -aucs[k])
    expected = aucs["transformer"] >= aucs["Deep Sets"] > aucs["CNN"] > aucs["BDT"]
    assert answers.ordering_holds == expected
    for m in answers.methods:
        assert m.auc_low <= m.auc <= m.auc_high
        assert m.rejection_30 >= m.rejection_50 >= 1.0
        assert (m.n_parameters is None) == (m.name == "BDT")
    # jet mass and tau32 separate top from QCD even on a hundred jets
    assert aucs["BDT"] > 0.75


def test_quick_mode_generates_and_draws(tmp_path: Path) -> None:
    assert get_lab("jet-tagging") is lab
    answers = lab.compute(quick=True)
    _check(answers)
    result = lab.render(answers, out=tmp_path)
    assert result.answers["n_train"] + result.answers["n_test"] == 200
    assert sorted(p.name for p in result.figures) == ["rejection.png", "substructure.png"]
    assert all(p.is_file() for p in result.figures)
    assert np.median(answers.mass["top"]) == pytest.approx(172.5, abs=20)


def test_reference_format_gives_the_same_table(tmp_path: Path) -> None:
    frames = [
        generate_jets(p, 40, seed=4, progress=False, hadronization=False) for p in ("top", "qcd")
    ]
    jets = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=1)
    momenta = np.zeros((len(jets), 200, 4))
    for i, (_, jet) in enumerate(jets.iterrows()):
        k = len(jet["part_pt"])
        pt, eta, phi = jet["part_pt"], jet["part_eta"], jet["part_phi"]
        momenta[i, :k] = np.column_stack(
            [jet["part_e"], pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)]
        )
    file = write_reference(tmp_path / "test.h5", momenta, jets["label"].to_numpy())
    answers = lab.compute(quick=True, data=str(file), rows=40, epochs=1)
    assert answers.n_train + answers.n_test == 80
    assert "Top Tagging Reference format" in answers.source
    # the substructure recomputed from the file is the generator's
    np.testing.assert_allclose(
        np.sort(answers.mass["top"]), np.sort(jets.loc[jets["label"] == 1, "mass"]), rtol=1e-4
    )
    assert [m.name for m in answers.methods] == ["BDT", "CNN", "Deep Sets", "transformer"]
    parquet = tmp_path / "jets.parquet"
    jets.to_parquet(parquet)
    again, source = lab.load_jets(str(parquet), 30)
    assert source.startswith("Parquet") and (again["label"] == 1).sum() == 30
    np.testing.assert_array_equal(
        again["part_pt"].iloc[0], jets["part_pt"][jets["label"] == 1].iloc[0]
    )


def test_bad_options(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no option 'row'") as err:
        lab.compute(quick=True, row=5)
    assert err.type is ConfigError
    with pytest.raises(ConfigError, match="'rows'") as err:
        lab.compute(quick=True, rows=3)
    assert err.value.key == "rows"
    with pytest.raises(DataError, match="does not exist") as derr:
        lab.compute(quick=True, data=str(tmp_path / "none.parquet"))
    assert derr.value.path == str(tmp_path / "none.parquet")
