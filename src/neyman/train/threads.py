"""A context manager for torch's intra-op thread count.

Small networks (the course's 2-10-10-1, a 6-100-100-1 regressor) gain nothing from several
threads, and on a busy machine torch's thread pool makes each step many times slower. The
training loop never changes the thread count itself (``torch.set_num_threads`` set by the
caller is respected); code that trains small networks wraps them in :func:`torch_threads`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["torch_threads"]


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``n`` torch threads, then restore the previous count.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n < 1:
        msg = f"torch_threads needs n >= 1; got {n}"
        raise ValueError(msg)
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
