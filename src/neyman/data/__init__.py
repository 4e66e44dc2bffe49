"""Events in, events out: the :class:`Dataset` container, file I/O and physics features.

Read ``dataset.py`` first, then ``io.py`` (files to DataFrames), ``physics.py`` (formulas)
and ``expressions.py`` (the one restricted evaluator for features and selections).
This package imports nothing else of neyman except :mod:`neyman.errors`.
"""

from neyman.data import physics
from neyman.data.dataset import Dataset, DatasetSplit, Standardizer, Summary
from neyman.data.expressions import (
    Expression,
    evaluate_expression,
    evaluate_feature,
    evaluate_selection,
    parse_expression,
    parse_selection,
)
from neyman.data.io import expand_paths, iter_table, read_table, write_table

__all__ = [
    "Dataset",
    "DatasetSplit",
    "Expression",
    "Standardizer",
    "Summary",
    "evaluate_expression",
    "evaluate_feature",
    "evaluate_selection",
    "expand_paths",
    "iter_table",
    "parse_expression",
    "parse_selection",
    "physics",
    "read_table",
    "write_table",
]
