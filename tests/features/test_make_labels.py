import re

import numpy as np
import pandas as pd
import pytest
from _feature_strategies import log_moves, price_index
from hypothesis import given, settings
from hypothesis import strategies as st

from skfix.features import make_labels


@st.composite
def closes_and_horizon(draw):
    horizon = draw(st.integers(1, 5))
    n = draw(st.integers(horizon + 1, horizon + 30))
    moves = draw(st.lists(log_moves, min_size=n, max_size=n))
    return 100.0 * np.exp(np.cumsum(moves)), horizon


@settings(max_examples=50, deadline=None)
@given(case=closes_and_horizon())
def test_last_horizon_rows_unlabelled_and_the_rest_correct(case):
    close, horizon = case
    prices = pd.DataFrame({"close": close}, index=price_index(len(close)))
    labels = make_labels(prices, horizon=horizon)

    assert labels.dtype == "Int8"
    assert labels.name == "label"
    assert labels.index.equals(prices.index)
    assert labels.iloc[-horizon:].isna().all()
    known = labels.iloc[:-horizon]
    assert known.notna().all()
    assert set(known.unique()) <= {0, 1}
    expected = (close[horizon:] > close[:-horizon]).astype("int8")
    np.testing.assert_array_equal(known.to_numpy(dtype="int8"), expected)


def test_ties_are_not_up():
    prices = pd.DataFrame({"close": [5.0, 5.0, 6.0, 6.0]}, index=price_index(4))
    assert make_labels(prices).tolist() == [0, 1, 0, pd.NA]


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True, "1"])
def test_bad_horizon(horizon):
    prices = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=price_index(3))
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        make_labels(prices, horizon=horizon)


def test_too_few_rows_for_horizon():
    prices = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=price_index(3))
    with pytest.raises(
        ValueError, match=re.escape("one labelled row (horizon + 1 = 4): 4 needed, 3 found")
    ):
        make_labels(prices, horizon=3)


def test_labels_validate_the_frame_like_features():
    prices = pd.DataFrame({"price": [1.0, 2.0, 3.0]}, index=price_index(3))
    with pytest.raises(ValueError, match="must have a 'close' column"):
        make_labels(prices)
