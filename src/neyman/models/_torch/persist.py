"""Saving and loading a torch estimator's learned state (the model directory's contents).

``model.json`` gets the shapes, head, loss, history and how the network was trained
(``training``: backend, precision, threads); the weights go to safetensors as
``module.<name>`` arrays. Loading rebuilds the network with ``_build_module`` and checks
the weights fit it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from numpy.typing import NDArray
from torch import nn

from neyman.errors import ModelError
from neyman.models.base import classes_from_json, classes_to_json
from neyman.train import resolve_device
from neyman.train.loop import TrainHistory

__all__: list[str] = []


class _PersistMixin:
    _is_classifier: ClassVar[bool]
    module_: nn.Module
    input_shape_: tuple[int, ...]
    n_outputs_: int
    output_: str
    loss_: str
    history_: TrainHistory
    n_parameters_: int
    backend_: str
    precision_: str
    device_: str
    device: str
    classes_: NDArray[Any]

    if TYPE_CHECKING:

        def _build_module(self, input_shape: tuple[int, ...], n_out: int) -> nn.Sequential: ...

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        history = self.history_
        record = history.record() if isinstance(history, TrainHistory) else {}
        meta: dict[str, Any] = {
            "input_shape": list(self.input_shape_),
            "n_outputs": self.n_outputs_,
            "output": self.output_,
            "loss": self.loss_,
            "history": dict(history),
            "n_parameters": self.n_parameters_,
            "backend": self.backend_,
            "training": {**record, "backend": self.backend_},
            "y_ndim": getattr(self, "_y_ndim", 1),
        }
        if self._is_classifier:
            meta["classes"] = classes_to_json(self.classes_)
        arrays = {
            f"module.{k}": v.detach().to("cpu").numpy()
            for k, v in self.module_.state_dict().items()
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        self.input_shape_ = tuple(int(s) for s in meta["input_shape"])
        self.n_outputs_ = int(meta["n_outputs"])
        self.output_ = str(meta["output"])
        self.loss_ = str(meta["loss"])
        self.n_parameters_ = int(meta["n_parameters"])
        self.backend_ = str(meta.get("backend", "torch"))
        training = meta.get("training", {})
        self.precision_ = str(training.get("precision", "fp32"))
        self.history_ = TrainHistory(
            {str(k): [float(x) for x in v] for k, v in meta["history"].items()},
            backend=self.backend_,
            precision=self.precision_,
            n_threads=int(training.get("n_threads", 0)),
        )
        self._y_ndim = int(meta.get("y_ndim", 1))
        if self._is_classifier:
            self.classes_ = classes_from_json(meta["classes"])
        module = self._build_module(self.input_shape_, self.n_outputs_)
        state = {k[len("module.") :]: torch.from_numpy(v.copy()) for k, v in arrays.items()}
        try:
            module.load_state_dict(state)
        except RuntimeError as exc:
            msg = f"'{path}' weights do not match the saved architecture ({exc}); save it again"
            raise ModelError(msg, path=str(path)) from exc
        device = resolve_device(self.device)
        self.module_ = module.to(device).eval()
        self.device_ = str(device)
