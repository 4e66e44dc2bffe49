"""Atomic writes and path confinement: the one implementation every layer uses.

- :func:`atomic_path` yields a temporary sibling of the target and renames it onto the target
  only when the block succeeds, so a reader never sees a half-written file and an
  interrupted write leaves the previous file in place.
- :func:`safe_name` checks that a user-given name (a method name, a model name) can become
  one path component: ``[A-Za-z0-9][A-Za-z0-9_.-]*``, no ``..``, no separators.
- :func:`ensure_under` resolves a path (symlinks included) and checks that it lies under a
  root directory: a model directory may not point outside itself, a study may not write
  outside its output.

Imports only :mod:`neyman.errors` (the other leaf of the package).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from neyman.errors import ConfigError, NeymanError, short

__all__ = [
    "NAME_PATTERN",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_parent_folders",
    "ensure_under",
    "safe_name",
]

#: names that become one path component (method names, model names)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MAX_NAME = 128


def _umask() -> int:
    """The process umask (read by setting and restoring it: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_parent_folders(target: str | os.PathLike[str]) -> None:
    """Raise ConfigError when a parent of ``target`` is a regular file (or not a folder).

    ``out/notadir/scored.csv`` with ``out/notadir`` a file would fail deep inside a writer
    with ``NotADirectoryError``; this names the file in the way instead. Missing folders
    are not an error here (each writer decides whether to create them).
    """
    for parent in Path(target).parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                msg = (
                    f"cannot write {target}: {parent} is a file, not a folder; choose an "
                    "output path in a folder (or move that file)"
                )
                raise ConfigError(msg, path=str(parent), value=str(target))
            return


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    ``os.replace`` is atomic on POSIX and Windows when both paths are on one filesystem,
    which a sibling temporary file guarantees. On any exception (including
    ``KeyboardInterrupt``) the temporary file is removed and ``target`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with atomic_path(pathlib.Path(d) / "a.txt") as tmp:
    ...         _ = tmp.write_text("done")
    ...     print((pathlib.Path(d) / "a.txt").read_text())
    done
    """
    target = Path(target)
    check_parent_folders(target)
    try:
        # the prefix is cut so that a target name the file system accepts gets a temporary
        # name it accepts too
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    # mkstemp makes the file 0600; the file a user gets should have the process umask's
    # mode (0644 typically), as open() would have given it
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            tmp.replace(target)
        except OSError as exc:
            raise _cannot_write(target, exc) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _cannot_write(target: Path, exc: OSError) -> ConfigError:
    """The one-line error for an output the file system refuses (permission, read-only
    file system, a name too long, a directory in the way)."""
    reason = exc.strerror or type(exc).__name__
    msg = (
        f"cannot write {short(os.fspath(target), 160)}: {reason}; choose another output path "
        "(a writable folder, a shorter name)"
    )
    return ConfigError(msg, key="output", path=os.fspath(target))


def atomic_write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically; return the path written."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; return the path written."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def safe_name(name: object, *, what: str = "name") -> str:
    """Return ``name`` if it can be one path component, else raise ConfigError.

    A safe name matches ``[A-Za-z0-9][A-Za-z0-9_.-]*``, has at most 128 characters and
    holds no ``..``; so ``../../x``, ``/abs``, ``a/b``, ``.hidden`` and ``""`` are refused.

    Parameters
    ----------
    name : object
        The user-given name.
    what : str
        What the name is, for the message (``"method name"``).

    Examples
    --------
    >>> safe_name("bdt_v2.1")
    'bdt_v2.1'
    >>> safe_name("../escaped", what="method name")
    Traceback (most recent call last):
    ...
    neyman.errors.ConfigError: method name '../escaped' cannot be a directory name; use letters, digits, '_', '.' and '-' (starting with a letter or digit)
    """
    text = name if isinstance(name, str) else str(name)
    ok = (
        isinstance(name, str)
        and len(text) <= _MAX_NAME
        and NAME_PATTERN.fullmatch(text) is not None
        and ".." not in text
    )
    if not ok:
        msg = (
            f"{what} '{short(text, 80)}' cannot be a directory name; use letters, digits, "
            "'_', '.' and '-' (starting with a letter or digit)"
        )
        raise ConfigError(msg, key=what, value=short(text))
    return text


def ensure_under(
    root: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    what: str = "path",
    error: type[NeymanError] = ConfigError,
) -> Path:
    """Resolve ``path`` (relative paths are taken under ``root``) and check it is in ``root``.

    Symlinks are followed on both sides, so a link inside ``root`` that points elsewhere is
    refused. Returns the resolved path.

    Raises
    ------
    error (ConfigError by default)
        If the resolved path is ``root`` itself's parent, an absolute path elsewhere, or
        reached through a symlink that leaves ``root``.
    """
    base = Path(root).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = base / candidate
    resolved = candidate.resolve()
    if resolved != base and base not in resolved.parents:
        msg = (
            f"{what} '{short(os.fspath(path), 120)}' points outside '{base}'; "
            "it must name a file inside that directory"
        )
        raise error(msg, key=what, path=os.fspath(path), value=short(os.fspath(path)))
    return resolved
