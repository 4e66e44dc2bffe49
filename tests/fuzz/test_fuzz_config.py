"""Random YAML and random mappings: the config loader answers with a StudyConfig or a
ConfigError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from neyman._util.yamlsafe import load_yaml
from neyman.errors import ConfigError
from neyman.study.config import load_config, parse_config
from tests.fuzz._settings import FUZZ, neyman_message

KEYS = ["data", "methods", "split", "evaluation", "name", "random_state", "file", "path",
        "label", "features", "builtin", "builtin_options", "model", "params", "val", "test",
        "bootstrap", "reference", "efficiencies", "selection", "weight", "signal"]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["fisher", "knn", "bdt", "events.csv", "a", "../x", "/abs"]),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)
configs = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)

YAML_PIECES = ["data:", "methods:", "  - ", "{", "}", "[", "]", "&a", "*a", "!!str", "!!python/name:os.system",
               ": ", "- ", "\n", "  ", "#", "'", '"', "---", "...", "<<: *a", "\t", "%YAML 1.1",
               "2026-13-45", "9" * 50, "\xff", "\ufeff", "? ", "|", ">"]  # fmt: skip


@FUZZ
@given(doc=configs)
def test_random_mappings_give_a_config_or_a_config_error(doc: dict[str, Any]) -> None:
    message = neyman_message(lambda: parse_config(doc, source="fuzz.yaml"), ConfigError)
    assert message is None or "\n" not in message


@FUZZ
@given(doc=configs)
def test_random_yaml_files_give_a_config_or_a_config_error(doc: dict[str, Any]) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "study.yaml"
        path.write_text(text, encoding="utf-8")
        message = neyman_message(lambda: load_config(path), ConfigError)
        assert message is None or "\n" not in message


@FUZZ
@given(pieces=st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=6), max_size=40))
def test_random_yaml_text_gives_data_or_a_config_error(pieces: list[str]) -> None:
    message = neyman_message(lambda: load_yaml("".join(pieces)), ConfigError)
    assert message is None or "\n" not in message


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_give_data_or_a_config_error(data: bytes) -> None:
    message = neyman_message(lambda: load_yaml(data), ConfigError)
    assert message is None or "\n" not in message
