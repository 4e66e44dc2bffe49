"""The single-process study the scale-out studies are compared with, run once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from neyman.study import Study
from neyman.study.run import StudyResult

from ._study_files import BDT, MLP, study_config, write_inputs


@dataclass
class LocalStudy:
    """The inputs, the config and the result of the one-process (``engine: local``) study."""

    inputs: Path
    config: dict[str, object]
    out: Path
    result: StudyResult


@pytest.fixture(scope="session")
def local_study(tmp_path_factory: pytest.TempPathFactory) -> LocalStudy:
    root = tmp_path_factory.mktemp("local-study")
    write_inputs(root / "in")
    cfg = study_config(root / "in", [BDT, MLP])
    return LocalStudy(root / "in", cfg, root / "local", Study.from_dict(cfg).run(root / "local"))
