"""Domain exceptions: one family, each refining the builtin it resembles.

Every message names the file, column or key at fault and says how to fix it; the CLI prints
it as one line (``error: ...``) and exits with code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "DataError",
    "MissingColumnError",
    "ModelError",
    "NeymanError",
    "did_you_mean",
]


class NeymanError(Exception):
    """Base class of every error neyman raises on purpose."""


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


def did_you_mean(name: str, available: Iterable[str], *, limit: int = 8) -> str:
    """Return ``"; did you mean 'x'? (available: a, b, ...)"`` for an error message."""
    options = [str(a) for a in available]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(options[:limit]) + (", ..." if len(options) > limit else "")
    return f"{hint} (available: {shown})"
