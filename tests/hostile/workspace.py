"""The scratch area one hostile case runs in: good inputs to damage, and what to check after.

Every case gets a fresh :class:`Workspace` under pytest's ``tmp_path``: a small labelled
event table (columns ``a``, ``b``, ``label``, ``w``) writable in every format, a saved model
directory (a Fisher discriminant on ``a``, ``b``; a BDT for the XGBoost cases), a study
config, and an output location. Everything a case may write lives under ``out``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Workspace", "build_models", "events_frame", "snapshot"]

N_EVENTS = 120


def events_frame(n: int = N_EVENTS, seed: int = 7) -> pd.DataFrame:
    """A small two-class table: ``a`` separates the classes, ``b`` is noise, ``w`` weights."""
    rng = np.random.default_rng(seed)
    label = np.arange(n) % 2
    return pd.DataFrame(
        {
            "a": rng.normal(size=n) + label,
            "b": rng.normal(size=n),
            "label": label,
            "w": np.ones(n),
        }
    )


def build_models(root: Path) -> dict[str, Path]:
    """Fit and save the models the cases damage: ``fisher``, ``bdt`` and ``study`` (a Fisher
    discriminant saved as a study saves it: a :class:`~neyman.models.Pipeline` with its
    ``pipeline.json``)."""
    import numpy as np

    from neyman.models import BDTClassifier, FisherDiscriminant, Pipeline

    df = events_frame()
    X, y = df[["a", "b"]], df["label"].to_numpy()
    bdt = BDTClassifier(3, device="cpu", n_jobs=1, random_state=0)
    pipe = Pipeline(["a", "b"], FisherDiscriminant().fit(X, y), mean=np.zeros(2), scale=np.ones(2))
    return {
        "fisher": FisherDiscriminant().fit(X, y).save(root / "fisher"),
        "bdt": bdt.fit(X, y).save(root / "bdt"),
        "study": pipe.save(root / "study"),
    }


def snapshot(root: Path) -> dict[str, str]:
    """sha256 (or ``"dir"``/``"link"``) of every path under ``root``, relative to it."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link:" + str(p.readlink())
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


class Workspace:
    """Inputs for one case, all under ``root`` (pytest's ``tmp_path``)."""

    def __init__(self, root: Path, models: dict[str, Path]) -> None:
        self.root = root
        self.inputs = root / "in"
        self.inputs.mkdir()
        # nested, so that a name such as ../../../escaped stays inside tmp_path even today
        self.out = root / "a" / "b" / "c" / "out"
        self.out.parent.mkdir(parents=True)
        self.scored = self.out.parent / "scored.csv"
        self._models = models
        self.previous: Path | None = None

    # -- inputs ------------------------------------------------------------------------

    def table(
        self,
        fmt: str,
        df: pd.DataFrame | None = None,
        name: str = "events",
        *,
        neyman: bool = False,
    ) -> Path:
        """Write ``df`` (default: the good events) as ``in/<name>.<fmt>``: as other tools
        write it, or (``neyman``) with :func:`neyman.data.write_table`, checksums included."""
        df = events_frame() if df is None else df
        path = self.inputs / f"{name}.{fmt}"
        if neyman:
            from neyman.data import write_table

            write_table(df, path, tree="events" if fmt == "h5" else "Events")
        elif fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        elif fmt == "root":
            import uproot

            with uproot.recreate(path) as f:
                f["Events"] = {c: df[c].to_numpy() for c in df.columns}
        elif fmt == "h5":
            import h5py

            with h5py.File(path, "w") as f:
                g = f.create_group("events")
                for c in df.columns:
                    g.create_dataset(c, data=df[c].to_numpy())
        elif fmt == "npz":
            np.savez(path, **{c: df[c].to_numpy() for c in df.columns})
        else:  # pragma: no cover - a typo in a case
            msg = f"unknown format {fmt}"
            raise ValueError(msg)
        return path

    def text(self, name: str, content: str | bytes) -> Path:
        """Write a file under ``in/`` verbatim."""
        path = self.inputs / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def model(self, kind: str = "fisher") -> Path:
        """A copy of a saved model directory (``fisher``, ``bdt``, ``study``: with the
        ``pipeline.json`` a study writes)."""
        path = self.inputs / f"model-{kind}"
        shutil.copytree(self._models[kind], path)
        return path

    def config(self, body: str, name: str = "study.yaml", data: bool = True) -> Path:
        """A study config: ``body`` plus (when ``data``) a CSV events file beside it."""
        if data:
            self.table("csv")
        return self.text(name, body)

    def previous_output(self, path: Path) -> Path:
        """Create an earlier output at ``path`` that a failed run must leave untouched."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix:
            path.write_text("previous output\n")
        else:
            path.mkdir()
            (path / "index.html").write_text("previous report\n")
        self.previous = path
        return path

    def load(self, path: Path) -> Any:  # pragma: no cover - debugging aid
        return path.read_bytes()
