"""The guide's NanoAOD-like file generator (``docs/scripts/nanoaod_like.py``), for tests.

One implementation: the tests use the very script the guide runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "scripts" / "nanoaod_like.py"
_spec = importlib.util.spec_from_file_location("nanoaod_like", _SCRIPT)
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

events = _module.events
true_llr = _module.true_llr
write_pair = _module.write_pair
write_rntuple = _module.write_rntuple

__all__ = ["events", "true_llr", "write_pair", "write_rntuple"]
