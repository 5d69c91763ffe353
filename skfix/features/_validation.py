"""Input checks shared by the feature and label builders.

Every public function of :mod:`skfix.features` takes the price frame produced by
:func:`skfix.datasets.read_prices`. The checks live here so that each builder fails the same
way, with a message that names what was expected and what was found.
"""

import numbers

import numpy as np
import pandas as pd

_PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


def _check_window(value, name, *, minimum):
    """Return ``value`` as an ``int`` if it is an integer >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; found {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; found {value!r}.")
    return int(value)


def _check_windows(values, name, *, minimum):
    """Return ``values`` as a tuple of distinct ints >= ``minimum``, in the given order."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise ValueError(
            f"{name} must be a sequence of integers >= {minimum} (for example (10, 20)); "
            f"found {values!r}."
        )
    windows = tuple(_check_window(v, f"each of {name}", minimum=minimum) for v in values)
    if len(set(windows)) != len(windows):
        raise ValueError(f"{name} must not repeat a window; found {list(windows)}.")
    return windows


def _check_prices(prices, *, min_rows, purpose):
    """Validate a price frame and return its known columns as float64 Series.

    Parameters
    ----------
    prices : pandas.DataFrame
        The frame to check.
    min_rows : int
        The fewest rows ``purpose`` needs.
    purpose : str
        What the rows are needed for, used in the "too few rows" message.

    Returns
    -------
    columns : dict of str to pandas.Series
        ``close`` always, ``open``/``high``/``low``/``volume`` where present, each float64
        with the input's index. Other columns are ignored.
    """
    if not isinstance(prices, pd.DataFrame):
        raise ValueError(
            "prices must be a pandas DataFrame as returned by skfix.datasets.read_prices; "
            f"found {type(prices).__name__}."
        )
    index = prices.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(
            "prices must be indexed by a DatetimeIndex (as returned by "
            f"skfix.datasets.read_prices); found {type(index).__name__}."
        )
    if index.hasnans:
        raise ValueError("prices.index must not contain NaT; found a missing date.")
    if not index.is_monotonic_increasing:
        raise ValueError(
            "prices.index must be sorted in increasing time order; it is not. "
            "Sort it with prices.sort_index()."
        )
    if not index.is_unique:
        duplicated = index[index.duplicated()]
        raise ValueError(
            "prices.index must not repeat a date; found "
            f"{len(duplicated)} repeated, the first {duplicated[0].isoformat()}."
        )
    if "close" not in prices.columns:
        raise ValueError(
            "prices must have a 'close' column (lower case, as returned by "
            f"skfix.datasets.read_prices); found columns {list(map(str, prices.columns))}."
        )
    if len(prices) < min_rows:
        raise ValueError(
            f"prices has too few rows for {purpose}: {min_rows} needed, "
            f"{len(prices)} found."
        )

    columns = {
        name: _float_column(prices, name, f"prices[{name!r}]")
        for name in _PRICE_COLUMNS
        if name in prices.columns
    }

    close = columns["close"]
    bad = close.isna() | (close <= 0)
    if bad.any():
        raise ValueError(
            "prices['close'] must be positive and not missing (log returns need it); "
            f"found {int(bad.sum())} bad rows, the first on {bad.idxmax().isoformat()}. "
            "Drop those rows before building features."
        )
    if "volume" in columns and (columns["volume"] < 0).any():
        negative = columns["volume"] < 0
        raise ValueError(
            "prices['volume'] must not be negative; found "
            f"{int(negative.sum())} negative rows, the first on "
            f"{negative.idxmax().isoformat()}."
        )
    return columns


def _float_column(frame, name, label):
    """``frame[name]`` as a float64 Series (missing values NaN), or a ValueError that
    names it as ``label``: a repeated column, a column that is not numeric, inf."""
    column = frame[name]
    if isinstance(column, pd.DataFrame):
        raise ValueError(f"prices has more than one column named {name!r}.")
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        raise ValueError(f"{label} must be numeric; found dtype {column.dtype}.")
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(
            f"{label} must not contain inf; found it on {int(np.isinf(values).sum())} "
            "row(s)."
        )
    return pd.Series(values, index=frame.index, name=name)
