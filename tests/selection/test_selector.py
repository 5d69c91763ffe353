import json
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, is_classifier
from sklearn.compose import make_column_transformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import get_tags

from skfix.selection import (
    ModelSelector,
    PurgedWalkForwardSplit,
    SelectionCriteria,
    excess_accuracy_scorer,
    holdout_split,
)


class FailingClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise ValueError("cannot fit")


def _signal(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


CANDIDATES = {"logistic": LogisticRegression(), "majority": DummyClassifier()}


def test_selects_the_learnable_model():
    X, y = _signal()
    selector = ModelSelector(CANDIDATES).fit(X, y)
    assert selector.best_name_ == "logistic" and selector.ranking_ == ["logistic"]
    assert selector.decisions_["majority"].decision == "reject"
    assert "ranks first" in selector.why_
    assert len(selector.evaluations_) == 2
    assert selector.split_["n_test"] == 60 and selector.split_["n_selection"] == 239
    assert len(selector.split_["folds"]) == 5
    # the deployed model is the one the test window assessed: fitted on selection rows
    selection, _ = holdout_split(X)
    expected = LogisticRegression().fit(X[selection], y[selection])
    np.testing.assert_allclose(selector.best_estimator_.coef_, expected.coef_)
    np.testing.assert_array_equal(selector.predict(X), expected.predict(X))
    assert selector.predict_proba(X).shape == (300, 2)
    assert "logistic: ACCEPT, rank 1" in selector.report()


def test_refit_all_uses_every_row():
    X, y = _signal()
    selector = ModelSelector(CANDIDATES, refit="all").fit(X, y)
    expected = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(selector.best_estimator_.coef_, expected.coef_)


def test_nothing_accepted_says_why_and_refuses_to_predict():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(300, 3)), rng.integers(0, 2, 300)
    selector = ModelSelector(CANDIDATES).fit(X, y)
    assert selector.best_name_ is None and selector.best_estimator_ is None
    assert selector.ranking_ == []
    assert selector.why_.startswith("No model beats always predicting")
    assert "No candidate was accepted (2 rejected" in selector.why_
    with pytest.raises(ValueError, match="no model to predict with") as excinfo:
        selector.predict(X)
    assert str(excinfo.value).endswith(selector.why_)
    with pytest.raises(ValueError, match="no model to predict with"):
        selector.predict_proba(X)
    assert not hasattr(selector, "classes_")
    with pytest.raises(NotFittedError):
        ModelSelector(CANDIDATES).predict(X)


def test_always_up_on_a_rising_series_is_never_accepted():
    # a series that rises 98 % of the time: the legacy rules deploy "always up"
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 3))
    y = (rng.random(400) < 0.98).astype(int)
    legacy = ModelSelector(
        {"always_up": DummyClassifier()},
        naive_rules=None,
        criteria=SelectionCriteria.legacy(),
    ).fit(X, y)
    assert legacy.best_name_ == "always_up"
    selector = ModelSelector({"always_up": DummyClassifier()}).fit(X, y)
    assert selector.best_name_ is None
    assert "not significantly better than the baseline" in selector.why_


def test_short_test_window_is_insufficient_data():
    X, y = _signal(130)  # a 26-row test window
    selector = ModelSelector(CANDIDATES).fit(X, y)
    assert {d.decision for d in selector.decisions_.values()} == {"insufficient_data"}
    assert "insufficient data" in selector.why_


def test_too_short_for_the_folds_is_insufficient_data():
    X, y = _signal(6)
    selector = ModelSelector(CANDIDATES).fit(X, y)
    assert {d.decision for d in selector.decisions_.values()} == {"insufficient_data"}
    assert "needs at least" in selector.why_
    assert selector.evaluations_ == []
    json.dumps(selector.as_dict(), allow_nan=False)


def test_a_failing_candidate_does_not_stop_the_others():
    X, y = _signal()
    selector = ModelSelector({"failing": FailingClassifier(), **CANDIDATES}).fit(X, y)
    failing = selector.decisions_["failing"]
    assert failing.decision == "reject" and "ValueError: cannot fit" in failing.reason
    assert selector.best_name_ == "logistic"
    with pytest.raises(ValueError, match="cannot fit"):
        ModelSelector({"failing": FailingClassifier()}, error_score="raise").fit(X, y)


def test_ensemble_of_accepted_candidates():
    X, y = _signal(400)
    selector = ModelSelector(
        [("strong", LogisticRegression()), ("weak", LogisticRegression(C=0.05))],
        ensemble=True,
    ).fit(X, y)
    assert list(selector.decisions_) == [
        "strong",
        "weak",
        "majority",
        "soft_voting_ensemble",
    ]
    ensemble = selector.evaluations_[-1]
    assert not ensemble.failed and ensemble.test_accuracy > 0.8
    (criterion,) = [
        c for c in selector.decisions_["strong"].criteria if c.name == "beats_baseline"
    ]
    assert "for 3 candidates" in criterion.explanation


def test_pandas_input_custom_cv_and_scorer():
    X, y = _signal()
    index = pd.date_range("2020-01-01", periods=len(X), freq="D")
    X = pd.DataFrame(X, index=index, columns=["a", "b", "c"])
    y = pd.Series(y, index=index)
    selector = ModelSelector(
        CANDIDATES,
        cv=PurgedWalkForwardSplit(n_splits=3, gap=2, embargo=2),
        gap=2,
        scoring=excess_accuracy_scorer,
        criteria=SelectionCriteria(min_test_score=0.1, max_gap=0.2),
    ).fit(X, y)
    assert selector.best_name_ == "logistic"
    assert len(selector.evaluations_[0].validation_scores) == 3
    assert selector.predict(X.iloc[:5]).shape == (5,)
    record = json.loads(json.dumps(selector.as_dict(), allow_nan=False))
    assert record["best_name"] == "logistic"
    assert record["candidates"][0]["decision"]["criteria"][0]["name"] == "test_rows"


def test_invalid_parameters():
    X, y = _signal()
    with pytest.raises(ValueError, match="refit"):
        ModelSelector(CANDIDATES, refit="best").fit(X, y)
    with pytest.raises(ValueError, match="unique"):
        ModelSelector([("a", DummyClassifier()), ("a", DummyClassifier())]).fit(X, y)


def test_invalid_splitter_raises_instead_of_insufficient_data():
    X, y = _signal()
    with pytest.raises(ValueError, match="gap must be an int >= 0"):
        ModelSelector(CANDIDATES, cv=PurgedWalkForwardSplit(gap=-1)).fit(X, y)


def test_explicit_list_of_folds():
    X, y = _signal()
    folds = list(PurgedWalkForwardSplit(n_splits=3).split(X[:239]))
    selector = ModelSelector(CANDIDATES, cv=folds).fit(X, y)
    assert len(selector.split_["folds"]) == 3
    assert selector.best_name_ == "logistic"


def test_is_a_classifier_delegating_to_the_chosen_model():
    X, y = _signal()
    selector = ModelSelector(CANDIDATES).fit(X, y)
    assert is_classifier(selector)
    np.testing.assert_array_equal(selector.classes_, [0, 1])
    assert selector.n_features_in_ == 3 and not hasattr(selector, "feature_names_in_")
    assert selector.score(X, y) == accuracy_score(y, selector.predict(X))


def test_dataframe_reaches_the_candidates_with_its_names_and_dtypes():
    X, y = _signal(400)
    X = pd.DataFrame(X, columns=["a", "b", "c"])
    X["regime"] = np.where(np.arange(len(X)) % 2, "calm", "busy")
    # selects and encodes columns by name: works only if the candidate gets the frame
    by_name = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["regime"]), ("passthrough", ["a", "b"])),
        LogisticRegression(),
    )
    selector = ModelSelector({"by_name": by_name}).fit(X, y)
    assert selector.best_name_ == "by_name"
    np.testing.assert_array_equal(selector.feature_names_in_, X.columns)
    np.testing.assert_array_equal(selector.best_estimator_.feature_names_in_, X.columns)
    assert selector.predict(X.iloc[:5]).shape == (5,)


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.empty((0, 3)), np.empty(0), "0 sample"),
        (np.arange(300.0), np.arange(300) % 2, "Expected 2D array"),
        (np.full((300, 3), np.nan), np.arange(300) % 2, "Input X contains NaN"),
        (np.zeros((300, 3)), np.linspace(0, 1, 300), "Unknown label type"),
        (np.zeros((300, 3)), np.arange(299) % 2, "inconsistent numbers of samples"),
    ],
    ids=["empty", "1d", "nan", "continuous_y", "length"],
)
def test_invalid_data_raises_before_any_candidate_runs(X, y, message):
    with pytest.raises(ValueError, match=message):
        ModelSelector(CANDIDATES).fit(X, y)


def test_predict_checks_features_against_fit():
    X, y = _signal()
    selector = ModelSelector(CANDIDATES).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but ModelSelector is"):
        selector.predict(X[:, :2])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        selector.predict_proba(np.full((2, 3), np.nan))


def test_nan_and_sparse_input_follow_the_candidates_tags():
    X, y = _signal()
    boosting = HistGradientBoostingClassifier(max_iter=10, random_state=0)
    assert not get_tags(ModelSelector(CANDIDATES)).input_tags.allow_nan
    nan_friendly = ModelSelector({"boosting": boosting})
    assert get_tags(nan_friendly).input_tags.allow_nan
    X_nan = X.copy()
    X_nan[::10, 1] = np.nan
    nan_friendly.fit(X_nan, y)
    assert nan_friendly.best_name_ == "boosting"
    assert nan_friendly.predict(X_nan).shape == (300,)

    with pytest.raises(TypeError, match="dense data is required"):
        ModelSelector({**CANDIDATES, "boosting": boosting}).fit(sparse.csr_matrix(X), y)
    selector = ModelSelector(CANDIDATES).fit(sparse.coo_matrix(X), y)
    assert selector.best_name_ == "logistic"
    np.testing.assert_array_equal(
        selector.predict(sparse.csr_matrix(X)), selector.predict(X)
    )


def test_fitted_selector_pickles():
    X, y = _signal()
    selector = ModelSelector(CANDIDATES, ensemble=True).fit(X, y)
    restored = pickle.loads(pickle.dumps(selector))
    assert restored.why_ == selector.why_
    np.testing.assert_array_equal(restored.predict_proba(X), selector.predict_proba(X))
