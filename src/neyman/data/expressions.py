"""The one restricted evaluator for features and selections: parsed, bounded, never ``eval``'d.

A feature such as ``"log(lep_pt / pho_pt)"`` or ``"Jet_pt[0]"`` and a selection such as
``"nJet >= 2 && abs(Jet_eta[0]) < 2.5"`` are parsed with :mod:`ast`, checked against a small
grammar, and walked by an evaluator that knows only column names and this list:

- numbers (int, float, ``True``/``False``), ``+ - * / ** %``, unary ``-``, comparisons
  (chained, ``0 < x < 1``), ``and or not`` (``&&`` and ``||`` too);
- ``x[i]``: the i-th object of a jagged branch (``x[-1]`` is the last); an event with fewer
  objects has a *missing* value (NaN in the output, plus a separate mask);
- per-event reductions of a jagged branch: ``len sum mean max min`` (``max(a, b)`` and
  ``min(a, b)`` with two arguments are element-wise);
- ``abs sqrt log exp sin cos cosh sinh``, and the kernels of :mod:`neyman.data.physics`:
  ``delta_phi(phi1, phi2)``, ``delta_r(eta1, phi1, eta2, phi2)``,
  ``invariant_mass(pt1, eta1, phi1, pt2, eta2, phi2[, m1, m2])``; each works on flat columns
  and on per-object values (``delta_phi(Jet_phi[0], MET_phi)``) or whole jagged branches
  inside a reduction (``sum(Jet_pt > 30)`` counts jets above 30 GeV);
- a dotted name ``Jet.pt`` is only a column name (RNTuple fields), never attribute access.

Anything else (attributes, other calls, keywords, strings, lambdas, slices) is refused with a
one-line :class:`~neyman.errors.ConfigError`. Work is bounded: at most 10,000 characters and
depth 100, integer literals at most 2**53, and constants are float64 (``9**9**9**9`` is
``inf`` at once, never a Python big integer).

Columns may be NumPy arrays, pandas Series, or awkward arrays (``var * number`` for jagged
branches, fixed-size ``(n, k)`` arrays too). Read this after :mod:`neyman.data.physics`;
:mod:`neyman.data.io` uses it to read only the branches an expression needs.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from neyman.data import physics
from neyman.errors import (
    ConfigError,
    DataError,
    MissingColumnError,
    NeymanError,
    did_you_mean,
    short,
)

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expression",
    "evaluate_expression",
    "evaluate_feature",
    "evaluate_selection",
    "parse_expression",
    "parse_selection",
    "selection_columns",
]

#: the most characters an expression may have
MAX_LENGTH = 10_000
#: the deepest an expression's syntax tree may be
MAX_DEPTH = 100
#: integer literals above this lose exactness as float64 and are refused
MAX_EXACT_INT = 2**53

Role = Literal["feature", "selection", "expression"]

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
_ELEMENTWISE: dict[str, Callable[[Any], Any]] = {
    "abs": np.abs,
    "sqrt": np.sqrt,
    "log": np.log,
    "exp": np.exp,
    "sin": np.sin,
    "cos": np.cos,
    "cosh": np.cosh,
    "sinh": np.sinh,
}
_PHYSICS: dict[str, Callable[..., Any]] = {
    "delta_phi": physics.delta_phi,
    "delta_r": physics.delta_r,
    "invariant_mass": physics.invariant_mass,
}
#: every function an expression may call, with the numbers of arguments it takes
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "len": (1,),
    "sum": (1,),
    "mean": (1,),
    "max": (1, 2),
    "min": (1, 2),
    **{name: (1,) for name in _ELEMENTWISE},
    "delta_phi": (2,),
    "delta_r": (4,),
    "invariant_mass": (6, 8),
}
_ALLOWED = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp,
    ast.Compare, ast.Call, ast.Subscript, ast.Attribute, ast.And, ast.Or, ast.Not, ast.USub,
    ast.UAdd, *_BINOPS, *_CMPOPS,
)  # fmt: skip
_GRAMMAR = (
    "use column names, numbers, + - * / ** %, comparisons, and/or/not, x[i] and "
    + ", ".join(FUNCTIONS)
)


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression; build it with :func:`parse_expression`.

    Attributes
    ----------
    text : str
        The expression as written (the column name it gets in a table).
    branches : tuple of str
        Raw column or branch names it reads, in order of first use (``"Jet_pt"`` for
        ``"Jet_pt[0] > 30"``).
    indexed : tuple of str
        The ``name[i]`` texts it contains; a table that already holds a column of that name
        (e.g. a fixed-size array split into ``x[0]``, ``x[1]``) serves it directly.
    is_name : bool
        True when the expression is a single column name (``"pt1"``, ``"Jet.pt"``).
    """

    text: str
    tree: ast.Expression = field(repr=False, compare=False)
    branches: tuple[str, ...]
    indexed: tuple[str, ...]
    is_name: bool

    def columns_for(self, available: Any) -> list[str]:
        """The columns to read from a source holding ``available`` (a container of names).

        ``name[i]`` is served from a column of that exact name when one exists and ``name``
        itself does not; every other name is read as the raw branch.
        """
        out: list[str] = []
        literal = {lit for lit in self.indexed if lit in available}
        served = {_base_of(lit) for lit in literal}
        for lit in self.indexed:
            if lit in literal and _base_of(lit) not in available and lit not in out:
                out.append(lit)
        for b in self.branches:
            if b in available or b not in served:
                if b not in out:
                    out.append(b)
        return out


def _base_of(indexed: str) -> str:
    return indexed[: indexed.rindex("[")]


def _shown(text: str, limit: int = 200) -> str:
    """An expression for a one-line message: line breaks escaped, cut to ``limit``."""
    return short(text.replace("\r", "\\r").replace("\n", "\\n"), limit)


def _error(text: str, detail: str, role: str = "expression") -> ConfigError:
    return ConfigError(f"{role} '{_shown(text)}' {detail}", key=text)


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` as one column name, or None when the chain does not end at a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    if any(p.startswith("__") for p in parts):
        return None  # dunder names are never columns: refused, as attribute access would be
    return ".".join(reversed(parts))


def _index_of(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _check_depth(text: str, tree: ast.AST) -> None:
    """Refuse trees deeper than :data:`MAX_DEPTH`, without recursion."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _error(
                text,
                f"is nested deeper than {MAX_DEPTH} levels; split it into simpler features",
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _not_allowed(text: str, node: ast.AST, why: str = "") -> ConfigError:
    try:
        shown = ast.unparse(node)
    except Exception:  # unparse of an odd node must not hide the real message
        shown = type(node).__name__
    return _error(
        text,
        f"contains '{short(shown, 80)}', which is not allowed{why}; {_GRAMMAR}",
    )


def _check_nodes(text: str, tree: ast.Expression) -> None:
    skip: set[int] = set()  # nodes consumed as part of a dotted name or a call's name
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if not isinstance(node, _ALLOWED):
            raise _not_allowed(text, node)
        if isinstance(node, ast.Name) and _dotted(node) is None:
            raise _not_allowed(text, node, " (names starting with __ are not columns)")
        if isinstance(node, ast.Attribute):
            if _dotted(node) is None:
                raise _not_allowed(text, node, " (attributes are not accessed)")
            sub = node.value
            while isinstance(sub, ast.Attribute):
                skip.add(id(sub))
                sub = sub.value
            skip.add(id(sub))
        elif isinstance(node, ast.Call):
            _check_call(text, node)
            skip.add(id(node.func))
        elif isinstance(node, ast.Subscript):
            i = _index_of(node.slice)
            if i is None:
                raise _not_allowed(text, node, " (an index must be an integer such as x[0])")
            skip.add(id(node.slice))
            if isinstance(node.slice, ast.UnaryOp):
                skip.add(id(node.slice.operand))
        elif isinstance(node, ast.Constant):
            _check_constant(text, node)


def _check_call(text: str, node: ast.Call) -> None:
    if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
        raise _not_allowed(text, node, " (unknown function)")
    name = node.func.id
    if node.keywords:
        raise _error(
            text,
            f"passes keyword arguments to {name}(), which takes none; "
            f"call it as {name}({_arity_text(name)})",
        )
    if len(node.args) not in FUNCTIONS[name]:
        raise _error(
            text,
            f"calls {name}() with {len(node.args)} argument(s); it takes "
            f"{' or '.join(str(a) for a in FUNCTIONS[name])}: {name}({_arity_text(name)})",
        )


def _arity_text(name: str) -> str:
    shapes = {
        "delta_phi": "phi1, phi2",
        "delta_r": "eta1, phi1, eta2, phi2",
        "invariant_mass": "pt1, eta1, phi1, pt2, eta2, phi2[, m1, m2]",
        "max": "jagged) or max(a, b",
        "min": "jagged) or min(a, b",
    }
    return shapes.get(name, "x")


def _check_constant(text: str, node: ast.Constant) -> None:
    value = node.value
    if not isinstance(value, int | float | bool) or isinstance(value, complex):
        raise _not_allowed(text, node, " (only numbers and True/False are constants)")
    if type(value) is int and abs(value) > MAX_EXACT_INT:
        raise _error(
            text,
            f"has the integer {short(str(value), 40)}, beyond 2**53 where float64 is exact; "
            "write it as a float (e.g. 1e20)",
        )


def _branches(tree: ast.Expression) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Column names and ``name[i]`` texts in order of first use (an iterative pre-order)."""
    names: list[str] = []
    indexed: list[str] = []
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name | ast.Attribute):
            name = _dotted(node)
            if name is not None and name not in names:
                names.append(name)
            continue
        if isinstance(node, ast.Subscript):
            base = _dotted(node.value) if isinstance(node.value, ast.Name | ast.Attribute) else None
            i = _index_of(node.slice)
            if base is not None and i is not None:
                lit = f"{base}[{i}]"
                if lit not in indexed:
                    indexed.append(lit)
            stack.append(node.value)
            continue
        if isinstance(node, ast.Call):
            stack.extend(reversed(node.args))
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return tuple(names), tuple(indexed)


@functools.lru_cache(maxsize=1024)
def parse_expression(text: str) -> Expression:
    """Parse and check an expression (cached); raise :class:`ConfigError` if not allowed.

    Parameters
    ----------
    text : str
        At most :data:`MAX_LENGTH` characters; ``&&`` and ``||`` mean ``and`` and ``or``.

    Examples
    --------
    >>> e = parse_expression("Jet_pt[0] > 30 && nJet >= 2")
    >>> e.branches, e.indexed
    (('Jet_pt', 'nJet'), ('Jet_pt[0]',))
    """
    if not isinstance(text, str):
        msg = f"an expression must be text; got {type(text).__name__} {short(text)}"
        raise ConfigError(msg, key=short(text))
    if len(text) > MAX_LENGTH:
        raise _error(
            text,
            f"has {len(text)} characters; at most {MAX_LENGTH} are allowed; split it into features",
        )
    src = text.replace("&&", " and ").replace("||", " or ").strip()
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise _error(
            text,
            f"is not a valid expression ({exc.msg}); write e.g. 'pt1 > 20 and abs(eta1) < 2.5'",
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise _error(
            text,
            f"is too deeply nested or malformed to parse (at most depth {MAX_DEPTH})",
        ) from None
    _check_depth(text, tree)
    _check_nodes(text, tree)
    branches, indexed = _branches(tree)
    is_name = isinstance(tree.body, ast.Name | ast.Attribute)
    return Expression(text, tree, branches, indexed, is_name)


def parse_selection(text: str) -> Expression:
    """Parse a selection: an expression whose result is true or false for each event.

    Comparisons, ``and``/``or``/``not`` of true/false parts, ``True``/``False`` (or 1 and
    0: ROOT's "select all" is ``1``) and flag columns (0 or 1, checked when evaluated) are
    true/false; arithmetic or a
    function's number (``a + b``, ``sum(Jet_pt > 30)``) is refused with the comparison to
    write instead. Raises :class:`ConfigError` (the message starts with ``selection``).

    Examples
    --------
    >>> parse_selection("a + b")
    Traceback (most recent call last):
    ...
    neyman.errors.ConfigError: selection 'a + b' gives numbers, not true/false; write a comparison such as 'a + b > 0'
    """
    try:
        expr = parse_expression(text)
    except ConfigError as exc:
        msg = str(exc).replace("expression '", "selection '", 1)
        raise ConfigError(msg, key=exc.key) from None
    stack: list[ast.AST] = [expr.tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
        elif isinstance(node, ast.Constant) and node.value not in (0, 1):
            detail = "is a number other than 0 or 1, not true/false; write a comparison"
            raise _error(text, detail, "selection")
        elif not isinstance(
            node, ast.Compare | ast.Constant | ast.Name | ast.Attribute | ast.Subscript
        ):
            part = short(ast.unparse(node), 80)
            where = "gives" if node is expr.tree.body else f"has '{part}', which gives"
            detail = f"{where} numbers, not true/false; write a comparison such as '{part} > 0'"
            raise _error(text, detail, "selection")
    return expr


def selection_columns(expr: str) -> list[str]:
    """The raw column names an expression reads, in order of first use."""
    return list(parse_expression(expr).branches)


# --------------------------------------------------------------------------- values
def _is_awkward(x: Any) -> bool:
    return type(x).__module__.startswith("awkward")


@dataclass
class _V:
    """A value during evaluation: flat (ndarray or scalar) or jagged (awkward), plus missing."""

    data: Any
    missing: np.ndarray | None = None

    @property
    def jagged(self) -> bool:
        return _is_awkward(self.data)


def _or(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    out: np.ndarray = np.logical_or(a, b)
    return out


class _Columns:
    """Converts the columns an expression reads into float64 flat or jagged values, once."""

    def __init__(self, arrays: Any, role: str, text: str) -> None:
        if _is_awkward(arrays) and getattr(arrays, "fields", None):
            arrays = {f: arrays[f] for f in arrays.fields}
        self.arrays = arrays
        self.role, self.text = role, text
        self.cache: dict[str, _V] = {}
        self.n = _length(arrays)

    def __contains__(self, name: str) -> bool:
        return name in self.arrays

    def get(self, name: str) -> _V:
        if name not in self.cache:
            if name not in self.arrays:
                names = [str(c) for c in self.arrays]
                msg = f"{self.role} '{_shown(self.text)}' uses '{name}', which is not a column{did_you_mean(name, names)}"
                raise MissingColumnError(msg, key=name, available=names)
            self.cache[name] = _convert(name, self.arrays[name])
        return self.cache[name]


def _length(arrays: Any) -> int:
    if hasattr(arrays, "shape") and hasattr(arrays, "columns"):  # a DataFrame
        return int(arrays.shape[0])
    for name in arrays:
        return len(arrays[name])
    return 0


def _convert(name: str, raw: Any) -> _V:
    if _is_awkward(raw):
        return _convert_awkward(name, raw)
    arr = np.asarray(raw)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        msg = f"column '{name}' holds {arr.dtype} values, not numbers; expressions need numbers"
        raise DataError(msg, key=name)
    if arr.ndim == 1:
        return _V(arr.astype(np.float64, copy=False))
    if arr.ndim == 2:
        import awkward as ak

        return _V(ak.from_regular(ak.from_numpy(arr.astype(np.float64)), axis=1))
    msg = f"column '{name}' has shape {arr.shape}; expressions take one or a list of numbers per event"
    raise DataError(msg, key=name)


def _has_text(form: Any) -> bool:
    """True when an awkward form holds strings at any depth."""
    while True:
        if form.parameters.get("__array__") in ("string", "bytestring", "char", "byte"):
            return True
        content = getattr(form, "content", None)
        if content is None or callable(content):  # a leaf, or a record (fields checked later)
            return False
        form = content


def _convert_awkward(name: str, raw: Any) -> _V:
    import awkward as ak

    if _has_text(raw.layout.form):
        msg = f"column '{name}' holds text, not numbers; expressions need numbers"
        raise DataError(msg, key=name)
    if raw.fields:
        msg = f"column '{name}' is a record with fields {', '.join(raw.fields[:8])}; name a field, e.g. '{name}.{raw.fields[0]}'"
        raise DataError(msg, key=name)
    ndim = raw.ndim
    if ndim == 1:
        missing = ak.to_numpy(ak.is_none(raw, axis=0))
        values = ak.to_numpy(ak.fill_none(ak.values_astype(raw, np.float64), np.nan))
        return _V(np.asarray(values, dtype=np.float64), missing if missing.any() else None)
    if ndim == 2:
        try:
            arr = ak.values_astype(raw, np.float64)
        except Exception as exc:
            msg = f"column '{name}' of type {short(str(ak.type(raw)), 80)} is not numeric ({type(exc).__name__})"
            raise DataError(msg, key=name) from None
        arr = ak.fill_none(arr, np.nan, axis=-1)
        missing = ak.to_numpy(ak.is_none(arr, axis=0))
        # fixed-size arrays become var lists, so a flat column broadcasts per event (never
        # NumPy's right-aligned rule, which would pair objects with events when sizes agree)
        arr = ak.from_regular(ak.fill_none(arr, [], axis=0), axis=1)
        return _V(arr, missing if missing.any() else None)
    msg = (
        f"column '{name}' has nested lists (type {short(str(ak.type(raw)), 80)}); expressions "
        "take one number or one list of numbers per event"
    )
    raise DataError(msg, key=name)


# --------------------------------------------------------------------------- evaluation
class _Evaluator:
    def __init__(self, expr: Expression, cols: _Columns, role: str) -> None:
        self.expr, self.cols, self.role = expr, cols, role

    def fail(self, detail: str) -> ConfigError:
        return _error(self.expr.text, detail, self.role)

    def ev(self, node: ast.AST) -> _V:
        if isinstance(node, ast.Constant):
            return _V(np.float64(float(node.value)))  # type: ignore[arg-type]
        if isinstance(node, ast.Name | ast.Attribute):
            name = _dotted(node)
            assert name is not None  # checked at parse time
            return self.cols.get(name)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.BinOp):
            a, b = self.ev(node.left), self.ev(node.right)
            return _V(_BINOPS[type(node.op)](a.data, b.data), _or(a.missing, b.missing))
        if isinstance(node, ast.UnaryOp):
            v = self.ev(node.operand)
            if isinstance(node.op, ast.Not):
                return _V(np.logical_not(self.truth(v, node.operand)))
            return _V(-v.data if isinstance(node.op, ast.USub) else v.data, v.missing)
        if isinstance(node, ast.BoolOp):
            fn = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = self.truth(self.ev(node.values[0]), node.values[0])
            for sub in node.values[1:]:
                out = fn(out, self.truth(self.ev(sub), sub))
            return _V(out)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise _not_allowed(self.expr.text, node)  # unreachable after _check_nodes

    def truth(self, v: _V, node: ast.AST) -> Any:
        """Truth per event (or per object): nonzero and not missing.

        In a selection, a value in a true/false place must be 0 or 1 (a flag column); a
        count or a measurement there is refused rather than read as "nonzero".
        """
        if self.role == "selection":
            self.check_flags(v, node)
        t = v.data != 0
        if v.missing is not None:
            t = t & ~v.missing
        return t

    def check_flags(self, v: _V, node: ast.AST) -> None:
        data = v.data
        if v.jagged:
            import awkward as ak

            data = ak.to_numpy(ak.flatten(data, axis=None))
        data = np.asarray(data)
        if data.dtype == np.bool_:
            return
        if v.missing is not None and data.shape == np.shape(v.missing):
            data = data[~np.asarray(v.missing, bool)]
        bad = (data != 0) & (data != 1)
        if np.any(bad):
            first = data[bad].flat[0]
            part = short(ast.unparse(node), 80)
            detail = (
                f"reads '{part}', which holds {first:g}, not true/false (0 or 1); write a "
                f"comparison such as '{part} > 0'"
            )
            raise self.fail(detail)

    def compare(self, node: ast.Compare) -> _V:
        left = self.ev(node.left)
        result: Any = np.bool_(True)
        missing = left.missing
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self.ev(comp)
            missing = _or(missing, right.missing)
            result = result & _CMPOPS[type(op)](left.data, right.data)
            left = right
        if missing is not None:
            result = result & ~missing  # a comparison on a missing object is False
        return _V(result)

    def subscript(self, node: ast.Subscript) -> _V:
        i = _index_of(node.slice)
        assert i is not None  # checked at parse time
        base = _dotted(node.value) if isinstance(node.value, ast.Name | ast.Attribute) else None
        if base is not None and f"{base}[{i}]" in self.cols and base not in self.cols:
            return self.cols.get(f"{base}[{i}]")
        v = self.ev(node.value)
        if not v.jagged:
            detail = (
                f"indexes '{short(ast.unparse(node.value), 60)}', which has one value per "
                "event; x[i] needs a jagged branch"
            )
            raise self.fail(detail)
        import awkward as ak

        counts = ak.to_numpy(ak.num(v.data, axis=1))
        ok = counts > i if i >= 0 else counts >= -i
        out = np.full(len(counts), np.nan)
        out[ok] = ak.to_numpy(v.data[ok][:, i])
        return _V(out, _or(v.missing, ~ok))

    def call(self, node: ast.Call) -> _V:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.ev(a) for a in node.args]
        if name in ("max", "min") and len(args) == 2:
            fn = np.maximum if name == "max" else np.minimum
            return _V(fn(args[0].data, args[1].data), _or(args[0].missing, args[1].missing))
        if name in ("len", "sum", "mean", "max", "min"):
            return self.reduce(name, node.args[0], args[0])
        missing: np.ndarray | None = None
        for a in args:
            missing = _or(missing, a.missing)
        if name in _ELEMENTWISE:
            return _V(_ELEMENTWISE[name](args[0].data), missing)
        return _V(_PHYSICS[name](*(a.data for a in args)), missing)

    def reduce(self, name: str, arg: ast.AST, v: _V) -> _V:
        if not v.jagged:
            detail = (
                f"calls {name}() on '{short(ast.unparse(arg), 60)}', which has one value per "
                f"event; {name}() reduces a jagged branch (use max(a, b) for two values)"
            )
            raise self.fail(detail)
        import awkward as ak

        data = v.data
        counts = ak.to_numpy(ak.num(data, axis=1)).astype(np.float64)
        missing = v.missing
        if name == "len":
            return _V(counts, missing)
        total = np.asarray(ak.to_numpy(ak.sum(data, axis=1)), dtype=np.float64)
        if name == "sum":
            return _V(total, missing)
        empty = counts == 0
        if name == "mean":
            out = np.where(empty, np.nan, total / np.where(empty, 1.0, counts))
        else:
            fn = ak.max if name == "max" else ak.min
            out = np.asarray(ak.to_numpy(ak.fill_none(fn(data, axis=1), np.nan)), np.float64)
        return _V(out, _or(missing, empty) if empty.any() else missing)


def _parse(text: str, role: Role) -> Expression:
    if role == "selection":
        return parse_selection(text)
    try:
        return parse_expression(text)
    except ConfigError as exc:
        if role == "expression":
            raise
        msg = str(exc).replace("expression '", f"{role} '", 1)
        raise ConfigError(msg, key=exc.key) from None


def _evaluate(text: str, arrays: Any, role: Role) -> tuple[_V, int]:
    expr = _parse(text, role)
    cols = _Columns(arrays, role, text)
    ev = _Evaluator(expr, cols, role)
    try:
        with np.errstate(all="ignore"):
            v = ev.ev(expr.tree.body)
    except NeymanError:
        raise
    except (ValueError, TypeError, ArithmeticError, IndexError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        why = (
            f"cannot be evaluated ({short(detail, 120)}); jagged branches combined "
            "element by element need the same number of objects per event"
        )
        raise ev.fail(why) from None
    if v.jagged:
        raise ev.fail(_jagged_hint(expr))
    if role == "selection":
        v = _V(ev.truth(v, expr.tree.body))
    return v, cols.n


def _jagged_hint(expr: Expression) -> str:
    if expr.is_name:
        t = expr.text
        return (
            f"is a jagged branch (variable number per event); use {t}[0], len({t}), "
            f"sum({t}), max({t}), ..."
        )
    return (
        "gives a variable number of values per event (it uses a jagged branch without an "
        "index or reduction); use x[0], len(x), sum(x), max(x), min(x) or mean(x)"
    )


def _flat(v: _V, n: int, dtype: Any) -> np.ndarray:
    data = np.asarray(v.data)
    if data.ndim == 0:
        data = np.full(n, data)
    return data.astype(dtype, copy=False)


def evaluate_feature(
    text: str, arrays: Mapping[str, Any], *, role: Role = "feature"
) -> tuple[np.ndarray, np.ndarray]:
    """One float64 value per event, and where an object the expression needs is missing.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"Jet_pt[0]"`` or ``"log(lep_pt / pho_pt)"``.
    arrays : mapping of str to array
        Columns by name: NumPy arrays or pandas Series of shape (n,), awkward arrays of type
        ``n * var * number`` (jagged) or NumPy arrays of shape (n, k) (fixed-size).

    Returns
    -------
    values : array of shape (n,), float64
        NaN where an object is missing (and where the data themselves are NaN).
    missing : array of shape (n,), bool
        True where an object the expression needs is absent (``Jet_pt[0]`` in an event
        without jets, ``max(Jet_pt)`` of an empty list); NaN in the data is not missing.

    Raises
    ------
    ConfigError
        Syntax not allowed, a jagged result, or a runtime error (the message names it).
    MissingColumnError
        A name that is not a column (with the nearest names).

    Examples
    --------
    >>> import awkward as ak, numpy as np
    >>> values, missing = evaluate_feature("Jet_pt[0]", {"Jet_pt": ak.Array([[50.0, 20.0], []])})
    >>> values.tolist(), missing.tolist()
    ([50.0, nan], [False, True])
    """
    v, n = _evaluate(text, arrays, role)
    values = _flat(v, n, np.float64)
    missing = np.zeros(n, dtype=bool) if v.missing is None else np.asarray(v.missing, bool)
    if missing.any():
        values = values.copy()
        values[missing] = np.nan
    return values, missing


def evaluate_expression(text: str, arrays: Mapping[str, Any]) -> np.ndarray:
    """One float64 value per event; NaN where an object is missing (see :func:`evaluate_feature`)."""
    return evaluate_feature(text, arrays, role="expression")[0]


def evaluate_selection(expr: str, columns: Mapping[str, Any]) -> np.ndarray:
    """Evaluate a selection on columns; return a boolean mask with one entry per event.

    A comparison on a missing object is False (``Jet_pt[0] > 30`` rejects events without
    jets). The result must be true/false (:func:`parse_selection`): a flag column holding
    0 and 1 is, a number such as ``a + b`` is refused.

    Raises
    ------
    ConfigError
        Syntax that is not allowed, a result that is a list per event or numbers rather
        than true/false, a runtime error.
    MissingColumnError
        A name that is not a column (the message suggests the nearest).

    Examples
    --------
    >>> import numpy as np
    >>> evaluate_selection("pt > 20 && abs(eta) < 2.5", {"pt": np.array([10.0, 30.0]),
    ...                    "eta": np.array([0.0, 1.0])}).tolist()
    [False, True]
    """
    v, n = _evaluate(expr, columns, "selection")
    return _flat(v, n, bool)
