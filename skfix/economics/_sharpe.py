"""How far a Sharpe ratio can be trusted: PSR, the expected maximum of N, and DSR."""

import math

import numpy as np
from scipy.stats import norm

from ._returns import moments
from ._validation import as_series, check_integer, check_real

__all__ = [
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "probabilistic_sharpe_ratio_of",
]

# Pearson's inequality, kurtosis >= 1 + skewness ** 2, holds for every distribution;
# the slack absorbs rounding in moments estimated from data.
_MOMENT_TOLERANCE = 1e-9


def probabilistic_sharpe_ratio(
    sharpe, n_periods, *, skewness=0.0, kurtosis=3.0, benchmark=0.0
):
    """Probability that the true Sharpe ratio exceeds ``benchmark`` (Bailey and López de
    Prado's PSR).

    The Sharpe ratio estimated from ``n_periods`` returns is uncertain, the more so
    when the returns are negatively skewed or fat-tailed. Bailey and López de Prado
    (2012) approximate its sampling distribution as normal with variance ``(1 -
    skewness * SR + (kurtosis - 1) / 4 * SR ** 2) / (n_periods - 1)``, which gives

    ``PSR = Phi((SR - benchmark) * sqrt(n_periods - 1) / sqrt(1 - skewness * SR +
    (kurtosis - 1) / 4 * SR ** 2))``

    with ``Phi`` the standard normal distribution function. A PSR of at least 0.95
    is the usual bar for "skill above the benchmark at 95 % confidence".

    Every Sharpe ratio here is **per period** (daily, monthly, ... as the returns),
    not annualized: divide an annualized one by ``sqrt(periods_per_year)`` first.
    The returns are assumed independent and identically distributed.

    Parameters
    ----------
    sharpe : float or array-like
        Estimated per-period Sharpe ratio (mean / standard deviation of the returns).
    n_periods : int
        Number of returns it was estimated from, at least 2.
    skewness : float or array-like, default=0.0
        Skewness of the returns (0 for normal returns).
    kurtosis : float or array-like, default=3.0
        Kurtosis of the returns, **not** excess kurtosis: 3 for normal returns. It
        must be at least ``1 + skewness ** 2``, as for every distribution; a smaller
        value is usually an excess kurtosis, to which 3 must be added.
    benchmark : float or array-like, default=0.0
        The per-period Sharpe ratio to beat.

    Returns
    -------
    psr : float or ndarray
        A probability; an array when an argument is an array (they broadcast). NaN
        where ``sharpe`` is NaN.

    See Also
    --------
    probabilistic_sharpe_ratio_of : The same from a series of returns.
    deflated_sharpe_ratio : PSR against the best Sharpe ratio expected by luck.

    References
    ----------
    D. H. Bailey and M. López de Prado, "The Sharpe Ratio Efficient Frontier",
    *Journal of Risk* 15(2), 3-44, 2012.

    Examples
    --------
    >>> from skfix.economics import probabilistic_sharpe_ratio
    >>> round(probabilistic_sharpe_ratio(0.1, 250), 4)  # daily SR 0.1: annualized 1.6
    0.9423
    >>> round(probabilistic_sharpe_ratio(0.1, 250, skewness=-1, kurtosis=8), 4)
    0.9322
    """
    n_periods = check_integer(n_periods, "n_periods", minimum=2)
    arrays = {
        name: np.asarray(value, dtype=float)
        for name, value in (
            ("skewness", skewness),
            ("kurtosis", kurtosis),
            ("benchmark", benchmark),
        )
    }
    for name, array in arrays.items():
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be finite; got {array.tolist()!r}.")
    sharpe = np.asarray(sharpe, dtype=float)
    skew, kurt, bench = arrays["skewness"], arrays["kurtosis"], arrays["benchmark"]
    too_small = kurt < 1.0 + skew**2 - _MOMENT_TOLERANCE
    if np.any(too_small):
        raise ValueError(
            "kurtosis must be at least 1 + skewness ** 2 (true of every distribution; "
            "kurtosis is 3 for normal returns, not 0); got kurtosis="
            f"{kurt.tolist()!r} with skewness={skew.tolist()!r}. If it is an excess "
            "kurtosis, add 3."
        )
    # Pearson's inequality keeps the variance term >= (1 - skewness * SR / 2) ** 2.
    variance = np.maximum(1.0 - skew * sharpe + (kurt - 1.0) / 4.0 * sharpe**2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (sharpe - bench) * math.sqrt(n_periods - 1) / np.sqrt(variance)
    psr = norm.cdf(z)
    return float(psr) if psr.ndim == 0 else psr


def probabilistic_sharpe_ratio_of(returns, *, benchmark=0.0):
    """Probabilistic Sharpe ratio of a series of returns.

    :func:`probabilistic_sharpe_ratio` with the Sharpe ratio (``ddof=1``), skewness
    and kurtosis (population estimates, kurtosis not excess) estimated from
    ``returns``, so that the conventions cannot be mixed up.

    Parameters
    ----------
    returns : array-like of shape (n_periods,)
        Per-period (excess) returns, at least 2.
    benchmark : float, default=0.0
        The per-period Sharpe ratio to beat.

    Returns
    -------
    psr : float
        NaN for constant returns (no Sharpe ratio).

    See Also
    --------
    probabilistic_sharpe_ratio : The same from summary statistics.
    performance : The Sharpe ratio, skewness and kurtosis it uses.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.economics import probabilistic_sharpe_ratio_of
    >>> r = np.random.default_rng(0).normal(0.001, 0.01, 500)  # true daily SR 0.1
    >>> round(probabilistic_sharpe_ratio_of(r), 3)  # estimated SR 0.072
    0.945
    """
    returns = as_series(returns, "returns", min_length=2)
    benchmark = check_real(benchmark, "benchmark")
    sharpe, skewness, kurtosis = moments(returns)
    if math.isnan(sharpe):
        return math.nan
    return probabilistic_sharpe_ratio(
        sharpe, len(returns), skewness=skewness, kurtosis=kurtosis, benchmark=benchmark
    )


def expected_max_sharpe(n_trials, variance_of_sharpes):
    """Expected maximum of ``n_trials`` Sharpe ratios whose true value is zero.

    When ``n_trials`` independent strategies with no skill are backtested, the best
    estimated Sharpe ratio is still positive, and grows with ``n_trials``. Bailey and
    López de Prado (2014) approximate its expectation, for Sharpe ratios normally
    distributed around zero with variance ``V`` across the trials, by

    ``sqrt(V) * ((1 - gamma) * Phi^-1(1 - 1 / N) + gamma * Phi^-1(1 - 1 / (N e)))``

    with ``gamma`` the Euler-Mascheroni constant and ``e`` Euler's number. It is the
    benchmark of :func:`deflated_sharpe_ratio`. For one trial nothing was selected
    and the result is 0; the approximation is meant for many trials (below about 2
    it is not reliable).

    Parameters
    ----------
    n_trials : float
        Number of independent trials, at least 1; may be fractional when it is an
        effective number (correlated trials count for less than one each).
    variance_of_sharpes : float
        Variance of the estimated Sharpe ratios across the trials, in the units of the
        result: per-period Sharpe ratios need the variance of per-period ones
        (an annualized variance divided by ``periods_per_year``).

    Returns
    -------
    expected_max : float
        In the units of the Sharpe ratios whose variance was given.

    References
    ----------
    D. H. Bailey and M. López de Prado, "The Deflated Sharpe Ratio: Correcting for
    Selection Bias, Backtest Overfitting and Non-Normality", *Journal of Portfolio
    Management* 40(5), 94-107, 2014.

    Examples
    --------
    >>> from skfix.economics import expected_max_sharpe
    >>> round(expected_max_sharpe(10, 1.0), 4)  # the best of 10 standard normals
    1.5746
    >>> round(expected_max_sharpe(100, 0.5 / 250), 4)  # Bailey & López de Prado 2014
    0.1132
    """
    n_trials = check_real(n_trials, "n_trials", minimum=1)
    variance = check_real(variance_of_sharpes, "variance_of_sharpes", minimum=0)
    if n_trials == 1:
        return 0.0
    gamma = np.euler_gamma
    z = (1 - gamma) * norm.ppf(1 - 1 / n_trials) + gamma * norm.ppf(
        1 - 1 / (n_trials * math.e)
    )
    return float(math.sqrt(variance) * z)


def deflated_sharpe_ratio(
    sharpe, n_periods, *, n_trials, variance_of_sharpes, skewness=0.0, kurtosis=3.0
):
    """Probability that the best of ``n_trials`` backtests has real skill (the DSR).

    The Deflated Sharpe Ratio of Bailey and López de Prado (2014) is the
    :func:`probabilistic_sharpe_ratio` of the selected strategy against the Sharpe
    ratio expected from the best of ``n_trials`` skill-less ones,
    :func:`expected_max_sharpe`. It corrects for the selection (more trials, a
    higher bar), for a short sample and for non-normal returns at once. For
    ``n_trials=1`` the benchmark is 0 and the DSR is the PSR against zero.

    All Sharpe ratios and their variance are **per period**; the paper's example
    divides an annualized Sharpe ratio by ``sqrt(250)`` and an annualized variance by
    250 (daily returns).

    Parameters
    ----------
    sharpe : float or array-like
        Per-period Sharpe ratio of the selected strategy.
    n_periods : int
        Number of its returns, at least 2.
    n_trials : float
        Number of independent strategies tried to find it (including it), at least 1.
    variance_of_sharpes : float
        Variance of the per-period Sharpe ratios across those trials.
    skewness : float, default=0.0
        Skewness of the selected strategy's returns.
    kurtosis : float, default=3.0
        Its kurtosis, not excess: 3 for normal returns.

    Returns
    -------
    dsr : float or ndarray
        A probability; 0.95 is the usual bar.

    See Also
    --------
    probability_of_backtest_overfitting : A check of the selection that needs the
        returns of every trial.

    References
    ----------
    D. H. Bailey and M. López de Prado, "The Deflated Sharpe Ratio: Correcting for
    Selection Bias, Backtest Overfitting and Non-Normality", *Journal of Portfolio
    Management* 40(5), 94-107, 2014.

    Examples
    --------
    The paper's example: an annualized Sharpe ratio of 2.5 over five years of daily
    returns, the best of 100 trials whose annualized Sharpe ratios have variance 1/2,
    skewness -3 and kurtosis 10.

    >>> import math
    >>> from skfix.economics import deflated_sharpe_ratio
    >>> dsr = deflated_sharpe_ratio(
    ...     2.5 / math.sqrt(250), 1250, n_trials=100, variance_of_sharpes=0.5 / 250,
    ...     skewness=-3, kurtosis=10,
    ... )
    >>> round(dsr, 4)  # below 0.95: not enough evidence of skill
    0.9004
    """
    benchmark = expected_max_sharpe(n_trials, variance_of_sharpes)
    return probabilistic_sharpe_ratio(
        sharpe, n_periods, skewness=skewness, kurtosis=kurtosis, benchmark=benchmark
    )
