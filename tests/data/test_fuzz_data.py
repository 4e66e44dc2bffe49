"""Fuzzing (hypothesis, derandomized and bounded): the evaluator and the readers raise nothing
but NeymanError, whatever text or bytes they are given."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neyman.data.expressions import evaluate_feature, evaluate_selection
from neyman.data.io import read_table, write_table
from neyman.errors import NeymanError, NeymanWarning


def _one_line(fn: Callable[[], object]) -> str | None:
    """Run ``fn``; return the message of the NeymanError it raised (None when it returned).

    A NeymanWarning (a CSV without its final newline) is one line too: its message counts.
    """
    try:
        fn()
    except (NeymanError, NeymanWarning) as exc:
        return str(exc)
    return None


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

COLUMNS = {
    "pt": np.array([10.0, 0.0, -3.0, np.nan, 1e300]),
    "n": np.array([0, 1, 2, 3, 4], dtype=np.int64),
    "jet": ak.Array([[], [1.0], [2.0, -1.0], [0.0, 5.0, 6.0], [np.inf]]),
}
TOKENS = [
    "pt", "n", "jet", "x", "(", ")", "[", "]", ",", "0", "1", "-1", "2.5", "1e308", "9**9",
    "+", "-", "*", "/", "**", "%", "<", ">=", "==", "and", "or", "not", "&&", "||", "len",
    "sum", "max", "min", "mean", "abs", "sqrt", "log", "exp", "delta_phi", "delta_r",
    "invariant_mass", "True", ".", "__class__", "'s'", "lambda", ":", "=", "out", " ",
]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_token_soup_gives_arrays_or_neyman_errors(tokens: list[str]) -> None:
    text = " ".join(tokens)
    for fn in (evaluate_feature, evaluate_selection):
        results: list[object] = []
        message = _one_line(lambda fn=fn, results=results: results.append(fn(text, COLUMNS)))  # type: ignore[misc]
        if message is not None:
            assert "\n" not in message
            continue
        out = results[0]
        values = out[0] if isinstance(out, tuple) else out
        assert np.shape(values) == (5,)


@SETTINGS
@given(st.text(max_size=60))
def test_any_text_gives_arrays_or_neyman_errors(text: str) -> None:
    message = _one_line(lambda: evaluate_selection(text, COLUMNS))
    assert message is None or "\n" not in message


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from([".csv", ".parquet", ".root", ".h5", ".npy"]))
def test_random_bytes_are_refused_in_one_line(data: bytes, ext: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f{ext}"
        path.write_bytes(data)
        message = _one_line(lambda: read_table(path))
        assert message is None or "\n" not in message


@settings(SETTINGS, max_examples=50)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=7))
def test_damaged_files_are_refused_in_one_line(position: int, bit: int) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.integers(0, 9, 200)})
    with tempfile.TemporaryDirectory() as d:
        for ext in (".parquet", ".root", ".h5", ".csv"):
            path = write_table(frame, Path(d) / f"f{ext}")
            data = bytearray(path.read_bytes())
            i = position % len(data)
            data[i] ^= 1 << bit
            path.write_bytes(bytes(data[: len(data) - position % 7]))  # flipped and maybe cut
            message = _one_line(lambda: read_table(path))  # noqa: B023
            assert message is None or "\n" not in message
