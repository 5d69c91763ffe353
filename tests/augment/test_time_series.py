import numpy as np
import pandas as pd
import pytest

from skfix.augment import TimeSeriesAugmenter
from skfix.augment._time_series import _check_class_proportions

# Switches off every transformation but one, so each can be tested alone.
ONLY_NOISE = {"time_shift": 0, "feature_dropout": 0.0}
ONLY_DROPOUT = {"time_shift": 0, "noise_std": 0.0}
ONLY_SHIFT = {"noise_std": 0.0, "feature_dropout": 0.0}
# One size factor for every input size.
ALWAYS_3X = {"size_thresholds": (), "size_factors": (3,)}


def _data(n_samples, n_features=4, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    return X, y


@pytest.mark.parametrize(
    "n_samples, factor", [(10, 3), (199, 3), (200, 2), (299, 2), (300, 1), (1000, 1)]
)
def test_adaptive_size(n_samples, factor):
    X, y = _data(n_samples)
    augmenter = TimeSeriesAugmenter(random_state=0)
    X_res, y_res = augmenter.fit_resample(X, y)
    assert augmenter.size_factor_ == factor
    assert X_res.shape == (factor * n_samples, X.shape[1])
    assert y_res.shape == (factor * n_samples,)
    assert augmenter.is_synthetic_.sum() == (factor - 1) * n_samples


def test_unchanged_from_300_rows():
    X, y = _data(300)
    X_res, y_res = TimeSeriesAugmenter(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)


def test_thresholds_and_factors_are_parameters():
    X, y = _data(50)
    augmenter = TimeSeriesAugmenter(size_thresholds=(40,), size_factors=(5, 4))
    assert augmenter.fit_resample(X, y)[0].shape[0] == 200


def test_output_is_time_interleaved_with_originals_first():
    X, y = _data(20)
    augmenter = TimeSeriesAugmenter(random_state=0)
    X_res, y_res = augmenter.fit_resample(X, y)
    np.testing.assert_array_equal(augmenter.sample_indices_, np.repeat(np.arange(20), 3))
    np.testing.assert_array_equal(augmenter.is_synthetic_, np.tile([False, True, True], 20))
    np.testing.assert_array_equal(X_res[::3], X)
    np.testing.assert_array_equal(X_res[~augmenter.is_synthetic_], X)
    np.testing.assert_array_equal(y_res, y[augmenter.sample_indices_])


def test_deterministic_under_random_state():
    X, y = _data(30)
    first = TimeSeriesAugmenter(random_state=3).fit_resample(X, y)[0]
    again = TimeSeriesAugmenter(random_state=3).fit_resample(X, y)[0]
    other = TimeSeriesAugmenter(random_state=4).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeps_float_dtype(dtype):
    X, y = _data(30)
    X_res, _ = TimeSeriesAugmenter(random_state=0).fit_resample(X.astype(dtype), y)
    assert X_res.dtype == dtype


def test_integer_input_stays_integer_within_observed_range():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(40, 3))
    y = np.arange(40) % 2
    X_res, _ = TimeSeriesAugmenter(noise_std=1.0, random_state=0).fit_resample(X, y)
    assert X_res.dtype == X.dtype
    assert X_res.min() >= 0 and X_res.max() <= 4


def test_integer_dataframe_columns_are_rounded_not_truncated():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "ret": rng.normal(size=300),
            "weekday": rng.integers(0, 5, size=300),
            "up_before": rng.integers(0, 2, size=300).astype(bool),
        }
    )
    y = np.arange(300) % 2
    augmenter = TimeSeriesAugmenter(
        size_thresholds=(), size_factors=(2,), noise_std=2.0, random_state=0
    )
    X_res, _ = augmenter.fit_resample(frame, y)
    assert (X_res.dtypes == frame.dtypes).all()
    assert X_res["weekday"].between(0, 4).all()
    # Rounding is symmetric: truncation toward zero would pull the mean down.
    synthetic = X_res[augmenter.is_synthetic_]
    assert abs(synthetic["weekday"].mean() - frame["weekday"].mean()) < 0.2
    assert synthetic["up_before"].mean() < 0.9


def test_dataframe_in_dataframe_out():
    X, y = _data(30)
    frame = pd.DataFrame(X, columns=["ret_1", "ret_5", "vol_10", "rsi_14"])
    target = pd.Series(y, name="up")
    X_res, y_res = TimeSeriesAugmenter(random_state=0).fit_resample(frame, target)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(frame.columns)
    assert y_res.name == "up"
    np.testing.assert_array_equal(X_res.to_numpy()[::3], X)


def test_multiclass_and_string_labels():
    X, _ = _data(40)
    y = np.array(["down", "flat", "up", "up"] * 10)
    X_res, y_res = TimeSeriesAugmenter(random_state=0).fit_resample(X, y)
    assert X_res.shape[0] == 120
    np.testing.assert_array_equal(y_res, np.repeat(y, 3))


def test_single_class_is_a_clear_error():
    X, _ = _data(10)
    with pytest.raises(ValueError, match="more than 1 class"):
        TimeSeriesAugmenter().fit_resample(X, np.ones(10))


def test_empty_input_is_a_clear_error():
    with pytest.raises(ValueError, match="0 sample"):
        TimeSeriesAugmenter().fit_resample(np.empty((0, 3)), np.empty(0))


def test_noise_is_relative_to_each_feature_spread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 3)) * np.array([1.0, 100.0, 0.0]) + 7.0
    y = np.arange(4000) % 2
    augmenter = TimeSeriesAugmenter(**ONLY_NOISE, **ALWAYS_3X, random_state=0)
    X_res, _ = augmenter.fit_resample(X, y)
    delta = X_res - X[augmenter.sample_indices_]
    relative = delta[augmenter.is_synthetic_].std(axis=0)
    np.testing.assert_allclose(relative[:2] / X.std(axis=0)[:2], 0.15, rtol=0.05)
    assert relative[2] == 0  # a constant column gets no noise


def test_dropout_replaces_a_fraction_with_the_feature_mean():
    X, y = _data(5000, n_features=10)
    augmenter = TimeSeriesAugmenter(**ONLY_DROPOUT, **ALWAYS_3X, random_state=0)
    X_res, _ = augmenter.fit_resample(X, y)
    synthetic = X_res[augmenter.is_synthetic_]
    origin = X[augmenter.sample_indices_[augmenter.is_synthetic_]]
    dropped = synthetic != origin
    np.testing.assert_allclose(dropped.mean(), 0.10, atol=0.005)
    np.testing.assert_array_equal(
        synthetic[dropped], np.broadcast_to(X.mean(axis=0), synthetic.shape)[dropped]
    )


def test_row_shift_only_reaches_back():
    n_samples = 150
    X = np.repeat(np.arange(n_samples, dtype=float)[:, None], 2, axis=1)  # value = time
    y = np.arange(n_samples) % 2
    augmenter = TimeSeriesAugmenter(**ONLY_SHIFT, time_shift=2, random_state=0)
    X_res, y_res = augmenter.fit_resample(X, y)
    origin = augmenter.sample_indices_
    lag = origin - X_res[:, 0]
    assert set(lag[augmenter.is_synthetic_].tolist()) == {0, 1, 2}
    assert (X_res[:, 0] >= 0).all()  # clipped at row 0, never wrapped around
    np.testing.assert_array_equal(X_res[:, 0], X_res[:, 1])  # whole rows move together
    np.testing.assert_array_equal(y_res, y[origin])  # the origin row keeps its label


def test_shift_within_lag_windows_never_looks_past_lag0():
    n_samples, n_lags = 150, 4
    times = np.arange(n_samples, dtype=float)
    window = times[:, None] - np.arange(n_lags)  # lag0, lag1, ... of the series "time"
    other = -times[:, None]  # a column outside every window
    X = np.hstack([window, other, window + 1000])
    groups = [[0, 1, 2, 3], [5, 6, 7, 8]]
    augmenter = TimeSeriesAugmenter(**ONLY_SHIFT, lag_groups=groups, random_state=0)
    X_res, _ = augmenter.fit_resample(X, np.arange(n_samples) % 2)
    origin_time = augmenter.sample_indices_.astype(float)[:, None]
    shifted = X_res[:, :4]
    assert (shifted <= origin_time).all()  # never newer than the row's own lag0
    assert (shifted >= origin_time - (n_lags - 1)).all()  # edge-padded with the oldest
    assert (np.diff(shifted, axis=1) <= 0).all()  # still newest to oldest
    np.testing.assert_array_equal(X_res[:, 5:], shifted + 1000)  # one shift per row
    np.testing.assert_array_equal(X_res[:, 4], -origin_time[:, 0])  # others untouched
    moved = (shifted - window[augmenter.sample_indices_])[augmenter.is_synthetic_]
    assert (moved > 0).any() and (moved < 0).any()  # both directions do happen


def test_distribution_violation_raises_or_warns_with_both_distributions():
    before = np.array([0] * 50 + [1] * 50)
    after = np.array([0] * 60 + [1] * 40)
    with pytest.raises(ValueError, match=r"Before: \{0: 0.5, 1: 0.5\}; after: \{0: 0.6"):
        _check_class_proportions(before, after, 0.05, "raise")
    with pytest.warns(UserWarning, match="more than max_proportion_change"):
        _check_class_proportions(before, after, 0.05, "warn")
    _check_class_proportions(before, after, 0.10, "raise")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"size_factors": (3, 2)}, "one more entry"),
        ({"size_factors": (3, 2.5, 1)}, "integers >= 1"),
        ({"size_factors": (3, 0, 1)}, "integers >= 1"),
        ({"size_thresholds": (300, 200)}, "strictly increasing"),
        ({"lag_groups": [[0, 9]]}, "outside"),
        ({"lag_groups": [[0, 1], [1, 2]]}, "more than one lag group"),
        ({"lag_groups": [[]]}, "at least one column"),
    ],
)
def test_invalid_size_and_lag_parameters(params, message):
    X, y = _data(20)
    with pytest.raises(ValueError, match=message):
        TimeSeriesAugmenter(**params).fit_resample(X, y)
