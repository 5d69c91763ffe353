"""Hypothesis strategies for price frames shaped like ``read_prices`` output."""

import numpy as np
import pandas as pd
from hypothesis import strategies as st

# Zero moves make flat stretches (RSI's 0/0 case, label ties); the rest are ordinary moves.
log_moves = st.one_of(st.just(0.0), st.floats(-0.2, 0.2, allow_subnormal=False))
volumes = st.one_of(
    st.just(0.0), st.just(np.nan), st.floats(0.0, 1e12, allow_subnormal=False)
)
range_widths = st.one_of(st.just(np.nan), st.floats(0.0, 0.1, allow_subnormal=False))

small_feature_params = st.fixed_dictionaries(
    {
        "return_windows": st.lists(st.integers(1, 6), unique=True, max_size=3).map(tuple),
        "volatility_windows": st.lists(st.integers(2, 6), unique=True, max_size=2).map(
            tuple
        ),
        "ma_windows": st.lists(st.integers(2, 6), unique=True, max_size=2).map(tuple),
        "rsi_window": st.one_of(st.none(), st.integers(2, 6)),
    }
)


def price_index(n):
    return pd.date_range("2020-01-01", periods=n, freq="D", name="date")


@st.composite
def price_frames(draw, n):
    """A frame of ``n`` rows: positive ``close``, maybe ``open/high/low`` and ``volume``."""
    moves = np.array(draw(st.lists(log_moves, min_size=n, max_size=n)))
    close = 100.0 * np.exp(np.cumsum(moves))
    columns = {"close": close}
    if draw(st.booleans()):
        up = np.array(draw(st.lists(range_widths, min_size=n, max_size=n)))
        down = np.array(draw(st.lists(range_widths, min_size=n, max_size=n)))
        columns["open"] = close * np.exp(moves / 2)
        columns["high"] = close * np.exp(up)
        columns["low"] = close * np.exp(-down)
    if draw(st.booleans()):
        columns["volume"] = np.array(draw(st.lists(volumes, min_size=n, max_size=n)))
    return pd.DataFrame(columns, index=price_index(n))


@st.composite
def changed_after(draw, prices, position, *, keep_missing):
    """``prices`` with every value in rows after ``position`` redrawn.

    With ``keep_missing``, missing values stay missing, so the set of feature columns
    (which depends on whether ``high``, ``low`` and ``volume`` have any data at all) is the
    same in both frames. Without it, missing values may appear or disappear too.
    """
    changed = prices.copy()
    tail = len(prices) - position - 1
    moves = np.array(draw(st.lists(log_moves, min_size=tail, max_size=tail)))
    start = prices["close"].iloc[position]
    changed.iloc[position + 1 :, changed.columns.get_loc("close")] = start * np.exp(
        np.cumsum(moves)
    )
    values = st.floats(0.0, 1e6, allow_subnormal=False)
    maybe_missing = st.one_of(values, st.just(np.nan))
    for name in ("open", "high", "low", "volume"):
        if name not in changed:
            continue
        column = changed[name].to_numpy(copy=True)
        if keep_missing:
            new = np.array(draw(st.lists(values, min_size=tail, max_size=tail)))
            new[np.isnan(column[position + 1 :])] = np.nan
        else:
            new = np.array(draw(st.lists(maybe_missing, min_size=tail, max_size=tail)))
        column[position + 1 :] = new
        changed[name] = column
    return changed
