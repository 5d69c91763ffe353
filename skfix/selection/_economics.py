"""What following each candidate's out-of-sample calls would have earned, after costs,
and how far those figures can be trusted: the candidates' economics for one symbol."""

import math

import numpy as np
import pandas as pd

# A symbol's equity curves are kept at most this many points each in the manifest.
EQUITY_POINTS = 250


def periods_per_year(index):
    """Rows per year of a time index (252 for business days, 12 for months), from its
    span; None when the index holds no dates."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return None
    years = (index[-1] - index[0]).days / 365.25
    if years <= 0:
        return None
    per_year = (len(index) - 1) / years
    # the usual conventions where the data are close to them
    for usual in (252, 52, 12, 4, 1):
        if abs(per_year - usual) / usual < 0.15:
            return usual
    return round(per_year, 2)


def _positions(predictions, classes, positions):
    """+1 on a call of the greater class ("up"), -1 (or 0 for long/flat) otherwise."""
    up = predictions == classes[-1]
    return np.where(up, 1.0, -1.0 if positions == "long_short" else 0.0)


def null_variance(n_periods):
    """The variance of a skill-less strategy's per-period Sharpe ratio estimated on
    ``n_periods`` returns: ``1 / n_periods`` (Lo, 2002, at a true Sharpe ratio of 0).

    The deflated Sharpe ratio's benchmark is the best Sharpe ratio expected from the
    trials if none had skill; its spread is this variance, not the spread of the
    candidates' own Sharpe ratios, which a mirror-image rule inflates (persistence on a
    mean-reverting series: short what the models are long) and candidates that find
    the same signal shrink towards zero, with three to ten candidates to estimate it
    from.
    """
    return 1.0 / max(int(n_periods), 1)


def n_trials_of(estimators):
    """Configurations tried on a symbol: every candidate, and every grid point of a
    tuned one (a search's ``param_grid``)."""
    from sklearn.model_selection import ParameterGrid

    total = 0
    for estimator in estimators:
        grid = getattr(estimator, "param_grid", None)
        total += len(ParameterGrid(grid)) if grid else 1
    return total


def assess_economics(evaluations, returns, index, classes, settings, n_trials):
    """Set ``e.economics`` on every evaluated candidate; return the symbol's figures.

    Parameters
    ----------
    evaluations : list of CandidateEvaluation
        With ``oos_predictions`` (None for a candidate that failed).
    returns : ndarray
        The simple return of the period each pooled out-of-sample row's label is about
        (``close[t + 1] / close[t] - 1``), in the rows' order.
    index : pandas.Index or None
        The rows' dates, for the frequency and the equity curves.
    classes : ndarray
        The labels, sorted; the last is "up".
    settings : skfix.economics.Economics
    n_trials : int
        Configurations tried on the symbol (:func:`n_trials_of`).

    Returns
    -------
    figures : dict
        JSON data: the settings, ``periods_per_year``, ``n_trials``,
        ``variance_of_sharpes``, buy-and-hold's performance, the probability of
        backtest overfitting and the equity curves.
    """
    from ..economics import (
        break_even_cost,
        deflated_sharpe_ratio,
        performance,
        probabilistic_sharpe_ratio,
        probability_of_backtest_overfitting,
        strategy_returns,
    )

    per_year = periods_per_year(index) or 1
    scored = [e for e in evaluations if getattr(e, "oos_predictions", None) is not None]
    series, positions = {}, {}
    for e in scored:
        positions[e.name] = _positions(e.oos_predictions, classes, settings.positions)
        series[e.name] = strategy_returns(
            positions[e.name], returns, cost_bps=settings.cost_bps
        )
    hold = np.ones(len(returns))
    held = strategy_returns(hold, returns, cost_bps=settings.cost_bps)
    stats = {
        name: performance(values, periods_per_year=per_year, positions=positions[name])
        for name, values in series.items()
    }
    sharpes = [s.sharpe for s in stats.values() if _finite(s.sharpe)]
    observed = float(np.var(sharpes, ddof=1)) if len(sharpes) > 1 else None
    variance = null_variance(len(returns))
    for e in scored:
        s = stats[e.name]
        figures = {
            **s.as_dict(),
            "break_even_cost_bps": _json(break_even_cost(positions[e.name], returns)),
            "probabilistic_sharpe": None,
            "deflated_sharpe": None,
        }
        if _finite(s.sharpe) and s.n_periods > 1 and _finite(s.kurtosis):
            figures["probabilistic_sharpe"] = _json(
                probabilistic_sharpe_ratio(
                    s.sharpe, s.n_periods, skewness=s.skewness, kurtosis=s.kurtosis
                )
            )
            figures["deflated_sharpe"] = _json(
                deflated_sharpe_ratio(
                    s.sharpe,
                    s.n_periods,
                    n_trials=max(n_trials, 1),
                    variance_of_sharpes=variance,
                    skewness=s.skewness,
                    kurtosis=s.kurtosis,
                )
            )
        e.economics = figures
    pbo = None
    names = [name for name, s in stats.items() if _finite(s.sharpe)]
    blocks = settings.pbo_blocks
    while blocks > 2 and len(returns) < 4 * blocks:
        blocks -= 2
    if len(names) >= 2 and len(returns) >= 2 * blocks:
        matrix = np.column_stack([series[name] for name in names])
        result = probability_of_backtest_overfitting(matrix, n_blocks=blocks)
        pbo = {
            "pbo": _json(result.pbo),
            "n_blocks": blocks,
            "n_combinations": int(result.n_combinations),
            "candidates": names,
        }
        for e in scored:
            e.economics["pbo"] = pbo["pbo"]
    return {
        **settings.as_dict(),
        "periods_per_year": per_year,
        "n_trials": int(n_trials),
        "variance_of_sharpes": variance,
        "observed_variance_of_sharpes": observed,
        "buy_and_hold": performance(
            held, periods_per_year=per_year, positions=hold
        ).as_dict(),
        "backtest_overfitting": pbo,
        "equity": _equity(index, {**series, "buy_and_hold": held}),
    }


def _equity(index, series):
    """Compounded equity curves (1 at the start), at most EQUITY_POINTS points each."""
    n = len(next(iter(series.values())))
    keep = np.unique(np.linspace(0, n - 1, min(n, EQUITY_POINTS)).round().astype(int))
    dates = (
        [d.date().isoformat() for d in index[keep]]
        if isinstance(index, pd.DatetimeIndex)
        else keep.tolist()
    )
    return {
        "dates": dates,
        "curves": {
            name: np.round(np.cumprod(1.0 + values)[keep], 6).tolist()
            for name, values in series.items()
        },
    }


def _finite(value):
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def _json(value):
    value = float(value)
    return value if math.isfinite(value) else None
