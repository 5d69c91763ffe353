"""Next-period direction labels."""

import pandas as pd

from ._validation import _check_prices, _check_window


def make_labels(prices, *, horizon=1):
    """Label each row 1 if the close ``horizon`` rows later is higher, else 0.

    Unlike features, labels look ahead by design: the label at row ``t`` compares
    ``close[t + horizon]`` with ``close[t]``. A tie counts as 0 ("not up"). The last
    ``horizon`` rows have no future close and their label is missing (``pd.NA``).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price frame as returned by :func:`skfix.datasets.read_prices`: a sorted, unique
        :class:`~pandas.DatetimeIndex` and a positive, non-missing ``close`` column.
    horizon : int, default=1
        How many rows ahead to look. Rows, not calendar periods: with gaps in the index,
        ``t + horizon`` is the ``horizon``-th next row.

    Returns
    -------
    labels : pandas.Series
        Nullable ``Int8`` series named ``"label"`` with the index of ``prices``: 1 (up),
        0 (flat or down), or ``pd.NA`` on the last ``horizon`` rows.

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price frame, ``horizon`` is not an integer >= 1, or
        there are not more than ``horizon`` rows (so no row could be labelled).

    See Also
    --------
    make_features : Leak-free features for the same rows.
    make_dataset : Features and labels aligned, unlabelled rows dropped and reported.

    Examples
    --------
    >>> import pandas as pd
    >>> from skfix.features import make_labels
    >>> index = pd.date_range("2024-01-01", periods=5, freq="D", name="date")
    >>> prices = pd.DataFrame({"close": [10.0, 11.0, 11.0, 9.0, 12.0]}, index=index)
    >>> make_labels(prices).tolist()
    [1, 0, 0, 1, <NA>]
    >>> make_labels(prices, horizon=2).tolist()
    [1, 0, 1, <NA>, <NA>]
    """
    horizon = _check_window(horizon, "horizon", minimum=1)
    purpose = f"one labelled row (horizon + 1 = {horizon + 1})"
    close = _check_prices(prices, min_rows=horizon + 1, purpose=purpose)["close"]
    future = close.shift(-horizon)
    labels = (future > close).astype("Int8")
    labels[future.isna()] = pd.NA
    return labels.rename("label")
