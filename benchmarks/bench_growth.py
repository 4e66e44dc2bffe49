"""Cost grows linearly with events: BDT and MLP time per event at 10^4, 10^5 and 10^6."""

from __future__ import annotations

from benchmarks._common import Report, median_time
from benchmarks._data import higgs_like
from neyman.models import BDTClassifier, MLPClassifier


def main() -> Report:
    rep = Report("Growth: training time per event (should stay flat)")
    per_event: dict[str, list[float]] = {"bdt": [], "mlp": []}
    for n in (10_000, 100_000, 1_000_000):
        X, y = higgs_like(n, seed=1)
        t_b = median_time(
            lambda X=X, y=y: BDTClassifier(50, max_depth=6, random_state=0).fit(X, y), repeat=1
        )
        t_m = median_time(
            lambda X=X, y=y: MLPClassifier(
                (64, 64), batch_size=512, epochs=1, random_state=0, verbose=0
            ).fit(X, y),
            repeat=1,
        )
        per_event["bdt"].append(t_b / n)
        per_event["mlp"].append(t_m / n)
        rep.add(f"BDT 50 trees, n = {n:,}", 1e6 * t_b / n, ".2f", unit=" µs/event")
        rep.add(f"MLP 28-64-64-1 one epoch, n = {n:,}", 1e6 * t_m / n, ".2f", unit=" µs/event")
    for name, v in per_event.items():
        rep.add(
            f"{name}: time/event at 10^6 over 10^5", v[2] / v[1], ".2f", 1.5, higher=False, unit="x"
        )
    return rep


if __name__ == "__main__":
    main().print()
