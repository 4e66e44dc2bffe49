"""Writing a study's output safely: a lock, a temporary sibling directory, one swap.

A study never writes into its output directory directly. :class:`ReportWriter` takes a lock
file beside it (a second concurrent study on the same output refuses), writes everything
into a temporary sibling directory, and only when the report is complete swaps it into
place: the previous report stays until then and is replaced whole (no stale models or
plots). SIGINT and SIGTERM remove the temporary directory; what a run killed by SIGKILL
left (its lock, ``.NAME.tmp-*``, ``.NAME.old-*``) is removed by the next run on that output,
which says so in one warning. An output that is a symbolic link is refused: the swap would
replace the link, not write where it points. Every path written is checked to
lie under the directory (:meth:`ReportWriter.path`), and files and directories get the
process umask's permissions (0644 / 0755 typically), not ``mkstemp``'s 0600.

Since the swap replaces the whole directory, an existing output is replaced only when it is
empty or is itself a neyman output (a marker file such as ``metrics.json`` and nothing but
the names neyman writes there): ``-o .`` or ``-o ~/analysis`` holding the config and the
event files is refused, as is an output that is, or holds, one of the run's inputs.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from neyman._util.fs import check_parent_folders
from neyman.errors import ConfigError, NeymanError, NeymanWarning

__all__ = [
    "COMPARE_ENTRIES",
    "REPORT_ENTRIES",
    "OutputBusyError",
    "ReportWriter",
    "StudyInterrupted",
    "confined",
]

#: what a study report holds at its top level (``scores/``: reports of earlier versions);
#: its marker is ``metrics.json``
REPORT_ENTRIES = frozenset(
    {"index.html", "metrics.json", "models", "plots", "test_scores.parquet", "scores"}
)
#: longest output directory name: the lock and the temporary siblings add up to 14 bytes
_MAX_NAME_BYTES = 240
#: what ``neyman compare`` writes; its marker is ``compare.json``
COMPARE_ENTRIES = frozenset({"index.html", "compare.json", "plots"})


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

    def __init__(
        self,
        out: Path,
        *,
        inputs: Sequence[str | os.PathLike[str]] = (),
        marker: str = "metrics.json",
        entries: frozenset[str] = REPORT_ENTRIES,
    ) -> None:
        # absolute, '..' folded ('out/..' is the folder above, not a child named '..'), but a
        # symlink in the last component is kept: the lock sits beside it
        self.out = Path(os.path.abspath(out))  # noqa: PTH100 (resolve() would follow it)
        self.lock = self.out.parent / f".{self.out.name}.lock"
        self.inputs = [Path(p) for p in inputs]
        self.marker = marker
        self.entries = entries | {marker}
        self.tmp = self.out
        self._committed = False
        self._locked = False
        self._handlers: dict[int, Any] = {}

    # ------------------------------------------------------------------ checks
    def _check_inputs(self) -> None:
        """Refuse an output that is one of the inputs or holds one (the swap would remove it)."""
        out = self.out.resolve()
        for given in self.inputs:
            path = Path(given).resolve()
            if path == out or out in path.parents:
                msg = (
                    f"output {self.out} holds the input {given}, and the output is replaced "
                    "whole; choose an output directory that does not hold the inputs"
                )
                raise ConfigError(msg, key="output", path=str(self.out), value=str(given))

    def _check_not_symlink(self) -> None:
        """Refuse an output that is a symbolic link.

        The swap renames the report onto the output path: the link itself would be replaced
        by a folder and its target left as it was, so the report would not be where the link
        points. Naming the real directory says where the report goes.
        """
        if not self.out.is_symlink():
            return
        target = Path(os.path.realpath(self.out))
        msg = (
            f"output {self.out} is a symbolic link (to {target}); the output is replaced "
            f"whole, which would replace the link: name the real directory, -o {target}"
        )
        raise ConfigError(msg, key="output", path=str(self.out), value=str(target))

    def _check_replaceable(self) -> None:
        """Refuse to replace an existing directory that is not a neyman output.

        The swap removes the previous directory whole: a folder holding a user's own files
        (``-o .`` beside the config and the event files) must never be it.
        """
        if not self.out.is_dir():
            return
        try:
            names = sorted(p.name for p in self.out.iterdir())
        except OSError as exc:
            msg = f"cannot read the output directory {self.out}: {exc.strerror}"
            raise ConfigError(msg, key="output", path=str(self.out)) from None
        foreign = [n for n in names if n not in self.entries]
        if not names or (self.marker in names and not foreign):
            return
        shown = ", ".join(foreign[:4]) + (", ..." if len(foreign) > 4 else "")
        what = (
            f"files that neyman did not write there ({shown})" if foreign else f"no {self.marker}"
        )
        msg = (
            f"output {self.out} is not empty and is not a neyman output: it has {what}; "
            "the output is replaced whole, so choose a new or empty directory"
        )
        raise ConfigError(msg, key="output", path=str(self.out), value=foreign or names)

    # ------------------------------------------------------------------ lock
    def _acquire(self) -> None:
        size = len(os.fsencode(self.out.name))
        if size > _MAX_NAME_BYTES:
            msg = (
                f"output name '{self.out.name[:60]}...' is {size} bytes long; file systems "
                f"allow 255 and neyman adds a suffix beside it: choose a name of at most "
                f"{_MAX_NAME_BYTES} bytes"
            )
            raise ConfigError(msg, key="output", path=str(self.out))
        check_parent_folders(self.out)
        self._check_not_symlink()
        self._check_inputs()
        self._check_replaceable()
        if not self.out.parent.is_dir():
            try:
                self.out.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                msg = f"cannot create the output's folder {self.out.parent}: {exc.strerror}"
                raise ConfigError(msg, path=str(self.out.parent)) from None
        if self.out.exists() and not self.out.is_dir():
            msg = f"output {self.out} is a file; give a directory path for the report"
            raise ConfigError(msg, path=str(self.out))
        stale: int | None = None
        taken_over = False
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
                stale = pid or None
                taken_over = True
                continue
            except OSError as exc:
                msg = f"cannot write in {self.out.parent}: {exc.strerror}"
                raise ConfigError(msg, path=str(self.out.parent)) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()}\n")
            self._locked = True
            if taken_over:
                self._clean_leftovers(stale)
            return
        msg = f"could not take the lock {self.lock}; remove it if no study is running"
        raise OutputBusyError(msg, path=str(self.out))

    def _leftovers(self) -> list[Path]:
        """This output's temporary siblings (``.NAME.tmp-XXXXXXXX``, ``.NAME.old-XXXXXXXX``).

        Matched exactly (``mkdtemp``'s eight characters after the prefix), so the siblings
        of another output (``NAME.tmp-b``'s ``.NAME.tmp-b.tmp-XXXXXXXX``) never match.
        """
        pattern = re.compile(re.escape(f".{self.out.name}.") + r"(tmp|old)-[a-z0-9_]{8}")
        try:
            entries = list(self.out.parent.iterdir())
        except OSError:
            return []
        return sorted(
            p for p in entries if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
        )

    def _clean_leftovers(self, pid: int | None) -> None:
        """After taking over a stale lock: remove what the dead run left beside the output.

        A run killed by SIGKILL (or a crash) cannot remove its temporary directory; one
        killed inside :meth:`commit`, between its two renames, left the previous report in
        ``.NAME.old-*/NAME`` and no output: that report is put back first. One
        :class:`~neyman.errors.NeymanWarning` says what was removed.
        """
        found = self._leftovers()
        if not found:
            return
        restored = False
        for folder in found:
            previous = folder / self.out.name
            if not self.out.exists() and not self.out.is_symlink() and previous.is_dir():
                with contextlib.suppress(OSError):
                    previous.replace(self.out)
                    restored = True
        for folder in found:
            shutil.rmtree(folder, ignore_errors=True)
        who = f"process {pid}" if pid else "a run"
        back = "; its previous report was put back" if restored else ""
        msg = (
            f"removed {len(found)} temporary folder(s) that {who} left beside {self.out} "
            f"when it was killed (.{self.out.name}.tmp-*, .{self.out.name}.old-*){back}"
        )
        warnings.warn(msg, NeymanWarning, stacklevel=2)

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
        except OSError as exc:
            self._release()
            msg = (
                f"cannot write in {self.out.parent}: {exc.strerror}; choose a writable output path"
            )
            raise ConfigError(msg, key="output", path=str(self.out.parent)) from None
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
        self._check_replaceable()  # files added to the output while the run was going
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
