"""The naive rules as estimators: what they predict, their errors, their files."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV

from skfix.datasets import load_market_panel
from skfix.estimators import MajorityClassifier, PersistenceClassifier
from skfix.features import make_dataset
from skfix.persistence import load_model, save_model


@pytest.fixture(scope="module")
def baa():
    return make_dataset(load_market_panel(["BAA"])["BAA"])


@pytest.mark.parametrize("horizon", [1, 5])
def test_persistence_predicts_the_last_known_label(horizon):
    """On real prices the rule predicts exactly the label of `horizon` rows before,
    the persistence baseline of the selection."""
    X, y = make_dataset(load_market_panel(["SP500"])["SP500"], horizon=horizon)
    rule = PersistenceClassifier(feature=f"return_{horizon}").fit(X, y)
    predictions = rule.predict(X)
    # row t knows the label of row t - horizon: close[t] against close[t - horizon]
    np.testing.assert_array_equal(predictions[horizon:], y.to_numpy()[:-horizon])
    assert set(rule.classes_) == {0, 1}


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=40),
    st.floats(-0.5, 0.5, allow_nan=False),
)
def test_persistence_is_up_exactly_above_the_threshold(values, threshold):
    X = np.column_stack([np.zeros(len(values)), values])
    y = np.array(["down", "up"] * len(values))[: len(values)]
    rule = PersistenceClassifier(feature=1, threshold=threshold).fit(X, y)
    expected = np.where(np.asarray(values) > threshold, "up", "down")
    np.testing.assert_array_equal(rule.predict(X), expected)
    proba = rule.predict_proba(X)
    np.testing.assert_array_equal(proba.sum(axis=1), 1.0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=30),
    st.data(),
)
def test_majority_matches_dummy_classifier_with_weights(labels, data):
    y = np.asarray(labels)
    weights = np.asarray(
        data.draw(st.lists(st.integers(1, 5), min_size=len(y), max_size=len(y)))
    )
    X = np.zeros((len(y), 2))
    rule = MajorityClassifier().fit(X, y, sample_weight=weights)
    dummy = DummyClassifier(strategy="prior").fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(rule.predict(X), dummy.predict(X))
    np.testing.assert_allclose(rule.predict_proba(X), dummy.predict_proba(X))
    # the weights count as repeated rows
    repeated = MajorityClassifier().fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    np.testing.assert_allclose(rule.class_prior_, repeated.class_prior_)


def test_persistence_errors_name_the_feature_and_what_was_found(baa):
    X, y = baa
    with pytest.raises(ValueError, match=r"no column 'return_3'; its columns are"):
        PersistenceClassifier(feature="return_3").fit(X, y)
    with pytest.raises(ValueError, match="X has no column names"):
        PersistenceClassifier().fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="X has 9 column"):
        PersistenceClassifier(feature=12).fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="Only binary classification"):
        PersistenceClassifier().fit(X, np.arange(len(y)) % 3)
    fitted = PersistenceClassifier().fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict(X[X.columns[::-1]])


def test_persistence_is_tuned_like_any_estimator(baa):
    """Its threshold is a parameter GridSearchCV can tune (nothing to tune in the
    default, which is the rule itself)."""
    X, y = baa
    search = GridSearchCV(
        PersistenceClassifier(), {"threshold": [-0.01, 0.0, 0.01]}, cv=3
    ).fit(X, y)
    assert search.best_params_["threshold"] in (-0.01, 0.0, 0.01)


@pytest.mark.parametrize("rule", [MajorityClassifier(), PersistenceClassifier()])
def test_rules_save_and_load_hash_checked(tmp_path, baa, rule):
    X, y = baa
    fitted = rule.fit(X, y)
    record = save_model(fitted, tmp_path, "rule", relative_to=tmp_path)
    assert record["format"] == "skops"
    loaded = load_model(record, tmp_path)
    assert type(loaded) is type(rule)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_rules_keep_feature_names_and_pandas_labels(baa):
    X, y = baa
    labels = pd.Series(np.where(y == 1, "up", "down"), index=y.index)
    rule = PersistenceClassifier().fit(X, labels)
    assert rule.feature_names_in_.tolist() == X.columns.tolist()
    assert set(rule.predict(X)) == {"up", "down"}
    assert MajorityClassifier().fit(X, labels).majority_class_ == "down"
