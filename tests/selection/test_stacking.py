"""Stacking on time-ordered rows, and the user's snippets that scikit-learn refuses."""

import numpy as np
import pytest
from sklearn.ensemble import StackingClassifier
from sklearn.model_selection import cross_val_predict
from sklearn.tree import DecisionTreeClassifier

from skfix.estimators import RegularizedLogisticRegression
from skfix.selection import (
    ModelSelector,
    PurgedWalkForwardSplit,
    SelectionCriteria,
    WalkForwardStackingClassifier,
    walk_forward_predict,
)


def _series(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _bases():
    return [
        ("linear", RegularizedLogisticRegression(random_state=0)),
        ("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
    ]


def test_the_users_snippets_and_their_walk_forward_counterparts():
    X, y = _series()
    cv = PurgedWalkForwardSplit(n_splits=5, gap=1)
    # what a scikit-learn user tried first: both need a partition of the rows
    with pytest.raises(ValueError, match="partitions"):
        cross_val_predict(RegularizedLogisticRegression(), X, y, cv=cv)
    with pytest.raises(ValueError, match="partitions"):
        StackingClassifier(_bases(), cv=cv).fit(X, y)
    # the counterparts run on the same splitter
    indices, predictions = walk_forward_predict(
        RegularizedLogisticRegression(), X, y, cv=cv
    )
    assert indices[0] == 50 and len(predictions) == 250
    stack = WalkForwardStackingClassifier(_bases(), cv=cv).fit(X, y)
    np.testing.assert_array_equal(stack.stacked_indices_, indices)
    assert stack.predict_proba(X[:4]).shape == (4, 2)
    assert set(stack.named_estimators_) == {"linear", "tree"}


def test_the_final_estimator_learns_only_out_of_sample_predictions():
    X, y = _series()
    cv = PurgedWalkForwardSplit(n_splits=5, gap=1)
    stack = WalkForwardStackingClassifier(_bases(), cv=cv).fit(X, y)
    # the final estimator's features are exactly walk_forward_predict's outputs
    expected = np.column_stack(
        [
            walk_forward_predict(est, X, y, cv=cv, method="predict_proba")[1][:, 1]
            for _, est in _bases()
        ]
    )
    final = stack.final_estimator_
    manual = type(final)().fit(expected, y[stack.stacked_indices_])
    np.testing.assert_allclose(final.coef_, manual.coef_)
    # a leaky split is refused by name
    with pytest.raises(ValueError, match="fold 0 trains on row"):
        WalkForwardStackingClassifier(
            _bases(), cv=[(np.arange(100, 200), np.arange(100))]
        ).fit(X, y)


def test_stacking_is_a_time_safe_candidate_of_the_selector():
    X, y = _series(400)
    stack = WalkForwardStackingClassifier(_bases(), cv=3, passthrough=True)
    selector = ModelSelector(
        {"stack": stack, "linear": RegularizedLogisticRegression()},
        criteria=SelectionCriteria(n_resamples=99),
        random_state=0,
    ).fit(X, y)
    assert selector.decisions_["stack"].decision in ("accept", "reject")
    assert stack.stack_method == "auto"  # not fitted in place


def test_bad_stacking_parameters():
    X, y = _series(120)
    with pytest.raises(ValueError, match="at least one base estimator"):
        WalkForwardStackingClassifier([("a", "drop")]).fit(X, y)
    with pytest.raises(ValueError, match="unique names"):
        WalkForwardStackingClassifier(
            [("a", DecisionTreeClassifier()), ("a", DecisionTreeClassifier())]
        ).fit(X, y)
    with pytest.raises(ValueError, match="has no decision_function"):
        WalkForwardStackingClassifier(
            [("tree", DecisionTreeClassifier())], stack_method="decision_function"
        ).fit(X, y)
