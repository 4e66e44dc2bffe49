"""Damaged files in every format: the readers answer with a table or a NeymanError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neyman.data.io import read_table
from tests.fuzz._settings import FUZZ, PENDING, neyman_message
from tests.hostile.workspace import Workspace, events_frame

FORMATS = ("csv", "parquet", "root", "h5", "npz")


def _valid_bytes(fmt: str) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        w = Workspace(Path(d), {})
        return w.table(fmt, events_frame(n=12)).read_bytes()


VALID = {fmt: _valid_bytes(fmt) for fmt in FORMATS}


@st.composite
def damaged(draw: st.DrawFn, fmt: str) -> bytes:
    data = bytearray(VALID[fmt])
    kind = draw(st.sampled_from(["flip", "truncate", "splice", "random"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "splice":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(min_size=1, max_size=64))
    else:
        data = bytearray(draw(st.binary(max_size=512)))
    return bytes(data)


def _pending(fmt: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=False, reason=PENDING)] if fmt == "root" else []


def _read(fmt: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"events.{fmt}"
        path.write_bytes(data)
        message = neyman_message(lambda: read_table(path))
        assert message is None or "\n" not in message


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=_pending(f)) for f in FORMATS])
@FUZZ
@given(data=st.data())
def test_damaged_files_give_a_table_or_a_neyman_error(fmt: str, data: st.DataObject) -> None:
    _read(fmt, data.draw(damaged(fmt)))
