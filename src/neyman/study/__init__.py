"""A declared comparison of methods on the same events, written as a report directory.

Read ``config.py`` (what a study declares), then ``run.py`` (how it runs), ``weights.py``
(the one weight policy), ``methods.py`` (one method: fit -> score -> evaluate -> save),
``_output.py`` (lock, temporary directory, atomic swap) and ``report.py`` (what it writes).
``apply.py`` scores new files with a saved model; ``demo.py`` is the study ``neyman demo`` runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neyman.study.apply import apply_model
    from neyman.study.config import METHODS, StudyConfig, load_config, parse_config
    from neyman.study.demo import demo_config, run_demo
    from neyman.study.methods import MethodResult, score_of
    from neyman.study.run import TEST_SCORES, Study, StudyResult
    from neyman.study.weights import WeightPolicy

#: every public name, imported on first use: reading and validating a config
#: (``neyman.study.config``) imports neither the runner nor any estimator
_LAZY = {
    "apply_model": "neyman.study.apply",
    "METHODS": "neyman.study.config",
    "StudyConfig": "neyman.study.config",
    "load_config": "neyman.study.config",
    "parse_config": "neyman.study.config",
    "demo_config": "neyman.study.demo",
    "run_demo": "neyman.study.demo",
    "MethodResult": "neyman.study.methods",
    "score_of": "neyman.study.methods",
    "TEST_SCORES": "neyman.study.run",
    "Study": "neyman.study.run",
    "StudyResult": "neyman.study.run",
    "WeightPolicy": "neyman.study.weights",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'neyman.study' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "METHODS",
    "TEST_SCORES",
    "MethodResult",
    "Study",
    "StudyConfig",
    "StudyResult",
    "WeightPolicy",
    "apply_model",
    "demo_config",
    "load_config",
    "parse_config",
    "run_demo",
    "score_of",
]
