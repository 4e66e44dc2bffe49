"""Events in, events out: the :class:`Dataset` container, file I/O and physics features.

Read ``dataset.py`` first, then ``io.py`` (files to DataFrames) and ``physics.py`` (formulas).
This package imports nothing else of neyman except :mod:`neyman.errors`.
"""

from neyman.data import physics
from neyman.data.dataset import Dataset, DatasetSplit, Standardizer, Summary
from neyman.data.io import iter_table, read_table, write_table
from neyman.data.selection import evaluate_selection

__all__ = [
    "Dataset",
    "DatasetSplit",
    "Standardizer",
    "Summary",
    "evaluate_selection",
    "iter_table",
    "physics",
    "read_table",
    "write_table",
]
