import json
import re

import numpy as np
import pandas as pd
import pytest
from _feature_strategies import price_index

from skfix.features import make_dataset, make_features, make_labels, min_history


def random_walk(n, *, seed=0, **extra):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.05, n)))
    return pd.DataFrame({"close": close, **extra}, index=price_index(n))


def test_monthly_series_of_68_rows_keeps_47():
    X, y = make_dataset(random_walk(68))
    assert X.shape == (47, 9)
    assert X.index.equals(y.index)
    assert X.index[0] == price_index(68)[20]
    report = X.attrs["skfix_dataset"]
    assert report == {
        "rows_in": 68,
        "warmup_rows_dropped": 20,
        "unlabeled_rows_dropped": 1,
        "missing_feature_rows_dropped": 0,
        "rows_out": 47,
        "missing_features_by_column": {},
        "feature_names": list(X.columns),
        "horizon": 1,
        "min_history": 20,
        "feature_params": {
            "return_windows": [1, 5, 10, 20],
            "volatility_windows": [10, 20],
            "ma_windows": [10, 20],
            "rsi_window": 14,
        },
    }
    assert json.loads(json.dumps(report)) == report


def test_rows_match_features_and_labels():
    prices = random_walk(60, volume=1000.0)
    X, y = make_dataset(prices, horizon=3, return_windows=(1, 2), ma_windows=(5,))
    features = make_features(prices, return_windows=(1, 2), ma_windows=(5,))
    labels = make_labels(prices, horizon=3)
    pd.testing.assert_frame_equal(X, features.loc[X.index], check_flags=False)
    assert y.dtype == "int64"
    assert y.name == "label"
    np.testing.assert_array_equal(y.to_numpy(), labels.loc[X.index].to_numpy(dtype="int64"))
    assert X.notna().all().all()


def test_every_dropped_row_is_counted():
    volume = np.full(50, 1e6)
    volume[[30, 31, 45]] = np.nan
    high = np.full(50, 200.0)
    high[35] = np.nan
    prices = random_walk(50, volume=volume, high=high, low=1.0)
    X, _ = make_dataset(prices, horizon=2)
    report = X.attrs["skfix_dataset"]
    # volume NaN at 30, 31 and 45 hides volume_change at 30, 31, 32, 45, 46; the high
    # at 35 hides hl_range; 48 and 49 are unlabelled anyway.
    assert report["missing_feature_rows_dropped"] == 6
    assert report["missing_features_by_column"] == {"hl_range": 1, "volume_change": 5}
    assert report["rows_out"] == len(X) == 50 - 20 - 2 - 6
    assert (
        report["warmup_rows_dropped"]
        + report["unlabeled_rows_dropped"]
        + report["missing_feature_rows_dropped"]
        + report["rows_out"]
        == report["rows_in"]
    )


def test_too_few_rows_says_needed_and_found():
    needed = min_history() + 2 + 1
    with pytest.raises(
        ValueError,
        match=re.escape(
            "too few rows for a dataset (min_history 20 + horizon 2 + 1): "
            f"{needed} needed, {needed - 1} found"
        ),
    ):
        make_dataset(random_walk(needed - 1), horizon=2)
    X, _ = make_dataset(random_walk(needed), horizon=2)
    assert len(X) == 1


def test_no_complete_row_left_is_an_error():
    prices = random_walk(30, volume=np.where(np.arange(30) % 2, np.nan, 5.0))
    with pytest.raises(ValueError, match="no complete rows are left"):
        make_dataset(prices)


def test_unknown_feature_parameter():
    with pytest.raises(TypeError, match=r"unexpected feature parameters \['windows'\]"):
        make_dataset(random_walk(40), windows=(5,))


def test_bad_horizon_is_reported():
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        make_dataset(random_walk(40), horizon=0)
