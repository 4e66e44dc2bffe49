"""Data-parallel MLP training with ``torch.nn.parallel.DistributedDataParallel``.

:func:`fit_ddp` trains a :class:`~neyman.models.MLPClassifier` (binary, sigmoid head) on N
processes: each rank reads its own shard of a :class:`~neyman.data.stream.StreamSource`
(files ``i % N == rank``), runs mini-batches of ``batch_size / N`` events and DDP averages
the gradients, so one step sees ``batch_size`` events in all, as single-process training
does. Backend ``gloo`` on CPU, ``nccl`` when every rank has a GPU. Ranks with fewer events
join early (``DistributedDataParallel.join``). Launched with
``torch.multiprocessing.spawn`` on 127.0.0.1 (a free port), or, when ``RANK``/``WORLD_SIZE``
are set by ``torchrun``, on the launcher's processes (``env://``).
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from neyman.errors import ConfigError

__all__ = ["fit_ddp", "free_port"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (bound and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rank_main(
    rank: int,
    world: int,
    init: str,
    estimator: Any,
    source: Any,
    epochs: int,
    result: str,
) -> None:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    cuda = torch.cuda.is_available() and torch.cuda.device_count() >= world
    backend = "nccl" if cuda else "gloo"
    if init == "env://":
        dist.init_process_group(backend, init_method=init)
    else:
        dist.init_process_group(backend, init_method=init, rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        device = torch.device(f"cuda:{rank}") if cuda else torch.device("cpu")
        seed = int(estimator.random_state or 0)
        torch.manual_seed(seed)  # the same initial weights on every rank (DDP also broadcasts)
        d = len(source.features)
        module = estimator._build_module((d,), 1).to(device)
        model = DistributedDataParallel(module, device_ids=[rank] if cuda else None)
        opt = torch.optim.Adam(
            model.parameters(), lr=float(estimator.lr), weight_decay=float(estimator.weight_decay)
        )
        per_rank = max(1, int(estimator.batch_size) // world)
        mine = source.shard(rank, world)
        bce = torch.nn.BCEWithLogitsLoss(reduction="none")
        losses: list[float] = []
        for epoch in range(epochs):
            total = torch.zeros(2, dtype=torch.float64, device=device)
            with model.join():
                for block in mine.blocks(epoch):
                    X = torch.from_numpy(block.X).to(device)
                    y = torch.from_numpy((block.y == source.classes[1]).astype(np.float32))
                    w = torch.from_numpy(block.w.astype(np.float32))
                    y, w = y.to(device), w.to(device)
                    for i in range(0, len(X), per_rank):
                        sl = slice(i, i + per_rank)
                        opt.zero_grad()
                        per_event = bce(model(X[sl])[:, 0], y[sl]) * w[sl]
                        loss = per_event.sum() / w[sl].sum()
                        loss.backward()
                        opt.step()
                        total[0] += float(per_event.detach().sum())
                        total[1] += float(w[sl].sum())
            dist.all_reduce(total)
            losses.append(float(total[0] / total[1]))
        if rank == 0:
            state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
            torch.save({"state": state, "loss": torch.tensor(losses)}, result)
    finally:
        dist.destroy_process_group()


def fit_ddp(estimator: Any, source: Any, *, nproc: int, epochs: int | None = None) -> Any:
    """Train ``estimator`` (an unfitted binary MLPClassifier) with DDP on ``nproc`` processes.

    Parameters
    ----------
    estimator : MLPClassifier
        Its ``hidden``, ``activation``, ``lr``, ``weight_decay``, ``batch_size`` (global,
        split over the ranks), ``epochs`` and ``random_state`` are used; Adam optimizer.
    source : StreamSource
        Two classes; standardise through ``source.mean``/``source.scale``. Needs at least
        ``nproc`` files.
    nproc : int
        Processes (ranks). Under ``torchrun`` (``WORLD_SIZE`` set) the launcher's are used.
    epochs : int, optional
        Passes over the data; ``estimator.epochs`` when None.

    Returns
    -------
    MLPClassifier
        ``estimator``, fitted: predicts like one trained by ``fit``; ``history_["loss"]``
        holds the weighted mean training loss per epoch over all ranks. Under ``torchrun``
        only rank 0 returns it fitted; the other ranks return it unchanged.
    """
    import torch
    import torch.multiprocessing as mp

    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        msg = f"nproc must be an integer >= 1; got {nproc!r}"
        raise ConfigError(msg, key="nproc", value=str(nproc))
    if len(source.classes) != 2:
        msg = f"fit_ddp trains two-class MLPs; the source has classes {source.classes.tolist()}"
        raise ConfigError(msg, key="classes")
    n_epochs = int(estimator.epochs if epochs is None else epochs)
    source.shard(nproc - 1, nproc)  # fails early, in the caller, when a rank gets no file
    estimator._check_params()
    with tempfile.TemporaryDirectory(prefix="neyman-ddp-") as tmp:
        result = str(Path(tmp) / "rank0.pt")
        if "WORLD_SIZE" in os.environ and "RANK" in os.environ:  # under torchrun
            world = int(os.environ["WORLD_SIZE"])
            rank = int(os.environ["RANK"])
            _rank_main(rank, world, "env://", estimator, source, n_epochs, result)
            if rank:  # the trained network is rank 0's
                return estimator
            return _finish(estimator, source, torch.load(result, weights_only=True))
        init = f"tcp://127.0.0.1:{free_port()}"
        mp.spawn(  # type: ignore[attr-defined,no-untyped-call]
            _rank_main,
            args=(nproc, init, estimator, source, n_epochs, result),
            nprocs=nproc,
            join=True,
        )
        saved = torch.load(result, weights_only=True)
    return _finish(estimator, source, saved)


def _finish(estimator: Any, source: Any, saved: Any) -> Any:
    from neyman.train.loop import TrainHistory

    d = len(source.features)
    estimator._first_chunk(np.zeros((1, d), dtype=np.float32), None, source.classes)
    estimator.module_.load_state_dict(saved["state"])
    estimator.n_features_in_ = d
    estimator.history_ = TrainHistory(
        {"loss": [float(v) for v in saved["loss"]]}, backend="torch-ddp", precision="fp32"
    )
    estimator.backend_ = "torch-ddp"
    estimator.precision_ = "fp32"
    return estimator
