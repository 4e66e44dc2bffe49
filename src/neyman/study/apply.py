"""``neyman apply``: a saved model's score for every event of a file, never harming the input.

The model directory's :class:`~neyman.models.Pipeline` reads the feature expressions,
applies the training selection (or, with ``selection=False``, scores every event and adds the
selection's pass/fail as a column) and the missing-value policy, standardises and scores,
exactly as the study scored its own test events. The output is a new file: an output that
is the input (however spelt, hard links included) is refused, as is an existing output
without ``force``; the file appears only when complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neyman.errors import DataError, MissingColumnError, ModelError

__all__ = ["apply_model", "check_output"]


def check_output(events: Path, output: Path, *, force: bool) -> None:
    """Refuse an output that is the input, or that exists without ``force``.

    Raises
    ------
    neyman.errors.DataError
        With ``key="output"`` and ``path`` the output.
    """
    same = output.resolve() == events.resolve()
    if not same and output.exists():
        try:
            same = output.samefile(events)
        except OSError:
            same = False
    if same:
        msg = (
            f"output {output} is the input file {events}; write the scores to a new file "
            "(e.g. scored.parquet)"
        )
        raise DataError(msg, key="output", path=str(output))
    if output.exists() and not force:
        msg = f"output {output} exists; pass --force (force=True) to replace it"
        raise DataError(msg, key="output", path=str(output))
    if output.exists() and output.is_dir():
        msg = f"output {output} is a directory; give a file name such as scored.parquet"
        raise DataError(msg, key="output", path=str(output))


def _pipeline(model: Any, model_dir: Path) -> Any:
    from neyman.models.pipeline import Pipeline, check_scores

    if isinstance(model, Pipeline):
        return model
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        msg = (
            f"{model_dir} does not record its feature names; save it from a study or fit on "
            "a DataFrame"
        )
        raise ModelError(msg, path=str(model_dir))
    d = len(names)
    pipe = Pipeline([str(n) for n in names], model, mean=np.zeros(d), scale=np.ones(d))
    check_scores(pipe, model_dir)
    return pipe


def _check_features(values: pd.DataFrame, events: Path) -> None:
    """Refuse no events, or a finite feature value too large for float32."""
    if len(values) == 0:
        msg = f"{events} has no events to score (after the selection); check the file"
        raise DataError(msg, path=str(events))
    big = float(np.finfo(np.float32).max)
    for name in values.columns:
        num = pd.to_numeric(values[name], errors="coerce")
        arr = num.to_numpy(dtype=np.float64)
        huge = np.isfinite(arr) & (np.abs(arr) > big)
        if huge.any():
            value = float(arr[huge][0])
            msg = (
                f"{events}: feature '{name}' holds {value:g}, too large for float32 "
                f"(|x| <= {big:.3g}); rescale or clip that column"
            )
            raise DataError(msg, key=str(name), path=str(events))


def apply_model(
    model_dir: Path,
    events: Path,
    output: Path,
    *,
    tree: str | None = None,
    column: str = "score",
    selection: bool = True,
    force: bool = False,
) -> Path:
    """Write ``output``: the events of ``events`` with the model's signal score.

    Parameters
    ----------
    model_dir : path
        A model directory written by a study (``out/models/<name>``) or any saved estimator
        fitted on a DataFrame.
    events : path
        Event file (ROOT, Parquet, CSV, HDF5).
    output : path
        New file; its extension picks the format.
    tree : str, optional
        Tree to read (default: the one the model was trained on).
    column : str
        Name of the score column.
    selection : bool
        Apply the training selection (default). ``False`` keeps every event and adds a
        ``selected`` column: 1 where the event passes the selection and the missing-value
        policy (the rows the default would write). Events that fail and lack an object a
        feature needs (``Jet_pt[0]`` without jets, no fill value) get a NaN score.
    force : bool
        Replace an existing ``output`` (never the input itself).

    Returns
    -------
    pathlib.Path
        ``output``. Rows keep the file order; ``entry`` is each event's position in the
        input (for a glob or list of files, a ``file`` column names each event's file and
        ``entry`` counts within it); the feature expressions and the input's other flat columns come along.
    """
    events, output = Path(events), Path(output)
    check_output(events, output, force=force)
    from neyman.models.pipeline import load_model

    pipe = _pipeline(load_model(model_dir), Path(model_dir))
    from neyman.data import read_table

    # the input's flat columns come along; reading them first also makes an unreadable
    # file fail as a file (not as a missing feature)
    given = tree
    tree = pipe.tree_for(events, tree)
    try:
        full = read_table(events, tree=tree)
    except MissingColumnError as exc:
        if given is not None or tree is None or exc.key != tree:
            raise
        msg = (
            f"{events} has no tree '{tree}', the tree the model was trained on "
            f"(available: {', '.join(exc.available) or 'none'}); name the tree to score with "
            "--tree (tree= in Python)"
        )
        raise MissingColumnError(msg, key=tree, path=str(events), available=exc.available) from None
    ev = pipe.read(events, tree=tree, selection=selection)
    _check_features(ev.values, events)
    # events failing the selection may lack an object a feature needs: they score NaN
    scorable = ev.selected | np.isfinite(ev.values.to_numpy()).all(axis=1)
    score = np.full(len(ev.values), np.nan)
    score[scorable] = pipe.signal_score(pipe.transform(ev.values[scorable]))
    # built at once: inserting a model's hundreds of columns (a particle set's slots) one by
    # one makes pandas warn about a fragmented frame
    file, entry = ev.origin()
    columns: dict[str, Any] = {"file": file, "entry": entry} if ev.files else {"entry": entry}
    columns.update((f, ev.values[f].to_numpy()) for f in pipe.features)
    if not selection:
        columns["selected"] = ev.selected.astype(np.int8)
    keep = [c for c in full.columns if str(c) not in columns]
    table = pd.concat(
        [pd.DataFrame(columns), full.iloc[ev.entry][keep].reset_index(drop=True)], axis=1
    )
    if column in table.columns:
        msg = f"{events} already has a column '{column}'; choose another with --column"
        raise DataError(msg, key=column, path=str(events))
    table = pd.concat([table, pd.DataFrame({column: score})], axis=1)
    from neyman.data import write_table

    return write_table(table, output)
