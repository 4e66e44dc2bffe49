"""Writing a study's output safely: a lock, a temporary sibling directory, one swap.

A study never writes into its output directory directly. :class:`ReportWriter` takes a lock
file beside it (a second concurrent study on the same output refuses), writes everything
into a temporary sibling directory, and only when the report is complete swaps it into
place: the previous report stays until then and is replaced whole (no stale models or
plots). SIGINT and SIGTERM remove the temporary directory. Every path written is checked to
lie under the directory (:meth:`ReportWriter.path`), and files and directories get the
process umask's permissions (0644 / 0755 typically), not ``mkstemp``'s 0600.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from neyman._util.fs import check_parent_folders
from neyman.errors import ConfigError, NeymanError

__all__ = ["OutputBusyError", "ReportWriter", "StudyInterrupted", "confined"]


class OutputBusyError(NeymanError, OSError):
    """Another study holds the lock on this output directory."""


class StudyInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while a study was writing; its temporary output is gone."""


def confined(root: Path, relative: str | os.PathLike[str]) -> Path:
    """``root / relative``, resolved, refused unless it lies under ``root``.

    Raises
    ------
    neyman.errors.ConfigError
        If the path escapes ``root`` (``..``, an absolute path, a symlink pointing out).
    """
    base = root.resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        msg = (
            f"refusing to write {str(relative)!r}: it resolves outside the output directory {base}"
        )
        raise ConfigError(msg, key=str(relative), path=str(base))
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _apply_umask(root: Path) -> None:
    """Give every file 0666 and every directory 0777, less the process umask."""
    mask = _umask()
    root.chmod(0o777 & ~mask)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            (Path(dirpath) / d).chmod(0o777 & ~mask)
        for f in filenames:
            p = Path(dirpath) / f
            if not p.is_symlink():
                p.chmod(0o666 & ~mask)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ReportWriter:
    """Lock, temporary directory and atomic swap for one study output.

    Use as a context manager; write under :attr:`tmp` (through :meth:`path` for names
    that came from a config) and call :meth:`commit` when the report is complete. Leaving
    the block without ``commit`` (an error, SIGINT, SIGTERM) removes the temporary
    directory and keeps any previous report.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with ReportWriter(root / "report") as w:
    ...     _ = w.path("metrics.json").write_text("{}")
    ...     _ = w.commit()
    >>> sorted(p.name for p in root.iterdir())
    ['report']
    >>> shutil.rmtree(root)
    """

    def __init__(self, out: Path) -> None:
        # absolute, but symlinks in the last component are kept: the lock sits beside it
        self.out = Path.cwd() / out if not Path(out).is_absolute() else Path(out)
        self.lock = self.out.parent / f".{self.out.name}.lock"
        self.tmp = self.out
        self._committed = False
        self._locked = False
        self._handlers: dict[int, Any] = {}

    # ------------------------------------------------------------------ lock
    def _acquire(self) -> None:
        check_parent_folders(self.out)
        if not self.out.parent.is_dir():
            try:
                self.out.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                msg = f"cannot create the output's folder {self.out.parent}: {exc.strerror}"
                raise ConfigError(msg, path=str(self.out.parent)) from None
        if self.out.exists() and not self.out.is_dir():
            msg = f"output {self.out} is a file; give a directory path for the report"
            raise ConfigError(msg, path=str(self.out))
        for _ in range(2):
            try:
                fd = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    pid = int(self.lock.read_text().strip() or "0")
                except (OSError, ValueError):
                    pid = 0
                if pid and _pid_alive(pid):
                    msg = (
                        f"another study (process {pid}) is writing {self.out}; wait for it, "
                        f"or remove {self.lock} if no study is running"
                    )
                    raise OutputBusyError(msg, path=str(self.out), value=pid) from None
                with contextlib.suppress(FileNotFoundError):  # stale: its process is gone
                    self.lock.unlink()
                continue
            except OSError as exc:
                msg = f"cannot write in {self.out.parent}: {exc.strerror}"
                raise ConfigError(msg, path=str(self.out.parent)) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()}\n")
            self._locked = True
            return
        msg = f"could not take the lock {self.lock}; remove it if no study is running"
        raise OutputBusyError(msg, path=str(self.out))

    # ------------------------------------------------------------------ signals
    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        raise StudyInterrupted(signal.Signals(signum).name)

    def _install(self) -> None:
        with contextlib.suppress(ValueError):  # not the main thread: leave handlers alone
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._handlers[sig] = signal.signal(sig, self._on_signal)

    def _restore(self) -> None:
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        self._handlers.clear()

    # ------------------------------------------------------------------ protocol
    def __enter__(self) -> ReportWriter:
        self._acquire()
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=self.out.parent))
            self._install()
        except BaseException:
            self._release()
            raise
        return self

    def path(self, relative: str | os.PathLike[str]) -> Path:
        """A path under the temporary directory; refused if it would escape it."""
        return confined(self.tmp, relative)

    def commit(self) -> Path:
        """Swap the complete temporary directory into place; return the output path."""
        _apply_umask(self.tmp)
        old: Path | None = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            self.out.replace(old / self.out.name)
        try:
            self.tmp.replace(self.out)
        except BaseException:
            if old is not None:  # put the previous report back
                (old / self.out.name).replace(self.out)
                shutil.rmtree(old, ignore_errors=True)
            raise
        self._committed = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.out

    def _release(self) -> None:
        if self._locked:
            with contextlib.suppress(FileNotFoundError):
                self.lock.unlink()
            self._locked = False

    def __exit__(self, *exc: object) -> None:
        try:
            self._restore()
            if not self._committed and self.tmp != self.out:
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            self._release()


@contextlib.contextmanager
def report_directory(out: Path) -> Iterator[ReportWriter]:
    """``with report_directory(out) as w:`` is ``with ReportWriter(out) as w:``."""
    with ReportWriter(out) as w:
        yield w
