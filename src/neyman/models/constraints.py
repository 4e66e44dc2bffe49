"""Parameter constraints: what each hyperparameter of an estimator may be, in words.

Imports only numpy and the standard library, so that a study config's method parameters
can be checked (:func:`check_param`) without importing scikit-learn, XGBoost or PyTorch.
:mod:`neyman.models.base` re-exports every name here; the tables themselves are in
:mod:`neyman.models.params`.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neyman.errors import ConfigError

__all__ = [
    "Boolean",
    "Constraint",
    "FloatTuple",
    "IntTuple",
    "Interval",
    "Options",
    "PathLike",
    "RandomState",
    "StrTuple",
    "check_param",
]


class Constraint:
    """One allowed shape of a parameter value; subclasses describe themselves in words."""

    def is_satisfied_by(self, value: object) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def invalid_example(self) -> object:
        """A value that violates this constraint (used by tests to generate bad input)."""
        return object()


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Interval(Constraint):
    """A real (``kind="float"``) or integral (``kind="int"``) number in an interval.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"``; a ``None``
    bound is unbounded.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def is_satisfied_by(self, value: object) -> bool:
        if not (_is_int(value) if self.kind == "int" else _is_real(value)):
            return False
        v = float(value)  # type: ignore[arg-type]
        if math.isnan(v):
            return False
        if self.low is not None:
            if self.closed in ("both", "left") and v < self.low:
                return False
            if self.closed in ("right", "neither") and v <= self.low:
                return False
        if self.high is not None:
            if self.closed in ("both", "right") and v > self.high:
                return False
            if self.closed in ("left", "neither") and v >= self.high:
                return False
        return True

    def describe(self) -> str:
        noun = "an int" if self.kind == "int" else "a float"
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            left = "[" if lo_in else "("
            right = "]" if hi_in else ")"
            return f"{noun} in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        if self.low is not None:
            return f"{noun} {'>=' if lo_in else '>'} {_fmt(self.low)}"
        if self.high is not None:
            return f"{noun} {'<=' if hi_in else '<'} {_fmt(self.high)}"
        return noun

    def invalid_example(self) -> object:
        if self.low is not None:
            return self.low - 1
        if self.high is not None:
            return self.high + 1
        return "not-a-number"


@dataclass(frozen=True)
class Options(Constraint):
    """One string out of a fixed set."""

    values: tuple[str, ...]

    def is_satisfied_by(self, value: object) -> bool:
        return isinstance(value, str) and value in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def invalid_example(self) -> object:
        return "no-such-option"


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False``."""

    def is_satisfied_by(self, value: object) -> bool:
        return isinstance(value, bool | np.bool_)

    def describe(self) -> str:
        return "a bool"

    def invalid_example(self) -> object:
        return "yes"


@dataclass(frozen=True)
class IntTuple(Constraint):
    """A (possibly empty if ``allow_empty``) sequence of ints ``>= low``."""

    low: int = 1
    allow_empty: bool = False

    def is_satisfied_by(self, value: object) -> bool:
        if isinstance(value, str) or not isinstance(value, Sequence):
            return False
        if not value and not self.allow_empty:
            return False
        return all(_is_int(v) and int(v) >= self.low for v in value)

    def describe(self) -> str:
        kind = "a tuple" if self.allow_empty else "a non-empty tuple"
        return f"{kind} of ints >= {self.low}"

    def invalid_example(self) -> object:
        return (self.low - 1,)


@dataclass(frozen=True)
class FloatTuple(Constraint):
    """A non-empty sequence of floats in ``(low, high]``."""

    low: float = 0.0
    high: float = 1.0

    def is_satisfied_by(self, value: object) -> bool:
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            return False
        return all(_is_real(v) and self.low < float(v) <= self.high for v in value)

    def describe(self) -> str:
        return f"a non-empty tuple of floats in ({_fmt(self.low)}, {_fmt(self.high)}]"

    def invalid_example(self) -> object:
        return (self.high + 1.0,)


@dataclass(frozen=True)
class StrTuple(Constraint):
    """A non-empty sequence of strings."""

    def is_satisfied_by(self, value: object) -> bool:
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            return False
        return all(isinstance(v, str) for v in value)

    def describe(self) -> str:
        return "a non-empty tuple of str"

    def invalid_example(self) -> object:
        return (1,)


@dataclass(frozen=True)
class RandomState(Constraint):
    """An int seed ``>= 0`` or a ``numpy.random.RandomState``."""

    def is_satisfied_by(self, value: object) -> bool:
        return (_is_int(value) and int(value) >= 0) or isinstance(  # type: ignore[call-overload]
            value, np.random.RandomState
        )

    def describe(self) -> str:
        return "an int >= 0 or a numpy RandomState"

    def invalid_example(self) -> object:
        return -1


@dataclass(frozen=True)
class PathLike(Constraint):
    """A filesystem path (``str`` or ``os.PathLike``)."""

    def is_satisfied_by(self, value: object) -> bool:
        return isinstance(value, str | os.PathLike)

    def describe(self) -> str:
        return "a path"

    def invalid_example(self) -> object:
        return 3.5


def _describe(constraints: Sequence[Constraint | None]) -> str:
    words = [("None" if c is None else c.describe()) for c in constraints]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def check_param(
    owner: str, name: str, value: object, constraints: Sequence[Constraint | None]
) -> None:
    """Raise :class:`~neyman.errors.ConfigError` unless ``value`` meets one constraint."""
    for c in constraints:
        if c is None:
            if value is None:
                return
        elif c.is_satisfied_by(value):
            return
    msg = f"The {name!r} parameter of {owner} must be {_describe(constraints)}. Got {value!r} instead."
    raise ConfigError(msg, key=name, value=value)
