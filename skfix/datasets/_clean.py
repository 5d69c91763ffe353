"""Cleaning a symbol's rows: sorting, duplicates, split adjustments, impossible prices,
and the record of what was done."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from ._dates import _iso
from ._errors import _SHOWN, _error
from ._numbers import _JUMP_FACTOR, _to_float
from ._report import CleaningReport
from ._table import _norm

# Larger prices overflow the features' rolling sums (a 20-row mean of 1e307 is inf).
_MAX_PRICE = 1e300


def _adjust_for_splits(data, table, mapping, close_rule, decimal, source):
    """Use the adjusted close where ``close`` has a split the adjusted column has not.

    A Yahoo-style file holds both ``Close`` and ``Adj Close``; they differ by a ratio
    that moves a little at each dividend and jumps at a split. Where it jumps by a
    factor of 1.5 or more from one row to the next, ``close`` is read from the adjusted
    column and open, high and low are scaled by the same ratio, so that no feature sees
    the split as a move (``data`` is changed in place). Returns the rule that chose the
    close column, extended to say so.
    """
    if _norm(mapping["close"]) != "close":
        return close_rule
    adjusted = next(
        (c for c in table.columns if _norm(c) in ("adj close", "adjusted close")), None
    )
    if adjusted is None:
        return close_rule
    adj = _to_float(table[adjusted], source, adjusted, decimal)
    ratio = (adj / data["close"]).dropna()
    ratio = ratio[ratio > 0]
    if len(ratio) < 2:
        return close_rule
    steps = np.abs(np.diff(np.log(ratio.to_numpy())))
    jumps = np.flatnonzero(steps >= np.log(1.5))
    if not len(jumps):
        return close_rule
    factor = adj / data["close"]
    for column in ("open", "high", "low"):
        if column in data.columns:
            data[column] = data[column] * factor
    data["close"] = adj
    mapping["close"] = adjusted
    return (
        f"column named {_norm(adjusted)!r}: {str(mapping.get('close'))!r} is used because "
        f"'close' has {len(jumps)} split(s) it does not adjust for, the first at data row "
        f"{int(ratio.index[jumps[0] + 1]) + 1} (close and adjusted close then differ by "
        f"a factor of {float(np.exp(steps[jumps[0]])):.2f} more than the row before); "
        "open, high and low are scaled like it"
    )


def _clean(data, dates, symbol, description, min_rows):
    """Drop rows without a date or close, keep the last row of each date, sort, check.

    Returns the clean frame and its :class:`CleaningReport`."""
    source = description["source"]
    rows_read = len(data)
    no_date = dates.isna().to_numpy()
    rows_without_date = (data.index[no_date] + 1).tolist()
    data, dates = data[~no_date], dates[~no_date]
    # a price cannot be dated after the file was read: a placeholder such as
    # 9999-12-31 would be sorted last and become the label of the real last row
    now = pd.Timestamp.now(tz=dates.dt.tz) + pd.Timedelta(days=1)
    ahead = (dates > now).to_numpy()
    future_dates = sorted(dates[ahead])
    data, dates = data[~ahead], dates[~ahead]
    no_close = data["close"].isna().to_numpy()
    missing_close = sorted(dates[no_close])
    data = data[~no_close].set_axis(pd.DatetimeIndex(dates[~no_close], name="date"))
    unsorted = not data.index.is_monotonic_increasing
    repeated = data.index[data.index.duplicated(keep=False)].unique().sort_values()
    superseded = data.index.duplicated(keep="last")
    frame = data[~superseded].sort_index(kind="stable")
    where = source if description["symbol_column"] is None else f"{source} ({symbol})"
    not_positive = frame["close"] <= 0
    if not_positive.any():
        first = frame.index[not_positive.to_numpy()][0]
        raise _error(
            where,
            f"column {description['close_column']!r} (used as close) has "
            f"{int(not_positive.sum())} values <= 0 - it looks like returns, not prices",
            "prices > 0",
            f"a minimum of {frame['close'].min():g}, first value <= 0 on "
            f"{_iso([first])[0]}",
        )
    too_large = frame["close"] > _MAX_PRICE
    if too_large.any():
        first = frame.index[too_large.to_numpy()][0]
        raise _error(
            where,
            f"column {description['close_column']!r} (used as close) has "
            f"{int(too_large.sum())} values above {_MAX_PRICE:g}, too large for the "
            "features' sums and ratios",
            f"prices up to {_MAX_PRICE:g} (rescale the column, say to thousands)",
            f"a maximum of {frame['close'].max():g}, first above on {_iso([first])[0]}",
        )
    if "volume" in frame.columns and (frame["volume"] < 0).any():
        negative = frame["volume"] < 0
        raise _error(
            where,
            f"column {description['columns']['volume']!r} (used as volume) has "
            f"{int(negative.sum())} negative values",
            "volumes >= 0 (a traded quantity)",
            f"a minimum of {frame['volume'].min():g}, first on "
            f"{_iso([frame.index[negative.to_numpy()][0]])[0]}",
        )
    if len(frame) < min_rows:
        raise _error(
            where,
            f"too few rows for the feature window ({rows_read} read, "
            f"{len(rows_without_date)} without a date, {len(missing_close)} without a "
            f"price, {int(superseded.sum())} duplicate dates)",
            f"at least min_rows={min_rows} usable rows (the default feature window is 20 "
            "periods plus room for labels; pass a smaller min_rows to read it anyway)",
            f"{len(frame)}",
        )
    report = CleaningReport(
        symbol=symbol,
        # Each report gets its own copy: long-format symbols share one description.
        **copy.deepcopy(description),
        rows_read=rows_read,
        rows_kept=len(frame),
        rows_without_date={
            "count": len(rows_without_date),
            "first_rows": rows_without_date[:_SHOWN],
            "action": "dropped",
        },
        missing_close={
            "count": len(missing_close),
            "first_dates": _iso(missing_close[:_SHOWN]),
            "action": "dropped",
        },
        duplicate_dates={
            "count": len(repeated),
            "rows_dropped": int(superseded.sum()),
            "first_dates": _iso(repeated[:_SHOWN]),
            "action": "kept the last row of each date, in file order",
        },
        dates_after_today={
            "count": len(future_dates),
            "first_dates": _iso(future_dates[:_SHOWN]),
            "action": "dropped",
        },
        unsorted=unsorted,
        warnings=_oddities(frame)
        + (
            [
                f"{len(future_dates)} row(s) dated after today, such as "
                f"{_iso(future_dates[:1])[0]} (a placeholder?), were dropped"
            ]
            if future_dates
            else []
        ),
        missing_values={
            column: int(frame[column].isna().sum())
            for column in frame.columns
            if column != "close"
        },
    )
    return frame, report


def _oddities(frame):
    """What is legal but probably wrong in a clean frame, in plain words."""
    found = []
    close = frame["close"].to_numpy()
    if len(close) > 1:
        ratio = close[1:] / close[:-1]
        jumps = np.flatnonzero((ratio >= _JUMP_FACTOR) | (ratio <= 1 / _JUMP_FACTOR))
        if len(jumps):
            at = jumps[0]
            found.append(
                f"close moves by a factor of {_JUMP_FACTOR:g} or more from one row to "
                f"the next {len(jumps)} time(s), first on "
                f"{_iso([frame.index[at + 1]])[0]} ({close[at]:g} to {close[at + 1]:g}): "
                "a bad value, a stock split or a change of unit?"
            )
        if np.all(close == close[0]):
            found.append(
                f"close never changes ({len(close)} rows at {close[0]:g}): there is "
                "nothing to predict"
            )
    if "volume" in frame.columns:
        volume = frame["volume"].dropna()
        if len(volume) and (volume == 0).all():
            found.append(
                "volume is 0 on every row, so the volume feature (volume_change) "
                "carries nothing"
            )
    return found
