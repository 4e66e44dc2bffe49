"""Thread policy: how many threads a fit or a prediction may use, applied and then restored.

Why it exists: on a shared machine or a batch node (HTCondor, SLURM) a job is given one or a
few cores of many, while torch and OpenBLAS start one thread per core they see. Small matrix
products on several threads then spin-wait on contended cores, and a fit that takes 10 s on
one thread takes minutes (issue 15: 9.7 s CPU on one thread against 214 s on two, load 10).

The rule (:func:`resolve_threads`), in order of precedence:

1. an explicit number (``n_threads=4``) always wins;
2. else the environment variable ``NEYMAN_NUM_THREADS`` (a positive integer, or ``auto``);
3. else ``auto``: one thread when the work per step is below :data:`SMALL_WORK`
   (multiply-adds per optimizer step, measured: see ``docs/benchmarks.md``), otherwise the
   CPUs this process may use (:func:`available_cpus`: the affinity mask, the cgroup v2/v1 CPU
   quota and ``OMP_NUM_THREADS``, whichever is smallest).

:func:`thread_limits` applies a count to torch (when torch is already imported) and to the
BLAS/OpenMP pools (threadpoolctl), and restores the previous settings on exit, also when the
block raised. :func:`threaded` wraps an estimator method with it.

This module imports only :mod:`neyman.errors` (it sits at the bottom of the layers).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from neyman.errors import ConfigError, short

__all__ = [
    "ENV_VAR",
    "SMALL_WORK",
    "available_cpus",
    "cgroup_cpu_limit",
    "resolve_threads",
    "thread_limits",
    "threaded",
]

#: Environment variable that sets the thread count of every estimator left at ``"auto"``.
ENV_VAR = "NEYMAN_NUM_THREADS"

#: Multiply-adds per optimizer step (parameters x batch size) below which one thread is
#: used: below it, a second thread does not pay for its hand-offs even on an idle machine
#: (crossover table in ``docs/benchmarks.md``, ``python -m benchmarks contention``).
SMALL_WORK = 4_000_000

_F = TypeVar("_F", bound=Callable[..., Any])

_ACTIVE = threading.local()  # depth > 0 inside a threaded method (nested calls keep it)


def _positive_int(text: str, what: str) -> int:
    """``text`` as a positive integer, or a :class:`ConfigError` naming ``what`` and the fix."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        if what == ENV_VAR:
            fix = f"set it to a positive integer or 'auto' (e.g. {ENV_VAR}=1), or unset it"
        else:
            fix = "give a positive integer or 'auto', e.g. n_threads=1"
        msg = f"{what}={short(text)!r} is not a positive integer or 'auto'; {fix}"
        raise ConfigError(msg, key=what, value=text)
    return value


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _own_cgroup_paths(proc_cgroup: str | None) -> tuple[str | None, str | None]:
    """The process's cgroup v2 path and v1 ``cpu`` controller path from ``/proc/self/cgroup``."""
    if proc_cgroup is None:
        return None, None
    v2 = v1 = None
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            v2 = parts[2]
        elif "cpu" in parts[1].split(","):
            v1 = parts[2]
    return v2, v1


def cgroup_cpu_limit(
    root: str | os.PathLike[str] = "/sys/fs/cgroup", proc_cgroup: str | None = None
) -> float | None:
    """The CPU quota of this process's cgroup in CPUs (``None`` when unlimited or unknown).

    cgroup v2 writes ``"<quota> <period>"`` (or ``"max <period>"``) to ``cpu.max``; cgroup v1
    writes ``cpu.cfs_quota_us`` (-1 when unlimited) and ``cpu.cfs_period_us`` under the
    ``cpu`` controller. Both are looked up at the process's own cgroup (from
    ``/proc/self/cgroup``) and at the root of the hierarchy, as containers mount it.

    Parameters
    ----------
    root : path-like
        Where the cgroup filesystem is mounted (a fake directory in tests).
    proc_cgroup : str, optional
        Contents of ``/proc/self/cgroup`` (read from there when None).

    Returns
    -------
    float or None
        ``quota / period``, e.g. 1.5 for a job allowed one and a half CPUs.
    """
    base = Path(root)
    if proc_cgroup is None:
        proc_cgroup = _read(Path("/proc/self/cgroup"))
    v2, v1 = _own_cgroup_paths(proc_cgroup)
    for directory in dict.fromkeys([base / (v2 or "/").lstrip("/"), base]):
        text = _read(directory / "cpu.max")
        if text:
            fields = text.split()
            if fields[0] == "max" or len(fields) != 2:
                return None
            try:
                return float(fields[0]) / float(fields[1])
            except (ValueError, ZeroDivisionError):
                return None
    for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        controller = base / name
        for directory in dict.fromkeys([controller / (v1 or "/").lstrip("/"), controller]):
            quota = _read(directory / "cpu.cfs_quota_us")
            period = _read(directory / "cpu.cfs_period_us")
            if quota is None or period is None:
                continue
            try:
                q, p = float(quota), float(period)
            except ValueError:
                return None
            return q / p if q > 0 and p > 0 else None
    return None


def available_cpus(
    *,
    environ: Mapping[str, str] | None = None,
    cgroup_root: str | os.PathLike[str] = "/sys/fs/cgroup",
    proc_cgroup: str | None = None,
) -> int:
    """The CPUs this process may use: affinity, cgroup quota and ``OMP_NUM_THREADS``.

    The smallest of: the CPUs in the affinity mask (``os.sched_getaffinity``; the CPU count
    where that is missing), the cgroup CPU quota rounded down (at least 1), and
    ``OMP_NUM_THREADS`` when it is a positive integer.

    Examples
    --------
    >>> available_cpus(environ={"OMP_NUM_THREADS": "1"})
    1
    """
    env = os.environ if environ is None else environ
    if hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS, Windows
        n = os.cpu_count() or 1
    quota = cgroup_cpu_limit(cgroup_root, proc_cgroup)
    if quota is not None:
        n = min(n, max(1, math.floor(quota)))
    omp = env.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if omp.isdigit() and int(omp) > 0:
        n = min(n, int(omp))
    return max(1, n)


def resolve_threads(
    n_threads: int | str = "auto",
    *,
    work: float | None = None,
    environ: Mapping[str, str] | None = None,
    cgroup_root: str | os.PathLike[str] = "/sys/fs/cgroup",
    proc_cgroup: str | None = None,
) -> int:
    """The thread count for one fit or prediction (see the module docstring for the rule).

    Parameters
    ----------
    n_threads : int or "auto"
        An explicit count (always used as given) or ``"auto"``.
    work : float, optional
        Multiply-adds per step (e.g. parameters x batch size); below :data:`SMALL_WORK`
        ``"auto"`` gives 1. ``None``: unknown, use the available CPUs.
    environ : mapping, optional
        The environment (``os.environ`` when None).
    cgroup_root, proc_cgroup
        See :func:`cgroup_cpu_limit`.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    neyman.errors.ConfigError
        If ``n_threads`` or ``NEYMAN_NUM_THREADS`` is neither a positive integer nor
        ``"auto"`` (``error.key`` names which; a ``ValueError``).

    Examples
    --------
    >>> resolve_threads(3, work=10.0)
    3
    >>> resolve_threads("auto", work=10.0, environ={})
    1
    >>> resolve_threads("auto", environ={"NEYMAN_NUM_THREADS": "2"})
    2
    """
    if not isinstance(n_threads, str):
        try:
            bad = isinstance(n_threads, bool) or int(n_threads) != n_threads or n_threads < 1
        except (TypeError, ValueError, OverflowError):  # None, nan, inf, a list
            bad = True
        if bad:
            msg = f"n_threads={short(n_threads)} must be a positive integer or 'auto', e.g. 1"
            raise ConfigError(msg, key="n_threads", value=n_threads)
        return int(n_threads)
    if n_threads != "auto":
        return _positive_int(n_threads, "n_threads")
    env = os.environ if environ is None else environ
    forced = env.get(ENV_VAR, "").strip()
    if forced and forced != "auto":
        return _positive_int(forced, ENV_VAR)
    if work is not None and work < SMALL_WORK:
        return 1
    return available_cpus(environ=env, cgroup_root=cgroup_root, proc_cgroup=proc_cgroup)


_CONTROLLER: list[Any] = []  # [ThreadpoolController, number of modules when it was built]


def _controller() -> Any:
    """A cached threadpoolctl controller, rebuilt when new modules (libraries) were loaded."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER or _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[:] = [ThreadpoolController(), len(sys.modules)]
    return _CONTROLLER[0]


@contextlib.contextmanager
def thread_limits(n: int) -> Iterator[None]:
    """Run the block with ``n`` threads in torch and the BLAS/OpenMP pools, then restore.

    torch is limited only when it is already imported (this never imports it); the previous
    counts come back on exit, also when the block raised.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with thread_limits(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n < 1:
        msg = f"thread_limits needs n >= 1; got {n}"
        raise ValueError(msg)
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    limiter = _controller().limit(limits=n)
    try:
        if torch is not None and before != n:
            torch.set_num_threads(n)
        yield
    finally:
        limiter.restore_original_limits()
        if torch is not None and before is not None and torch.get_num_threads() != before:
            torch.set_num_threads(before)


def threaded(method: _F) -> _F:
    """Run an estimator method under :func:`thread_limits` of ``self.n_threads``.

    The work per step comes from ``self._work_per_step(method_name, X)`` when the estimator
    defines it (``None`` otherwise); an estimator without ``n_threads`` runs as ``"auto"``. Nested
    calls (``predict`` inside ``fit``) keep the outer setting.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_ACTIVE, "depth", 0) > 0:
            return method(self, *args, **kwargs)
        work_fn = getattr(self, "_work_per_step", None)
        work = work_fn(method.__name__, *args[:1]) if callable(work_fn) and args else None
        try:
            n = resolve_threads(getattr(self, "n_threads", "auto"), work=work)
        except ValueError:
            check = getattr(self, "_check_params", None)
            if callable(check):  # the estimator's own error for a bad parameter
                check()
            raise  # else NEYMAN_NUM_THREADS is at fault: the message names it
        _ACTIVE.depth = 1
        try:
            with thread_limits(n):
                return method(self, *args, **kwargs)
        finally:
            _ACTIVE.depth = 0

    return wrapper  # type: ignore[return-value]
