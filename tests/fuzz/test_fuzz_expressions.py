"""Random expression trees: the restricted evaluator answers with a mask or a NeymanError.

Trees are built from columns, numbers, arithmetic, comparisons, boolean operators and
function calls, including names and arities it must refuse. Exponents are floats or columns
so that no example builds a tower of Python integers (the evaluator bounds constant powers;
a tower in the fuzz input would only measure Python's big-integer speed).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from neyman.data.expressions import evaluate_selection
from tests.fuzz._settings import FUZZ, neyman_message

COLUMNS = {"a": np.array([0.0, 1.0, -2.0, 3.5, np.nan]), "b": np.array([1, 0, 2, 5, 7])}
FUNCS = ["abs", "sqrt", "log", "exp", "cos", "sin", "min", "max", "foo", "eval", "__import__"]

numbers = st.one_of(
    st.integers(-5, 5).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.sampled_from(["1e308", "1e-320", "0", "0.0", "True"]),
)
leaves = st.one_of(numbers, st.sampled_from(["a", "b", "c", "a_1"]))


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binop = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "//"]), inner)
    power = st.tuples(inner, st.just("**"), st.one_of(st.floats(-50, 50).map(repr), st.just("a")))
    compare = st.tuples(inner, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), inner)
    boolean = st.tuples(inner, st.sampled_from(["and", "or", "&&", "||"]), inner)
    call = st.tuples(st.sampled_from(FUNCS), st.lists(inner, min_size=0, max_size=3))
    return st.one_of(
        st.builds(lambda t: f"({t[0]} {t[1]} {t[2]})", binop | power | compare | boolean),
        st.builds(lambda t: f"{t[0]}({', '.join(t[1])})", call),
        st.builds(lambda e: f"(not {e})", inner),
        st.builds(lambda e: f"(-{e})", inner),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)


@FUZZ
@given(expr=expressions)
def test_random_expressions_give_a_mask_or_a_neyman_error(expr: str) -> None:
    masks: list[object] = []
    message = neyman_message(lambda: masks.append(evaluate_selection(expr, COLUMNS)))
    assert message is None or "\n" not in message
    if message is None:
        assert np.shape(masks[0]) in ((), (5,))
