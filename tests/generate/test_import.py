"""Without Pythia, neyman.generate says how to install it; the detector kernels still work."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import neyman.generate
from neyman.errors import NeymanError
from neyman.generate import GenerateImportError


def test_missing_pythia_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pythia8mc", None)  # makes `import pythia8mc` fail
    monkeypatch.delitem(sys.modules, "neyman.generate._generate", raising=False)
    monkeypatch.delattr(neyman.generate, "_generate", raising=False)
    with pytest.raises(ImportError) as info:
        from neyman.generate import generate_higgs  # noqa: F401
    assert isinstance(info.value, GenerateImportError)
    assert isinstance(info.value, NeymanError)
    assert str(info.value) == "neyman.generate needs Pythia 8: pip install 'neyman[generate]'"


def test_detector_kernels_work_without_pythia(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pythia8mc", None)
    monkeypatch.setitem(sys.modules, "fastjet", None)
    from neyman.generate.detector import btag, resolution

    assert resolution(100.0, constant=0.05) == pytest.approx(0.05)
    assert btag([5, 0], np.random.default_rng(0), efficiency=1.0, light_mistag=0.0).tolist() == [
        True,
        False,
    ]


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'generate_wz'"):
        _ = neyman.generate.generate_wz
