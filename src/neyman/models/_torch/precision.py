"""``precision="auto" | "fp32" | "bf16"``: when a torch estimator trains in bfloat16.

bf16 autocast runs the matrix products in bfloat16 on hardware that has bf16 units (Intel
AMX, AVX512-BF16, CUDA devices with compute capability 8 or more) while the weights, the
optimizer state and the loss stay float32 (:mod:`neyman.train.loop`). It gains only where
the products dominate a step: ``"auto"`` picks bf16 when the hardware has bf16 units and the
work per step (parameters x batch size) is at least :data:`BF16_MIN_WORK`, measured in
``docs/benchmarks.md`` (``python -m benchmarks bf16``); fp32 otherwise.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch

__all__ = ["BF16_MIN_BATCH", "BF16_MIN_WORK", "cpu_has_bf16", "resolve_precision"]

#: Multiply-adds per step (per event x batch size) from which ``"auto"`` trains in bf16.
BF16_MIN_WORK = 20_000_000
#: Events per batch from which ``"auto"`` trains in bf16.
BF16_MIN_BATCH = 512

_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


@functools.cache
def cpu_has_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU lists ``amx_bf16`` or ``avx512_bf16`` in its flags (Linux)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return any(flag in flags for flag in _CPU_FLAGS)
    return False


def _device_has_bf16(device: torch.device) -> bool:
    if device.type == "cpu":
        return cpu_has_bf16()
    if device.type == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    return False


def resolve_precision(precision: str, device: torch.device, work: float, batch_size: int) -> str:
    """``"fp32"`` or ``"bf16"`` for ``work`` multiply-adds per step at ``batch_size``.

    An explicit ``"fp32"``/``"bf16"`` is kept; ``"auto"`` follows the module docstring.

    Examples
    --------
    >>> resolve_precision("auto", torch.device("cpu"), work=1000.0, batch_size=64)
    'fp32'
    """
    if precision != "auto":
        return precision
    large = work >= BF16_MIN_WORK and batch_size >= BF16_MIN_BATCH
    return "bf16" if large and _device_has_bf16(device) else "fp32"
