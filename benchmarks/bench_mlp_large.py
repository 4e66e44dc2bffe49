"""The general training path at the hardware's speed: a HIGGS-sized MLP.

28-300-300-300-1, ReLU, Adam, batch 1024, one epoch over 1,000,000 events: neyman's
MLPClassifier against a hand-written PyTorch loop (tensor slicing, no per-batch copies),
and against the float throughput ``torch.mm`` reaches here, all measured in this run.
Targets: at least 0.95x the hand-written loop and 65 % of the ``torch.mm`` peak.
Inference events/s against the raw module: at least 0.95x.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from benchmarks._common import Report, median_time
from benchmarks._data import higgs_like
from neyman.models import MLPClassifier

N = 1_000_000
HIDDEN = (300, 300, 300)
BATCH = 1024


def _flops_per_sample() -> float:
    sizes = [28, *HIDDEN, 1]
    macs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return 3 * 2 * macs  # forward + backward (two matmuls), 2 flops per multiply-add


def _mm_peak() -> float:
    a = torch.randn(BATCH, 300)
    b = torch.randn(300, 300)
    for _ in range(20):
        a @ b
    reps = 400
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    dt = time.perf_counter() - t0
    return reps * 2 * BATCH * 300 * 300 / dt


def _hand_loop(X: torch.Tensor, y: torch.Tensor) -> nn.Module:
    torch.manual_seed(0)
    layers: list[nn.Module] = []
    sizes = [28, *HIDDEN]
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(HIDDEN[-1], 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    perm = torch.randperm(len(X))
    Xp, yp = X[perm], y[perm]
    for i in range(0, len(X), BATCH):
        opt.zero_grad()
        loss = loss_fn(model(Xp[i : i + BATCH]).squeeze(1), yp[i : i + BATCH])
        loss.backward()
        opt.step()
    return model


def main() -> Report:
    Xn, yn = higgs_like(N)
    X, y = torch.from_numpy(Xn), torch.from_numpy(yn.astype("float32"))
    rep = Report(
        f"MLP 28-300-300-300-1, ReLU, Adam, batch {BATCH}, one epoch of {N:,} events ({torch.get_num_threads()} threads)"
    )
    t_hand = median_time(lambda: _hand_loop(X, y), repeat=2)

    def ney() -> MLPClassifier:
        return MLPClassifier(
            HIDDEN,
            activation="relu",
            optimizer="adam",
            lr=1e-3,
            batch_size=BATCH,
            epochs=1,
            precision="fp32",  # the loop's overhead against fp32 (bf16: bench_bf16)
            random_state=0,
            verbose=0,
        ).fit(Xn, yn)

    t_ney = median_time(ney, repeat=2)
    peak = _mm_peak()
    achieved = N * _flops_per_sample() / t_ney
    rep.add("hand-written PyTorch loop (baseline)", N / t_hand, ",.0f", unit=" samples/s")
    rep.add("neyman MLPClassifier.fit", N / t_ney, ",.0f", unit=" samples/s")
    rep.add("neyman / hand-written loop", t_hand / t_ney, ".3f", 0.95, unit="x")
    rep.add("torch.mm peak (1024x300 @ 300x300)", peak / 1e9, ".1f", unit=" GFLOP/s")
    rep.add("neyman training throughput", achieved / 1e9, ".1f", unit=" GFLOP/s")
    rep.add("fraction of torch.mm peak", 100 * achieved / peak, ".1f", 65.0, unit=" %")
    model = ney()
    module = _hand_loop(X[:BATCH], y[:BATCH]).eval()

    def raw_predict() -> None:
        with torch.inference_mode():
            for i in range(0, N, 65536):
                torch.sigmoid(module(X[i : i + 65536]))

    t_raw_p = median_time(raw_predict, repeat=3)
    t_ney_p = median_time(lambda: model.predict_proba(Xn), repeat=3)
    rep.add("raw torch inference", N / t_raw_p, ",.0f", unit=" events/s")
    rep.add("neyman MLP inference", N / t_ney_p, ",.0f", unit=" events/s")
    rep.add("neyman / raw inference rate", t_raw_p / t_ney_p, ".3f", 0.95, unit="x")
    return rep


if __name__ == "__main__":
    main().print()
