"""Output head and loss of a torch estimator, resolved from its task and settings.

``output="auto"``/``loss="auto"`` become concrete names here (sigmoid + bce for two classes,
softmax + cross_entropy for more, linear + mse for regression); the result is a
:class:`neyman.train.spec.LossSpec`, which both training backends read.
"""

from __future__ import annotations

from neyman.errors import ConfigError
from neyman.train.spec import LOSSES, OUTPUTS, LossSpec

__all__ = ["LOSSES", "OUTPUTS", "resolve_head"]


def resolve_head(
    owner: str, is_classifier: bool, output: str, loss: str, n_classes: int
) -> LossSpec:
    """The :class:`LossSpec` of an estimator ``owner`` with ``n_classes`` classes/targets.

    Raises
    ------
    neyman.errors.ConfigError
        For a head and loss that do not go together (e.g. ``loss='bce'`` with softmax).
    """
    if not is_classifier:
        output = "linear" if output == "auto" else output
        loss = "mse" if loss == "auto" else loss
        return LossSpec(output, loss, n_classes, "mae")
    if output == "auto":
        output = "sigmoid" if n_classes == 2 else "softmax"
    if output == "sigmoid" and n_classes != 2:
        msg = (
            f"{owner}(output='sigmoid') needs two classes, got {n_classes}; "
            "use output='softmax' or 'auto'"
        )
        raise ConfigError(msg, key="output", value=output)
    if loss == "auto":
        loss = "bce" if output == "sigmoid" else "cross_entropy"
    if loss == "bce" and output != "sigmoid":
        msg = f"{owner}(loss='bce') needs output='sigmoid'; use loss='cross_entropy'"
        raise ConfigError(msg, key="loss", value=loss)
    if loss == "cross_entropy" and output != "softmax":
        msg = f"{owner}(loss='cross_entropy') needs output='softmax'; use loss='bce'"
        raise ConfigError(msg, key="loss", value=loss)
    return LossSpec(output, loss, 1 if output == "sigmoid" else n_classes, "accuracy")
