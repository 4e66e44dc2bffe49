"""A declared comparison of methods on the same events, written as a report directory.

Read ``config.py`` (what a study declares), then ``run.py`` (how it runs) and ``report.py``
(what it writes). ``demo.py`` is the study ``neyman demo`` runs.
"""

from __future__ import annotations

from neyman.study.config import METHODS, StudyConfig, load_config, parse_config
from neyman.study.demo import demo_config, run_demo
from neyman.study.run import MethodResult, Study, StudyResult, apply_model, score_of

__all__ = [
    "METHODS",
    "MethodResult",
    "Study",
    "StudyConfig",
    "StudyResult",
    "apply_model",
    "demo_config",
    "load_config",
    "parse_config",
    "run_demo",
    "score_of",
]
