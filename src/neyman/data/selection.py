"""Selection expressions such as ``"pt1 > 20 and abs(eta1) < 2.5"``, never run through eval.

The expression is parsed with :mod:`ast` and walked by a small evaluator that knows only
column names, numbers, arithmetic, comparisons, ``and``/``or``/``not`` and a few functions
(``abs``, ``sqrt``, ``log``, ``exp``, ``cos``, ``sin``, ``cosh``, ``sinh``, ``min``, ``max``).
Anything else (attribute access, calls of other names, subscripts, lambdas) is refused.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from neyman.errors import ConfigError, MissingColumnError, did_you_mean

__all__ = ["evaluate_selection", "selection_columns"]

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "sqrt": np.sqrt,
    "log": np.log,
    "exp": np.exp,
    "cos": np.cos,
    "sin": np.sin,
    "cosh": np.cosh,
    "sinh": np.sinh,
    "min": np.minimum,
    "max": np.maximum,
}


def _parse(expr: str) -> ast.Expression:
    try:
        return ast.parse(expr.replace("&&", " and ").replace("||", " or "), mode="eval")
    except SyntaxError as exc:
        msg = f"selection '{expr}' is not a valid expression: {exc.msg}; write e.g. 'pt1 > 20 and abs(eta1) < 2.5'"
        raise ConfigError(msg) from None


_ALLOWED = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp,
    ast.Compare, ast.Call, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
    *_BINOPS, *_CMPOPS,
)  # fmt: skip


def _check(expr: str, tree: ast.Expression) -> None:
    for node in ast.walk(tree):
        bad = not isinstance(node, _ALLOWED)
        if isinstance(node, ast.Call):
            bad = bad or not (isinstance(node.func, ast.Name) and node.func.id in _FUNCS)
            bad = bad or bool(node.keywords)
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | bool):
            bad = True
        if bad:
            text = (
                ast.unparse(node) if not isinstance(node, ast.expr_context) else type(node).__name__
            )
            msg = (
                f"selection '{expr}' contains '{text}', which is not allowed; use column "
                f"names, numbers, + - * / **, comparisons, and/or/not and {', '.join(_FUNCS)}"
            )
            raise ConfigError(msg)


def selection_columns(expr: str) -> list[str]:
    """The column names an expression reads, in order of first use."""
    names: list[str] = []
    tree = _parse(expr)
    _check(expr, tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in _FUNCS and node.id not in names:
            names.append(node.id)
    return names


def evaluate_selection(expr: str, columns: Mapping[str, Any]) -> np.ndarray:
    """Evaluate ``expr`` on a mapping of column name -> array; return a boolean mask.

    Raises
    ------
    ConfigError
        For syntax that is not allowed (the message names it).
    MissingColumnError
        For a name that is not a column (the message suggests the nearest).
    """
    tree = _parse(expr)
    _check(expr, tree)

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | bool):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in columns:
                return np.asarray(columns[node.id])
            msg = f"selection '{expr}' uses '{node.id}', which is not a column{did_you_mean(node.id, list(columns))}"
            raise MissingColumnError(msg)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -ev(node.operand)
            if isinstance(node.op, ast.UAdd):
                return +ev(node.operand)
            if isinstance(node.op, ast.Not):
                return np.logical_not(ev(node.operand))
        if isinstance(node, ast.BoolOp):
            values = [ev(v) for v in node.values]
            fn = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = values[0]
            for v in values[1:]:
                out = fn(out, v)
            return out
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            result: Any = True
            for op, comp in zip(node.ops, node.comparators, strict=True):
                if type(op) not in _CMPOPS:
                    break
                right = ev(comp)
                result = np.logical_and(result, _CMPOPS[type(op)](left, right))
                left = right
            else:
                return result
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS
            and not node.keywords
        ):
            return _FUNCS[node.func.id](*(ev(a) for a in node.args))
        msg = (
            f"selection '{expr}' contains '{ast.unparse(node)}', which is not allowed; use column "
            f"names, numbers, + - * / **, comparisons, and/or/not and {', '.join(_FUNCS)}"
        )
        raise ConfigError(msg)

    n = len(next(iter(columns.values()))) if columns else 0
    mask = np.asarray(ev(tree))
    if mask.ndim == 0:
        mask = np.full(n, bool(mask))
    return mask.astype(bool)
