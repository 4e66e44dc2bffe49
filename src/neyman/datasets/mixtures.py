"""Gaussian-mixture problems whose Neyman-Pearson optimum is known exactly.

Signal and background are each a finite mixture of (possibly correlated) multivariate normal
densities, so the log-likelihood ratio ``log p_s(x) / p_b(x)`` is known in closed form at any
``x``. Every dataset made here carries it per event in ``Dataset.truth``; the problem object
itself is in ``dataset.meta["problem"]`` and the function in ``dataset.meta["llr"]`` (the same
convention as every other built-in problem with exact truth).

Read :class:`GaussianMixtureProblem` first; :func:`gaussian_mixture_1d` is the course's
one-dimensional example and :func:`gaussian_mixture` a seeded benchmark family for d = 1..50.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp

from neyman.data import Dataset
from neyman.errors import ConfigError, DataError

__all__ = [
    "GaussianMixture",
    "GaussianMixtureProblem",
    "gaussian_mixture",
    "gaussian_mixture_1d",
    "gaussian_mixture_problem",
]

Seed = int | np.random.Generator | None
FloatArray = npt.NDArray[np.float64]

#: Default 1-D components, ``(weight, mean, standard deviation)`` per component.
SIGNAL_1D: tuple[tuple[float, float, float], ...] = ((0.6, -1.1, 0.5), (0.4, 1.0, 1.0))
BACKGROUND_1D: tuple[tuple[float, float, float], ...] = ((0.7, 2.0, 0.5), (0.3, -1.0, 1.0))

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, eq=False)
class GaussianMixture:
    """A mixture of ``k`` multivariate normal densities in ``d`` dimensions.

    Parameters
    ----------
    weights : array of shape (k,)
        Component weights, positive, summing to 1 (to 1e-9).
    means : array of shape (k, d)
        Component means.
    covs : array of shape (k, d, d)
        Component covariance matrices, symmetric positive definite.
    """

    weights: FloatArray
    means: FloatArray
    covs: FloatArray
    _chol: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=np.float64).reshape(-1)
        mu = np.asarray(self.means, dtype=np.float64)
        if mu.ndim == 1:
            mu = mu.reshape(-1, 1)
        cov = np.asarray(self.covs, dtype=np.float64)
        k, d = mu.shape
        if cov.ndim == 1 and d == 1:
            cov = cov.reshape(k, 1, 1)
        if w.shape != (k,) or cov.shape != (k, d, d):
            msg = (
                f"mixture shapes disagree: weights {w.shape}, means {mu.shape}, covs {cov.shape}; "
                f"need (k,), (k, d), (k, d, d)"
            )
            raise ConfigError(msg)
        if np.any(w <= 0) or abs(w.sum() - 1.0) > 1e-9:
            msg = f"mixture weights must be positive and sum to 1; got {w.tolist()}"
            raise ConfigError(msg)
        chol = np.empty_like(cov)
        for i in range(k):
            if not np.allclose(
                cov[i], cov[i].T, rtol=0, atol=1e-12 * max(1.0, np.abs(cov[i]).max())
            ):
                msg = f"covariance of component {i} is not symmetric; pass (C + C.T) / 2"
                raise ConfigError(msg)
            try:
                chol[i] = cholesky(cov[i], lower=True)
            except np.linalg.LinAlgError as err:
                msg = f"covariance of component {i} is not positive definite; check its eigenvalues"
                raise ConfigError(msg) from err
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", mu)
        object.__setattr__(self, "covs", cov)
        object.__setattr__(self, "_chol", chol)

    @classmethod
    def from_1d(cls, components: Sequence[tuple[float, float, float]]) -> GaussianMixture:
        """A 1-D mixture from ``(weight, mean, standard deviation)`` triples."""
        arr = np.asarray(components, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 3:
            msg = "1-D components must be (weight, mean, sigma) triples"
            raise ConfigError(msg)
        if np.any(arr[:, 2] <= 0):
            msg = f"component standard deviations must be > 0; got {arr[:, 2].tolist()}"
            raise ConfigError(msg)
        return cls(arr[:, 0], arr[:, 1:2], (arr[:, 2] ** 2).reshape(-1, 1, 1))

    @property
    def dim(self) -> int:
        """Number of dimensions ``d``."""
        return int(self.means.shape[1])

    @property
    def n_components(self) -> int:
        """Number of components ``k``."""
        return int(self.means.shape[0])

    def _check_x(self, x: npt.ArrayLike) -> FloatArray:
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim == 1 and self.dim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != self.dim:
            msg = f"x must have shape (n, {self.dim}); got {arr.shape}"
            raise DataError(msg)
        return arr

    def logpdf(self, x: npt.ArrayLike) -> FloatArray:
        """Log density at each row of ``x`` (shape (n, d), or (n,) when d = 1)."""
        arr = self._check_x(x)
        chol = self._chol
        terms = np.empty((arr.shape[0], self.n_components))
        for i in range(self.n_components):
            z = solve_triangular(chol[i], (arr - self.means[i]).T, lower=True)
            logdet = 2.0 * np.log(np.diag(chol[i])).sum()
            terms[:, i] = (
                np.log(self.weights[i])
                - 0.5 * (self.dim * _LOG_2PI + logdet)
                - 0.5 * (z * z).sum(0)
            )
        out: FloatArray = logsumexp(terms, axis=1)
        return out

    def sample(self, n: int, random_state: Seed = None) -> FloatArray:
        """Draw ``n`` points, shape (n, d)."""
        rng = np.random.default_rng(random_state)
        comp = rng.choice(self.n_components, size=n, p=self.weights)
        chol = self._chol
        z = rng.standard_normal((n, self.dim))
        out = np.empty((n, self.dim))
        for i in range(self.n_components):
            m = comp == i
            out[m] = self.means[i] + z[m] @ chol[i].T
        return out


@dataclass(frozen=True, eq=False)
class GaussianMixtureProblem:
    """Signal against background, both Gaussian mixtures: the exact optimum is known.

    Parameters
    ----------
    signal, background : GaussianMixture
        The two class densities (same dimension).
    name : str
        Name given to sampled datasets.
    feature_names : list of str, optional
        One per dimension; ``x0, x1, ...`` (``x`` in 1-D) when not given.

    Examples
    --------
    >>> problem = GaussianMixtureProblem.from_1d()
    >>> ds = problem.sample(1000, random_state=0)
    >>> ds.X.shape, ds.truth.shape
    ((2000, 1), (2000,))
    >>> bool(abs(problem.log_likelihood_ratio([[0.3]])[0]) < 10)
    True
    """

    signal: GaussianMixture
    background: GaussianMixture
    name: str = "gaussian_mixture"
    feature_names: list[str] | None = None

    def __post_init__(self) -> None:
        if self.signal.dim != self.background.dim:
            msg = f"signal has {self.signal.dim} dimensions but background {self.background.dim}"
            raise ConfigError(msg)
        if self.feature_names is not None and len(self.feature_names) != self.dim:
            msg = f"{len(self.feature_names)} feature names for {self.dim} dimensions"
            raise ConfigError(msg)

    @classmethod
    def from_1d(
        cls,
        signal: Sequence[tuple[float, float, float]] = SIGNAL_1D,
        background: Sequence[tuple[float, float, float]] = BACKGROUND_1D,
        name: str = "gaussian_mixture_1d",
    ) -> GaussianMixtureProblem:
        """A 1-D problem from ``(weight, mean, standard deviation)`` triples per class."""
        return cls(GaussianMixture.from_1d(signal), GaussianMixture.from_1d(background), name)

    @property
    def dim(self) -> int:
        """Number of features."""
        return self.signal.dim

    def log_likelihood_ratio(self, x: npt.ArrayLike) -> FloatArray:
        """Exact ``log p_s(x) - log p_b(x)`` per row of ``x`` (shape (n, d); (n,) in 1-D)."""
        return self.signal.logpdf(x) - self.background.logpdf(x)

    def sample(
        self, n: int = 10_000, *, random_state: Seed = None, n_background: int | None = None
    ) -> Dataset:
        """Draw ``n`` signal and ``n_background`` (default ``n``) background events, shuffled.

        Returns a :class:`~neyman.data.Dataset` with ``y`` (1 = signal), ``truth`` (the exact
        log-likelihood ratio) and ``meta["llr"]`` / ``meta["problem"]``.
        """
        n_b = n if n_background is None else n_background
        if n < 1 or n_b < 1:
            msg = f"need at least one event per class; got n={n}, n_background={n_b}"
            raise ConfigError(msg)
        rng = np.random.default_rng(random_state)
        xs = self.signal.sample(n, rng)
        xb = self.background.sample(n_b, rng)
        X = np.concatenate([xs, xb])
        y = np.concatenate([np.ones(n, np.int64), np.zeros(n_b, np.int64)])
        order = rng.permutation(X.shape[0])
        # truth must describe the events as stored (float32), so round before evaluating it
        X, y = X[order].astype(np.float32).astype(np.float64), y[order]
        names = self.feature_names or (
            ["x"] if self.dim == 1 else [f"x{i}" for i in range(self.dim)]
        )
        return Dataset(
            X,
            y=y,
            feature_names=list(names),
            truth=self.log_likelihood_ratio(X),
            class_names=["background", "signal"],
            name=self.name,
            meta=self._meta(),
        )

    def _meta(self) -> dict[str, Any]:
        llr: Callable[[npt.ArrayLike], FloatArray] = self.log_likelihood_ratio
        return {
            "description": (
                f"{self.dim}-D Gaussian mixtures ({self.signal.n_components} signal, "
                f"{self.background.n_components} background components) with the exact "
                "log-likelihood ratio per event in truth"
            ),
            "source": "generated by neyman.datasets.mixtures",
            "licence": "BSD-3-Clause (generated)",
            "llr": llr,
            "problem": self,
        }

    def optimal_auc(self, *, n_mc: int = 1_000_000, random_state: Seed = 0) -> float:
        """ROC AUC of the exact likelihood ratio: the best any classifier can reach.

        In 1-D, by numerical integration on a grid spanning every component to 12 standard
        deviations (midpoint rule, 400,001 points; error below 1e-7). In more dimensions, by
        Monte Carlo with ``n_mc`` events per class (standard error about
        ``sqrt(AUC (1 - AUC) / n_mc)``, i.e. below 5e-4 at the default).
        """
        if self.dim == 1:
            return self._auc_1d()
        rng = np.random.default_rng(random_state)
        ts = self.log_likelihood_ratio(self.signal.sample(n_mc, rng))
        tb = self.log_likelihood_ratio(self.background.sample(n_mc, rng))
        return _auc(ts, tb)

    def _auc_1d(self) -> float:
        mus = np.concatenate([self.signal.means[:, 0], self.background.means[:, 0]])
        sds = np.sqrt(np.concatenate([self.signal.covs[:, 0, 0], self.background.covs[:, 0, 0]]))
        lo, hi = float((mus - 12 * sds).min()), float((mus + 12 * sds).max())
        m = 400_001
        h = (hi - lo) / m
        x = lo + h * (np.arange(m) + 0.5)
        ls, lb = self.signal.logpdf(x), self.background.logpdf(x)
        ws, wb = np.exp(ls) * h, np.exp(lb) * h
        return _weighted_auc(ls - lb, ws, wb)


def _auc(ts: FloatArray, tb: FloatArray) -> float:
    """P(t_s > t_b) + P(t_s = t_b) / 2 from two samples (Mann-Whitney)."""
    return _weighted_auc(
        np.concatenate([ts, tb]),
        np.concatenate([np.ones_like(ts), np.zeros_like(tb)]) / ts.size,
        np.concatenate([np.zeros_like(ts), np.ones_like(tb)]) / tb.size,
    )


def _weighted_auc(t: FloatArray, ws: FloatArray, wb: FloatArray) -> float:
    """AUC of score ``t`` with signal weights ``ws`` and background weights ``wb`` (ties: 1/2)."""
    order = np.argsort(t, kind="stable")
    t, ws, wb = t[order], ws[order], wb[order]
    # group tied scores so that ties count one half
    uniq, start = np.unique(t, return_index=True)
    s_grp = np.add.reduceat(ws, start)
    b_grp = np.add.reduceat(wb, start)
    b_below = np.concatenate([[0.0], np.cumsum(b_grp)[:-1]])
    num = float((s_grp * (b_below + 0.5 * b_grp)).sum())
    return num / float(ws.sum() * wb.sum())


def gaussian_mixture_1d(
    n: int = 10_000,
    *,
    signal: Sequence[tuple[float, float, float]] = SIGNAL_1D,
    background: Sequence[tuple[float, float, float]] = BACKGROUND_1D,
    random_state: Seed = None,
) -> Dataset:
    """The course's 1-D problem: two Gaussian mixtures with the exact likelihood ratio.

    Defaults: signal ``0.6 N(-1.1, 0.5) + 0.4 N(1, 1)``, background
    ``0.7 N(2, 0.5) + 0.3 N(-1, 1)``, where ``N(mean, sigma)`` names the standard deviation
    (not the variance).

    Parameters
    ----------
    n : int
        Events per class.
    signal, background : sequence of (weight, mean, sigma)
        Components of each class.
    random_state : int or Generator, optional
        Seed; the same seed gives the same events.

    Returns
    -------
    Dataset
        ``X`` of shape (2n, 1) with feature ``x``; ``truth`` = exact log-likelihood ratio;
        ``meta["llr"]`` computes it at any x; ``meta["problem"]`` is the
        :class:`GaussianMixtureProblem` (with :meth:`~GaussianMixtureProblem.optimal_auc`).
    """
    return GaussianMixtureProblem.from_1d(signal, background).sample(n, random_state=random_state)


def gaussian_mixture_problem(
    d: int,
    *,
    n_components: int = 2,
    separation: float = 1.0,
    correlation: float = 0.5,
    seed: int = 0,
) -> GaussianMixtureProblem:
    """A seeded d-dimensional benchmark problem with correlated Gaussian-mixture classes.

    Construction (all from ``np.random.default_rng(seed)``): each class has ``n_components``
    components with Dirichlet(4, ..., 4) weights; component means are drawn from
    ``N(0, separation**2 / d)`` per coordinate, so the typical distance between two means is
    ``separation * sqrt(2)`` whatever ``d``; component ``i`` of either class has covariance
    ``D^½ [(1 - c) I + c R] D^½`` with ``c = correlation``, ``R`` the correlation matrix of
    ``max(1, d // 2)`` random factors and per-feature scales ``D`` drawn from U(0.7, 1.3)².
    Sharing the covariances between the classes keeps the difficulty roughly independent of
    ``d`` (the information lies in the means and weights). The log-likelihood ratio is exact.

    Parameters
    ----------
    d : int
        Number of features (1 to 50 are the intended range; any d >= 1 works).
    n_components : int
        Components per class.
    separation : float
        Scale of the component means (larger is easier).
    correlation : float in [0, 1)
        Strength of the correlations between features.
    seed : int
        Seed of the problem itself (not of the events drawn from it).
    """
    if not isinstance(d, int | np.integer) or d < 1:
        msg = f"d must be an integer >= 1; got {d!r}"
        raise ConfigError(msg)
    if n_components < 1:
        msg = f"n_components must be >= 1; got {n_components}"
        raise ConfigError(msg)
    if not 0.0 <= correlation < 1.0:
        msg = f"correlation must be in [0, 1); got {correlation}"
        raise ConfigError(msg)
    if separation < 0:
        msg = f"separation must be >= 0; got {separation}"
        raise ConfigError(msg)
    d = int(d)
    rng = np.random.default_rng(seed)

    covs = np.empty((n_components, d, d))
    for i in range(n_components):
        factors = rng.standard_normal((d, max(1, d // 2)))
        w = factors @ factors.T
        s = np.sqrt(np.diag(w))
        c = (1.0 - correlation) * np.eye(d) + correlation * (w / np.outer(s, s))
        scale = rng.uniform(0.7, 1.3, size=d)
        covs[i] = 0.5 * (c + c.T) * np.outer(scale, scale)

    def one_class() -> GaussianMixture:
        weights = rng.dirichlet(np.full(n_components, 4.0))
        means = rng.normal(0.0, separation / np.sqrt(d), size=(n_components, d))
        return GaussianMixture(weights, means, covs)

    return GaussianMixtureProblem(one_class(), one_class(), name=f"gaussian_mixture_{d}d")


def gaussian_mixture(
    d: int,
    n: int = 10_000,
    *,
    n_components: int = 2,
    separation: float = 1.0,
    correlation: float = 0.5,
    problem_seed: int = 0,
    random_state: Seed = None,
) -> Dataset:
    """Events from :func:`gaussian_mixture_problem` with the exact log-likelihood ratio.

    Parameters
    ----------
    d : int
        Number of features, 1 to 50.
    n : int
        Events per class.
    n_components, separation, correlation :
        See :func:`gaussian_mixture_problem`.
    problem_seed : int
        Fixes the densities (means, covariances, weights).
    random_state : int or Generator, optional
        Fixes the events drawn.

    Returns
    -------
    Dataset
        ``X`` (2n, d), ``y`` (1 = signal), ``truth``; ``meta["llr"]`` and ``meta["problem"]``.

    Examples
    --------
    >>> ds = gaussian_mixture(5, n=100, random_state=1)
    >>> ds.X.shape
    (200, 5)
    """
    problem = gaussian_mixture_problem(
        d,
        n_components=n_components,
        separation=separation,
        correlation=correlation,
        seed=problem_seed,
    )
    return problem.sample(n, random_state=random_state)
