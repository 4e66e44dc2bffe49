"""A context manager for the thread count of torch and the BLAS/OpenMP pools.

Small networks (the course's 2-10-10-1, a 6-100-100-1 regressor) gain nothing from several
threads, and on a busy machine torch's thread pool makes each step many times slower. The
estimators choose their count themselves (``n_threads="auto"``, :mod:`neyman._util.threads`);
code that trains with :func:`neyman.train.fit` directly may wrap it in :func:`torch_threads`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from neyman._util.threads import thread_limits

__all__ = ["torch_threads"]


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``n`` torch (and BLAS) threads, then restore the previous counts.

    Examples
    --------
    >>> import torch
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
    with thread_limits(n):
        yield
