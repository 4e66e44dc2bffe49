"""NanoAOD-like signal/background ROOT files with NLO-like signed weights and the exact LLR.

Run ``python docs/scripts/nanoaod_like.py FOLDER [--events N]`` to write
``FOLDER/signal.root``, ``FOLDER/background.root`` and the study config
``FOLDER/study.yaml`` (the guide's "From ROOT files to scored data" uses them); the test
suite imports it for its analysis tests.

Each event has two flat Gaussian features ``x1``, ``x2``, a jet collection (``nJet`` counts,
``Jet_pt`` and ``Jet_eta`` as ``float[]``), a signed weight ``genWeight`` and the true
log-likelihood ratio ``true_llr``. The physics is built so the LLR is exact *for the weighted
(physical) densities*:

- physical densities: ``x ~ N(mu_c, I)`` with ``mu_s = (0.5, 0.5)``, ``mu_b = -mu_s``;
  ``nJet ~ Poisson(3)`` for signal, ``Poisson(2)`` for background; jets (pt, eta) are drawn
  alike for both classes, so only their number carries information.
- generated densities are broader in one coordinate (signal in ``x1``, background in ``x2``,
  width 1.5), and each event's weight is negative with probability
  ``f(x) = (1 - Z p(x) / g(x)) / 2`` (``Z = 1/1.5``), so that ``g(x) (1 - 2 f(x)) = Z p(x)``:
  the weighted density is exactly the physical one, with 1/6 of the weights negative.

So the true LLR is ``(mu_s - mu_b) . x + n log(3/2) - 1`` and an unweighted classifier learns
a different (quadratic) boundary: weights matter.
"""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import uproot

MU = 0.5
WIDE = 1.5
LAMBDA = {1: 3.0, 0: 2.0}
#: raw weight scale per class: signal is 2 % of the total weight before normalisation
SCALE = {1: 0.02, 0: 1.0}


def true_llr(x1: np.ndarray, x2: np.ndarray, n_jet: np.ndarray) -> np.ndarray:
    """The exact log-likelihood ratio of the physical densities."""
    x1, x2 = x1.astype(np.float64), x2.astype(np.float64)
    gauss = 2 * MU * (x1 + x2)  # (mu_s - mu_b) . x; |mu_s|^2 = |mu_b|^2
    return np.asarray(gauss + n_jet * np.log(LAMBDA[1] / LAMBDA[0]) - (LAMBDA[1] - LAMBDA[0]))


def events(n: int, label: int, seed: int) -> dict[str, object]:
    """One class's events as arrays (see the module docstring)."""
    rng = np.random.default_rng(seed)
    mu = MU if label == 1 else -MU
    widths = (WIDE, 1.0) if label == 1 else (1.0, WIDE)
    x1 = (mu + widths[0] * rng.normal(size=n)).astype(np.float32)
    x2 = (mu + widths[1] * rng.normal(size=n)).astype(np.float32)
    # Z p/g for the wide coordinate (the other coordinate's ratio is 1)
    wide = x1 if label == 1 else x2
    z = (wide.astype(np.float64) - mu) ** 2
    ratio = np.exp(-z / 2 + z / (2 * WIDE**2))  # = (1/WIDE) * p/g, in (0, 1]
    negative = rng.random(n) < (1.0 - ratio) / 2.0
    weight = np.where(negative, -SCALE[label], SCALE[label])
    n_jet = rng.poisson(LAMBDA[label], size=n).astype(np.int32)
    total = int(n_jet.sum())
    pt = (20.0 + rng.exponential(30.0, size=total)).astype(np.float32)
    pt_j = ak.sort(ak.unflatten(pt, n_jet), axis=1, ascending=False)  # leading jet first
    eta_j = ak.unflatten(rng.normal(0.0, 2.0, size=total).astype(np.float32), n_jet)
    return {
        "x1": x1,
        "x2": x2,
        "genWeight": weight,
        "true_llr": true_llr(x1, x2, n_jet),
        "Jet": ak.zip({"pt": pt_j, "eta": eta_j}),
    }


def write_rntuple(path: Path, n: int, label: int, seed: int = 7) -> Path:
    """The same events as :func:`write_pair` writes for ``label``, as an RNTuple ``Events``
    whose jet fields are ``std::vector<float>`` (uproot writes vectors only in RNTuples)."""
    arrays = events(n, label, seed + label)
    jets = arrays.pop("Jet")
    arrays["Jet_pt"] = jets.pt  # type: ignore[attr-defined]
    arrays["Jet_eta"] = jets.eta  # type: ignore[attr-defined]
    arrays["nJet"] = ak.num(jets.pt).to_numpy().astype(np.int32)  # type: ignore[attr-defined]
    with uproot.recreate(path) as f:
        f["Events"] = arrays
    return path


def write_pair(folder: Path, n: int, seed: int = 7) -> tuple[Path, Path]:
    """Write ``signal.root`` and ``background.root`` (TTree ``Events``) under ``folder``."""
    out = []
    for label, name in ((1, "signal"), (0, "background")):
        path = folder / f"{name}.root"
        arrays = events(n, label, seed + label)
        with uproot.recreate(path) as f:
            f.mktree(
                "Events",
                {
                    "x1": np.float32,
                    "x2": np.float32,
                    "genWeight": np.float64,
                    "true_llr": np.float64,
                    "Jet": ak.type(arrays["Jet"]).content,  # type: ignore[arg-type]
                },
            )
            f["Events"].extend(arrays)
        out.append(path)
    return out[0], out[1]


#: the study config the guide runs on these files (paths relative to the config's folder)
STUDY_YAML = """\
name: NanoAOD-like resonance search
data:
  signal: {path: signal.root, tree: Events}
  background: {path: background.root, tree: Events}
  features: [x1, x2, "Jet_pt[0]", "len(Jet_pt)"]
  selection: "x2 > -3"
  missing: {"Jet_pt[0]": 0.0}      # events without jets: leading-jet pt 0
  weight: genWeight                # NLO-like, 1/6 negative
  negative_weights: keep
  normalise: classes
  truth: true_llr
  truth_kind: llr
split: {val: 0.25, test: 0.25, random_state: 1}
methods:
  - {name: fisher, model: fisher}
  - {name: likelihood, model: likelihood}
  - {name: bdt, model: bdt, params: {n_estimators: 400, max_depth: 3, early_stopping_rounds: 10}}
  - name: mlp
    model: mlp
    params: {hidden: [32, 32], epochs: 60, early_stopping: true, patience: 5, batch_size: 256}
evaluation:
  efficiencies: [0.3, 0.5, 0.7]
"""


def main() -> None:
    """Write the pair into a folder given on the command line."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--events", type=int, default=20_000, help="events per class")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for path in write_pair(args.folder, args.events, args.seed):
        print(f"wrote {path}")  # noqa: T201
    config = args.folder / "study.yaml"
    config.write_text(STUDY_YAML, encoding="utf-8")
    print(f"wrote {config}")  # noqa: T201


if __name__ == "__main__":
    main()
