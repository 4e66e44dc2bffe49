"""Every course exercise as one command: ``neyman lab NAME``.

Each lab is a module in this package that reads top to bottom like the worked solution and
uses only neyman's public API. A lab module defines ``NAME`` (the command name), ``SUMMARY``
(one line for ``neyman lab list``) and ``run(*, quick=False, out=None, console=None, **options)``
returning a :class:`LabResult` whose ``answers`` the tests assert.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from neyman.errors import ConfigError, did_you_mean
from neyman.labs._base import LabResult, check_options, lab_console, save_figure

__all__ = [
    "LAB_MODULES",
    "LabResult",
    "check_options",
    "get_lab",
    "lab_console",
    "list_labs",
    "save_figure",
]

#: lab name -> module in this package. A lab whose module is missing is not listed.
LAB_MODULES: dict[str, str] = {
    "charges": "charges",
    "zmass": "zmass",
    "activations": "activations",
    "projection-trick": "projection_trick",
    "linear-regions": "linear_regions",
    "backprop": "backprop",
    "susy": "susy",
    "likelihood-ratio": "likelihood_ratio",
    "loss-functions": "loss_functions",
    "perceptron-xor": "perceptron_xor",
    "decision-boundaries": "decision_boundaries",
    "regression-tuning": "regression_tuning",
    "digits": "digits",
    "higgs": "higgs",
    "overfitting": "overfitting",
    "gamma-hadron": "gamma_hadron",
    "anomaly": "anomaly",
    "rnn": "rnn",
    "jet-tagging": "jet_tagging",
}


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"neyman.labs.{LAB_MODULES[name]}")
    except ModuleNotFoundError as exc:
        if exc.name == f"neyman.labs.{LAB_MODULES[name]}":
            return None
        raise


def list_labs() -> list[tuple[str, str]]:
    """Return ``(name, one-line summary)`` for every lab that is installed."""
    out = []
    for name in LAB_MODULES:
        mod = _module(name)
        if mod is not None:
            out.append((name, str(mod.SUMMARY)))
    return out


def get_lab(name: str) -> ModuleType:
    """Return the lab module called ``name``, or raise ConfigError naming the valid labs."""
    available = [n for n, _ in list_labs()]
    if name not in available:
        msg = f"no lab called '{name}'{did_you_mean(name, available, limit=20)}"
        raise ConfigError(msg)
    mod = _module(name)
    assert mod is not None  # checked above
    return mod
