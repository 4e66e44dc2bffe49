"""The HEP look: mplhep's ROOT-like style, sized for reports and notebooks.

Every ``neyman.plot`` function applies it to the figures it creates itself; use
:func:`style` (a context manager) or :func:`use_style` to apply it to your own figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import mplhep

__all__ = ["STYLE", "style", "use_style"]

#: rcParams of the neyman style: mplhep's ROOT style (TeX Gyre Heros fonts, ticks inside on
#: all four sides, minor ticks, frameless legends) at a size that suits an 8 x 6 inch figure.
STYLE: dict[str, Any] = {
    # matplotlib resolves a 'custom' mathtext fontset from the *global* rcParams at draw
    # time, so mplhep's mathtext.* keys would be lost outside this style's context (and log
    # font warnings); math text keeps matplotlib's default DejaVu fonts instead.
    **{k: v for k, v in mplhep.style.ROOT.items() if not k.startswith("mathtext.")},
    "figure.figsize": (8.0, 6.0),
    "font.size": 18,
    "xtick.major.size": 8,
    "xtick.minor.size": 4,
    "ytick.major.size": 8,
    "ytick.minor.size": 4,
    "axes.linewidth": 1.5,
    "lines.linewidth": 2.0,
    "savefig.bbox": "tight",
    "figure.dpi": 100,
}


@contextmanager
def style(**overrides: Any) -> Iterator[None]:
    """Apply the neyman style (plus ``overrides`` rcParams) inside a ``with`` block.

    Examples
    --------
    >>> with style():
    ...     fig = plt.figure()
    >>> plt.close(fig)
    """
    with plt.style.context({**STYLE, **overrides}):
        yield


def use_style(**overrides: Any) -> None:
    """Apply the neyman style (plus ``overrides`` rcParams) globally, for the whole session."""
    plt.style.use({**STYLE, **overrides})
