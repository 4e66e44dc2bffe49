"""Scale-out: score many files on a Dask cluster (:mod:`neyman.scale.dask`), train MLPs
with DDP (:mod:`neyman.scale.ddp`) and run a whole study on Dask or DDP
(:mod:`neyman.scale.study`).

Dask and ``distributed`` are imported only when used (``pip install 'neyman[dask]'``).
Streaming training from many files lives in :mod:`neyman.data.stream`.
"""

__all__: list[str] = []
