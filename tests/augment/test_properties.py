"""Properties of the augmenter for any label vector with at least two classes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skfix.augment import TimeSeriesAugmenter

DEFAULT_FACTORS = {(0, 200): 3, (200, 300): 2, (300, 10**9): 1}


@st.composite
def training_sets(draw, max_samples=320):
    """Labels with at least two classes, finite features, optional lag windows."""
    n_samples = draw(st.integers(2, max_samples))
    n_classes = draw(st.integers(2, min(5, n_samples)))
    labels = draw(
        arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)).filter(
            lambda y: np.unique(y).size >= 2
        )
    )
    n_features = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    values = st.floats(-1e6, 1e6, allow_nan=False, width=32)
    X = draw(arrays(dtype, (n_samples, n_features), elements=values))
    lag_groups = draw(st.sampled_from([None, "window"]))
    if lag_groups == "window":
        lag_groups = [list(range(n_features))]
    return X, labels, lag_groups


def _proportions(y, classes):
    return np.array([np.mean(y == c) for c in classes])


@settings(max_examples=60, deadline=None)
@given(data=training_sets(), seed=st.integers(0, 2**16))
def test_resampling_properties(data, seed):
    X, y, lag_groups = data
    augmenter = TimeSeriesAugmenter(lag_groups=lag_groups, random_state=seed)
    X_res, y_res = augmenter.fit_resample(X, y)

    n_samples = y.size
    factor = next(
        f for (low, high), f in DEFAULT_FACTORS.items() if low <= n_samples < high
    )
    assert X_res.shape == (factor * n_samples, X.shape[1])
    assert y_res.shape == (factor * n_samples,)
    assert X_res.dtype == X.dtype

    classes = np.unique(y)
    change = np.abs(_proportions(y_res, classes) - _proportions(y, classes))
    assert change.max() <= 0.05

    # Originals come back unchanged and first in their block of `factor` rows.
    np.testing.assert_array_equal(X_res[::factor], X)
    np.testing.assert_array_equal(X_res[~augmenter.is_synthetic_], X)
    np.testing.assert_array_equal(y_res, y[augmenter.sample_indices_])
    assert np.isfinite(X_res).all()


@settings(max_examples=40, deadline=None)
@given(data=training_sets(max_samples=199), cut=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_no_synthetic_row_depends_on_later_rows(data, cut, seed):
    """Reordering the rows after ``last`` leaves every synthetic row up to ``last`` as is.

    A reordering keeps each feature's mean and standard deviation (the fold-level
    scale of the noise and the dropout value), so any change would mean that some
    synthetic row read values from a row after its origin.
    """
    X, y, lag_groups = data
    last = int(cut * (y.size - 1))
    later = np.random.default_rng(seed).permutation(np.arange(last + 1, y.size))
    order = np.concatenate([np.arange(last + 1), later])

    def resample(X, y):
        augmenter = TimeSeriesAugmenter(lag_groups=lag_groups, random_state=seed)
        X_res, _ = augmenter.fit_resample(X, y)
        return X_res[augmenter.sample_indices_ <= last]

    np.testing.assert_allclose(
        resample(X[order], y[order]), resample(X, y), rtol=1e-5, atol=1e-6
    )
