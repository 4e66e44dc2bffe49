"""``neyman study --nproc 2``: the study's MLP trains with DDP on 2 CPU processes (gloo).

Each rank streams its own shard of the training events (a file of each class per rank),
with half the batch per rank, so one step sees the same global batch (64) as the
single-process study. The training order differs, so the AUC is compared with a
tolerance: 0.005 on 1,310 test events is about a third of the AUC's statistical error
(~0.014), small enough to catch a rank that trains on the wrong shard or a wrong batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from neyman.errors import ConfigError
from neyman.scale.study import run_study
from neyman.study import Study

from ._study_files import MLP, study_config, write_inputs


def test_study_nproc_two_matches_one(tmp_path: Path, local_study: Any) -> None:
    cfg = study_config(local_study.inputs, [MLP])  # the MLP alone: same seed, same network
    two = run_study(Study.from_dict(cfg), tmp_path / "two", nproc=2)
    [m1] = [m for m in local_study.result.methods if m.name == "mlp"]
    [m2] = two.methods
    assert m2.history is not None
    loss = m2.history["loss"]
    assert len(loss) == MLP["params"]["epochs"]  # type: ignore[index]
    assert loss[-1] < loss[0]
    assert m1.auc > 0.7
    assert abs(m2.auc - m1.auc) < 0.005
    assert not (tmp_path / "two" / ".shards").exists()
    info = json.loads((tmp_path / "two" / "metrics.json").read_text())["info"]
    assert info["engine"] == "local, MLPs with DDP on 2 processes"


def test_nproc_refuses_what_ddp_lacks(tmp_path: Path) -> None:
    sgd = {**MLP, "params": {**MLP["params"], "optimizer": "sgd"}}  # type: ignore[dict-item]
    study = Study.from_dict(study_config(tmp_path, [sgd]))
    with pytest.raises(ConfigError) as err:
        run_study(study, tmp_path / "out", nproc=2)
    assert err.value.key == "methods.0.params.optimizer"
    with pytest.raises(ConfigError) as err:
        run_study(study, tmp_path / "out", nproc=0)
    assert err.value.key == "nproc"


@pytest.mark.slow
def test_study_under_torchrun(tmp_path: Path) -> None:
    """``torchrun --nproc-per-node 2 neyman study``: rank 0 writes the report, DDP on both."""
    import subprocess
    import sys

    import yaml

    pytest.importorskip("torch.distributed.run")  # what the torchrun command runs
    write_inputs(tmp_path / "in")
    config = tmp_path / "study.yaml"
    config.write_text(yaml.safe_dump(study_config(tmp_path / "in", [MLP])))
    script = "import sys; from neyman.cli import main; sys.exit(main(sys.argv[1:]))"
    (tmp_path / "run.py").write_text(script)
    subprocess.run(
        [
            sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc-per-node", "2", str(tmp_path / "run.py"),
            "study", str(config), "-o", str(tmp_path / "out"),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )  # fmt: skip
    info = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert info["info"]["engine"] == "local, MLPs with DDP on 2 processes"
    assert info["methods"][0]["auc"] > 0.7


@pytest.mark.parametrize(
    ("flags", "named"),
    [(["--nproc", "0"], "nproc"), (["--scheduler", "spark://x"], "scheduler")],
)
def test_cli_study_refuses_bad_flags(
    tmp_path: Path, flags: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from neyman.cli import main

    config = tmp_path / "study.yaml"
    config.write_text(yaml.safe_dump(study_config(tmp_path, [MLP])))
    assert main(["study", str(config), "-o", str(tmp_path / "out"), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and named in err and "\n" not in err
    assert not (tmp_path / "out").exists()
