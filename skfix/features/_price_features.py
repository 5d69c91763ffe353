"""Price features that use only prices at or before each row's own time."""

import numpy as np
import pandas as pd

from ._validation import _check_prices, _check_window, _check_windows

_DEFAULT_RETURN_WINDOWS = (1, 5, 10, 20)
_DEFAULT_VOLATILITY_WINDOWS = (10, 20)
_DEFAULT_MA_WINDOWS = (10, 20)
_DEFAULT_RSI_WINDOW = 14
_FEATURE_PARAMS = ("return_windows", "volatility_windows", "ma_windows", "rsi_window")


def _check_feature_params(
    *,
    return_windows=_DEFAULT_RETURN_WINDOWS,
    volatility_windows=_DEFAULT_VOLATILITY_WINDOWS,
    ma_windows=_DEFAULT_MA_WINDOWS,
    rsi_window=_DEFAULT_RSI_WINDOW,
):
    """Validate the window parameters; return them as a dict of tuples (rsi: int/None)."""
    if rsi_window is not None:
        rsi_window = _check_window(rsi_window, "rsi_window", minimum=2)
    return {
        "return_windows": _check_windows(return_windows, "return_windows", minimum=1),
        "volatility_windows": _check_windows(
            volatility_windows, "volatility_windows", minimum=2
        ),
        "ma_windows": _check_windows(ma_windows, "ma_windows", minimum=2),
        "rsi_window": rsi_window,
    }


def _builtin_features(params):
    """Every built-in feature the windows ``params`` define: name, inputs, window and the
    first row (0-based) with a value."""
    features = {}
    for w in params["return_windows"]:
        features[f"return_{w}"] = (("close",), w, w)
    for w in params["volatility_windows"]:
        features[f"volatility_{w}"] = (("close",), w, w)
    for w in params["ma_windows"]:
        features[f"ma_distance_{w}"] = (("close",), w, w - 1)
    if params["rsi_window"] is not None:
        n = params["rsi_window"]
        features[f"rsi_{n}"] = (("close",), n, n)
    features["hl_range"] = (("high", "low", "close"), None, 0)
    features["volume_change"] = (("volume",), 2, 1)
    return features


def _lookback(params):
    """Warm-up rows for validated ``params``, the value :func:`min_history` returns:
    the first row at which every feature the windows define can have a value
    (``volume_change``, which compares each row with the previous one, needs 1)."""
    return max(first for _, _, first in _builtin_features(params).values())


def min_history(
    *,
    return_windows=_DEFAULT_RETURN_WINDOWS,
    volatility_windows=_DEFAULT_VOLATILITY_WINDOWS,
    ma_windows=_DEFAULT_MA_WINDOWS,
    rsi_window=_DEFAULT_RSI_WINDOW,
):
    """Number of warm-up rows before the first complete row of :func:`make_features`.

    Row ``min_history(...)`` (0-based) is the first whose features are all computed from
    enough past prices; the rows before it are warm-up rows whose longest-window features
    are missing. A feature can still be missing after the warm-up where an input value is
    missing (a NaN ``volume``, ``high`` or ``low``).

    Parameters
    ----------
    return_windows : sequence of int, default=(1, 5, 10, 20)
        Look-backs, in rows, of the log returns.
    volatility_windows : sequence of int, default=(10, 20)
        Windows, in rows, of the rolling standard deviation of one-row log returns.
    ma_windows : sequence of int, default=(10, 20)
        Windows, in rows, of the moving averages the close is compared with.
    rsi_window : int or None, default=14
        Smoothing window of the relative strength index; ``None`` leaves it out.

    Returns
    -------
    int
        The number of leading rows without a complete feature row, at least 1.

    See Also
    --------
    make_features : The features this count is about.
    make_dataset : Drops exactly these rows as warm-up.

    Examples
    --------
    >>> from skfix.features import min_history
    >>> min_history()
    20
    >>> min_history(return_windows=(1, 3), volatility_windows=(5,), rsi_window=None)
    19
    """
    return _lookback(
        _check_feature_params(
            return_windows=return_windows,
            volatility_windows=volatility_windows,
            ma_windows=ma_windows,
            rsi_window=rsi_window,
        )
    )


def _has_data(columns, *names):
    return all(name in columns and columns[name].notna().any() for name in names)


def make_features(
    prices,
    *,
    return_windows=_DEFAULT_RETURN_WINDOWS,
    volatility_windows=_DEFAULT_VOLATILITY_WINDOWS,
    ma_windows=_DEFAULT_MA_WINDOWS,
    rsi_window=_DEFAULT_RSI_WINDOW,
):
    """Turn a price frame into scale-free features that never look ahead.

    The feature at row ``t`` is computed from the rows at or before ``t`` only: trailing
    rolling windows, backward shifts and recursive (``adjust=False``) exponential smoothing.
    Nothing is centred, read from a later row (``shift(-k)``), back-filled or normalized
    with statistics of the whole sample, so changing a price after ``t`` never changes a
    feature at ``t``.

    Parameters
    ----------
    prices : pandas.DataFrame
        A price frame as returned by :func:`skfix.datasets.read_prices`: a sorted, unique
        :class:`~pandas.DatetimeIndex` and a positive, non-missing ``close`` column;
        optional ``high``, ``low`` and ``volume`` columns may contain NaN. ``open`` and any
        other column are accepted and not used.
    return_windows : sequence of int, default=(1, 5, 10, 20)
        Look-backs, in rows, of the log returns.
    volatility_windows : sequence of int, default=(10, 20)
        Windows, in rows (at least 2), of the rolling standard deviation of one-row log
        returns.
    ma_windows : sequence of int, default=(10, 20)
        Windows, in rows (at least 2), of the moving averages the close is compared with.
    rsi_window : int or None, default=14
        Smoothing window (at least 2) of the relative strength index; ``None`` leaves it
        out.

    Returns
    -------
    features : pandas.DataFrame
        One row per input row, same index, float64 columns in this order:

        - ``return_{w}`` for each ``w`` in ``return_windows``:
          ``log(close[t] / close[t - w])``;
        - ``volatility_{w}`` for each ``w`` in ``volatility_windows``: sample standard
          deviation of ``return_1`` over rows ``t - w + 1 .. t``;
        - ``ma_distance_{w}`` for each ``w`` in ``ma_windows``:
          ``close[t] / mean(close[t - w + 1 .. t]) - 1``;
        - ``rsi_{n}``: Wilder's relative strength index, 0 to 100 (50 when prices have
          not moved);
        - ``hl_range``: ``(high[t] - low[t]) / close[t]``, only when ``high`` and ``low``
          exist and are not entirely missing;
        - ``volume_change``: ``log1p(volume[t]) - log1p(volume[t - 1])``, only when
          ``volume`` exists and is not entirely missing. Zero volume gives a finite value,
          missing volume gives NaN, never inf.

        The first ``min_history(...)`` rows are warm-up rows with missing values.

    Raises
    ------
    ValueError
        If ``prices`` is not such a frame, has fewer than ``min_history(...) + 1`` rows
        (no complete feature row), or a window is not a valid integer.

    See Also
    --------
    min_history : Number of warm-up rows for given windows.
    make_labels : The next-period direction these features are meant to predict.
    make_dataset : Features and labels aligned, with dropped rows reported.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skfix.features import make_features
    >>> index = pd.date_range("2024-01-01", periods=30, freq="D", name="date")
    >>> close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 30)))
    >>> prices = pd.DataFrame({"close": close, "volume": 1000.0}, index=index)
    >>> features = make_features(prices)
    >>> list(features.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['return_1', 'return_5', 'return_10', 'return_20', 'volatility_10', 'volatility_20',
     'ma_distance_10', 'ma_distance_20', 'rsi_14', 'volume_change']
    >>> bool(features.iloc[:20].isna().any(axis=1).all())  # the min_history() warm-up rows
    True
    >>> bool(features.iloc[20:].notna().all().all())
    True
    """
    params = _check_feature_params(
        return_windows=return_windows,
        volatility_windows=volatility_windows,
        ma_windows=ma_windows,
        rsi_window=rsi_window,
    )
    needed = _lookback(params) + 1
    columns = _check_prices(
        prices, min_rows=needed, purpose="one complete feature row (min_history + 1)"
    )
    return _compute_features(columns, params, prices.index)


def _compute_features(columns, params, index):
    """The features of checked ``columns`` (:func:`_check_prices`' output), any length:
    a row without enough history is NaN."""
    close = columns["close"]
    log_close = np.log(close)
    one_row_return = log_close.diff()

    features = {}
    for window in params["return_windows"]:
        features[f"return_{window}"] = log_close - log_close.shift(window)
    for window in params["volatility_windows"]:
        features[f"volatility_{window}"] = one_row_return.rolling(window).std()
    for window in params["ma_windows"]:
        features[f"ma_distance_{window}"] = close / close.rolling(window).mean() - 1.0
    if params["rsi_window"] is not None:
        features[f"rsi_{params['rsi_window']}"] = _rsi(close, params["rsi_window"])
    if _has_data(columns, "high", "low"):
        features["hl_range"] = (columns["high"] - columns["low"]) / close
    if _has_data(columns, "volume"):
        log_volume = np.log1p(columns["volume"])
        features["volume_change"] = log_volume - log_volume.shift(1)
    return pd.DataFrame(features, index=index, dtype="float64")


def _rsi(close, window):
    """Wilder's RSI on a 0-100 scale, from recursive exponential averages of moves."""
    move = close.diff()
    # Wilder's smoothing is an EMA with alpha = 1 / window; adjust=False makes it the
    # recursive form, which only ever weights past moves.
    smooth = {"alpha": 1.0 / window, "adjust": False, "min_periods": window}
    gain = move.clip(lower=0.0).ewm(**smooth).mean()
    loss = (-move).clip(lower=0.0).ewm(**smooth).mean()
    total = gain + loss
    # gain / (gain + loss) equals the textbook 1 - 1 / (1 + gain / loss) without dividing
    # by a zero loss; with no move at all the index is neutral.
    rsi = 100.0 * gain / total.where(total > 0)
    return rsi.mask(total.eq(0.0), 50.0)
