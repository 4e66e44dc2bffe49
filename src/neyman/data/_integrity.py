"""Checksums that neyman writes with its ROOT and HDF5 tables, and checks when it reads them.

ROOT stores a basket raw when compression does not shrink it (random float64 values, for
instance), and raw baskets carry no checksum; HDF5's Fletcher-32 filter cannot tell a run
of ``0x00`` bytes from ``0xFF`` (a flipped 0 is invisible). So :func:`neyman.data.write_table`
also stores the SHA-256 of every column (a string ``neyman_sha256`` beside the ROOT tree, an
attribute of the HDF5 group), and a full read of such a file compares the columns it read.
Files from elsewhere carry no record and are read as they are. Read by :mod:`neyman.data.io`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from neyman.errors import DataError

__all__ = ["RECORD", "ColumnCheck", "record_text"]

#: name of the record: a top-level string in a ROOT file, an attribute of an HDF5 group
RECORD = "neyman_sha256"


def _canonical(values: Any) -> bytes:
    """The bytes hashed for a column: float64 little-endian, whatever the stored type."""
    return np.ascontiguousarray(np.asarray(values), dtype="<f8").tobytes()


def record_text(table: str, columns: Mapping[str, Any]) -> str:
    """The record for ``columns`` (name -> 1-D numeric array) of the tree or group ``table``."""
    sums = {str(c): hashlib.sha256(_canonical(v)).hexdigest() for c, v in columns.items()}
    return json.dumps({"table": table, "sha256": sums}, sort_keys=True)


class ColumnCheck:
    """Hash the columns of a whole read chunk by chunk; compare with the record at the end.

    ``text`` is the record as found in the file (None: no record, nothing is checked).
    """

    def __init__(self, text: str | None, table: str, label: str, path: str) -> None:
        self.label, self.path = label, path
        self.sums: dict[str, str] = {}
        if text is None:
            return
        try:
            doc = json.loads(text)
            sums = doc["sha256"] if doc["table"] == table else {}
            ok = isinstance(sums, dict) and all(isinstance(v, str) for v in sums.values())
        except (ValueError, TypeError, KeyError):
            ok = False
        if not ok:
            msg = (
                f"{label}: the checksum record '{RECORD}' written with the file is damaged; "
                "the file was changed since neyman wrote it: restore it or write it again"
            )
            raise DataError(msg, path=path, key=RECORD)
        self.sums = sums

    def wrap(self, chunks: Iterator[tuple[Any, int]], cols: list[str]) -> Iterator[tuple[Any, int]]:
        """Yield ``chunks`` unchanged; after the last, raise DataError if a column differs."""
        checked = [c for c in dict.fromkeys(cols) if c in self.sums]
        if not checked:
            yield from chunks
            return
        hashers = {c: hashlib.sha256() for c in checked}
        for chunk, n in chunks:
            for c in checked:
                hashers[c].update(_canonical(chunk[c]))
            yield chunk, n
        for c in checked:
            if hashers[c].hexdigest() != self.sums[c]:
                msg = (
                    f"column '{c}' in {self.label} does not match the checksum written with "
                    "the file; the file was changed or damaged since neyman wrote it: restore "
                    "it or write it again"
                )
                raise DataError(msg, key=c, path=self.path)
