"""Behaviour of the two tree estimators that a scikit-learn user relies on."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfix.estimators import (
    PRESETS,
    RegularizedRandomForestClassifier,
    RegularizedXGBClassifier,
    make_estimator,
)

TREES = [
    RegularizedRandomForestClassifier(n_estimators=10, random_state=0),
    RegularizedXGBClassifier(n_estimators=20, random_state=0),
]
ids = ["rf", "xgb"]


@pytest.fixture
def data():
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    return X, y


def test_defaults_are_the_spec_table():
    rf = RegularizedRandomForestClassifier()
    assert (rf.max_depth, rf.min_samples_split, rf.min_samples_leaf) == (10, 20, 10)
    xgb = RegularizedXGBClassifier()
    assert (xgb.max_depth, xgb.min_child_weight, xgb.subsample) == (4, 5, 0.7)


def test_legacy_preset_gives_the_legacy_values():
    rf = make_estimator("rf", preset="legacy")
    assert (rf.max_depth, rf.min_samples_split, rf.min_samples_leaf) == (15, 10, 5)
    xgb = make_estimator("xgb", preset="legacy", random_state=3)
    assert (xgb.max_depth, xgb.min_child_weight, xgb.subsample) == (6, 3, 0.8)
    assert xgb.random_state == 3
    # make_estimator hands out copies: changing one never changes the preset
    PRESETS["legacy"]["rf"]["max_depth"] = 15
    assert make_estimator("rf", preset="skfix").max_depth == 10


def test_make_estimator_rejects_unknown_names():
    with pytest.raises(ValueError, match="Unknown model 'svm'.*'rf'"):
        make_estimator("svm")
    with pytest.raises(ValueError, match="Unknown preset 'old'.*'legacy'"):
        make_estimator("rf", preset="old")


@pytest.mark.parametrize("labels", [["down", "up"], [-1, 1], [3, 7]])
@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_labels_come_back_as_given(clf, data, labels):
    X, y = data
    y_labels = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[y]
    fitted = clone(clf).fit(X, y_labels)
    assert set(fitted.predict(X)) <= set(labels)
    assert list(fitted.classes_) == sorted(labels)
    proba = fitted.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_pandas_feature_names_are_kept_and_checked(clf, data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    fitted = clone(clf).fit(frame, pd.Series(y))
    assert list(fitted.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict(frame.rename(columns={"f0": "other"}))


@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_sample_weight_changes_the_model(clf, data):
    X, y = data
    weights = np.where(y == 1, 5.0, 1.0)
    plain = clone(clf).fit(X, y).predict_proba(X)[:, 1].mean()
    weighted = clone(clf).fit(X, y, sample_weight=weights).predict_proba(X)[:, 1].mean()
    assert weighted > plain


@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_clone_of_a_fitted_model_is_unfitted(clf, data):
    X, y = data
    fitted = clone(clf).fit(X, y)
    with pytest.raises(NotFittedError):
        clone(fitted).predict(X)


@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_same_seed_same_predictions(clf, data):
    X, y = data
    first = clone(clf).fit(X, y).predict_proba(X)
    second = clone(clf).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_grid_search_and_pipeline(clf, data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), clone(clf))
    step = pipe.steps[-1][0]
    search = GridSearchCV(
        pipe, {f"{step}__max_depth": [2, 4]}, cv=TimeSeriesSplit(n_splits=3), n_jobs=2
    )
    search.fit(X, y)
    assert search.best_params_[f"{step}__max_depth"] in (2, 4)
    assert search.score(X, y) > 0.6


def test_xgb_early_stopping_validates_on_the_latest_rows(data):
    X, y = data
    clf = RegularizedXGBClassifier(
        n_estimators=50, validation_fraction=0.2, validation_gap=3, random_state=0
    ).fit(X, y)
    assert clf.early_stopping_used_
    # 300 rows: the last 60 validate, 3 before them are skipped, 237 train
    validation = clf.evals_result_["validation"]["logloss"]
    train = clf.evals_result_["train"]["logloss"]
    assert len(validation) == len(train) > clf.best_iteration_
    expected = RegularizedXGBClassifier(
        n_estimators=50, early_stopping=False, random_state=0
    ).fit(X[:237], y[:237])
    first_round = expected.evals_result_["train"]["logloss"][0]
    assert train[0] == pytest.approx(first_round)


def test_xgb_trains_on_every_row_when_validation_would_be_tiny():
    X, y = make_classification(n_samples=60, random_state=0)
    clf = RegularizedXGBClassifier(n_estimators=10, random_state=0).fit(X, y)
    assert not clf.early_stopping_used_
    assert clf.best_iteration_ == 9
    assert "validation" not in clf.evals_result_


def test_xgb_handles_missing_values(data):
    X, y = data
    X = X.copy()
    X[::7, 0] = np.nan
    clf = RegularizedXGBClassifier(n_estimators=10, random_state=0).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize(
    "check_name",
    [
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    ],
)
def test_xgb_sample_weight_equivalence_without_row_sampling(check_name):
    """The reason the compliance suite gives for these two known failures holds."""
    from sklearn.utils import estimator_checks

    check = getattr(estimator_checks, check_name)
    check(
        "RegularizedXGBClassifier", RegularizedXGBClassifier(n_estimators=5, subsample=1.0)
    )


@pytest.mark.parametrize("clf", TREES, ids=ids)
def test_one_class_after_weighting_is_a_clear_error(clf, data):
    X, y = data
    with pytest.raises(ValueError, match="at least two classes.*found 1 class"):
        clone(clf).fit(X, y, sample_weight=(y == 1).astype(float))


def test_xgb_augmenter_runs_after_the_early_stopping_split(data):
    from skfix.augment import TimeSeriesAugmenter

    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    clf = RegularizedXGBClassifier(
        n_estimators=20,
        validation_gap=2,
        augmenter=TimeSeriesAugmenter(random_state=0),
        random_state=0,
    ).fit(X, y)
    assert clf.early_stopping_used_
    # 150 rows: validation is rows 120..149, rows 118-119 are the gap, 0..117 train;
    # with fewer than 200 rows the augmenter triples the training part only.
    origins = clf.train_sample_indices_
    assert origins.size == 3 * 118
    assert origins.max() == 117
    np.testing.assert_array_equal(np.unique(origins), np.arange(118))
    same = clone(clf).fit(X, y)
    np.testing.assert_array_equal(same.predict_proba(X), clf.predict_proba(X))
