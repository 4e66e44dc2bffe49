"""The restricted evaluator against hand-computed NumPy/awkward oracles and ``vector``."""

from __future__ import annotations

import time

import awkward as ak
import numpy as np
import pandas as pd
import pytest

from neyman.data.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    evaluate_expression,
    evaluate_feature,
    evaluate_selection,
    parse_expression,
    parse_selection,
    selection_columns,
)
from neyman.errors import ConfigError, DataError, MissingColumnError


@pytest.fixture
def events(rng: np.random.Generator) -> dict[str, object]:
    n = 400
    counts = rng.poisson(2.0, n)
    counts[:5] = 0  # some events without jets
    total = int(counts.sum())
    pt = ak.unflatten(rng.exponential(40.0, total) + 20.0, counts)
    eta = ak.unflatten(rng.normal(0.0, 1.5, total), counts)
    phi = ak.unflatten(rng.uniform(-np.pi, np.pi, total), counts)
    return {
        "nJet": counts.astype(np.int32),
        "Jet_pt": pt,
        "Jet_eta": eta,
        "Jet_phi": phi,
        "MET_phi": rng.uniform(-np.pi, np.pi, n),
        "lep_pt": rng.exponential(30.0, n) + 10.0,
        "pho_pt": rng.exponential(30.0, n) + 10.0,
        "fixed": rng.normal(size=(n, 3)),
    }


def _oracle_index(jagged: ak.Array, i: int) -> tuple[np.ndarray, np.ndarray]:
    lists = ak.to_list(jagged)
    values = np.array([row[i] if -len(row) <= i < len(row) else np.nan for row in lists])
    return values, np.array([not (-len(row) <= i < len(row)) for row in lists])


@pytest.mark.parametrize("i", [0, 1, 2, -1])
def test_index_and_missing_mask(events: dict[str, object], i: int) -> None:
    values, missing = evaluate_feature(f"Jet_pt[{i}]", events)
    ref, ref_missing = _oracle_index(events["Jet_pt"], i)  # type: ignore[arg-type]
    np.testing.assert_array_equal(missing, ref_missing)
    np.testing.assert_array_equal(values, ref)
    assert missing.sum() >= 5


def test_reductions(events: dict[str, object]) -> None:
    lists = ak.to_list(events["Jet_pt"])  # type: ignore[arg-type]
    n = np.array([len(r) for r in lists], dtype=float)
    s = np.array([sum(r) for r in lists])
    np.testing.assert_array_equal(evaluate_expression("len(Jet_pt)", events), n)
    np.testing.assert_allclose(evaluate_expression("sum(Jet_pt)", events), s, rtol=1e-12)
    for name, fn in (("max", max), ("min", min)):
        values, missing = evaluate_feature(f"{name}(Jet_pt)", events)
        ref = np.array([fn(r) if r else np.nan for r in lists])
        np.testing.assert_array_equal(values, ref)
        np.testing.assert_array_equal(missing, n == 0)
    mean, missing = evaluate_feature("mean(Jet_pt)", events)
    np.testing.assert_allclose(mean[n > 0], (s / np.maximum(n, 1))[n > 0], rtol=1e-12)
    assert np.isnan(mean[n == 0]).all() and missing.tolist() == (n == 0).tolist()
    count = evaluate_expression("sum(Jet_pt > 50)", events)
    np.testing.assert_array_equal(count, [sum(p > 50 for p in r) for r in lists])


def test_arithmetic_and_functions_on_flat_columns(events: dict[str, object]) -> None:
    lep, pho = np.asarray(events["lep_pt"]), np.asarray(events["pho_pt"])
    got = evaluate_expression("log(lep_pt / pho_pt) + sqrt(abs(lep_pt - pho_pt)) % 3", events)
    np.testing.assert_allclose(got, np.log(lep / pho) + np.sqrt(np.abs(lep - pho)) % 3)
    got = evaluate_expression("-lep_pt ** 2 + exp(-pho_pt / 100) * cosh(0.5) - sinh(1)", events)
    np.testing.assert_allclose(got, -(lep**2) + np.exp(-pho / 100) * np.cosh(0.5) - np.sinh(1))
    got = evaluate_expression("max(lep_pt, pho_pt) - min(lep_pt, 40)", events)
    np.testing.assert_allclose(got, np.maximum(lep, pho) - np.minimum(lep, 40))
    got = evaluate_expression("sin(lep_pt) * cos(pho_pt)", events)
    np.testing.assert_allclose(got, np.sin(lep) * np.cos(pho))


def test_physics_functions_against_vector(events: dict[str, object]) -> None:
    vector = pytest.importorskip("vector")
    pt, eta, phi = events["Jet_pt"], events["Jet_eta"], events["Jet_phi"]
    two = ak.to_numpy(ak.num(pt)) >= 2  # type: ignore[arg-type]
    j = [
        vector.array(
            {
                "pt": ak.to_numpy(pt[two][:, k]),  # type: ignore[index]
                "eta": ak.to_numpy(eta[two][:, k]),  # type: ignore[index]
                "phi": ak.to_numpy(phi[two][:, k]),  # type: ignore[index]
                "mass": np.full(int(two.sum()), m),
            }
        )
        for k, m in ((0, 4.0), (1, 10.0))
    ]
    text = "invariant_mass(Jet_pt[0], Jet_eta[0], Jet_phi[0], Jet_pt[1], Jet_eta[1], Jet_phi[1], 4, 10)"
    mass, missing = evaluate_feature(text, events)
    np.testing.assert_array_equal(missing, ~two)
    np.testing.assert_allclose(mass[two], (j[0] + j[1]).mass, rtol=1e-9)
    dr = evaluate_expression("delta_r(Jet_eta[0], Jet_phi[0], Jet_eta[1], Jet_phi[1])", events)
    np.testing.assert_allclose(dr[two], j[0].deltaR(j[1]), rtol=1e-9)
    dphi = evaluate_expression("delta_phi(Jet_phi[0], MET_phi)", events)
    met = vector.array({"pt": np.ones(int(two.sum())), "phi": events["MET_phi"][two]})  # type: ignore[index]
    np.testing.assert_allclose(dphi[two], j[0].to_xy().deltaphi(met), atol=1e-12)


def test_jagged_inside_reductions(events: dict[str, object]) -> None:
    lists_pt = ak.to_list(events["Jet_pt"])  # type: ignore[arg-type]
    lists_phi = ak.to_list(events["Jet_phi"])  # type: ignore[arg-type]
    met = np.asarray(events["MET_phi"])
    got, missing = evaluate_feature("max(abs(delta_phi(Jet_phi, MET_phi)))", events)
    ref = []
    for row, m in zip(lists_phi, met, strict=True):
        d = [abs((p - m + np.pi) % (2 * np.pi) - np.pi) for p in row]
        ref.append(max(d) if d else np.nan)
    np.testing.assert_allclose(got, ref, atol=1e-12)
    assert missing.tolist() == [len(r) == 0 for r in lists_phi]
    ht = evaluate_expression("sum(Jet_pt * (Jet_pt > 30))", events)
    np.testing.assert_allclose(ht, [sum(p for p in r if p > 30) for r in lists_pt])


def test_fixed_size_arrays_broadcast_per_event(events: dict[str, object]) -> None:
    fixed, lep = np.asarray(events["fixed"]), np.asarray(events["lep_pt"])
    np.testing.assert_array_equal(evaluate_expression("fixed[2]", events), fixed[:, 2])
    np.testing.assert_allclose(
        evaluate_expression("sum(fixed * lep_pt)", events), fixed.sum(1) * lep
    )
    frame = pd.DataFrame({"x[0]": fixed[:, 0], "x[1]": fixed[:, 1]})
    np.testing.assert_array_equal(
        evaluate_expression("x[1] - x[0]", frame), fixed[:, 1] - fixed[:, 0]
    )


def test_selection_missing_objects_are_false(events: dict[str, object]) -> None:
    lead, missing = _oracle_index(events["Jet_pt"], 0)  # type: ignore[arg-type]
    nj = np.asarray(events["nJet"])
    mask = evaluate_selection("Jet_pt[0] > 40 && nJet >= 1", events)
    np.testing.assert_array_equal(mask, ~missing & (np.nan_to_num(lead) > 40) & (nj >= 1))
    mask = evaluate_selection("20 < Jet_pt[0] < 60 || len(Jet_pt) == 0", events)
    np.testing.assert_array_equal(mask, (~missing & (lead > 20) & (lead < 60)) | (nj == 0))
    assert evaluate_selection("1", events).tolist() == [True] * len(nj)
    assert evaluate_selection("not (nJet > 1)", events).tolist() == (nj <= 1).tolist()


def test_selection_columns_and_parse_info() -> None:
    e = parse_expression("delta_phi(Jet_phi[0], MET_phi) > 1 && len(Jet_pt) > nJet - 1")
    assert e.branches == ("Jet_phi", "MET_phi", "Jet_pt", "nJet")
    assert e.indexed == ("Jet_phi[0]",)
    assert selection_columns("pt1 > 20 and abs(eta1) < 2.5") == ["pt1", "eta1"]
    assert parse_expression("Jet.pt").is_name and parse_expression("Jet.pt").branches == ("Jet.pt",)
    assert parse_expression("Jet_pt[0] > 1") is parse_expression("Jet_pt[0] > 1")  # cached
    assert e.columns_for({"Jet_phi", "MET_phi", "Jet_pt", "nJet"}) == list(e.branches)
    assert e.columns_for({"Jet_phi[0]", "MET_phi", "Jet_pt", "nJet"})[0] == "Jet_phi[0]"


def test_jagged_feature_without_index_is_refused(events: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"^feature 'Jet_pt' is a jagged branch") as err:
        evaluate_feature("Jet_pt", events)
    assert err.value.key == "Jet_pt"
    assert "Jet_pt[0], len(Jet_pt), sum(Jet_pt), max(Jet_pt)" in str(err.value)
    with pytest.raises(ConfigError, match=r"^selection 'Jet_pt > 3' gives a variable number"):
        evaluate_selection("Jet_pt > 3", events)
    with pytest.raises(ConfigError, match=r"len\(\) on 'lep_pt', which has one value per event"):
        evaluate_feature("len(lep_pt)", events)
    with pytest.raises(ConfigError, match=r"indexes 'lep_pt', which has one value per event"):
        evaluate_feature("lep_pt[0]", events)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("lep_pt.__class__", r"attributes are not accessed"),
        ("foo(lep_pt)", "unknown function"),
        ("max(lep_pt, out=pho_pt)", r"keyword arguments to max\(\)"),
        ("delta_phi(lep_pt)", r"calls delta_phi\(\) with 1 argument\(s\); it takes 2"),
        ("invariant_mass(1, 2, 3)", r"it takes 6 or 8"),
        ("lep_pt > 'a'", "only numbers"),
        ("lep_pt[1:2]", "an index must be an integer"),
        ("lep_pt[pho_pt]", "an index must be an integer"),
        ("lambda: 1", "not allowed"),
        ("[x for x in lep_pt]", "not allowed"),
        ("lep_pt if pho_pt else 1", "not allowed"),
        ("lep_pt > 1 +", "not a valid expression"),
        ("lep_pt > 123456789012345678901", r"beyond 2\*\*53"),
        ("Jet_pt + fixed", "cannot be evaluated"),
    ],
)
def test_refused_syntax_is_one_line_config_error(
    events: dict[str, object], text: str, pattern: str
) -> None:
    with pytest.raises(ConfigError, match=pattern) as err:
        evaluate_feature(text, events)
    assert err.value.key == text
    assert "\n" not in str(err.value)


def test_unknown_column_suggests_nearest(events: dict[str, object]) -> None:
    with pytest.raises(MissingColumnError, match=r"'Jet_ptt'.*did you mean 'Jet_pt'") as err:
        evaluate_selection("Jet_ptt[0] > 1", events)
    assert err.value.key == "Jet_ptt" and "Jet_pt" in err.value.available


def test_bounded_work() -> None:
    cols = {"pt1": np.array([1.0, 2.0])}
    start = time.process_time()
    assert evaluate_selection("pt1 > 9**9**9**9", cols).tolist() == [False, False]
    assert np.isinf(evaluate_expression("pt1 / 0", cols)).all()
    assert time.process_time() - start < 60  # a Python big integer would never finish
    long = "+".join(["pt1"] * (MAX_LENGTH // 4 + 1))
    with pytest.raises(ConfigError, match=f"at most {MAX_LENGTH}") as err:
        evaluate_selection(long, cols)
    assert len(str(err.value)) < 400 and err.value.key == long
    chain = "+".join(["pt1"] * 2400)  # under the length limit, too deep for the parser
    with pytest.raises(ConfigError, match=r"deeply nested|deeper than"):
        evaluate_selection(chain, cols)
    deep = "-" * (MAX_DEPTH + 5) + "pt1"
    with pytest.raises(ConfigError, match=f"deeper than {MAX_DEPTH}"):
        evaluate_selection(deep, cols)
    nested = "abs(" * (MAX_DEPTH + 1) + "pt1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ConfigError, match=f"deeper than {MAX_DEPTH}"):
        evaluate_feature(nested, cols)
    assert evaluate_expression("abs(" * 20 + "pt1" + ")" * 20, cols).tolist() == [1.0, 2.0]


def test_non_numeric_column_is_data_error() -> None:
    with pytest.raises(DataError, match=r"column 's' holds .* not numbers") as err:
        evaluate_expression("s + 1", {"s": np.array(["a", "b"])})
    assert err.value.key == "s"
    with pytest.raises(DataError, match="nested lists"):
        evaluate_expression("len(v)", {"v": ak.Array([[[1.0]], [[2.0, 3.0]]])})


def test_awkward_option_and_record_inputs() -> None:
    opt = ak.Array([1.0, None, 3.0])
    values, missing = evaluate_feature("x * 2", {"x": opt})
    np.testing.assert_array_equal(values, [2.0, np.nan, 6.0])
    assert missing.tolist() == [False, True, False]
    rec = ak.Array([{"a": 1.0, "b": [1.0, 2.0]}, {"a": 2.0, "b": []}])
    np.testing.assert_array_equal(evaluate_expression("a + len(b)", rec), [3.0, 2.0])
    assert evaluate_selection("nan_col > 0", {"nan_col": np.array([np.nan, 1.0])}).tolist() == [
        False,
        True,
    ]
    v, m = evaluate_feature("x", {"x": np.array([np.nan, 1.0])})
    assert np.isnan(v[0]) and not m.any()  # NaN in the data is not a missing object


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a + b", r"^selection 'a \+ b' gives numbers, not true/false; .* 'a \+ b > 0'"),
        ("x > 0 and abs(a)", r"has 'abs\(a\)', which gives numbers"),
        ("sum(J > 30)", r"gives numbers.*'sum\(J > 30\) > 0'"),
        ("2", "a number other than 0 or 1"),
    ],
)
def test_selection_must_be_true_or_false(text: str, match: str) -> None:
    cols = {"a": np.array([1.0, 2.0]), "b": np.array([0.0, 1.0]), "x": np.ones(2)}
    cols["J"] = ak.Array([[40.0], []])
    with pytest.raises(ConfigError, match=match):
        parse_selection(text)
    with pytest.raises(ConfigError, match=match):
        evaluate_selection(text, cols)


def test_flag_columns_are_true_or_false_and_counts_are_not() -> None:
    cols = {
        "flag": np.array([1, 0, 1]),
        "ok": np.array([True, False, True]),
        "n": np.array([0, 2, 1]),
    }
    assert evaluate_selection("flag", cols).tolist() == [True, False, True]
    assert evaluate_selection("not ok or flag", cols).tolist() == [True, True, True]
    assert evaluate_selection("1", cols).tolist() == [True] * 3  # ROOT's "select all"
    with pytest.raises(ConfigError, match=r"reads 'n', which holds 2, not true/false.*'n > 0'"):
        evaluate_selection("ok and n", cols)
