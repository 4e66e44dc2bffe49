"""The expected result of a binned fit of a classifier's score: what a method does to the analysis.

Analysts choose a classifier by the result it gives, not by its AUC. This module turns the
score distributions of signal and background into that result:

1. :func:`score_histograms` bins the score (equal-signal-population bins, then merged from
   the top down until each bin keeps a minimum background yield and a minimum number of
   simulated background events, so that no bin's expectation rests on a handful of events);
2. :func:`histfactory_spec` writes the HistFactory model of those histograms: a signal sample
   scaled by the signal strength ``mu``, a background sample, the MC statistical uncertainty
   of each bin (``staterror``) and an optional background normalisation uncertainty
   (``normsys``);
3. :func:`expected_fit` computes, with pyhf on Asimov data, the median expected discovery
   significance (``q0``) and the median expected 95 % CL upper limit on ``mu`` (CLs,
   asymptotic formulae) with its ±1σ/±2σ band.

References: Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71 (2011) 1554,
arXiv:1007.1727 (asymptotic formulae, Asimov data); Cranmer et al., CERN-OPEN-2012-016
(HistFactory); Heinrich, Feickert, Stark, Cranmer, JOSS 6 (2021) 2823 (pyhf).

pyhf is an optional dependency (``pip install 'neyman[stats]'``); :func:`score_histograms`
and :func:`histfactory_spec` work without it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neyman.errors import ConfigError, DataError, NeymanError
from neyman.evaluate._checks import FloatArray, binary_inputs

__all__ = [
    "PYHF_HINT",
    "BinnedYields",
    "FitResult",
    "expected_fit",
    "histfactory_spec",
    "pyhf_available",
    "score_histograms",
]

#: what to do when pyhf is missing
PYHF_HINT = "the binned fit needs pyhf: pip install 'neyman[stats]'"


def pyhf_available() -> bool:
    """True when pyhf can be imported (the ``neyman[stats]`` extra)."""
    return importlib.util.find_spec("pyhf") is not None


@dataclass(frozen=True, eq=False)
class BinnedYields:
    """Signal and background yields of a score histogram, ready for a binned fit.

    Attributes
    ----------
    edges : array of shape (k + 1,)
        Score bin edges, increasing; the outer edges are the lowest and highest score.
    signal, background : array of shape (k,)
        Weighted yields per bin (events, in the units of the weights).
    signal_sumw2, background_sumw2 : array of shape (k,)
        Sums of squared weights: the MC statistical variance of each yield.
    background_events : array of shape (k,)
        Number of simulated background events per bin.
    min_background : float
        The minimum background yield every bin was required to keep.
    min_background_events : int
        The minimum number of simulated background events every bin was required to keep.
    clipped_signal_bins : int
        Bins whose signal yield was negative (negative weights) and was set to 0.
    """

    edges: FloatArray
    signal: FloatArray
    background: FloatArray
    signal_sumw2: FloatArray
    background_sumw2: FloatArray
    background_events: np.ndarray
    min_background: float
    min_background_events: int
    clipped_signal_bins: int

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return len(self.signal)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "edges": self.edges.tolist(),
            "signal": self.signal.tolist(),
            "background": self.background.tolist(),
            "signal_mc_stat": np.sqrt(self.signal_sumw2).tolist(),
            "background_mc_stat": np.sqrt(self.background_sumw2).tolist(),
            "background_events": self.background_events.astype(int).tolist(),
            "min_background": self.min_background,
            "min_background_events": self.min_background_events,
            "clipped_signal_bins": self.clipped_signal_bins,
        }


def _initial_edges(score_signal: FloatArray, lo: float, hi: float, n_bins: int) -> FloatArray:
    """Equal-population bins of the signal score (fine where the signal is), over [lo, hi]."""
    inner = np.quantile(score_signal, np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
    edges = np.unique(np.r_[lo, inner, hi])
    if len(edges) < 2:
        edges = np.array([lo, lo + 1.0])
    return np.asarray(edges, dtype=np.float64)


def score_histograms(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    n_bins: int = 10,
    min_background: float = 1.0,
    min_background_events: int = 10,
    pos_label: Any = 1,
) -> BinnedYields:
    """Histogram the score of signal and background into bins fit for a binned fit.

    Starts from ``n_bins`` bins of equal signal population and merges neighbours, from the
    highest score down, until every bin holds a background yield ``>= min_background`` and at
    least ``min_background_events`` simulated background events; what is left at the bottom
    joins the lowest bin formed.

    Parameters
    ----------
    y, score : array of shape (n,)
        Labels and classifier scores (higher is more signal-like).
    sample_weight : array of shape (n,), optional
        Event weights scaled to the expected yields (events); 1 per event by default.
    n_bins : int, default 10
        Bins before merging (each bin adds a nuisance parameter to the fit: more bins, slower
        limits).
    min_background : float, default 1.0
        Minimum background yield per bin (events).
    min_background_events : int, default 10
        Minimum number of simulated background events per bin.

    Returns
    -------
    BinnedYields

    Raises
    ------
    DataError
        If the whole sample has less background than one bin needs.
    """
    if n_bins < 1:
        msg = f"n_bins must be >= 1, got {n_bins}"
        raise ConfigError(msg, key="n_bins", value=n_bins)
    if min_background <= 0 or not math.isfinite(min_background):
        msg = f"min_background must be a yield > 0, got {min_background}"
        raise ConfigError(msg, key="min_background", value=min_background)
    is_sig, s, w = binary_inputs(y, score, sample_weight, pos_label=pos_label)
    lo, hi = float(s.min()), float(s.max())
    edges = _initial_edges(s[is_sig], lo, hi, n_bins)
    idx = np.clip(np.searchsorted(edges[1:-1], s, side="right"), 0, len(edges) - 2)
    k = len(edges) - 1
    bkg = ~is_sig
    b = np.bincount(idx[bkg], w[bkg], minlength=k)
    nb = np.bincount(idx[bkg], minlength=k)
    if b.sum() < min_background or nb.sum() < min_background_events:
        msg = (
            f"the background yield {b.sum():.3g} ({int(nb.sum())} events) is below the minimum "
            f"of one bin (min_background={min_background:g}, "
            f"min_background_events={min_background_events}); lower them or scale the weights"
        )
        raise DataError(msg, key="min_background", value=min_background)
    # merge from the top down: close a bin once it holds enough background
    keep = [k]  # indices into edges of the upper edges of the merged bins
    acc_b, acc_n = 0.0, 0
    for j in range(k - 1, -1, -1):
        acc_b += b[j]
        acc_n += int(nb[j])
        if acc_b >= min_background and acc_n >= min_background_events:
            keep.append(j)
            acc_b, acc_n = 0.0, 0
    if keep[-1] != 0:  # leftover at the bottom joins the lowest bin formed
        keep[-1] = 0
    merged = np.asarray(edges[sorted(keep)], dtype=np.float64)
    m_idx = np.clip(np.searchsorted(merged[1:-1], s, side="right"), 0, len(merged) - 2)
    m = len(merged) - 1

    def fill(mask: np.ndarray, weights: FloatArray) -> FloatArray:
        return np.asarray(np.bincount(m_idx[mask], weights[mask], minlength=m), dtype=np.float64)

    sig = fill(is_sig, w)
    clipped = int(np.sum(sig < 0))
    return BinnedYields(
        edges=merged,
        signal=np.maximum(sig, 0.0),
        background=fill(bkg, w),
        signal_sumw2=fill(is_sig, w * w),
        background_sumw2=fill(bkg, w * w),
        background_events=np.bincount(m_idx[bkg], minlength=m),
        min_background=float(min_background),
        min_background_events=int(min_background_events),
        clipped_signal_bins=clipped,
    )


def histfactory_spec(
    yields: BinnedYields,
    *,
    background_uncertainty: float = 0.0,
    mc_stat: bool = True,
) -> dict[str, Any]:
    """The HistFactory model (pyhf JSON spec) of one channel of score bins.

    Parameters
    ----------
    yields : BinnedYields
        From :func:`score_histograms`.
    background_uncertainty : float, default 0
        Relative uncertainty on the background normalisation (0.1 = 10 %), a ``normsys``
        modifier; 0 for none.
    mc_stat : bool, default True
        Add the MC statistical uncertainty of each bin (``staterror``, from the summed
        squared weights of both samples).

    Returns
    -------
    dict
        A spec for ``pyhf.Model``: channel ``score``, samples ``signal`` (modifier ``mu``,
        the parameter of interest) and ``background``.
    """
    if not 0.0 <= background_uncertainty < 1.0:
        msg = f"background_uncertainty must be a relative uncertainty in [0, 1), got {background_uncertainty}"
        raise ConfigError(msg, key="background_uncertainty", value=background_uncertainty)
    sig_mods: list[dict[str, Any]] = [{"name": "mu", "type": "normfactor", "data": None}]
    bkg_mods: list[dict[str, Any]] = []
    if mc_stat:
        sig_mods.append(
            {"name": "mc_stat", "type": "staterror", "data": np.sqrt(yields.signal_sumw2).tolist()}
        )
        bkg_mods.append(
            {
                "name": "mc_stat",
                "type": "staterror",
                "data": np.sqrt(yields.background_sumw2).tolist(),
            }
        )
    if background_uncertainty > 0:
        u = float(background_uncertainty)
        bkg_mods.append(
            {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.0 + u, "lo": 1.0 - u}}
        )
    return {
        "channels": [
            {
                "name": "score",
                "samples": [
                    {"name": "signal", "data": yields.signal.tolist(), "modifiers": sig_mods},
                    {
                        "name": "background",
                        "data": yields.background.tolist(),
                        "modifiers": bkg_mods,
                    },
                ],
            }
        ]
    }


@dataclass(frozen=True, eq=False)
class FitResult:
    """Expected result of the binned fit (median, on Asimov data).

    Attributes
    ----------
    yields : BinnedYields
        The histograms fitted.
    discovery_z : float
        Median expected discovery significance (σ) for ``mu = 1``: ``sqrt(q0)`` on the Asimov
        data set of signal plus background.
    discovery_p : float
        Its one-sided p-value.
    upper_limit : float
        Median expected 95 % CL upper limit on ``mu`` (CLs, test statistic ``qtilde``) when
        there is no signal: the limit on the Asimov data set of background only.
    background_uncertainty : float
        Relative background normalisation uncertainty in the model (0: none).
    mc_stat : bool
        Whether the MC statistical uncertainties were in the model.
    cl : float
        Confidence level of the limit.
    pyhf_version : str
    """

    yields: BinnedYields
    discovery_z: float
    discovery_p: float
    upper_limit: float
    background_uncertainty: float
    mc_stat: bool
    cl: float
    pyhf_version: str

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "discovery_z": self.discovery_z,
            "discovery_p": self.discovery_p,
            "upper_limit_mu": self.upper_limit,
            "cl": self.cl,
            "background_uncertainty": self.background_uncertainty,
            "mc_stat": self.mc_stat,
            "bins": self.yields.to_dict(),
            "pyhf": self.pyhf_version,
        }


@contextlib.contextmanager
def _quiet_fits() -> Iterator[None]:
    # Asimov fits sit on parameter bounds (mu_hat = 0 for the limit); scipy's optimiser and
    # pyhf then warn about values at the bounds, which is expected here.
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _import_pyhf() -> Any:
    try:
        import pyhf  # type: ignore[import-untyped]
    except ImportError:
        raise NeymanError(PYHF_HINT) from None
    return pyhf


def expected_fit(
    yields: BinnedYields,
    *,
    background_uncertainty: float = 0.0,
    mc_stat: bool = True,
    cl: float = 0.95,
) -> FitResult:
    """Expected discovery significance and upper limit on ``mu`` of the binned fit, with pyhf.

    Parameters
    ----------
    yields : BinnedYields
        From :func:`score_histograms`.
    background_uncertainty, mc_stat
        See :func:`histfactory_spec`.
    cl : float, default 0.95
        Confidence level of the upper limit (CLs).

    Returns
    -------
    FitResult

    Notes
    -----
    With one bin and no uncertainties the discovery significance equals the Asimov formula
    ``sqrt(2 ((s + b) ln(1 + s/b) - s))`` (arXiv:1007.1727, eq. 97).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.r_[np.ones(100), np.zeros(1000)]
    >>> yields = score_histograms(y, np.zeros(1100), n_bins=1)
    >>> r = expected_fit(yields, mc_stat=False)
    >>> round(r.discovery_z, 3)   # sqrt(2 (1100 ln 1.1 - 100))
    3.112
    """
    if not 0.0 < cl < 1.0:
        msg = f"cl must be in (0, 1), got {cl}"
        raise ConfigError(msg, key="cl", value=cl)
    pyhf = _import_pyhf()
    spec = histfactory_spec(yields, background_uncertainty=background_uncertainty, mc_stat=mc_stat)
    s_tot, b_tot = float(yields.signal.sum()), float(yields.background.sum())
    if s_tot <= 0:
        msg = "the signal yield is 0 in every bin; nothing to fit (check the signal weights)"
        raise DataError(msg, key="signal", value=s_tot)
    model = pyhf.Model(spec, poi_name="mu", validate=False)
    poi = model.config.poi_index
    init = model.config.suggested_init()
    fixed = model.config.suggested_fixed()
    pars = np.asarray(init, dtype=np.float64)
    pars[poi] = 1.0
    asimov_sb = model.expected_data(pars)
    pars[poi] = 0.0
    asimov_b = model.expected_data(pars)
    # counting all bins as one, with the background uncertainty: a limit the binned fit
    # rarely exceeds; the bracket grows until it holds the root
    u = float(background_uncertainty)
    mu_hi = 3.0 * math.sqrt(b_tot + (u * b_tot) ** 2) / s_tot
    with _quiet_fits():
        bounds = model.config.suggested_bounds()
        bounds[poi] = (0.0, max(10.0, 100.0 * mu_hi))
        q0 = float(pyhf.infer.test_statistics.q0(0.0, asimov_sb, model, init, bounds, fixed))
        limit = _cls_limit(pyhf, model, asimov_b, bounds, 1.0 - cl, mu_hi)
    from scipy.stats import norm

    z = math.sqrt(max(q0, 0.0))
    return FitResult(
        yields=yields,
        discovery_z=z,
        discovery_p=float(norm.sf(z)),
        upper_limit=limit,
        background_uncertainty=float(background_uncertainty),
        mc_stat=bool(mc_stat),
        cl=float(cl),
        pyhf_version=str(pyhf.__version__),
    )


def _cls_limit(
    pyhf: Any, model: Any, data: Any, bounds: list[tuple[float, float]], alpha: float, hi: float
) -> float:
    """The ``mu`` where CLs on ``data`` equals ``alpha`` (pyhf's asymptotic ``hypotest``).

    On the background-only Asimov data the observed CLs is the median expected one, so one
    root search (about eight ``hypotest`` calls) gives the median expected limit.
    """
    from scipy.optimize import brentq

    def f(mu: float) -> float:
        cls = pyhf.infer.hypotest(
            mu, data, model, test_stat="qtilde", calctype="asymptotics", par_bounds=bounds
        )
        return float(cls) - alpha

    for _ in range(8):
        if f(hi) < 0:
            break
        hi *= 3.0
    else:  # pragma: no cover - CLs never fell below alpha: the model cannot see the signal
        msg = f"no upper limit below mu = {hi:.3g}; the signal is too small for this background"
        raise DataError(msg, key="mu", value=hi)
    bounds[model.config.poi_index] = (0.0, max(bounds[model.config.poi_index][1], 3.0 * hi))
    return float(brentq(f, 1e-6 * hi, hi, rtol=1e-3, xtol=1e-9 * hi))
