"""The augmenter inside an imblearn Pipeline: training folds only, validation untouched."""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate

from skfix.augment import TimeSeriesAugmenter
from skfix.estimators import RegularizedRandomForestClassifier

# Every X the final step is fitted on or asked to predict, in call order. The
# pipeline's steps are cloned per fold, so the record has to live outside them.
CALLS = []


class RecordingForest(ClassifierMixin, BaseEstimator):
    """A skfix forest that records the rows it is fitted and evaluated on."""

    def __init__(self, n_estimators=10):
        self.n_estimators = n_estimators

    def fit(self, X, y):
        CALLS.append(("fit", np.array(X, copy=True)))
        self.forest_ = RegularizedRandomForestClassifier(
            n_estimators=self.n_estimators, random_state=0
        ).fit(X, y)
        self.classes_ = self.forest_.classes_
        return self

    def predict(self, X):
        CALLS.append(("predict", np.array(X, copy=True)))
        return self.forest_.predict(X)


@pytest.fixture
def calls():
    CALLS.clear()
    yield CALLS
    CALLS.clear()


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(180, 5))
    y = (X[:, 0] + 0.5 * rng.normal(size=180) > 0).astype(int)
    return X, y


def _assert_folds_untouched(calls, X, cv, factor):
    fits = [X_seen for kind, X_seen in calls if kind == "fit"]
    predicts = [X_seen for kind, X_seen in calls if kind == "predict"]
    for (train, test), X_fit, X_predict in zip(cv.split(X), fits, predicts, strict=True):
        assert X_fit.shape[0] == factor * train.size
        np.testing.assert_array_equal(X_fit[::factor], X[train])
        np.testing.assert_array_equal(X_predict, X[test])


def test_cross_validate_augments_training_folds_only(series, calls):
    X, y = series
    cv = TimeSeriesSplit(n_splits=3)
    pipeline = make_pipeline(TimeSeriesAugmenter(random_state=0), RecordingForest())
    scores = cross_validate(pipeline, X, y, cv=cv)
    assert np.all((scores["test_score"] >= 0) & (scores["test_score"] <= 1))
    # Training folds hold 45, 90 and 135 rows: all under 200, so tripled.
    _assert_folds_untouched(calls, X, cv, factor=3)


def test_grid_search_tunes_augmentation_parameters(series, calls):
    X, y = series
    cv = TimeSeriesSplit(n_splits=3)
    pipeline = make_pipeline(TimeSeriesAugmenter(random_state=0), RecordingForest())
    grid = {
        "timeseriesaugmenter__noise_std": [0.05, 0.15],
        "timeseriesaugmenter__size_factors": [(3, 2, 1), (2, 2, 1)],
    }
    search = GridSearchCV(pipeline, grid, cv=cv, refit=False).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    per_candidate = 2 * cv.get_n_splits()  # one fit and one predict per fold
    for index, params in enumerate(search.cv_results_["params"]):
        factor = params["timeseriesaugmenter__size_factors"][0]
        candidate = calls[index * per_candidate : (index + 1) * per_candidate]
        _assert_folds_untouched(candidate, X, cv, factor=factor)


def test_predict_never_augments(series, calls):
    X, y = series
    pipeline = make_pipeline(TimeSeriesAugmenter(random_state=0), RecordingForest())
    clone(pipeline).fit(X, y).predict(X[:7])
    assert calls[-1][0] == "predict"
    np.testing.assert_array_equal(calls[-1][1], X[:7])


def test_skfix_forest_is_fitted_on_the_augmented_training_fold(series):
    X, y = series
    cv = TimeSeriesSplit(n_splits=3)
    pipeline = make_pipeline(
        TimeSeriesAugmenter(random_state=0),
        RegularizedRandomForestClassifier(n_estimators=5, random_state=0),
    )
    scores = cross_validate(pipeline, X, y, cv=cv, return_estimator=True)
    for (train, _), fitted in zip(cv.split(X), scores["estimator"], strict=True):
        # A bootstrap tree's root weighs every training row it was given.
        root_weight = fitted[-1].estimators_[0].tree_.weighted_n_node_samples[0]
        assert root_weight == 3 * train.size
