"""What a fitted torch estimator shows and exports: the layer summary and ONNX.

Read ``estimator.py`` first; this mixin only reads its fitted attributes (``module_``,
``input_shape_``, ``output_``, ``loss_``, ``backend_``, ``device_``, ``n_parameters_``).
"""

from __future__ import annotations

import copy
import io
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from neyman._util.fs import atomic_path

__all__: list[str] = []


class _ReportMixin:
    module_: nn.Module
    input_shape_: tuple[int, ...]
    output_: str
    loss_: str
    backend_: str
    device_: str
    n_parameters_: int

    if TYPE_CHECKING:

        def _require_fitted(self) -> None: ...  # provided by NeymanEstimator

    def summary(self, *, show: bool = True) -> str:
        """Print a Keras-like table of layers, output shapes and parameter counts.

        Parameters
        ----------
        show : bool
            Print the table to standard output (as well as returning it).

        Returns
        -------
        str
            The rendered table.
        """
        self._require_fitted()
        from rich.console import Console
        from rich.table import Table

        precision = getattr(self, "precision_", "fp32")
        title = f"{type(self).__name__} ({self.backend_} backend, {self.device_}, {precision})"
        table = Table(title=title)
        table.add_column("Layer (type)")
        table.add_column("Output shape")
        table.add_column("Param #", justify="right")
        for row in self._layer_rows():
            table.add_row(*row)
        buffer = io.StringIO()
        console = Console(file=buffer, width=100, force_terminal=False, color_system=None)
        console.print(table)
        console.print(f"Total params: {self.n_parameters_:,}  (loss: {self.loss_})")
        text = buffer.getvalue()
        if show:
            sys.stdout.write(text)
        return text

    def _layer_rows(self) -> list[tuple[str, str, str]]:
        rows = [("input", str((None, *self.input_shape_)), "0")]
        if not isinstance(self.module_, nn.Sequential):  # a custom module: one row
            count = sum(p.numel() for p in self.module_.parameters())
            rows.append((type(self.module_).__name__, "", f"{count:,}"))
            return rows
        device = next(self.module_.parameters()).device
        x = torch.zeros((1, *self.input_shape_), device=device)
        with torch.inference_mode():
            for i, layer in enumerate(self.module_):
                x = layer.eval()(x) if not isinstance(layer, nn.Dropout) else x
                count = sum(p.numel() for p in layer.parameters())
                label = f"{i} ({type(layer).__name__})"
                rows.append((label, str((None, *x.shape[1:])), f"{count:,}"))
        rows.append((f"output head ({self.output_})", str((None, *x.shape[1:])), "0"))
        return rows

    def export_onnx(self, path: str | os.PathLike[str]) -> Path:
        """Export the network with its output head (probabilities or values) to ONNX.

        The graph takes ``X`` (float32, shape ``(n, *input_shape_)``, dynamic ``n``) and
        returns ``output``: class probabilities of shape (n, 1) for a sigmoid head (the
        probability of ``classes_[1]``), (n, k) for softmax, or the regression values.

        Parameters
        ----------
        path : path-like
            The ``.onnx`` file to write (atomically).

        Raises
        ------
        ImportError
            If ``onnx``/``onnxscript`` are missing: ``pip install 'neyman[onnx]'``.
        """
        self._require_fitted()
        try:
            import onnx  # noqa: F401
            import onnxscript  # noqa: F401
        except ImportError as exc:
            msg = f"{type(self).__name__}.export_onnx needs onnx: pip install 'neyman[onnx]'"
            raise ImportError(msg) from exc
        head: nn.Module = {"sigmoid": nn.Sigmoid(), "softmax": nn.Softmax(dim=1)}.get(
            self.output_, nn.Identity()
        )
        graph = nn.Sequential(copy.deepcopy(self.module_).to("cpu"), head).eval()
        example = torch.zeros((2, *self.input_shape_))
        target = Path(path)
        export: Any = torch.onnx.export
        with atomic_path(target) as tmp, warnings.catch_warnings():
            # torch's exporter emits internal deprecation warnings that are not the user's
            warnings.simplefilter("ignore")
            export(
                graph,
                (example,),
                str(tmp),
                input_names=["X"],
                output_names=["output"],
                dynamic_shapes=({0: torch.export.Dim("n")},),
                dynamo=True,
                external_data=False,
            )
        return target
