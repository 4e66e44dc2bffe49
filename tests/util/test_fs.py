"""Atomic writes and path confinement (neyman._util.fs)."""

from __future__ import annotations

import os
import stat
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


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_files_get_the_umask_mode_not_mkstemps_0600(tmp_path: Path, umask: int) -> None:
    # reports, scored files and models are read by colleagues: a file written atomically
    # must have the mode open() would have given it
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "a.txt").stat().st_mode)
    assert mode == 0o666 & ~umask
    assert mode == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)


def test_write_table_output_gets_the_umask_mode(tmp_path: Path) -> None:
    import pandas as pd

    from neyman.data import write_table

    old = os.umask(0o022)
    try:
        out = write_table(pd.DataFrame({"a": [1.0, 2.0]}), tmp_path / "t.parquet")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_file_where_a_folder_should_be_is_named(tmp_path: Path) -> None:
    from neyman._util.fs import check_parent_folders

    blocker = tmp_path / "notadir"
    blocker.write_text("x")
    target = blocker / "deeper" / "out.csv"
    with pytest.raises(ConfigError, match=r"notadir is a file, not a folder") as err:
        with atomic_path(target):
            pass  # pragma: no cover
    assert err.value.path == str(blocker)
    check_parent_folders(tmp_path / "missing" / "out.csv")  # missing folders are fine here
    assert blocker.read_text() == "x"


def test_an_output_the_file_system_refuses_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="File name too long") as info:
        atomic_write_text(tmp_path / ("x" * 300 + ".csv"), "x")
    assert info.value.key == "output"
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(ConfigError, match="cannot write"):
        atomic_write_text(tmp_path / "d.csv", "x")  # a directory in the way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]  # no temporary left
