"""A declared comparison of methods on the same events, written as a report directory.

Read ``config.py`` (what a study declares), then ``run.py`` (how it runs), ``weights.py``
(the one weight policy), ``methods.py`` (one method: fit -> score -> evaluate -> save),
``_output.py`` (lock, temporary directory, atomic swap) and ``report.py`` (what it writes).
``apply.py`` scores new files with a saved model; ``demo.py`` is the study ``neyman demo`` runs.
"""

from __future__ import annotations

from neyman.study.apply import apply_model
from neyman.study.config import METHODS, StudyConfig, load_config, parse_config
from neyman.study.demo import demo_config, run_demo
from neyman.study.methods import MethodResult, score_of
from neyman.study.run import TEST_SCORES, Study, StudyResult
from neyman.study.weights import WeightPolicy

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
