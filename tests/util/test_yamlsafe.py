"""Hardened YAML (neyman._util.yamlsafe): limits that safe_load alone lacks."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml

from neyman._util.yamlsafe import MAX_DEPTH, MAX_NODES, MAX_YAML_BYTES, load_yaml
from neyman.errors import ConfigError


def test_same_result_as_safe_load_for_ordinary_documents() -> None:
    text = "a: 1\nb: [x, 2.5, null, true]\nc: {d: &anchor [1, 2], e: *anchor}\n<<: {f: 3}\n"
    assert load_yaml(text) == yaml.safe_load(text)


def test_duplicate_keys_name_the_key_and_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "study.yaml"
    path.write_text("data:\n  label: a\n  features: [x]\n  label: b\n")
    with pytest.raises(
        ConfigError, match=r"duplicate key 'label' at line 4 \(first at line 2\)"
    ) as info:
        load_yaml(path)
    assert info.value.key == "label"
    assert info.value.path == str(path)
    assert str(path) in str(info.value)


def test_merge_keys_may_be_overridden() -> None:
    assert load_yaml("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n")["d"] == {"x": 3, "y": 2}


def test_billion_laughs_is_refused_without_expanding_it() -> None:
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
    )
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="billion laughs"):
            load_yaml(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # 10^10 expanded nodes would need terabytes


def test_expansion_just_under_the_limit_loads() -> None:
    # 10 x 10 x 10 x 10 = 10^4 leaves plus the lists: well under MAX_NODES
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 4)
    )
    assert MAX_NODES > 11_111 * 2
    assert len(load_yaml(text)["a3"]) == 10


def test_depth_is_bounded_without_recursion_error() -> None:
    assert load_yaml("x: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2))
    with pytest.raises(ConfigError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        load_yaml("x: " + "[" * 50_000 + "]" * 50_000)


def test_size_and_encoding(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_YAML_BYTES)
    with pytest.raises(ConfigError, match="larger than the 1000000-byte limit") as info:
        load_yaml(big)
    assert info.value.path == str(big)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.yaml: not valid UTF-8 \(byte 9"):
        load_yaml(bad)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a: !!python/object/apply:os.system [ls]", "could not determine a constructor"),
        ("a: [1, 2", "not valid YAML"),
        ("when: 2026-13-45", "month must be in 1..12"),
        ("n: " + "9" * 5000, "quote it to keep it as text"),
        ("a: 1\n---\nb: 2", "line 2 .but found another document"),
        ("a: \x07", "special characters are not allowed"),
    ],
)
def test_other_failures_are_one_line_config_errors(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        load_yaml(text)
    assert "\n" not in str(info.value)
