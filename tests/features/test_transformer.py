"""PriceFeatures: the built-in features and user columns as a fitted transformer."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skfix.datasets import load_market_panel
from skfix.features import (
    FeatureInputError,
    PriceFeatures,
    check_look_ahead,
    make_dataset,
    make_features,
)


@pytest.fixture(scope="module")
def panel():
    return load_market_panel()


def _frame(n=300, seed=0, **columns):
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2020-01-01", periods=n, name="date")
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    frame = pd.DataFrame({"close": close, "volume": rng.integers(1, 9, n) * 1e3}, index)
    for name, values in columns.items():
        frame[name] = values
    return frame


@pytest.mark.parametrize("symbol", ["SP500", "BAA", "VIX"])
def test_default_features_are_make_features(panel, symbol):
    prices = panel[symbol]
    features = PriceFeatures().fit(prices)
    pd.testing.assert_frame_equal(features.transform(prices), make_features(prices))
    assert features.min_history_ == 20


def test_a_chosen_subset_and_windows(panel):
    prices = panel["SP500"]
    features = PriceFeatures(
        builtin=["return_3", "volatility_5", "hl_range"],
        return_windows=(1, 3),
        volatility_windows=(5,),
    ).fit(prices)
    assert features.get_feature_names_out().tolist() == [
        "return_3",
        "volatility_5",
        "hl_range",
    ]
    assert features.required_columns_ == ["close", "high", "low"]
    assert features.min_history_ == 5
    expected = make_features(prices, return_windows=(1, 3), volatility_windows=(5,))[
        ["return_3", "volatility_5", "hl_range"]
    ]
    pd.testing.assert_frame_equal(features.transform(prices), expected)
    X, _ = make_dataset(prices, features=features)
    assert X.attrs["skfix_dataset"]["warmup_rows_dropped"] == 5


def test_a_user_column_is_used_at_its_row_or_lagged():
    signal = np.arange(300, dtype=float)
    prices = _frame(signal=signal, rate=signal * 2)
    features = PriceFeatures(
        builtin=["return_1"], columns=["signal", "rate"], lag={"rate": 2}
    ).fit(prices)
    out = features.transform(prices)
    assert out.columns.tolist() == ["return_1", "signal", "rate_lag2"]
    np.testing.assert_array_equal(out["signal"], signal)
    np.testing.assert_array_equal(out["rate_lag2"].iloc[2:], signal[:-2] * 2)
    assert out["rate_lag2"].iloc[:2].isna().all()
    assert features.min_history_ == 2
    assert features.required_columns_ == ["close", "signal", "rate"]
    records = {f["name"]: f for f in features.features_}
    assert records["rate_lag2"] == {
        "name": "rate_lag2",
        "source": "column",
        "column": "rate",
        "inputs": ["rate"],
        "window": None,
        "lag": 2,
    }
    assert records["return_1"]["source"] == "builtin"


def test_columns_all_takes_every_numeric_user_column():
    prices = _frame(a=1.0, b=np.arange(300.0), note="x", empty=np.nan)
    features = PriceFeatures(builtin=[], columns="all").fit(prices)
    assert features.get_feature_names_out().tolist() == ["a", "b"]


def test_missing_values_in_a_user_column_drop_rows_and_are_counted():
    values = np.arange(300.0)
    values[[100, 150]] = np.nan
    X, _ = make_dataset(_frame(signal=values), features=PriceFeatures(columns=["signal"]))
    report = X.attrs["skfix_dataset"]
    assert report["missing_feature_rows_dropped"] == 2
    assert report["missing_features_by_column"] == {"signal": 2}


@pytest.mark.parametrize(
    "frame, params, message",
    [
        (_frame(), dict(columns=["sentiment"]), "lack the user column 'sentiment'"),
        (_frame(s=np.inf), dict(columns=["s"]), "'s' must not contain inf"),
        (_frame(s="high"), dict(columns=["s"]), "'s' must be numeric"),
        (_frame(), dict(builtin=["hl_range"]), "'hl_range' needs the column"),
        (_frame().reset_index(), {}, "DatetimeIndex"),
    ],
)
def test_bad_input_is_refused_naming_the_column(frame, params, message):
    with pytest.raises(FeatureInputError, match=message):
        PriceFeatures(**params).fit(frame)


def test_transform_refuses_a_frame_without_a_required_column():
    features = PriceFeatures(columns=["signal"]).fit(_frame(signal=1.0))
    with pytest.raises(FeatureInputError, match=r"lack the column\(s\) \['signal'\]"):
        features.transform(_frame())


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(builtin=["return_3"]), "not one of those the windows define"),
        (dict(lag={"x": 1}), "lag names \\['x'\\]"),
        (dict(columns=["x"], lag={"x": -1}), "whole number of rows"),
        (dict(builtin=[]), "no features"),
        (dict(columns=["x", "x"]), "distinct column names"),
    ],
)
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        PriceFeatures(**params).fit(_frame(x=1.0))


def test_a_user_column_named_like_a_feature_is_refused():
    with pytest.raises(ValueError, match="would have the name of another feature"):
        PriceFeatures(columns=["return_1"]).fit(_frame(return_1=1.0))


def test_scikit_learn_basics_on_a_price_frame():
    prices = _frame(signal=np.linspace(0, 1, 300))
    features = PriceFeatures(columns=["signal"], lag={"signal": 1})
    with pytest.raises(NotFittedError):
        features.transform(prices)
    assert features.fit(prices) is features
    first = features.transform(prices)
    assert features.fit(prices).transform(prices).equals(first)  # idempotent fit
    assert features.n_features_in_ == 3
    assert features.feature_names_in_.tolist() == ["close", "volume", "signal"]
    restored = pickle.loads(pickle.dumps(features))
    assert restored.transform(prices).equals(first)
    assert clone(features).get_params() == features.get_params()
    assert features.set_output(transform="pandas").transform(prices).equals(first)
    assert features.fit_transform(prices).equals(first)
    # other columns may differ at transform: only the required ones are read
    assert features.transform(prices.assign(extra=1.0)).equals(first)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(30, 80),
    cut=st.integers(0, 79),
    seed=st.integers(0, 2**16),
    lag=st.integers(0, 3),
)
def test_no_feature_at_t_changes_when_rows_after_t_change(n, cut, seed, lag):
    cut = min(cut, n - 2)
    rng = np.random.default_rng(seed)
    prices = _frame(n, seed, signal=rng.normal(size=n), rate=rng.normal(size=n))
    changed = prices.copy()
    later = slice(cut + 1, None)
    changed.iloc[later, 0] *= np.exp(rng.normal(0, 0.1, n - cut - 1))
    changed.iloc[later, 1:] = rng.normal(size=(n - cut - 1, 3)) * [1e3, 1, 1] + [5e3, 0, 0]
    features = PriceFeatures(columns=["signal", "rate"], lag={"rate": lag}).fit(prices)
    before = features.transform(prices).iloc[: cut + 1]
    after = features.transform(changed).iloc[: cut + 1]
    pd.testing.assert_frame_equal(before, after)


def test_a_short_frame_is_all_warm_up_and_never_fails(panel):
    prices = panel["SP500"]
    features = PriceFeatures().fit(prices)
    short = features.transform(prices.iloc[:5])
    assert short.shape == (5, 11)
    assert short.isna().any(axis=1).all()
    pd.testing.assert_frame_equal(short, features.transform(prices).iloc[:5])


# --- the look-ahead guard ----------------------------------------------------------


def _guarded(prices, columns, trusted=()):
    features = PriceFeatures(builtin=["return_1"], columns=columns).fit(prices)
    X, y = make_dataset(prices, features=features)
    return check_look_ahead(features, X, y, prices, trusted=trusted)


def test_the_next_return_or_close_under_another_name_is_a_probable_leak():
    prices = _frame(1000)
    log_close = np.log(prices["close"])
    prices["peek"] = log_close.shift(-1) - log_close  # the next return
    prices["tomorrow"] = prices["close"].shift(-1)  # the next close
    checks = _guarded(prices, ["peek", "tomorrow"])
    assert checks["peek"]["probable_leak"] and checks["peek"]["auc"] > 0.99
    assert checks["tomorrow"]["probable_leak"] and checks["tomorrow"]["auc"] > 0.99


def test_a_real_signal_and_a_trusted_column_are_not_flagged():
    rng = np.random.default_rng(1)
    n = 3000
    signal = rng.normal(size=n)
    returns = np.append(0.0, 0.003 * signal[:-1] + 0.0095 * rng.normal(size=n - 1))
    prices = _frame(n)
    prices["close"] = 100 * np.exp(np.cumsum(returns))
    prices["signal"] = signal
    log_close = np.log(prices["close"])
    prices["peek"] = log_close.shift(-1) - log_close
    checks = _guarded(prices, ["signal", "peek"], trusted=("peek",))
    assert 0.55 < checks["signal"]["auc"] < 0.70
    assert not checks["signal"]["probable_leak"]
    assert checks["peek"] == {
        "auc": checks["peek"]["auc"],
        "probable_leak": False,
        "trusted": True,
    }
