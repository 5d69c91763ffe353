import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, TimeSeriesSplit

from skfix.selection import PurgedWalkForwardSplit, walk_forward_predict


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


def test_equals_fitting_each_fold_by_hand():
    X, y = _data()
    cv = PurgedWalkForwardSplit(n_splits=4, gap=2)
    indices, predictions = walk_forward_predict(LogisticRegression(), X, y, cv=cv)
    expected_idx, expected = [], []
    for train, val in cv.split(X):
        expected_idx.append(val)
        expected.append(LogisticRegression().fit(X[train], y[train]).predict(X[val]))
    np.testing.assert_array_equal(indices, np.concatenate(expected_idx))
    np.testing.assert_array_equal(predictions, np.concatenate(expected))
    # every row once, in time order, none before the first window
    assert np.all(np.diff(indices) > 0)
    assert indices[0] == next(cv.split(X))[1][0]


def test_probability_columns_follow_all_classes():
    X, y = _data(160)
    y = np.where(np.arange(160) >= 100, np.where(y == 1, 2, y), y)  # class 2 appears late
    folds = [
        (np.arange(0, 60), np.arange(60, 100)),
        (np.arange(0, 100), np.arange(100, 160)),
    ]
    _, proba = walk_forward_predict(
        LogisticRegression(), X, y, cv=folds, method="predict_proba"
    )
    assert proba.shape == (100, 3)
    np.testing.assert_array_equal(proba[:40, 2], 0.0)  # the first model never saw class 2
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_dataframes_and_fit_params_reach_the_folds():
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    weights = np.linspace(0.5, 1.5, len(y))
    cv = PurgedWalkForwardSplit(n_splits=3)
    idx, weighted = walk_forward_predict(
        LogisticRegression(), frame, y, cv=cv, params={"sample_weight": weights}
    )
    by_hand = np.concatenate(
        [
            LogisticRegression()
            .fit(frame.iloc[train], y[train], sample_weight=weights[train])
            .predict(frame.iloc[val])
            for train, val in cv.split(frame)
        ]
    )
    np.testing.assert_array_equal(weighted, by_hand)


@pytest.mark.parametrize(
    "cv, message",
    [
        (KFold(3), "trains on row .* at or after the start of its validation window"),
        (
            [
                (np.arange(0, 50), np.arange(60, 100)),
                (np.arange(0, 50), np.arange(80, 120)),
            ],
            "validates row 80, which an earlier fold already validated",
        ),
        ([(np.arange(0, 50), np.arange(0))], "empty validation window"),
    ],
)
def test_refuses_splits_that_are_not_walk_forward(cv, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        walk_forward_predict(LogisticRegression(), X, y, cv=cv)


def test_time_series_split_works_too():
    X, y = _data()
    indices, predictions = walk_forward_predict(
        LogisticRegression(), X, y, cv=TimeSeriesSplit(4, gap=1)
    )
    assert len(indices) == len(predictions) == 4 * 40  # test_size = 200 // 5


def test_bad_method_and_lengths():
    X, y = _data()
    with pytest.raises(ValueError, match="method must be one of"):
        walk_forward_predict(LogisticRegression(), X, y, method="transform")
    with pytest.raises(ValueError, match="different numbers of rows: 200 and 199"):
        walk_forward_predict(LogisticRegression(), X, y[:-1])
