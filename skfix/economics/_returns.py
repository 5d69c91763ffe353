"""What following positions earns: net returns after costs, and their summary."""

import math
from dataclasses import dataclass, fields

import numpy as np

from ._validation import as_series, check_real, same_length

__all__ = ["Performance", "break_even_cost", "performance", "strategy_returns"]

_BPS = 1e-4


def _turnover(positions):
    """``abs(position_t - position_{t-1})`` per period, the book starting flat."""
    return np.abs(np.diff(positions, prepend=0.0))


def strategy_returns(positions, returns, *, cost_bps=5.0):
    """Per-period returns of following ``positions``, net of trading costs.

    Period ``t`` holds ``positions[t]`` units of exposure to an asset whose *simple*
    return over that period is ``returns[t]`` (``price_t / price_{t-1} - 1``; log
    returns do not add across a position this way and must be converted with
    ``np.expm1`` first). The strategy earns ``positions[t] * returns[t]`` and pays
    ``cost_bps`` basis points per unit of turnover, ``abs(positions[t] -
    positions[t - 1])``, the book starting flat (the first period's turnover is
    ``abs(positions[0])``). Going from long to short is two units of turnover; the
    last position is not closed at the end.

    The position of period ``t`` must be decided with what was known before
    ``returns[t]`` was realized (for a classifier: predicted from features up to
    ``t - 1``); this function cannot check that.

    Parameters
    ----------
    positions : array-like of shape (n_periods,)
        Exposure held in each period: -1/0/+1 for long/flat/short signals, 0/1 for
        long/flat, or any real weight (2 is twice leveraged).
    returns : array-like of shape (n_periods,)
        The asset's simple return over each period, aligned with ``positions``.
    cost_bps : float, default=5.0
        Cost in basis points (1 bp = 0.0001) per unit of turnover: commission plus
        half spread plus slippage for a one-way trade of the whole position.

    Returns
    -------
    net_returns : ndarray of shape (n_periods,)
        ``positions * returns - cost_bps * 1e-4 * turnover``.

    See Also
    --------
    performance : Summary statistics of the result.
    break_even_cost : The cost at which the mean net return is zero.

    Examples
    --------
    >>> from skfix.economics import strategy_returns
    >>> positions = [1, 1, -1, 0]  # turnover 1, 0, 2, 1
    >>> returns = [0.01, -0.02, 0.03, 0.01]
    >>> strategy_returns(positions, returns, cost_bps=10).round(6).tolist()
    [0.009, -0.02, -0.032, -0.001]
    """
    positions = as_series(positions, "positions")
    returns = as_series(returns, "returns")
    same_length(positions, "positions", returns, "returns")
    cost = check_real(cost_bps, "cost_bps")
    return positions * returns - cost * _BPS * _turnover(positions)


def break_even_cost(positions, returns):
    """Cost, in basis points per unit of turnover, at which the mean net return is zero.

    ``mean(positions * returns) / mean(turnover) * 1e4``: the mean gross return per
    unit of turnover. A strategy pays its way while its real cost per unit of turnover
    (commission, spread, slippage, in bp) stays below this number. It is negative when
    the gross edge is negative: such a strategy loses money before any cost, and no
    non-negative cost makes its mean return zero. Use the same conventions as
    :func:`strategy_returns` (simple returns, the book starting flat).

    Parameters
    ----------
    positions : array-like of shape (n_periods,)
        Exposure held in each period.
    returns : array-like of shape (n_periods,)
        The asset's simple return over each period.

    Returns
    -------
    cost_bps : float
        The break-even cost in basis points. NaN when ``positions`` are all zero: with
        no exposure and no turnover the mean net return is zero at every cost, so no
        single break-even cost exists.

    See Also
    --------
    strategy_returns : Net returns at a given cost.

    Examples
    --------
    >>> from skfix.economics import break_even_cost, strategy_returns
    >>> positions = [1, 1, 1, -1, -1, 1]  # turnover 1, 0, 0, 2, 0, 2: mean 5/6
    >>> returns = [0.01, 0.002, -0.004, -0.006, 0.001, 0.002]  # gross mean 0.0025
    >>> cost = break_even_cost(positions, returns)
    >>> round(cost, 6)
    30.0
    >>> net = strategy_returns(positions, returns, cost_bps=cost)
    >>> bool(abs(net.mean()) < 1e-15)
    True
    """
    positions = as_series(positions, "positions")
    returns = as_series(returns, "returns")
    same_length(positions, "positions", returns, "returns")
    mean_turnover = _turnover(positions).mean()
    if mean_turnover == 0:
        return math.nan
    return float(np.mean(positions * returns) / mean_turnover / _BPS)


@dataclass(frozen=True)
class Performance:
    """Summary statistics of a strategy's per-period returns.

    Returned by :func:`performance`. Undefined values are NaN here and None in
    :meth:`as_dict`.

    Attributes
    ----------
    n_periods : int
        Number of returns.
    periods_per_year : float
        Periods in a year (252 for daily, 52 weekly, 12 monthly), used to annualize.
    mean_return : float
        Mean return per period.
    volatility : float
        Standard deviation of the returns per period (``ddof=1``).
    sharpe : float
        ``mean_return / volatility``, per period: the Sharpe ratio that
        :func:`probabilistic_sharpe_ratio` and :func:`deflated_sharpe_ratio` take. The
        returns are taken as excess returns (subtract a risk-free rate first if it
        matters). NaN when the returns are constant.
    sharpe_annualized : float
        ``sharpe * sqrt(periods_per_year)``, the figure usually quoted; valid for
        serially uncorrelated returns.
    skewness : float
        Third standardized moment (population estimate, as in Bailey and López de
        Prado); NaN for constant returns.
    kurtosis : float
        Fourth standardized moment, *not* excess: 3 for normal returns (population
        estimate); NaN for constant returns.
    max_drawdown : float
        Largest fall of the compounded equity curve ``cumprod(1 + returns)``
        (starting at 1) from its running peak, as a positive fraction of the peak: 0.25
        is a 25 % drawdown. Above 1 only if a period loses more than the capital.
    hit_rate : float
        Share of positive returns among the periods with a nonzero position (when
        ``positions`` are given) or with a nonzero return (otherwise); NaN when there
        is no such period.
    turnover : float or None
        Mean ``abs(position_t - position_{t-1})`` per period, the book starting flat;
        None when no ``positions`` were given.
    """

    n_periods: int
    periods_per_year: float
    mean_return: float
    volatility: float
    sharpe: float
    sharpe_annualized: float
    skewness: float
    kurtosis: float
    max_drawdown: float
    hit_rate: float
    turnover: float | None

    def as_dict(self):
        """The statistics as JSON data, NaN turned into None, in attribute order."""
        out = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            out[field.name] = value
        return out


def moments(returns):
    """Per-period Sharpe ratio (ddof=1), population skewness and Pearson kurtosis.

    All three are NaN for constant returns, tested on the data (not on a computed
    standard deviation, which rounding can leave a hair above zero).
    """
    if np.ptp(returns) == 0:
        return math.nan, math.nan, math.nan
    # The three are scale-free; scaling to a largest value of 1 keeps tiny returns'
    # squares and fourth powers from underflowing to zero.
    returns = returns / np.max(np.abs(returns))
    deviations = returns - returns.mean()
    m2 = np.mean(deviations**2)
    sharpe = returns.mean() / np.std(returns, ddof=1)
    skewness = np.mean(deviations**3) / m2**1.5
    # Pearson's inequality holds exactly, but not always in rounded arithmetic on
    # nearly constant data.
    kurtosis = max(np.mean(deviations**4) / m2**2, 1.0 + skewness**2)
    return float(sharpe), float(skewness), float(kurtosis)


def _max_drawdown(returns):
    equity = np.cumprod(1.0 + returns)
    peak = np.maximum.accumulate(np.concatenate(([1.0], equity)))[1:]
    return float(np.max(1.0 - equity / peak))


def performance(strategy_returns, *, periods_per_year, positions=None):
    """Summary statistics of a strategy's per-period returns.

    Parameters
    ----------
    strategy_returns : array-like of shape (n_periods,)
        Per-period simple returns of the strategy, net of costs (for example from
        :func:`strategy_returns`), oldest first. At least two.
    periods_per_year : float
        Periods in a year: 252 for daily, 52 weekly, 12 monthly returns.
    positions : array-like of shape (n_periods,), default=None
        The positions behind the returns; when given, ``turnover`` is computed and the
        hit rate counts only the periods in the market.

    Returns
    -------
    performance : Performance
        ``n_periods``, ``mean_return``, ``volatility``, ``sharpe`` (per period),
        ``sharpe_annualized``, ``skewness``, ``kurtosis`` (Pearson: 3 for normal
        returns), ``max_drawdown``, ``hit_rate`` and ``turnover``; see
        :class:`Performance`. Constant returns give a NaN Sharpe ratio, skewness and
        kurtosis, without a warning. :meth:`Performance.as_dict` gives JSON data.

    See Also
    --------
    strategy_returns : The returns of following positions.
    probabilistic_sharpe_ratio : How much the Sharpe ratio can be trusted.

    Examples
    --------
    >>> from skfix.economics import performance
    >>> perf = performance([0.10, -0.20, 0.05, 0.10], periods_per_year=12)
    >>> round(perf.mean_return, 4), round(perf.max_drawdown, 4)
    (0.0125, 0.2)
    >>> round(perf.sharpe, 4), round(perf.sharpe_annualized, 4)
    (0.087, 0.3015)
    >>> perf.hit_rate
    0.75
    >>> performance([0.01, 0.01, 0.01], periods_per_year=252).as_dict()["sharpe"] is None
    True
    """
    returns = as_series(strategy_returns, "strategy_returns", min_length=2)
    periods_per_year = check_real(
        periods_per_year, "periods_per_year", minimum=0, strict=True
    )
    turnover = None
    in_market = returns != 0
    if positions is not None:
        positions = as_series(positions, "positions")
        same_length(positions, "positions", returns, "strategy_returns")
        turnover = float(_turnover(positions).mean())
        in_market = positions != 0
    sharpe, skewness, kurtosis = moments(returns)
    hit_rate = float(np.mean(returns[in_market] > 0)) if in_market.any() else math.nan
    return Performance(
        n_periods=len(returns),
        periods_per_year=periods_per_year,
        mean_return=float(returns.mean()),
        volatility=float(np.std(returns, ddof=1)),
        sharpe=sharpe,
        sharpe_annualized=sharpe * math.sqrt(periods_per_year),
        skewness=skewness,
        kurtosis=kurtosis,
        max_drawdown=_max_drawdown(returns),
        hit_rate=hit_rate,
        turnover=turnover,
    )
