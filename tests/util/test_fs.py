"""Atomic writes and path confinement (neyman._util.fs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from neyman._util.fs import atomic_path, atomic_write_text, ensure_under, safe_name
from neyman.errors import ConfigError, ModelError


def _write_then_fail(target: Path, error: BaseException) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text("half")
        raise error


def test_atomic_path_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous")
    with pytest.raises(RuntimeError, match="boom"):
        _write_then_fail(target, RuntimeError("boom"))
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temporary left
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_path_survives_an_interrupt(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous")
    with pytest.raises(KeyboardInterrupt):
        _write_then_fail(target, KeyboardInterrupt())
    assert target.read_text() == "previous"
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("name", ["bdt", "mlp_64x64", "knn-40", "v1.2", "A0"])
def test_safe_names_pass(name: str) -> None:
    assert safe_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "..", "../x", "../../../escaped", "/abs", "a/b", "a\\b", ".hidden", "-flag", "a..b",
     "name with space", "x" * 129, "é", "a\x00b", 3],
)  # fmt: skip
def test_unsafe_names_are_refused_naming_them(name: object) -> None:
    with pytest.raises(ConfigError, match="cannot be a directory name") as info:
        safe_name(name, what="method name")
    assert info.value.key == "method name"
    assert info.value.value == str(name)[:200]


def test_ensure_under_follows_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    assert ensure_under(root, "sub/file") == (root / "sub" / "file").resolve()
    (root / "link").symlink_to(tmp_path)
    for bad in ("../x", str(tmp_path / "x"), "link/x", "sub/../../x"):
        with pytest.raises(ConfigError, match="points outside") as info:
            ensure_under(root, bad, what="output")
        assert info.value.path == bad
    with pytest.raises(ModelError):
        ensure_under(root, "/etc/passwd", error=ModelError)
