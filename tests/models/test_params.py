"""Every parameter table is complete, and bad values are reported one way."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import neyman.models as nm
from neyman.errors import ConfigError
from neyman.models.base import Interval, Options, check_param
from neyman.models.params import ACTIVATION_NAMES, PARAM_NAMES, PARAM_TABLES
from neyman.study.config import METHODS

CLASSES = [
    getattr(nm, name)
    for name in nm.__all__
    if isinstance(getattr(nm, name), type)
    and issubclass(getattr(nm, name), nm.NeymanEstimator)
    and name != "NeymanEstimator"
]

CASES = [
    (cls, name, constraints) for cls in CLASSES for name, constraints in cls._param_table.items()
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_table_covers_every_parameter(cls: type) -> None:
    assert set(cls._param_table) == set(cls().get_params())
    cls()._check_params()  # defaults are valid


@pytest.mark.parametrize(
    ("cls", "name", "constraints"),
    CASES,
    # ids from names only: an object's repr holds its address, which differs between the
    # processes of pytest-xdist (and between runs)
    ids=[f"{cls.__name__}-{name}" for cls, name, _ in CASES],
)
def test_bad_value_gets_the_one_message_shape(cls: type, name: str, constraints: list) -> None:
    bad = next(c.invalid_example() for c in constraints if c is not None)
    est = cls(**{name: bad})
    pattern = rf"^The '{name}' parameter of {cls.__name__} must be .+\. Got {re.escape(repr(bad))} instead\.$"
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.arange(20) % 2
    with pytest.raises(ConfigError, match=pattern):
        est.fit(X, y)


def test_descriptions() -> None:
    assert Interval("float", 0, None, "neither").describe() == "a float > 0"
    assert Interval("int", 1, None).describe() == "an int >= 1"
    assert Interval("float", 0, 1, "left").describe() == "a float in [0, 1)"
    with pytest.raises(
        ConfigError,
        match=r"^The 'lr' parameter of MLPClassifier must be a float > 0\. Got -1 instead\.$",
    ):
        check_param("MLPClassifier", "lr", -1, [Interval("float", 0, None, "neither")])
    with pytest.raises(ConfigError, match=r"must be None or one of 'plateau'\. Got 'step'"):
        check_param("X", "lr_schedule", "step", [None, Options(("plateau",))])
    assert not Interval("int", 1, None).is_satisfied_by(True)  # bools are not ints
    assert not Interval("float", 0, None).is_satisfied_by(float("nan"))


# ------------------------------------------------- the registry read by config validation
@pytest.mark.parametrize("name", sorted(PARAM_TABLES), ids=str)
def test_registry_is_the_estimators_own(name: str) -> None:
    """The table a config is checked against is the estimator's, for the same names."""
    cls = getattr(nm, name)
    signature = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert tuple(signature) == PARAM_NAMES[name]
    assert cls._param_table is PARAM_TABLES[name]
    assert set(PARAM_TABLES[name]) == set(PARAM_NAMES[name])


def test_every_study_method_is_registered() -> None:
    assert set(METHODS.values()) <= set(PARAM_TABLES)


def test_activation_names_match_the_modules() -> None:
    from neyman.models._torch.params import ACTIVATIONS

    assert tuple(ACTIVATIONS) == ACTIVATION_NAMES
