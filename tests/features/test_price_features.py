import re

import numpy as np
import pandas as pd
import pytest
from _feature_strategies import (
    changed_after,
    price_frames,
    price_index,
    small_feature_params,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from skfix.features import make_features, min_history

DEFAULT_COLUMNS = [
    "return_1",
    "return_5",
    "return_10",
    "return_20",
    "volatility_10",
    "volatility_20",
    "ma_distance_10",
    "ma_distance_20",
    "rsi_14",
]


def random_walk(n, *, seed=0, **extra):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    return pd.DataFrame({"close": close, **extra}, index=price_index(n))


@st.composite
def frames_and_params(draw):
    params = draw(small_feature_params)
    n = draw(st.integers(min_history(**params) + 1, min_history(**params) + 25))
    return draw(price_frames(n)), params


@settings(max_examples=50, deadline=None)
@given(case=frames_and_params(), keep_missing=st.booleans(), data=st.data())
def test_changing_later_prices_never_changes_earlier_features(case, keep_missing, data):
    prices, params = case
    position = data.draw(st.integers(0, len(prices) - 2), label="position")
    changed = data.draw(
        changed_after(prices, position, keep_missing=keep_missing), label="changed"
    )
    assert changed.iloc[: position + 1].equals(prices.iloc[: position + 1])

    before = make_features(prices, **params)
    after = make_features(changed, **params)

    if keep_missing:
        assert list(before.columns) == list(after.columns)
    # Which optional columns exist can depend on later rows (an all-NaN volume is left
    # out); the values of every column present in both never do.
    common = [name for name in before.columns if name in after.columns]
    assert common[: len(window_columns(params))] == window_columns(params)
    # Exact equality, NaN equal to NaN: the same inputs must give the same bits.
    np.testing.assert_array_equal(
        before[common].iloc[: position + 1].to_numpy(),
        after[common].iloc[: position + 1].to_numpy(),
    )


def window_columns(params):
    """The feature columns that do not depend on optional inputs, in output order."""
    return [
        *(f"return_{w}" for w in params["return_windows"]),
        *(f"volatility_{w}" for w in params["volatility_windows"]),
        *(f"ma_distance_{w}" for w in params["ma_windows"]),
        *([f"rsi_{params['rsi_window']}"] if params["rsi_window"] is not None else []),
    ]


@settings(max_examples=50, deadline=None)
@given(case=frames_and_params())
def test_features_are_never_infinite(case):
    prices, params = case
    features = make_features(prices, **params)
    assert not np.isinf(features.to_numpy()).any()
    assert (features.dtypes == "float64").all()
    assert features.index.equals(prices.index)


def test_default_column_names_close_only():
    features = make_features(random_walk(30))
    assert list(features.columns) == DEFAULT_COLUMNS


def test_optional_columns_add_range_and_volume_features():
    prices = random_walk(30)
    prices["open"] = prices["close"]
    prices["high"] = prices["close"] * 1.01
    prices["low"] = prices["close"] * 0.98
    prices["volume"] = 1000.0
    features = make_features(prices)
    assert list(features.columns) == [*DEFAULT_COLUMNS, "hl_range", "volume_change"]
    np.testing.assert_allclose(features["hl_range"], 0.03)


@pytest.mark.parametrize(
    "extra",
    [
        {"high": 101.0},
        {"high": np.nan, "low": np.nan},
        {"volume": np.nan},
        {"open": 100.0},
    ],
)
def test_range_and_volume_features_need_data(extra):
    features = make_features(random_walk(30, **extra))
    assert list(features.columns) == DEFAULT_COLUMNS


def test_column_names_follow_windows():
    features = make_features(
        random_walk(30),
        return_windows=(3, 1),
        volatility_windows=(),
        ma_windows=(7,),
        rsi_window=None,
    )
    assert list(features.columns) == ["return_3", "return_1", "ma_distance_7"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "return_windows": (1, 3),
            "volatility_windows": (5,),
            "rsi_window": None,
            "ma_windows": (),
        },
        {
            "return_windows": (),
            "volatility_windows": (),
            "ma_windows": (5,),
            "rsi_window": None,
        },
        {
            "return_windows": (2,),
            "volatility_windows": (),
            "ma_windows": (),
            "rsi_window": 9,
        },
        {
            "return_windows": (1,),
            "volatility_windows": (),
            "ma_windows": (),
            "rsi_window": None,
        },
    ],
)
def test_warmup_length_is_min_history(params):
    warmup = min_history(**params)
    features = make_features(random_walk(warmup + 10, volume=1.0), **params)
    complete = features.notna().all(axis=1).to_numpy()
    assert not complete[:warmup].any()
    assert complete[warmup:].all()


def test_min_history_defaults_and_expected_monthly_rows():
    assert min_history() == 20
    # The monthly GOOG series has 68 rows: 20 warm-up rows, one unlabelled row.
    assert 68 - min_history() - 1 == 47


def test_formulas_against_numpy():
    prices = random_walk(40)
    close = prices["close"].to_numpy()
    features = make_features(prices)
    t = 30
    assert features["return_5"].iloc[t] == pytest.approx(np.log(close[t] / close[t - 5]))
    returns = np.diff(np.log(close))
    assert features["volatility_10"].iloc[t] == pytest.approx(
        np.std(returns[t - 10 : t], ddof=1)
    )
    assert features["ma_distance_10"].iloc[t] == pytest.approx(
        close[t] / close[t - 9 : t + 1].mean() - 1
    )


def test_rsi_bounds_and_flat_prices():
    index = price_index(30)
    rising = make_features(pd.DataFrame({"close": np.arange(1.0, 31.0)}, index=index))
    falling = make_features(pd.DataFrame({"close": np.arange(31.0, 1.0, -1)}, index=index))
    flat = make_features(pd.DataFrame({"close": np.full(30, 5.0)}, index=index))
    assert (rising["rsi_14"].iloc[14:] == 100).all()
    assert (falling["rsi_14"].iloc[14:] == 0).all()
    assert (flat["rsi_14"].iloc[14:] == 50).all()
    assert rising["rsi_14"].iloc[:14].isna().all()


def test_zero_volume_is_finite_and_missing_volume_is_nan():
    volume = np.full(30, 500.0)
    volume[10] = 0.0
    volume[20] = np.nan
    change = make_features(random_walk(30, volume=volume))["volume_change"]
    assert change.iloc[10] == pytest.approx(-np.log1p(500.0))
    assert change.iloc[11] == pytest.approx(np.log1p(500.0))
    assert change.iloc[[20, 21]].isna().all()
    assert change.drop(change.index[[0, 20, 21]]).notna().all()


def test_other_columns_are_ignored_and_index_kept():
    prices = random_walk(30, symbol="GOOG", adj_close=1.0)
    features = make_features(prices)
    assert list(features.columns) == DEFAULT_COLUMNS
    assert features.index.equals(prices.index)


def error(match):
    return pytest.raises(ValueError, match=re.escape(match))


def test_error_not_a_frame():
    with error("prices must be a pandas DataFrame"):
        make_features(random_walk(30)["close"])


def test_error_missing_close_names_found_columns():
    prices = random_walk(30).rename(columns={"close": "Close"})
    with error("must have a 'close' column") as info:
        make_features(prices)
    assert "['Close']" in str(info.value)


def test_error_index_not_datetime():
    with error("DatetimeIndex") as info:
        make_features(random_walk(30).reset_index(drop=True))
    assert "RangeIndex" in str(info.value)


def test_error_index_not_sorted():
    with error("sorted in increasing time order"):
        make_features(random_walk(30).iloc[::-1])


def test_error_index_repeats_a_date():
    prices = random_walk(30)
    prices.index = prices.index[[0, *range(29)]]
    with error("must not repeat a date; found 1 repeated, the first 2020-01-01"):
        make_features(prices)


def test_error_too_few_rows_says_needed_and_found():
    expected = "feature row (min_history + 1): 21 needed, 20 found"
    with error(expected):
        make_features(random_walk(20))


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_error_close_not_positive(bad):
    prices = random_walk(30)
    prices.iloc[5, 0] = bad
    with error(
        "prices['close'] must be positive and not missing (log returns need it); "
        "found 1 bad rows, "
        "the first on 2020-01-06"
    ):
        make_features(prices)


def test_error_negative_volume():
    with error("prices['volume'] must not be negative"):
        make_features(random_walk(30, volume=-1.0))


def test_error_inf_in_optional_column():
    with error("prices['high'] must not contain inf"):
        make_features(random_walk(30, high=np.inf, low=1.0))


def test_error_non_numeric_column():
    with error("prices['volume'] must be numeric"):
        make_features(random_walk(30, volume="lots"))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"return_windows": (0, 5)}, "each of return_windows must be an integer >= 1"),
        ({"volatility_windows": (1,)}, "volatility_windows must be an integer >= 2"),
        ({"ma_windows": (2.5,)}, "found 2.5"),
        ({"ma_windows": 10}, "ma_windows must be a sequence of integers"),
        ({"return_windows": (5, 5)}, "must not repeat a window; found [5, 5]"),
        ({"rsi_window": True}, "rsi_window must be an integer >= 2; found True"),
    ],
)
def test_error_bad_windows(params, match):
    with error(match):
        make_features(random_walk(30), **params)
    with error(match):
        min_history(**params)
