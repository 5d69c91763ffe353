import json

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier

from skfix.selection import PurgedWalkForwardSplit, evaluate_candidates, holdout_split


class FailingClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("boom")


def _signal(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_fields_are_consistent():
    X, y = _signal()
    (e,) = evaluate_candidates({"tree": DecisionTreeClassifier(random_state=0)}, X, y)
    assert e.name == "tree" and e.scoring == "accuracy" and not e.failed
    assert len(e.train_scores) == len(e.validation_scores) == 5
    assert e.mean_train_score == pytest.approx(np.mean(e.train_scores))
    assert e.mean_validation_score == pytest.approx(np.mean(e.validation_scores))
    assert e.gap == pytest.approx(e.mean_train_score - e.mean_validation_score)
    assert e.gap > 0.05  # an unpruned tree memorizes its training rows
    assert e.validation_std == pytest.approx(np.std(e.validation_scores))
    assert e.validation_variance == pytest.approx(e.validation_std**2)
    assert e.n_test == 40 and e.test_score == e.test_accuracy
    assert set(e.baselines) == {"majority", "persistence"}
    for baseline in e.baselines.values():
        assert len(baseline["validation_scores"]) == 5
    assert set(e.comparisons["majority"]) == {"wins", "losses", "p_value"}
    assert e.estimator is not None and e.fit_time > 0


def test_test_score_comes_from_a_fit_on_the_selection_part():
    X, y = _signal()
    (e,) = evaluate_candidates({"lr": LogisticRegression()}, X, y, test_size=0.25, gap=3)
    selection, test = holdout_split(X, test_size=0.25, gap=3)
    expected = LogisticRegression().fit(X[selection], y[selection]).score(X[test], y[test])
    assert e.test_score == pytest.approx(expected)
    np.testing.assert_allclose(
        e.estimator.coef_, LogisticRegression().fit(X[selection], y[selection]).coef_
    )


def test_majority_baseline_is_learned_on_training_rows():
    # the training part is mostly 1, the test window all 0: the honest naive predictor
    # says 1 and scores 0 on the window
    X = np.zeros((100, 1))
    y = np.r_[np.ones(60, int), np.zeros(10, int), np.ones(10, int), np.zeros(20, int)]
    (e,) = evaluate_candidates({"lr": LogisticRegression()}, X, y, cv=2)
    assert e.baselines["majority"]["test_accuracy"] == 0.0


@pytest.mark.parametrize("gap, expected", [(1, 0.0), (2, 1.0)])
def test_persistence_uses_the_label_gap_rows_back(gap, expected):
    X = np.zeros((120, 1))
    y = np.arange(120) % 2  # alternating: y[t-1] is always wrong, y[t-2] always right
    (e,) = evaluate_candidates({"dummy": DummyClassifier()}, X, y, cv=3, gap=gap)
    assert e.baselines["persistence"]["test_accuracy"] == expected
    assert e.baselines["persistence"]["validation_scores"] == [expected] * 3


def test_train_scores_are_measured_on_original_rows():
    X, y = _signal(150)
    y[:100] = (np.arange(100) % 5 == 0).astype(int)  # imbalanced, so oversampling acts
    pipeline = Pipeline(
        [
            ("over", RandomOverSampler(random_state=0)),
            ("tree", DecisionTreeClassifier(max_depth=2, random_state=0)),
        ]
    )
    cv = PurgedWalkForwardSplit(n_splits=3)
    (e,) = evaluate_candidates({"pipe": pipeline}, X, y, cv=cv)
    selection, _ = holdout_split(X)
    for (train, _), score in zip(cv.split(X[selection]), e.train_scores, strict=True):
        fitted = clone(pipeline).fit(X[train], y[train])
        assert score == pytest.approx(fitted.score(X[train], y[train]))


def test_a_failing_candidate_is_recorded_and_others_go_on():
    X, y = _signal()
    failing, ok = evaluate_candidates(
        [("failing", FailingClassifier()), ("lr", LogisticRegression())], X, y
    )
    assert failing.failed and failing.error["type"] == "RuntimeError"
    assert "boom" in failing.error["message"]
    assert np.isnan(failing.test_score) and failing.estimator is None
    assert not ok.failed and ok.test_score > 0.6
    with pytest.raises(RuntimeError, match="boom"):
        evaluate_candidates({"failing": FailingClassifier()}, X, y, error_score="raise")


def test_other_scorer_and_dataframe_input():
    X, y = _signal()
    X = pd.DataFrame(
        X, columns=["a", "b", "c"], index=pd.date_range("2020-01-01", periods=len(X))
    )
    y = pd.Series(y, index=X.index)
    (e,) = evaluate_candidates(
        {"lr": LogisticRegression()}, X, y, scoring="balanced_accuracy"
    )
    assert e.scoring == "balanced_accuracy"
    assert e.baselines["majority"]["test_score"] == pytest.approx(0.5)
    assert 0 <= e.test_accuracy <= 1


def test_as_dict_is_json_serializable():
    X, y = _signal()
    evaluations = evaluate_candidates(
        {"lr": LogisticRegression(), "failing": FailingClassifier()}, X, y
    )
    for e in evaluations:
        record = e.as_dict()
        assert "estimator" not in record
        json.dumps(record, allow_nan=False)


def test_invalid_inputs():
    X, y = _signal()
    with pytest.raises(ValueError, match="unique"):
        evaluate_candidates([("a", DummyClassifier()), ("a", DummyClassifier())], X, y)
    with pytest.raises(ValueError, match="empty"):
        evaluate_candidates({}, X, y)
    with pytest.raises(ValueError, match="Unknown baselines"):
        evaluate_candidates({"a": DummyClassifier()}, X, y, baselines=("random",))
    with pytest.raises(ValueError, match="error_score"):
        evaluate_candidates({"a": DummyClassifier()}, X, y, error_score=np.nan)


def test_a_splitter_that_validates_on_the_first_rows_is_refused():
    X, y = _signal()
    with pytest.raises(ValueError, match="time-ordered splitter"):
        evaluate_candidates({"lr": LogisticRegression()}, X, y, cv=KFold(3))
