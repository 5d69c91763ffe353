"""One path: every skfix estimator takes the augmenter as its ``augmenter`` parameter."""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline

from skfix.augment import TimeSeriesAugmenter, resample_training_rows
from skfix.estimators import (
    RegularizedLogisticRegression,
    RegularizedRandomForestClassifier,
)
from skfix.persistence import load_model, save_model


def _series(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize(
    "model",
    [
        RegularizedRandomForestClassifier(n_estimators=10, random_state=0),
        RegularizedLogisticRegression(random_state=0),
    ],
    ids=["forest", "logistic"],
)
def test_the_parameter_is_the_pipeline_step(model):
    X, y = _series()
    augmenter = TimeSeriesAugmenter(random_state=1)
    piped = make_pipeline(augmenter, model).fit(X, y)
    inside = model.set_params(augmenter=augmenter).fit(X, y)
    np.testing.assert_array_equal(inside.predict_proba(X), piped.predict_proba(X))
    assert len(inside.train_sample_indices_) == 3 * len(y)  # under 200 rows: 3x
    assert inside.augmenter_ is not augmenter  # a fitted clone, never the parameter
    # predict never augments: the same rows in, the same number of rows out
    assert inside.predict(X[:7]).shape == (7,)


def test_weights_follow_their_rows_to_the_copies():
    X, y = _series()
    weights = np.where(np.arange(len(y)) < 75, 0.0, 1.0)
    forest = RegularizedRandomForestClassifier(
        n_estimators=5, random_state=0, augmenter=TimeSeriesAugmenter(random_state=0)
    )
    _, _, _, origins = resample_training_rows(forest.augmenter, X, y, random_state=0)
    forest.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(forest.train_sample_indices_, origins)


def test_a_saved_augmented_forest_loads_without_its_augmenter(tmp_path):
    X, y = _series()
    forest = RegularizedRandomForestClassifier(
        n_estimators=5, random_state=0, augmenter=TimeSeriesAugmenter(random_state=0)
    ).fit(X, y)
    record = save_model(forest, tmp_path, "rf")
    loaded = load_model(record, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), forest.predict_proba(X))
    assert loaded.augmenter is None and loaded.augmenter_ is None
    assert forest.augmenter is not None  # the fitted model itself is untouched


@pytest.mark.parametrize(
    "make",
    [
        lambda a: RegularizedRandomForestClassifier(n_estimators=5, augmenter=a),
        lambda a: RegularizedLogisticRegression(augmenter=a),
        lambda a: __import__("skfix.estimators").estimators.RegularizedXGBClassifier(
            n_estimators=5, augmenter=a
        ),
        lambda a: __import__("skfix.estimators").estimators.RegularizedMLPClassifier(
            max_epochs=2, augmenter=a
        ),
    ],
    ids=["forest", "logistic", "xgb", "mlp"],
)
def test_one_hand_off_for_every_estimator(make):
    """The augmenter's rows and their origins reach every estimator the same way, and
    weights that cannot follow them are refused with one message."""
    from imblearn import FunctionSampler

    X, y = _series()
    weights = np.linspace(0.5, 1.5, len(y))
    model = make(TimeSeriesAugmenter(random_state=0)).fit(X, y, sample_weight=weights)
    origins = model.train_sample_indices_
    assert model.augmenter_ is not None and len(origins) > len(y) // 2
    assert set(np.unique(origins)) <= set(range(len(y)))
    untraced = make(FunctionSampler())  # resamples nothing, records no origins
    with pytest.raises(ValueError, match="cannot weigh the rows its augmenter"):
        untraced.fit(X, y, sample_weight=weights)
