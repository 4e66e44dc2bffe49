"""Validating a study config imports no estimator: a bad parameter fails at once.

``neyman study CONFIG`` reads and checks the whole config (expressions, every method's
parameters against :mod:`neyman.models.params`) before scikit-learn, XGBoost or PyTorch is
imported, so a typo costs well under a second instead of seconds of imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from neyman.errors import ConfigError
from neyman.study.config import load_config
from tests.study.test_analysis import nano_config

HEAVY = ("torch", "sklearn", "xgboost")

_PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from neyman.errors import ConfigError
    {imports}
    try:
        value = {call}
    except ConfigError as exc:
        result = {{"message": str(exc), "key": exc.key, "available": exc.available}}
    else:
        result = {{"message": None, "value": value if isinstance(value, int) else None}}
    result["loaded"] = sorted(m for m in {heavy!r} if m in sys.modules)
    print(json.dumps(result))
    """
)


def _probe(imports: str, call: str) -> tuple[dict[str, object], str]:
    """Run ``call`` in a fresh interpreter; its ConfigError, return value, heavy modules."""
    code = _PROBE.format(imports=imports, call=call, heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, proc.stderr


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    """The analysis config (BDT and MLP) with a misspelt MLP parameter; no data files."""
    cfg = nano_config(tmp_path / "sig.root", tmp_path / "bkg.root")
    cfg["methods"][1]["params"]["hiden"] = [3]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_bad_parameter_fails_without_importing_estimators(bad_config: Path) -> None:
    with pytest.raises(ConfigError) as info:  # the same error, in this process
        load_config(bad_config)
    result, _ = _probe(
        "from neyman.study.config import load_config",
        f"load_config(Path({str(bad_config)!r}))",
    )
    assert result["loaded"] == []
    assert result["message"] == str(info.value)
    assert "method 'mlp' (MLPClassifier) has no parameter 'hiden'" in str(result["message"])
    assert result["key"] == info.value.key == "methods.1.params.hiden"
    assert result["available"] == list(info.value.available)
    assert "hidden" in info.value.available


def test_bad_value_fails_without_importing_estimators(tmp_path: Path) -> None:
    cfg = nano_config(tmp_path / "sig.root", tmp_path / "bkg.root")
    cfg["methods"][0]["params"]["learning_rate"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    result, _ = _probe(
        "from neyman.study.config import load_config",
        f"load_config(Path({str(path)!r}))",
    )
    assert result["loaded"] == []
    assert "'learning_rate' parameter of BDTClassifier must be" in str(result["message"])
    assert result["key"] == "methods.0.params.learning_rate"


def test_cli_refuses_before_importing_estimators(bad_config: Path, tmp_path: Path) -> None:
    before = sorted(tmp_path.iterdir())
    result, err = _probe(
        "from neyman.cli import main",
        f"main(['study', {str(bad_config)!r}, '-o', {str(tmp_path / 'out')!r}])",
    )
    assert result == {"message": None, "value": 2, "loaded": []}  # exit status 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "method 'mlp' (MLPClassifier) has no parameter 'hiden'" in err
    assert sorted(tmp_path.iterdir()) == before  # no output, no lock, no temporary directory


def test_valid_config_loads_without_importing_estimators(tmp_path: Path) -> None:
    cfg = nano_config(tmp_path / "sig.root", tmp_path / "bkg.root")
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(cfg))
    result, _ = _probe(
        "from neyman.study.config import load_config",
        f"load_config(Path({str(path)!r}))",
    )
    assert result == {"message": None, "value": None, "loaded": []}
