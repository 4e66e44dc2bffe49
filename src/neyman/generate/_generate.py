"""Generation jobs: chunks of events, seeds, parallel processes and chunked Parquet/ROOT output.

Imported lazily by ``neyman.generate`` (it needs Pythia 8). Read ``pythia.py``,
``detector.py`` and ``features.py`` first.

Output: each finished chunk is a Parquet part in ``<output>.parts/``; when all are done they
are merged into ``<output>``, a Parquet file or a ROOT file (a TTree ``Events``, one basket
per chunk; jagged columns such as the jets' ``part_pt`` become variable-length branches with
a shared counter branch, ``npart``, as uproot writes them).

Reproducibility: the requested events are split into chunks of ``chunk_size`` *accepted*
events per class. Chunk ``k`` of class ``label`` draws all its randomness (Pythia seeds and
the detector's generator) from ``SeedSequence([seed, process, label, k])``, so the output
depends on ``seed`` and ``chunk_size`` only, never on ``jobs``, and an interrupted run's file
is a prefix of the full run's.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pythia8mc  # noqa: F401 - fail here, at import, when the extra is missing

from neyman._util.fs import atomic_path
from neyman.errors import ConfigError, DataError
from neyman.generate.detector import DetectorConfig, reconstruct
from neyman.generate.features import higgs_features, susy_features, zee_columns
from neyman.generate.pythia import PROCESSES, EventStream

__all__ = ["generate", "generate_higgs", "generate_susy", "generate_zee"]

_FEATURES = {"higgs": higgs_features, "susy": susy_features, "zee": zee_columns}
_PROCESS_CODE = {"higgs": 1, "susy": 2, "zee": 3}
#: Give up on a chunk after this many generated events without a single accepted one.
_MAX_EMPTY = 20_000
#: Output formats of ``generate(..., output=...)`` by suffix.
_OUTPUT_SUFFIXES = (".parquet", ".root")
#: Name of the TTree in a ROOT output.
_ROOT_TREE = "Events"

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class _Task:
    process: str
    label: int
    chunk: int
    n_events: int
    first_event: int
    seed: int
    hadronization: bool
    detector: DetectorConfig
    batch_size: int


@dataclass(frozen=True)
class _Result:
    frame: pd.DataFrame
    generated: int
    label: int


def _run_task(task: _Task, progress: ProgressCallback | None = None) -> _Result:
    ss = np.random.SeedSequence([task.seed, _PROCESS_CODE[task.process], task.label, task.chunk])
    pythia_ss, detector_ss = ss.spawn(2)
    stream = EventStream(
        task.process,
        task.label,
        seed=int(pythia_ss.generate_state(1)[0]),
        hadronization=task.hadronization,
        batch_size=task.batch_size,
    )
    rng = np.random.default_rng(detector_ss)
    build = _FEATURES[task.process]
    frames: list[pd.DataFrame] = []
    accepted = generated = 0
    while accepted < task.n_events:
        particles = stream.next_batch()
        selected, frame = build(reconstruct(particles, task.detector, rng=rng))
        need = task.n_events - accepted
        if len(frame) > need:
            # Count only the events up to the last one kept, for an unbiased efficiency.
            n_used = int(np.flatnonzero(selected)[need - 1]) + 1
            frame = frame.iloc[:need]
        else:
            n_used = len(particles)
        generated += n_used
        accepted += len(frame)
        frames.append(frame)
        if progress is not None:
            progress(n_used, len(frame))
        if accepted == 0 and generated >= _MAX_EMPTY:
            msg = (
                f"no {task.process} event passed the selection in {generated} generated; "
                "loosen the detector settings (lepton_pt_min, jet_pt_min, isolation_max)"
            )
            raise DataError(msg)
    frame = pd.concat(frames, ignore_index=True)
    if task.process == "zee":
        frame["Run"] = np.int64(1)
        frame["Event"] = np.arange(task.first_event, task.first_event + len(frame), dtype=np.int64)
    else:
        frame["label"] = np.int64(task.label)
    return _Result(frame=frame, generated=generated, label=task.label)


def _run_task_quiet(task: _Task) -> _Result:
    return _run_task(task)


def _tasks(
    process: str,
    n: int,
    *,
    seed: int,
    hadronization: bool,
    detector: DetectorConfig,
    chunk_size: int,
    batch_size: int,
) -> list[_Task]:
    labels = PROCESSES[process]
    per_label = [n - n // 2, n // 2] if len(labels) == 2 else [n]
    queues: list[list[_Task]] = []
    for label, count in zip(labels, per_label, strict=True):
        queue = []
        for k, start in enumerate(range(0, count, chunk_size)):
            queue.append(
                _Task(
                    process=process,
                    label=label,
                    chunk=k,
                    n_events=min(chunk_size, count - start),
                    first_event=start + 1,
                    seed=seed,
                    hadronization=hadronization,
                    detector=detector,
                    batch_size=batch_size,
                )
            )
        queues.append(queue)
    # Interleave the classes so that a partial file holds both.
    ordered: list[_Task] = []
    for i in range(max(len(q) for q in queues)):
        ordered.extend(q[i] for q in queues if i < len(q))
    return ordered


def _validate(n: int, seed: int, jobs: int, chunk_size: int, batch_size: int) -> None:
    checks = (
        ("n", n, 1),
        ("seed", seed, 0),
        ("jobs", jobs, 1),
        ("chunk_size", chunk_size, 1),
        ("batch_size", batch_size, 1),
    )
    for name, value, low in checks:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            msg = f"The '{name}' parameter of generate must be an int >= {low}. Got {value!r} instead."
            raise ConfigError(msg)


class _Parts:
    """One Parquet file per finished chunk in ``<output>.parts/``, merged when complete.

    Each part is written to a temporary name and renamed, so a killed job leaves only whole
    chunks. A part's name holds a hash of everything that determines its events, so a rerun
    with the same arguments reuses it (resumes) and a rerun with other arguments ignores it.
    The merged output is Parquet or ROOT, by the suffix of ``path``.
    """

    def __init__(self, path: Path) -> None:
        if path.suffix not in _OUTPUT_SUFFIXES:
            msg = f"output '{path}' must end in .parquet or .root"
            raise ConfigError(msg, key="output", value=str(path), available=_OUTPUT_SUFFIXES)
        if not path.parent.is_dir():
            msg = f"output directory '{path.parent}' does not exist; create it first"
            raise ConfigError(msg)
        self.path = path
        self.directory = path.with_name(path.name + ".parts")

    def _part(self, index: int, task: _Task) -> Path:
        key = hashlib.sha256(repr(task).encode()).hexdigest()[:16]
        return self.directory / f"part-{index:05d}-{key}.parquet"

    def load(self, index: int, task: _Task) -> _Result | None:
        part = self._part(index, task)
        if not part.is_file():
            return None
        import pyarrow.parquet as pq

        table = pq.read_table(part)
        meta = table.schema.metadata or {}
        generated = int(meta.get(b"neyman_generated", b"0"))
        return _Result(frame=table.to_pandas(), generated=generated, label=task.label)

    def save(self, index: int, task: _Task, result: _Result) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.directory.mkdir(exist_ok=True)
        table = pa.Table.from_pandas(result.frame, preserve_index=False)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"neyman_generated": str(result.generated).encode()}
        )
        part = self._part(index, task)
        tmp = part.with_name(part.name + ".tmp")
        pq.write_table(table, tmp)
        tmp.replace(part)

    def finish(self, chunks: list[pd.DataFrame]) -> None:
        """Write the chunks, in order, to the output file; then remove the parts."""
        with atomic_path(self.path) as tmp:
            if self.path.suffix == ".root":
                _write_root(chunks, tmp)
            else:
                pd.concat(chunks, ignore_index=True).to_parquet(tmp, index=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def _root_branches(frame: pd.DataFrame) -> dict[str, Any]:
    """Branches of one chunk: NumPy arrays, and jagged columns zipped by their prefix.

    A column whose cells are arrays (``part_pt``) is jagged; jagged columns that share the
    prefix before their first ``_`` (and so, for jets, the number of entries per row) are
    zipped into one record array, which uproot writes as branches ``part_pt, part_eta, ...``
    with one counter branch ``npart``.
    """
    import awkward as ak

    out: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype != object:
            out[str(name)] = col.to_numpy()
            continue
        cells = [np.asarray(c) for c in col]
        counts = np.array([len(c) for c in cells], dtype=np.int64)
        content = np.concatenate(cells) if cells else np.zeros(0)
        jagged = ak.unflatten(content, counts)
        prefix, _, field = str(name).partition("_")
        if field:
            groups.setdefault(prefix, {})[field] = jagged
        else:
            out[str(name)] = jagged
    for prefix, fields in groups.items():
        if len(fields) == 1:
            ((field, values),) = fields.items()
            out[f"{prefix}_{field}"] = values
        else:
            out[prefix] = ak.zip(fields)  # one counter for columns of equal lengths
    return out


def _write_root(chunks: list[pd.DataFrame], path: Path, *, tree: str = _ROOT_TREE) -> None:
    """Write DataFrame chunks to a ROOT TTree ``tree`` at ``path``, one basket per chunk.

    Numeric columns become flat branches; columns whose cells are arrays become jagged
    branches (see :func:`_root_branches`), readable as ``part_pt[0]``, ``len(part_pt)``,
    ``max(part_pt)`` by :func:`neyman.data.read_table` and as awkward arrays by uproot.
    """
    import uproot

    with uproot.recreate(path) as f:
        branches = [_root_branches(c) for c in chunks if len(c)]
        if not branches:
            msg = f"no events to write to {path}"
            raise DataError(msg, path=str(path))
        f.mktree(tree, {k: _branch_type(v) for k, v in branches[0].items()})
        for b in branches:
            f[tree].extend(b)


def _branch_type(values: Any) -> Any:
    return values.dtype if isinstance(values, np.ndarray) else values.type


def _results(
    tasks: list[_Task],
    jobs: int,
    progress: ProgressCallback | None,
    parts: _Parts | None,
    *,
    runner: Callable[..., _Result] = _run_task,
    quiet_runner: Callable[[Any], _Result] = _run_task_quiet,
) -> Iterator[_Result]:
    """Results of ``tasks`` in order: from ``parts`` when saved, else run (and saved).

    ``runner(task, progress)`` and ``quiet_runner(task)`` (module-level, so that spawned
    workers can import them) run one task; ``neyman.generate.jets`` passes its own.
    """
    cached = [None if parts is None else parts.load(i, t) for i, t in enumerate(tasks)]
    todo = [t for t, c in zip(tasks, cached, strict=True) if c is None]
    if jobs == 1 or len(todo) <= 1:
        fresh: Iterator[_Result] = (runner(t, progress) for t in todo)
        pool = None
    else:
        # "spawn": Pythia and FastJet hold C++ state that must not be shared by fork.
        pool = multiprocessing.get_context("spawn").Pool(processes=min(jobs, len(todo)))
        fresh = pool.imap(quiet_runner, todo)  # imap keeps the task order
    try:
        for index, (task, hit) in enumerate(zip(tasks, cached, strict=True)):
            if hit is not None:
                result = hit
                if progress is not None:
                    progress(result.generated, len(result.frame))
            else:
                result = next(fresh)
                if pool is not None and progress is not None:
                    progress(result.generated, len(result.frame))
                if parts is not None:
                    parts.save(index, task, result)
            yield result
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def generate(
    process: str,
    n: int,
    *,
    seed: int,
    jobs: int = 1,
    hadronization: bool = True,
    output: str | os.PathLike[str] | None = None,
    detector: DetectorConfig | None = None,
    chunk_size: int = 1000,
    batch_size: int = 200,
    progress: bool | ProgressCallback | None = None,
) -> pd.DataFrame:
    """Generate ``n`` selected events of ``process`` (see :func:`generate_higgs`)."""
    if process not in PROCESSES:
        from neyman.errors import did_you_mean

        msg = f"unknown process '{process}'{did_you_mean(process, PROCESSES)}"
        raise ConfigError(msg)
    _validate(n, seed, jobs, chunk_size, batch_size)
    cfg = DetectorConfig() if detector is None else detector
    tasks = _tasks(
        process,
        n,
        seed=int(seed),
        hadronization=hadronization,
        detector=cfg,
        chunk_size=chunk_size,
        batch_size=batch_size,
    )
    parts = None if output is None else _Parts(Path(output))
    generated: dict[int, int] = dict.fromkeys(PROCESSES[process], 0)
    accepted: dict[int, int] = dict.fromkeys(PROCESSES[process], 0)
    frames: list[pd.DataFrame] = []

    with _progress_bar(progress, title=process, total=n) as callback:
        for result in _results(tasks, jobs, callback, parts):
            generated[result.label] += result.generated
            accepted[result.label] += len(result.frame)
            frames.append(result.frame)

    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["generated"] = {str(k): v for k, v in generated.items()}
    frame.attrs["accepted"] = {str(k): v for k, v in accepted.items()}
    if parts is not None:
        parts.finish(frames)
    return frame


@contextlib.contextmanager
def _progress_bar(
    progress: bool | ProgressCallback | None,
    *,
    title: str,
    total: int,
    accepted: str = "accepted",
    generated: str = "generated",
) -> Iterator[ProgressCallback | None]:
    """The ``progress(generated, accepted)`` callback of a generation job, for a ``with``.

    ``progress`` is a callable (used as is), True (a rich progress bar), False (none) or
    None (a bar when stderr is a terminal). The bar counts ``accepted`` items out of
    ``total`` and the ``generated`` events, under ``title``; it stops when the block ends.
    """
    if callable(progress):
        yield progress
        return
    if not (progress or (progress is None and sys.stderr.isatty())):
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(f"[bold]{title}[/]"),
        BarColumn(),
        TextColumn(f"{accepted} {{task.completed:.0f}}/{{task.total:.0f}}"),
        TextColumn(f"{generated} {{task.fields[generated]}}"),
        TimeElapsedColumn(),
    )
    bar_task = bar.add_task(title, total=total, generated=0)
    counts = [0]

    def callback(gen: int, acc: int) -> None:
        counts[0] += gen
        bar.update(bar_task, advance=acc, generated=counts[0])

    bar.start()
    try:
        yield callback
    finally:
        bar.stop()


_DOC_COMMON = """
    Parameters
    ----------
    n : int
        Number of selected events to return ({split}).
    seed : int >= 0
        Seed of every generator and of the detector model; same seed, same events.
    jobs : int, default 1
        Worker processes; the events do not depend on it.
    hadronization : bool, default True
        False stops at the parton level (and switches off multiparton interactions):
        several times faster, enough for mass peaks.
    output : path ending in .parquet or .root, optional
        Also write the events there (ROOT: a TTree ``Events``). Each finished chunk is first
        saved in ``<output>.parts/``; the parts are merged into ``output`` at the end. An
        interrupted job keeps its finished chunks there, and the same call resumes from them.
    detector : DetectorConfig, optional
        Detector model parameters (``neyman.generate.detector``).
    chunk_size : int, default 1000
        Accepted events per chunk and class: the unit of parallel work, seeding and output.
    batch_size : int, default 200
        Events per ``Pythia.nextBatch`` call.
    progress : bool or callable, optional
        Show a rich progress bar (default: when stderr is a terminal), or call
        ``progress(generated, accepted)`` after each batch (each chunk with ``jobs > 1``).

    Returns
    -------
    DataFrame
        {columns} ``frame.attrs["generated"]`` and ``frame.attrs["accepted"]`` count events
        per label, for selection efficiencies.
"""


def generate_higgs(
    n: int,
    *,
    seed: int,
    jobs: int = 1,
    hadronization: bool = True,
    output: str | os.PathLike[str] | None = None,
    detector: DetectorConfig | None = None,
    chunk_size: int = 1000,
    batch_size: int = 200,
    progress: bool | ProgressCallback | None = None,
) -> pd.DataFrame:
    """HIGGS-like events: ``gg -> H0 -> W H+- -> W W h -> l nu q q b b`` against ``t tbar``."""
    return generate(
        "higgs",
        n,
        seed=seed,
        jobs=jobs,
        hadronization=hadronization,
        output=output,
        detector=detector,
        chunk_size=chunk_size,
        batch_size=batch_size,
        progress=progress,
    )


def generate_susy(
    n: int,
    *,
    seed: int,
    jobs: int = 1,
    hadronization: bool = True,
    output: str | os.PathLike[str] | None = None,
    detector: DetectorConfig | None = None,
    chunk_size: int = 1000,
    batch_size: int = 200,
    progress: bool | ProgressCallback | None = None,
) -> pd.DataFrame:
    """SUSY-like events: ``chi1+ chi1- -> W chi1^0 W chi1^0 -> l nu l nu + MET`` against WW."""
    return generate(
        "susy",
        n,
        seed=seed,
        jobs=jobs,
        hadronization=hadronization,
        output=output,
        detector=detector,
        chunk_size=chunk_size,
        batch_size=batch_size,
        progress=progress,
    )


def generate_zee(
    n: int,
    *,
    seed: int,
    jobs: int = 1,
    hadronization: bool = True,
    output: str | os.PathLike[str] | None = None,
    detector: DetectorConfig | None = None,
    chunk_size: int = 1000,
    batch_size: int = 200,
    progress: bool | ProgressCallback | None = None,
) -> pd.DataFrame:
    """Drell-Yan dielectron events ``Z/gamma* -> e+ e-`` at 7 TeV, CMS open-data columns."""
    return generate(
        "zee",
        n,
        seed=seed,
        jobs=jobs,
        hadronization=hadronization,
        output=output,
        detector=detector,
        chunk_size=chunk_size,
        batch_size=batch_size,
        progress=progress,
    )


generate_higgs.__doc__ = (generate_higgs.__doc__ or "") + _DOC_COMMON.format(
    split="``n - n // 2`` signal with label 1 and ``n // 2`` t tbar with label 0, in alternating chunks",
    columns="The 28 UCI HIGGS columns (``features.HIGGS_COLUMNS``) and ``label``.",
)
generate_susy.__doc__ = (generate_susy.__doc__ or "") + _DOC_COMMON.format(
    split="``n - n // 2`` signal with label 1 and ``n // 2`` WW with label 0, in alternating chunks",
    columns="The 18 UCI SUSY columns (``features.SUSY_COLUMNS``) and ``label``.",
)
generate_zee.__doc__ = (generate_zee.__doc__ or "") + _DOC_COMMON.format(
    split="all Drell-Yan",
    columns="The CMS dielectron columns (``features.ZEE_COLUMNS``).",
)
