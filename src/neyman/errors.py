"""Domain exceptions: one family, each refining the builtin it resembles.

Every message names the file, column or key at fault and says how to fix it; the CLI prints
it as one line (``error: ...``) and exits with code 2. A :class:`NeymanWarning` is input that
may be fine (the run goes on; the CLI prints one line, ``warning: ...``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "MAX_VALUE_CHARS",
    "ConfigError",
    "DataError",
    "MissingColumnError",
    "ModelError",
    "NeymanError",
    "NeymanWarning",
    "did_you_mean",
    "short",
]

#: the most characters of a user-given value an error message shows
MAX_VALUE_CHARS = 200


def short(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """``repr``-free text of a value for a message, cut to ``limit`` characters.

    A config value can be huge (a YAML alias tree, a long expression); messages stay one
    short line whatever the input.
    """
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


class NeymanError(Exception):
    """Base class of every error neyman raises on purpose.

    Errors carry their subject as attributes, as uproot's do, so callers and tests check
    ``error.key`` rather than a substring: ``key`` (the column, config key, parameter or
    expression at fault), ``path`` (the file), ``available`` (the valid choices) and
    ``value`` (the offending value). Each is optional and defaults to ``None`` / ``()``.
    """

    def __init__(
        self,
        *args: object,
        key: str | None = None,
        path: str | None = None,
        available: Iterable[str] = (),
        value: Any = None,
    ) -> None:
        super().__init__(*args)
        self.key = key
        self.path = None if path is None else str(path)
        self.available = tuple(str(a) for a in available)
        self.value = value


class DataError(NeymanError, ValueError):
    """Bad event data: missing file, unreadable format, NaN, wrong shapes, single class."""


class MissingColumnError(DataError, KeyError):
    """A requested column or branch is not in the source."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigError(NeymanError, ValueError):
    """Bad configuration: unknown key, bad value, unknown method."""


class ModelError(NeymanError, ValueError):
    """Bad model use: not fitted, wrong feature count, unreadable or foreign model file."""


class NeymanWarning(UserWarning):
    """Input that may be wrong but may be fine: the run goes on, and the message names the
    thing and how to silence it (the CLI prints it as one line, ``warning: ...``)."""


def did_you_mean(name: str, available: Iterable[str], *, limit: int = 8) -> str:
    """Return ``"; did you mean 'x'? (available: a, b, ...)"`` for an error message."""
    options = [str(a) for a in available]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(options[:limit]) + (", ..." if len(options) > limit else "")
    return f"{hint} (available: {shown})"
