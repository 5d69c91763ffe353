"""Simulated price series whose best possible accuracy is known."""

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.utils import check_random_state

PROCESSES = ("noise", "ar1", "momentum", "switching", "trend", "nonlinear", "column")
# Days of the momentum process's signal: the mean return of the last five rows.
_MOMENTUM_DAYS = 5
# exp() of more overflows float64 prices (e^700 is about 1e304)
_MAX_LOG_MOVE = 700.0
# The close before the first row: the first return is measured from it.
_START_PRICE = 100.0
# The facts of a simulation that the conditional mean m[t] depends on.
_MEAN_FACTS = ("process", "strength", "volatility", "drift", "regime_length", "start")
# The column of the "column" process that holds its signal s[t], known at row t.
SIGNAL_COLUMN = "signal"


def _check(n_rows, process, strength, volatility, regime_length):
    if process not in PROCESSES:
        raise ValueError(f"process must be one of {PROCESSES}; got {process!r}.")
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 2:
        raise ValueError(f"n_rows must be an int >= 2; got {n_rows!r}.")
    if (
        process in ("ar1", "switching", "momentum", "nonlinear", "column")
        and not -1 < strength < 1
    ):
        # |strength| >= 1 has no stationary volatility: prices would explode (for
        # "column", no innovation would be left: the signal would be the return)
        raise ValueError(f"strength must be in (-1, 1) for {process!r}; got {strength!r}.")
    if not volatility > 0:
        raise ValueError(f"volatility must be > 0; got {volatility!r}.")
    if isinstance(regime_length, bool) or regime_length < 1:
        raise ValueError(f"regime_length must be an int >= 1; got {regime_length!r}.")


def _switching_phi(n_rows, strength, regime_length):
    """Autocorrelation of each row of "switching": on in even regimes, off in odd."""
    return np.where((np.arange(n_rows) // regime_length) % 2 == 0, strength, 0.0)


def _nonlinear_returns(shocks, strength, threshold, drift):
    """Returns of "nonlinear": ``r[t+1] = g(r[t]) + drift + shocks[t+1]``, ``r[-1] = 0``.

    ``g(r) = strength * r`` if ``|r| <= threshold``, else ``-strength * r``. A loop over
    rows, on purpose: the branch each step takes depends on the return the step before
    produced, so unlike the linear processes there is no filter (``lfilter``) or closed
    form that runs the recursion in C. On Python floats it takes about 0.1 s per
    200,000 rows; :func:`_conditional_mean` recomputes ``g`` vectorized from the result,
    with the same floating-point operations.
    """
    returns = []
    last = 0.0
    for shock in shocks.tolist():
        persist = strength * last if abs(last) <= threshold else -strength * last
        last = persist + drift + shock
        returns.append(last)
    return np.array(returns)


def _conditional_mean(
    returns, process, strength, volatility, drift, regime_length, signal=None
):
    """``m[t]``, the mean of ``r[t+1]`` given the returns up to ``r[t]`` (and, for
    ``"column"``, the signal ``s[t]``)."""
    n = len(returns)
    if process in ("noise", "trend"):
        return np.full(n, drift)
    if process == "column":
        return strength * volatility * signal + drift
    if process == "ar1":
        return strength * returns + drift
    if process == "momentum":
        weights = np.full(_MOMENTUM_DAYS, strength / _MOMENTUM_DAYS)
        return np.convolve(returns, weights)[:n] + drift
    if process == "switching":
        return _switching_phi(n, strength, regime_length) * returns + drift
    # nonlinear: small moves (within one standard deviation) persist, large ones reverse
    slope = np.where(np.abs(returns) <= volatility, strength, -strength)
    return slope * returns + drift


def simulate_prices(
    n_rows,
    process="ar1",
    strength=0.3,
    *,
    volatility=0.01,
    drift=0.0,
    regime_length=250,
    start="2000-01-03",
    random_state=None,
):
    """A daily price series from a process whose Bayes accuracy is known.

    Log returns follow ``r[t+1] = m[t] + e[t+1]`` with Gaussian innovations ``e``
    of standard deviation ``s``, where the conditional mean ``m[t]`` depends on the
    process. The label "up next period" of row ``t`` is ``r[t+1] > 0``, so the best
    accuracy any predictor of it can reach from the past is
    ``mean over t of Phi(|m[t]| / s)`` (``Phi`` the normal CDF): the series' *Bayes
    accuracy*, recorded with the other facts of the simulation. The predictor that
    reaches it says "up" where ``m[t] > 0``: :func:`bayes_direction`.

    - ``"noise"``: ``m = drift``; with ``drift=0`` a random walk, Bayes accuracy 0.5.
    - ``"ar1"``: ``m[t] = strength * r[t] + drift`` with a stationary volatility of
      ``volatility``; Bayes accuracy ``1/2 + arcsin(|strength|) / pi`` at
      ``drift=0`` (0.597 at 0.3, 0.548 at 0.15). A negative ``strength`` is mean
      reversion: the Bayes predictor is "the opposite of the last move", with the
      same accuracy as ``+strength`` and "the same as the last move" (persistence)
      as far below 0.5 as Bayes is above it.
    - ``"momentum"``: ``m[t] = strength * mean(r[t-4 .. t]) + drift``, a signal in
      the last five days rather than the last one.
    - ``"switching"``: ``"ar1"`` in alternate regimes of ``regime_length`` rows and
      pure noise in between, starting with the signal on.
    - ``"trend"``: ``m = drift`` with ``drift`` set so that the series rises with
      probability ``strength`` (for example 0.98, like a price index, or a mild
      0.55): the majority class is also the Bayes predictor, so no model can beat
      "always up"; Bayes accuracy ``strength``.
    - ``"nonlinear"``: small moves persist and large ones reverse,
      ``m[t] = strength * r[t] + drift`` if ``|r[t]| <= volatility``, else
      ``-strength * r[t] + drift`` (a threshold AR(1)) with the stationary
      volatility of ``"ar1"``. At ``drift=0`` ``|r|`` moves exactly as in ``"ar1"``,
      so the Bayes accuracy is the same ``1/2 + arcsin(|strength|) / pi`` (0.597 at
      0.3), while neither persistence nor its opposite gets far from 0.5 (0.48 and
      0.52 at 0.3): no rule linear in the last return comes near Bayes.
    - ``"column"``: the signal is not in the prices but in a column of its own,
      ``signal``, as a user column of a price file: ``s[t]`` independent standard
      normal, known at row ``t``, and ``m[t] = strength * volatility * s[t] + drift``
      with innovations of standard deviation ``volatility * sqrt(1 - strength**2)``,
      so the returns keep the volatility ``volatility`` and ``strength`` is the
      correlation of ``s[t]`` with ``r[t+1]``. Bayes accuracy
      ``1/2 + arcsin(|strength|) / pi`` at ``drift=0`` (0.597 at 0.3), as for
      ``"ar1"``, while the prices alone are a random walk: nothing in the past
      prices predicts the next move, and every rule that sees only them (the
      majority class, persistence) stays at 0.5.

    Parameters
    ----------
    n_rows : int
        Rows of the series.
    process : {"noise", "ar1", "momentum", "switching", "trend", "nonlinear", \
"column"}, default="ar1"
        The return process.
    strength : float, default=0.3
        Autocorrelation (``"ar1"``, ``"switching"``; negative for mean reversion),
        momentum coefficient (``"momentum"``), slope of the small moves
        (``"nonlinear"``), correlation of the signal with the next return
        (``"column"``; negative: a high signal announces a fall) or probability of
        an up move (``"trend"``); ignored by ``"noise"``.
    volatility : float, default=0.01
        Daily standard deviation of the returns (of the innovations for
        ``"momentum"``); also the size from which a ``"nonlinear"`` move reverses.
    drift : float, default=0.0
        Added to the conditional mean (``"trend"`` sets its own).
    regime_length : int, default=250
        Rows per regime of ``"switching"``.
    start : str, default="2000-01-03"
        First business day of the index.
    random_state : int, RandomState instance or None, default=None
        Seed of the innovations.

    Returns
    -------
    prices : pandas.DataFrame
        ``close`` and ``volume`` on a business-day ``DatetimeIndex`` named ``date``,
        as :func:`read_prices` returns them; for ``"column"`` also ``signal``
        (float64, ``s[t]``), a user column. ``prices.attrs["skfix_simulation"]``
        holds ``process``, ``strength``, ``n_rows``, ``bayes_accuracy`` (over the rows
        that have a label), ``up_share`` (share of up moves), and what
        :func:`bayes_direction` reads: ``volatility``, ``drift`` (the one used, for
        ``"trend"`` its own), ``regime_length`` and ``start`` (the first date), all
        plain scalars.

    See Also
    --------
    bayes_direction : The Bayes predictor's direction for every row.
    skfix.features.make_dataset : Features and labels of the simulated series.

    Examples
    --------
    >>> from skfix.datasets import simulate_prices
    >>> prices = simulate_prices(2000, "ar1", 0.3, random_state=0)
    >>> prices.shape, round(prices.attrs["skfix_simulation"]["bayes_accuracy"], 2)
    ((2000, 2), 0.59)

    The signal of ``"column"`` is a column of its own:

    >>> prices = simulate_prices(2000, "column", 0.3, random_state=0)
    >>> list(prices.columns), round(prices.attrs["skfix_simulation"]["bayes_accuracy"], 2)
    (['close', 'volume', 'signal'], 0.6)
    """
    _check(n_rows, process, strength, volatility, regime_length)
    rng = check_random_state(random_state)
    n = int(n_rows)
    sigma = volatility
    if process == "trend":
        if not 0.5 <= strength < 1:
            raise ValueError(
                f"strength (the probability of an up move) must be in [0.5, 1) for "
                f"'trend'; got {strength!r}."
            )
        drift = float(norm.ppf(strength)) * sigma
    # scipy.signal costs 0.15 s to import: paid by simulate_prices, not by every
    # process that reads price files through skfix.datasets
    from scipy.signal import lfilter

    innovations = rng.normal(0.0, 1.0, n)
    signal = None
    if process in ("noise", "trend"):
        returns = sigma * innovations + drift
    elif process == "column":
        sigma = volatility * np.sqrt(1 - strength**2)
        # s[-1] .. s[n-1]: the first return, from the close before the first row, has
        # a signal too, so every return has the same distribution
        signals = rng.normal(0.0, 1.0, n + 1)
        returns = strength * volatility * signals[:-1] + drift + sigma * innovations
        signal = signals[1:]
    elif process == "ar1":
        sigma = volatility * np.sqrt(1 - strength**2)
        # r[t] - drift / (1 - phi) is AR(1); lfilter runs the recursion in C
        centred = lfilter([1.0], [1.0, -strength], sigma * innovations)
        returns = centred + drift / (1 - strength)
    elif process == "momentum":
        weights = np.full(_MOMENTUM_DAYS, strength / _MOMENTUM_DAYS)
        returns = lfilter([1.0], [1.0, *(-weights)], sigma * innovations + drift)
    elif process == "nonlinear":
        # m[t]**2 = strength**2 * r[t]**2 on both branches: the AR(1) volatility
        sigma = volatility * np.sqrt(1 - strength**2)
        returns = _nonlinear_returns(sigma * innovations, strength, volatility, drift)
    else:  # switching
        phi = _switching_phi(n, strength, regime_length)
        sigma_t = volatility * np.sqrt(1 - phi**2)
        returns = np.empty(n)
        state = np.zeros(1)
        for begin in range(0, n, regime_length):  # a loop over regimes, not rows
            end = min(begin + regime_length, n)
            returns[begin:end], state = lfilter(
                [1.0],
                [1.0, -phi[begin]],
                sigma_t[begin:end] * innovations[begin:end],
                zi=state * phi[begin],
            )
            state = returns[end - 1 : end]
        returns = returns + drift
        # the innovation of row t+1 has the spread of t+1's regime
        sigma = np.append(sigma_t[1:], sigma_t[-1])
    mean = _conditional_mean(
        returns, process, strength, volatility, drift, regime_length, signal
    )
    # m[t] is the conditional mean of r[t+1]: rows 0 .. n-2 have a label
    bayes = float(np.mean(norm.cdf(np.abs(mean[:-1]) / np.broadcast_to(sigma, n)[:-1])))
    log_close = np.cumsum(returns)
    if np.abs(log_close).max() > _MAX_LOG_MOVE:
        raise ValueError(
            f"{n} rows of this process move the log price by "
            f"{np.abs(log_close).max():.0f}, past what a float can hold as a price: "
            "use fewer rows, a smaller volatility or a smaller drift."
        )
    close = _START_PRICE * np.exp(log_close)
    index = pd.bdate_range(start, periods=n, name="date")
    volume = np.round(np.exp(rng.normal(13.0, 0.3, n)))
    prices = pd.DataFrame({"close": close, "volume": volume}, index=index)
    if signal is not None:
        prices[SIGNAL_COLUMN] = signal
    prices.attrs["skfix_simulation"] = {
        "process": process,
        "strength": float(strength),
        "n_rows": n,
        "bayes_accuracy": bayes,
        "up_share": float(np.mean(returns[1:] > 0)),
        "volatility": float(volatility),
        "drift": float(drift),
        "regime_length": int(regime_length),
        "start": index[0].date().isoformat(),
    }
    return prices


def bayes_direction(prices):
    """The Bayes predictor of a simulated series: 1 ("up next period") where ``m[t] > 0``.

    ``m[t]``, the conditional mean of the next return, is a function of the returns up
    to row ``t`` for every process of :func:`simulate_prices` (of the signal ``s[t]``
    for ``"column"``); it is recomputed here from ``prices["close"]`` (and
    ``prices["signal"]``) and the facts in ``prices.attrs["skfix_simulation"]``.
    On the rows that have a label its accuracy is, up to sampling error, the recorded
    ``bayes_accuracy``; no predictor that sees only the past does better on average.

    Parameters
    ----------
    prices : pandas.DataFrame
        A frame made by :func:`simulate_prices`, or its first rows (``iloc[:k]`` keeps
        the attrs): the first return is measured from the price before the first row,
        so a frame that starts later is refused. For ``"column"`` it must keep its
        ``signal`` column.

    Returns
    -------
    direction : pandas.Series of int
        1 where ``m[t] > 0``, else 0, for every row of `prices` (the last one too,
        though it has no label yet), with its index; named ``"bayes_direction"``.
        ``"trend"`` is always 1. Where ``m[t] = 0`` (``"noise"`` without drift, the
        quiet regimes of ``"switching"``) every guess is as good as any other and the
        answer is 0, as :func:`skfix.features.make_labels` scores a flat move.

    Raises
    ------
    ValueError
        If `prices` has no ``attrs["skfix_simulation"]`` with the facts needed (an
        operation dropped the attrs, or the frame comes from an older skfix), does
        not start at the simulation's first row, or is a ``"column"`` frame without
        its ``signal`` column.

    See Also
    --------
    simulate_prices : The series and its Bayes accuracy.
    skfix.features.make_labels : The labels the direction predicts.

    Examples
    --------
    >>> from skfix.datasets import bayes_direction, simulate_prices
    >>> from skfix.features import make_labels
    >>> prices = simulate_prices(100_000, "nonlinear", 0.3, random_state=0)
    >>> up = make_labels(prices)
    >>> labelled = up.notna()
    >>> hits = bayes_direction(prices)[labelled] == up[labelled]
    >>> facts = prices.attrs["skfix_simulation"]
    >>> round(float(hits.mean()), 3), round(facts["bayes_accuracy"], 3)
    (0.597, 0.597)
    """
    facts = getattr(prices, "attrs", {}).get("skfix_simulation")
    missing = [key for key in _MEAN_FACTS if key not in (facts or {})]
    if missing:
        raise ValueError(
            "prices must be a frame made by simulate_prices, with its "
            f"attrs['skfix_simulation']; {missing} missing (an operation that drops "
            "the attrs, or a frame from an older skfix)."
        )
    if len(prices) and prices.index[0] != pd.Timestamp(facts["start"]):
        raise ValueError(
            f"prices starts on {prices.index[0].date()}, not on the simulation's first "
            f"row ({facts['start']}): the first return is measured from the price "
            "before that row. Compute the direction on the whole frame and slice it."
        )
    signal = None
    if facts["process"] == "column":
        if SIGNAL_COLUMN not in prices:
            raise ValueError(
                f"prices of the 'column' process must keep their {SIGNAL_COLUMN!r} "
                "column: the Bayes predictor reads it."
            )
        signal = prices[SIGNAL_COLUMN].to_numpy(dtype=float)
    log_close = np.log(prices["close"].to_numpy(dtype=float) / _START_PRICE)
    returns = np.diff(log_close, prepend=0.0)
    mean = _conditional_mean(
        returns,
        facts["process"],
        facts["strength"],
        facts["volatility"],
        facts["drift"],
        facts["regime_length"],
        signal,
    )
    direction = (mean > 0).astype(np.int64)
    return pd.Series(direction, index=prices.index, name="bayes_direction")
