"""Selection expressions such as ``"pt1 > 20 and abs(eta1) < 2.5"``, never run through eval.

Kept for compatibility: the one evaluator lives in :mod:`neyman.data.expressions`, which
features use too (``Jet_pt[0] > 30``, ``len(Jet_pt) >= 2`` and physics functions included).
"""

from __future__ import annotations

from neyman.data.expressions import evaluate_selection, selection_columns

__all__ = ["evaluate_selection", "selection_columns"]
