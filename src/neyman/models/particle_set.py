"""Classifiers on sets of particles: Deep Sets (Particle Flow Networks) and a small transformer.

Read ``neyman.data.constituents`` first: it turns jet constituents (awkward arrays, tables
with jagged columns, lists of arrays) into the padded array with a mask channel that the
networks here read, with every feature relative to the jet axis.

``architecture="deepsets"``
    The Particle Flow Network of Komiske, Metodiev, Thaler (JHEP 01 (2019) 121,
    arXiv:1810.05165), after Deep Sets (Zaheer et al., arXiv:1703.06114): a per-particle
    network ``Phi``, a masked **sum** over particles, then a head ``F``.
``architecture="transformer"``
    A small Particle-Transformer-style encoder (Qu, Li, Qian, arXiv:2202.03772): a
    per-particle embedding, ``n_blocks`` of masked multi-head self-attention (pre-norm, with
    an optional bias from the pairwise features ``ln kT, ln z, ln Delta R, ln m^2`` of each
    particle pair), then ``n_class_blocks`` of class attention (a learned class token
    attends to the particles) and a linear head on the class token.

Both are permutation invariant by construction (no positions anywhere; sums and attention
weights do not depend on the particles' order), and padded slots never contribute: the sum
multiplies them by the mask, and attention gives them a score of -1e9 before the softmax.

Everything else (training by :func:`neyman.train.fit`, prediction, ``save``/``load`` as
``model.json`` + ``weights.safetensors``, ``export_onnx``) is the machinery of the other
torch estimators (``_torch.py``). The ONNX graph reads :func:`~neyman.data.constituents.\
particle_inputs` (shape (n, max_particles, 8)).
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np
import torch
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin
from torch import nn

from neyman.data.constituents import FEATURE_NAMES, FEATURE_SCALING, particle_inputs
from neyman.errors import DataError
from neyman.models._torch import ACTIVATIONS, _TorchEstimator
from neyman.models.base import Constraint
from neyman.models.params import PARAM_TABLES

__all__ = ["ParticleSetClassifier", "ParticleSetNet", "pairwise_features"]

_N_FEATURES = len(FEATURE_NAMES)
_MASKED = -1e9  # attention score of a padded slot: exp() is exactly 0 in float32


def _unscale(x: torch.Tensor, name: str) -> torch.Tensor:
    shift, scale = FEATURE_SCALING[name]
    return x[..., FEATURE_NAMES.index(name)] / scale + shift


def pairwise_features(feats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``ln kT, ln z, ln Delta R, ln m^2`` of every particle pair, shape (b, p, p, 4).

    With ``Delta R_ij`` from the positions relative to the jet axis,
    ``kT = min(pT_i, pT_j) Delta R_ij``, ``z = min(pT_i, pT_j) / (pT_i + pT_j)`` and
    ``m^2 = (E_i + E_j)^2 - |p_i + p_j|^2`` (GeV^2); each log of a value clipped at 1e-8.
    Zero for pairs with a padded particle, and on the diagonal.

    Parameters
    ----------
    feats : tensor of shape (b, p, 7)
        Scaled features (channels 1.. of :func:`~neyman.data.constituents.particle_inputs`).
    mask : tensor of shape (b, p)
        1 for particles, 0 for padding.
    """
    deta, dphi = _unscale(feats, "deta"), _unscale(feats, "dphi")
    pt = torch.exp(_unscale(feats, "log_pt"))
    e = torch.exp(_unscale(feats, "log_e"))
    px, py, pz = pt * torch.cos(dphi), pt * torch.sin(dphi), pt * torch.sinh(deta)
    dr = torch.sqrt(
        (deta[:, :, None] - deta[:, None, :]) ** 2
        + (dphi[:, :, None] - dphi[:, None, :]) ** 2
        + 1e-16
    )
    pt_min = torch.minimum(pt[:, :, None], pt[:, None, :])
    kt = pt_min * dr
    z = pt_min / (pt[:, :, None] + pt[:, None, :])
    m2 = (
        (e[:, :, None] + e[:, None, :]) ** 2
        - (px[:, :, None] + px[:, None, :]) ** 2
        - (py[:, :, None] + py[:, None, :]) ** 2
        - (pz[:, :, None] + pz[:, None, :]) ** 2
    )
    out = torch.stack([torch.log(torch.clamp(v, min=1e-8)) for v in (kt, z, dr, m2)], dim=-1)
    p = mask.shape[1]
    eye = torch.eye(p, dtype=mask.dtype, device=mask.device)
    valid = mask[:, :, None] * mask[:, None, :] * (1 - eye)
    return out * valid[..., None]


class _Attention(nn.Module):
    """Multi-head attention with an additive score bias (masks and pairwise features)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, nq, d = query.shape
        nk = keys.shape[1]
        h = self.heads
        q = self.q(query).reshape(b, nq, h, d // h).transpose(1, 2)
        k, v = self.kv(keys).reshape(b, nk, 2, h, d // h).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / float(np.sqrt(d // h)) + bias
        attn = torch.softmax(scores, dim=-1)
        out: torch.Tensor = self.out((attn @ v).transpose(1, 2).reshape(b, nq, d))
        return out


class _Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = _Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim)
        )

    def forward(
        self, x: torch.Tensor, keys: torch.Tensor | None, bias: torch.Tensor
    ) -> torch.Tensor:
        kv = self.norm1(x if keys is None else keys)
        x = x + self.attn(self.norm1(x), kv, bias)
        out: torch.Tensor = x + self.mlp(self.norm2(x))
        return out


def _mlp(
    sizes: list[int], dropout: float, *, last_activation: bool, activation: str = "relu"
) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or last_activation:
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class ParticleSetNet(nn.Module):
    """The network of :class:`ParticleSetClassifier`: input (b, p, 1 + 7), output (b, n_out).

    Channel 0 of the input is the mask, channels 1.. the scaled particle features.
    """

    def __init__(
        self,
        architecture: str,
        n_out: int,
        *,
        phi_sizes: tuple[int, ...] = (64, 64, 64),
        f_sizes: tuple[int, ...] = (64, 64),
        dim: int = 32,
        heads: int = 4,
        n_blocks: int = 2,
        n_class_blocks: int = 1,
        pairwise: bool = True,
        dropout: float = 0.0,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.architecture = architecture
        self.pairwise = pairwise and architecture == "transformer"
        self.heads = heads
        if architecture == "deepsets":
            self.phi = _mlp(
                [_N_FEATURES, *phi_sizes], 0.0, last_activation=True, activation=activation
            )
            self.head = _mlp(
                [phi_sizes[-1], *f_sizes, n_out],
                dropout,
                last_activation=False,
                activation=activation,
            )
            return
        self.embed = nn.Sequential(nn.Linear(_N_FEATURES, dim), nn.GELU(), nn.Linear(dim, dim))
        if self.pairwise:
            self.pair_embed = nn.Sequential(nn.Linear(4, 16), nn.GELU(), nn.Linear(16, heads))
        self.blocks = nn.ModuleList(_Block(dim, heads, dropout) for _ in range(n_blocks))
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        nn.init.trunc_normal_(self.class_token, std=0.02)
        self.class_blocks = nn.ModuleList(
            _Block(dim, heads, dropout) for _ in range(n_class_blocks)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Sequential(nn.Linear(dim, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = x[..., 0]
        feats = x[..., 1:]
        if self.architecture == "deepsets":
            per_particle = self.phi(feats) * mask[..., None]
            return self.head(per_particle.sum(dim=1))  # type: ignore[no-any-return]
        b = x.shape[0]
        h = self.embed(feats)
        key_bias = (1.0 - mask)[:, None, None, :] * _MASKED  # (b, 1, 1, p)
        bias = key_bias
        if self.pairwise:
            pair = self.pair_embed(pairwise_features(feats, mask))  # (b, p, p, heads)
            bias = bias + pair.permute(0, 3, 1, 2)
        for block in self.blocks:
            h = block(h, None, bias)
        cls = self.class_token.expand(b, -1, -1)
        # the class token attends to itself and the particles
        cls_bias = torch.cat([torch.zeros_like(key_bias[..., :1]), key_bias], dim=-1)
        for block in self.class_blocks:
            cls = block(cls, torch.cat([cls, h], dim=1), cls_bias)
        return self.head(self.norm(cls[:, 0]))  # type: ignore[no-any-return]


class ParticleSetClassifier(ClassifierMixin, _TorchEstimator):  # type: ignore[misc]
    """Classifier on sets of particles (jet constituents), trained by :func:`neyman.train.fit`.

    Parameters
    ----------
    architecture : {"deepsets", "transformer"}, default "deepsets"
        See :mod:`neyman.models.particle_set`.
    max_particles : int, default 100
        Particle slots per jet: the highest-pT particles are kept, the rest dropped.
    phi_sizes, f_sizes : tuple of int
        Deep Sets: widths of the per-particle network and of the head.
    dim, heads, n_blocks, n_class_blocks : int
        Transformer: embedding width (a multiple of ``heads``), attention heads,
        self-attention blocks and class-attention blocks.
    pairwise : bool, default True
        Transformer: bias the attention by the embedded pairwise features.
    dropout : float
        In the head (Deep Sets) or the blocks' MLPs (transformer).
    output, loss, optimizer, lr, momentum, batch_size, epochs, weight_decay, l1, \
early_stopping, patience, validation_fraction, lr_schedule, lr_factor, lr_patience, \
checkpoint_dir, resume, device, backend, precision, n_threads, random_state, verbose
        As for :class:`~neyman.models.MLPClassifier`. Always trained on the torch path
        (``backend="fast"`` raises a ConfigError).

    Input ``X``: jet constituents in any form :func:`neyman.data.constituents.as_jagged`
    reads (awkward records, a table with ``part_pt, part_eta, part_phi, part_e`` columns, a
    list of (n_i, 4) arrays of ``(pt, eta, phi, e)``, or a padded (n, p, 4) array), or a
    2-D array of shape (n, 4 q): a padded array flattened per jet, ``pt, eta, phi, e`` of
    slot 0, then of slot 1, ... (the columns a study's ``data.particles`` reads). A model
    fitted on one 2-D width scores that width (``n_features_in_ = 4 q``); one fitted on
    jagged input scores jagged input (``n_features_in_ = max_particles``).

    Attributes
    ----------
    classes_, module_, history_, n_parameters_, output_, loss_, device_, backend_
        As for :class:`~neyman.models.MLPClassifier`.
    input_shape_ : tuple (max_particles, 8)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> jets = [np.column_stack([rng.exponential(20, k), rng.normal(0, .2, k),
    ...          rng.normal(0, .2, k), rng.exponential(30, k) + 20]) for k in (5, 8, 3, 6)]
    >>> clf = ParticleSetClassifier(max_particles=8, epochs=1, random_state=0, verbose=0)
    >>> clf.fit(jets, [0, 1, 0, 1]).predict_proba(jets).shape
    (4, 2)
    """

    _is_classifier: ClassVar[bool] = True
    _param_table: ClassVar[dict[str, list[Constraint | None]]] = PARAM_TABLES[
        "ParticleSetClassifier"
    ]

    def __init__(
        self,
        architecture: str = "deepsets",
        *,
        max_particles: int = 100,
        phi_sizes: tuple[int, ...] = (64, 64, 64),
        f_sizes: tuple[int, ...] = (64, 64),
        dim: int = 32,
        heads: int = 4,
        n_blocks: int = 2,
        n_class_blocks: int = 1,
        pairwise: bool = True,
        activation: str = "relu",
        output: str = "auto",
        loss: str = "auto",
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.0,
        batch_size: int = 128,
        epochs: int = 20,
        weight_decay: float = 0.0,
        l1: float = 0.0,
        dropout: float = 0.0,
        early_stopping: bool = False,
        patience: int = 5,
        validation_fraction: float = 0.1,
        lr_schedule: str | None = None,
        lr_factor: float = 0.5,
        lr_patience: int = 3,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        resume: bool = False,
        device: str = "auto",
        backend: str = "auto",
        precision: str = "auto",
        n_threads: int | str = "auto",
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.architecture = architecture
        self.max_particles = max_particles
        self.phi_sizes = phi_sizes
        self.f_sizes = f_sizes
        self.dim = dim
        self.heads = heads
        self.n_blocks = n_blocks
        self.n_class_blocks = n_class_blocks
        self.pairwise = pairwise
        self.activation = activation
        self.output = output
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.l1 = l1
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.lr_schedule = lr_schedule
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.device = device
        self.backend = backend
        self.precision = precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # -- hooks of _TorchEstimator -----------------------------------------------------

    def _build_module(self, input_shape: tuple[int, ...], n_out: int) -> nn.Sequential:
        if self.architecture == "transformer" and self.dim % self.heads:
            from neyman.errors import ConfigError

            msg = (
                f"ParticleSetClassifier needs dim divisible by heads; got dim={self.dim}, "
                f"heads={self.heads}"
            )
            raise ConfigError(msg, key="dim", value=self.dim)
        net = ParticleSetNet(
            self.architecture,
            n_out,
            phi_sizes=tuple(int(s) for s in self.phi_sizes),
            f_sizes=tuple(int(s) for s in self.f_sizes),
            dim=int(self.dim),
            heads=int(self.heads),
            n_blocks=int(self.n_blocks),
            n_class_blocks=int(self.n_class_blocks),
            pairwise=bool(self.pairwise),
            dropout=float(self.dropout),
            activation=self.activation,
        )
        return nn.Sequential(net)

    def _architecture(self) -> dict[str, Any]:
        return {
            "architecture": self.architecture,
            "phi_sizes": list(self.phi_sizes),
            "f_sizes": list(self.f_sizes),
            "dim": self.dim,
            "heads": self.heads,
            "n_blocks": self.n_blocks,
            "n_class_blocks": self.n_class_blocks,
            "pairwise": self.pairwise,
        }

    def _probe_input(self) -> Any:
        """None: a jet's shape (flat slots or jagged) is not known from the restored model
        alone, so :func:`neyman.models.load` does not score a probe jet; a study's pipeline
        (flat slots) is probed by :func:`neyman.models.pipeline.check_scores`."""
        return None

    def _check_X(self, X: Any, *, reset: bool, **kwargs: Any) -> Any:
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype != object:
            # flat slots (a study's data.particles columns): validated as 4 q columns, turned
            # into the network input by _prepare_X
            if X.shape[1] % 4:
                msg = (
                    f"ParticleSetClassifier reads a 2-D X as (pt, eta, phi, e) of each particle "
                    f"slot in turn; {X.shape[1]} columns is not a multiple of 4"
                )
                raise DataError(msg, key="X", value=X.shape[1])
            return super()._check_X(X, reset=reset, **kwargs)
        # jagged constituents -> the padded (n, p, 1 + 7) network input, before scikit-learn
        # validates it as an n-d array
        if reset:
            p = int(self.max_particles)
        else:
            self._require_fitted()
            p = int(self.input_shape_[0])
        inputs = particle_inputs(X, p)
        if len(inputs) == 0:
            msg = "ParticleSetClassifier got no jets; pass at least one jet"
            raise DataError(msg, key="X", value=0)
        return super()._check_X(inputs, reset=reset, **kwargs)

    def _prepare_X(self, X: Any, *, reset: bool) -> NDArray[np.float32]:
        arr = np.asarray(X)
        if arr.ndim == 2:  # flat slots, checked by _check_X
            p = int(self.max_particles) if reset else int(self.input_shape_[0])
            return particle_inputs(arr.reshape(len(arr), -1, 4), p)
        # _check_X padded every jet to the fitted number of particle slots
        return np.ascontiguousarray(np.asarray(X, dtype=np.float32))

    # -- public API -------------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> ParticleSetClassifier:
        """Train on jets ``X`` (constituents, see the class docstring) and labels ``y``."""
        self._fit(X, y, sample_weight, validation_data)
        return self

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Logit of ``classes_[1]`` (shape (n,)) for two classes, else logits (n, k)."""
        return self._decision(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities, shape (n, n_classes)."""
        return self._proba(X)

    def predict(self, X: Any) -> NDArray[Any]:
        """Most probable class label per jet."""
        return self._predict_class(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
