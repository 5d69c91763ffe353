"""Economic statistics of a return series: what a strategy earns and how far to trust it.

What following positions earns after trading costs (:func:`strategy_returns`), the
cost it can bear (:func:`break_even_cost`) and its summary statistics
(:func:`performance`, :class:`Performance`); how far its Sharpe ratio can be trusted
given the sample length and the shape of the returns
(:func:`probabilistic_sharpe_ratio`, :func:`probabilistic_sharpe_ratio_of`) and given
how many strategies were tried to find it (:func:`expected_max_sharpe`,
:func:`deflated_sharpe_ratio`); and whether picking the best of several backtests picks
an overfit one (:func:`probability_of_backtest_overfitting`,
:class:`BacktestOverfitting`).

Every function works on plain arrays of per-period returns, from skfix or not. Sharpe
ratios are per period unless a name says ``annualized``; kurtosis is Pearson's, 3 for
normal returns; costs are in basis points per unit of turnover.
"""

from ._pbo import BacktestOverfitting, probability_of_backtest_overfitting
from ._returns import Performance, break_even_cost, performance, strategy_returns
from ._settings import Economics
from ._sharpe import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    probabilistic_sharpe_ratio_of,
)

__all__ = [
    "BacktestOverfitting",
    "Economics",
    "Performance",
    "break_even_cost",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "performance",
    "probabilistic_sharpe_ratio",
    "probabilistic_sharpe_ratio_of",
    "probability_of_backtest_overfitting",
    "strategy_returns",
]
