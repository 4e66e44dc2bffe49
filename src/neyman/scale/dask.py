"""Score many event files on a Dask cluster: one output file per input file.

:func:`apply_files` runs :func:`neyman.study.apply_model` (the model directory's
:class:`~neyman.models.Pipeline`) once per input file as Dask tasks, on a
``distributed.LocalCluster`` (``local:N``: N worker processes on 127.0.0.1) or an existing
scheduler (``tcp://HOST:PORT``, e.g. one started by ``dask-jobqueue`` on HTCondor or
SLURM). Each output is written atomically (a temporary file renamed when complete), so an
output that exists is complete: a re-run skips it and redoes only what is missing. A task
whose worker dies is retried by the scheduler on another worker; it rewrites its own
output only, so no event is scored twice or lost.

Needs ``pip install 'neyman[dask]'`` (``dask[dataframe]`` and ``distributed``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neyman.data.io import PathOrPaths, expand_paths
from neyman.errors import ConfigError, DataError, ModelError, short

__all__ = ["apply_files", "dask_client", "output_for"]

_LOCAL = re.compile(r"^local:(\d+)$")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "the Dask scheduler needs dask and distributed: pip install 'neyman[dask]'"
        raise ConfigError(msg, key="scheduler") from exc
    return distributed


@contextmanager
def dask_client(scheduler: str) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``, closed (with its cluster) on exit.

    Parameters
    ----------
    scheduler : str
        ``"local:N"``: a ``LocalCluster`` of N single-threaded worker processes listening on
        127.0.0.1 only, its HTTP server on a free port (two clusters at once never clash
        on 8787); ``"tcp://HOST:PORT"``: connect to a running scheduler.

    Raises
    ------
    neyman.errors.ConfigError
        Any other text (``key="scheduler"``).
    """
    text = str(scheduler)
    local = _LOCAL.match(text)
    if local is None and not text.startswith("tcp://"):
        msg = f"scheduler must be 'local:N' or 'tcp://HOST:PORT'; got {short(text)!r}"
        raise ConfigError(msg, key="scheduler", value=short(text))
    dist = _distributed()
    if local is not None:
        n = int(local.group(1))
        if n < 1:
            msg = f"scheduler local:N needs N >= 1 workers; got {short(text)!r}"
            raise ConfigError(msg, key="scheduler", value=short(text))
        cluster = dist.LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # a free port: None still binds 8787, and a second cluster then warns/fails
            dashboard_address=":0",
        )
        try:
            with dist.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    else:
        with dist.Client(text) as client:
            yield client


def output_for(events: Path, out_dir: Path) -> Path:
    """The output file of one input file: ``out_dir / (stem + ".parquet")``."""
    name = events.name
    for suffix in (".csv.gz",):
        if name.endswith(suffix):
            return out_dir / (name[: -len(suffix)] + ".parquet")
    return out_dir / (events.stem + ".parquet")


def _score_one(
    model_dir: str, events: str, output: str, tree: str | None, column: str, selection: bool
) -> str:
    from neyman.study import apply_model

    out = Path(output)
    if out.exists():  # a retried task whose first attempt finished: complete already
        return output
    return str(
        apply_model(
            Path(model_dir),
            Path(events),
            out,
            tree=tree,
            column=column,
            selection=selection,
            force=True,
        )
    )


def apply_files(
    model_dir: str | os.PathLike[str],
    events: PathOrPaths,
    out_dir: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    client: Any = None,
    tree: str | None = None,
    column: str = "score",
    selection: bool = True,
    retries: int = 2,
) -> list[Path]:
    """Score every input file into ``out_dir/<stem>.parquet`` as Dask tasks.

    Parameters
    ----------
    model_dir : path
        Model directory written by a study (``out/models/<name>``).
    events : path, glob or list of paths
        Input files (ROOT, Parquet, CSV, HDF5); each gets its own output.
    out_dir : path
        Output directory (created); outputs that already exist are skipped.
    scheduler : str, optional
        ``"local:N"`` or ``"tcp://HOST:PORT"`` (see :func:`dask_client`).
    client : distributed.Client, optional
        Use this client instead of ``scheduler``.
    tree, column, selection
        As for :func:`neyman.study.apply_model`.
    retries : int
        Extra attempts per task after an error (a lost worker is handled by the scheduler).

    Returns
    -------
    list of pathlib.Path
        The output of every input file, in input order (skipped ones included).
    """
    files = expand_paths(events)
    out = Path(out_dir)
    outputs = [output_for(f, out) for f in files]
    seen: dict[Path, Path] = {}
    for f, o in zip(files, outputs, strict=True):
        if o in seen:
            msg = (
                f"{f} and {seen[o]} would both be scored into {o}; give inputs with distinct "
                "file names (stems)"
            )
            raise DataError(msg, path=str(f), key="events")
        if f.resolve() == o.resolve():
            msg = f"output {o} is the input file {f}; choose another output directory"
            raise DataError(msg, path=str(f), key="output")
        seen[o] = f
    if not Path(model_dir).is_dir():
        msg = f"model directory not found: {model_dir}; give a folder such as out/models/bdt"
        raise ModelError(msg, path=str(model_dir))
    out.mkdir(parents=True, exist_ok=True)
    todo = [(f, o) for f, o in zip(files, outputs, strict=True) if not o.exists()]
    if todo:
        if client is not None:
            _run(client, model_dir, todo, tree, column, selection, retries)
        else:
            if scheduler is None:
                msg = "apply_files needs scheduler= ('local:N' or 'tcp://HOST:PORT') or client="
                raise ConfigError(msg, key="scheduler")
            with dask_client(scheduler) as c:
                _run(c, model_dir, todo, tree, column, selection, retries)
    return outputs


def _run(
    client: Any,
    model_dir: str | os.PathLike[str],
    todo: Sequence[tuple[Path, Path]],
    tree: str | None,
    column: str,
    selection: bool,
    retries: int,
) -> None:
    futures = [
        client.submit(
            _score_one,
            str(model_dir),
            str(f),
            str(o),
            tree,
            column,
            selection,
            key=f"neyman-apply-{i}-{o.name}",
            retries=retries,
            pure=False,
        )
        for i, (f, o) in enumerate(todo)
    ]
    client.gather(futures)
