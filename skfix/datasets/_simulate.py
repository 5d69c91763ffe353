"""Simulated price series whose best possible accuracy is known."""

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.stats import norm
from sklearn.utils import check_random_state

PROCESSES = ("noise", "ar1", "momentum", "switching", "trend")
# Days of the momentum process's signal: the mean return of the last five rows.
_MOMENTUM_DAYS = 5
# exp() of more overflows float64 prices (e^700 is about 1e304)
_MAX_LOG_MOVE = 700.0


def _check(n_rows, process, strength, volatility, regime_length):
    if process not in PROCESSES:
        raise ValueError(f"process must be one of {PROCESSES}; got {process!r}.")
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 2:
        raise ValueError(f"n_rows must be an int >= 2; got {n_rows!r}.")
    if process in ("ar1", "switching", "momentum") and not -1 < strength < 1:
        # |strength| >= 1 has no stationary volatility: prices would explode
        raise ValueError(f"strength must be in (-1, 1) for {process!r}; got {strength!r}.")
    if not volatility > 0:
        raise ValueError(f"volatility must be > 0; got {volatility!r}.")
    if isinstance(regime_length, bool) or regime_length < 1:
        raise ValueError(f"regime_length must be an int >= 1; got {regime_length!r}.")


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
    accuracy*, recorded with the other facts of the simulation.

    - ``"noise"``: ``m = drift``; with ``drift=0`` a random walk, Bayes accuracy 0.5.
    - ``"ar1"``: ``m[t] = strength * r[t] + drift`` with a stationary volatility of
      ``volatility``; Bayes accuracy ``1/2 + arcsin(strength) / pi`` at ``drift=0``
      (0.597 at 0.3, 0.548 at 0.15).
    - ``"momentum"``: ``m[t] = strength * mean(r[t-4 .. t]) + drift``, a signal in
      the last five days rather than the last one.
    - ``"switching"``: ``"ar1"`` in alternate regimes of ``regime_length`` rows and
      pure noise in between, starting with the signal on.
    - ``"trend"``: ``m = drift`` with ``drift`` set so that the series rises with
      probability ``strength`` (for example 0.98, like a price index): the majority
      class is also the Bayes predictor, so no model can beat "always up".

    Parameters
    ----------
    n_rows : int
        Rows of the series.
    process : {"noise", "ar1", "momentum", "switching", "trend"}, default="ar1"
        The return process.
    strength : float, default=0.3
        Autocorrelation (``"ar1"``, ``"switching"``), momentum coefficient
        (``"momentum"``) or probability of an up move (``"trend"``); ignored by
        ``"noise"``.
    volatility : float, default=0.01
        Daily standard deviation of the returns (of the innovations for
        ``"momentum"``).
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
        as :func:`read_prices` returns them. ``prices.attrs["skfix_simulation"]``
        holds ``process``, ``strength``, ``bayes_accuracy`` (over the rows that have
        a label) and ``up_share`` (share of up moves).

    See Also
    --------
    skfix.features.make_dataset : Features and labels of the simulated series.

    Examples
    --------
    >>> from skfix.datasets import simulate_prices
    >>> prices = simulate_prices(2000, "ar1", 0.3, random_state=0)
    >>> prices.shape, round(prices.attrs["skfix_simulation"]["bayes_accuracy"], 2)
    ((2000, 2), 0.59)
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
    innovations = rng.normal(0.0, 1.0, n)
    if process in ("noise", "trend"):
        returns = sigma * innovations + drift
        mean = np.full(n, drift)
    elif process == "ar1":
        sigma = volatility * np.sqrt(1 - strength**2)
        # r[t] - drift / (1 - phi) is AR(1); lfilter runs the recursion in C
        centred = lfilter([1.0], [1.0, -strength], sigma * innovations)
        returns = centred + drift / (1 - strength)
        mean = strength * returns + drift
    elif process == "momentum":
        weights = np.full(_MOMENTUM_DAYS, strength / _MOMENTUM_DAYS)
        returns = lfilter([1.0], [1.0, *(-weights)], sigma * innovations + drift)
        mean = np.convolve(returns, weights)[:n] + drift
    else:  # switching
        phi = np.where((np.arange(n) // regime_length) % 2 == 0, strength, 0.0)
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
        mean = phi * returns + drift
        # the innovation of row t+1 has the spread of t+1's regime
        sigma = np.append(sigma_t[1:], sigma_t[-1])
    # m[t] is the conditional mean of r[t+1]: rows 0 .. n-2 have a label
    bayes = float(np.mean(norm.cdf(np.abs(mean[:-1]) / np.broadcast_to(sigma, n)[:-1])))
    log_close = np.cumsum(returns)
    if np.abs(log_close).max() > _MAX_LOG_MOVE:
        raise ValueError(
            f"{n} rows of this process move the log price by "
            f"{np.abs(log_close).max():.0f}, past what a float can hold as a price: "
            "use fewer rows, a smaller volatility or a smaller drift."
        )
    close = 100.0 * np.exp(log_close)
    index = pd.bdate_range(start, periods=n, name="date")
    volume = np.round(np.exp(rng.normal(13.0, 0.3, n)))
    prices = pd.DataFrame({"close": close, "volume": volume}, index=index)
    prices.attrs["skfix_simulation"] = {
        "process": process,
        "strength": float(strength),
        "n_rows": n,
        "bayes_accuracy": bayes,
        "up_share": float(np.mean(returns[1:] > 0)),
    }
    return prices
