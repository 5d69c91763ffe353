"""Tuning nested in the walk-forward shares its fits with the outer folds, and is
exactly the nested search whose inner folds are the earlier outer folds."""

import numpy as np
import pytest
from sklearn.metrics import check_scoring
from sklearn.tree import DecisionTreeClassifier

from skfix.selection import (
    GapPenalizedGridSearchCV,
    ModelSelector,
    PurgedWalkForwardSplit,
    SelectionCriteria,
    holdout_split,
)
from skfix.selection._nested import nested_search_fits, shares_folds

GRID = {"max_depth": [None, 1, 3]}


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


def _search():
    return GapPenalizedGridSearchCV(DecisionTreeClassifier(random_state=0), GRID)


@pytest.mark.parametrize("gap", [1, 3])
def test_shared_fits_equal_an_explicit_nested_search(gap):
    X, y = _data()
    selection, test = holdout_split(X, gap=gap)
    folds = [*PurgedWalkForwardSplit(4, gap=gap).split(selection), (selection, test)]
    scorer = check_scoring(DecisionTreeClassifier(), "accuracy")
    assert shares_folds(_search(), folds)
    fits = nested_search_fits(_search(), X, y, folds, scorer)
    for i, (train, val) in enumerate(folds):
        # the earlier folds, their validation rows cut at this fold's training end
        inner = [
            (tr, va[va < train.size]) for tr, va in folds[:i] if (va < train.size).any()
        ]
        assert all(va.max() < train.size for _, va in inner)  # never past the purge
        if inner:
            search = GapPenalizedGridSearchCV(
                DecisionTreeClassifier(random_state=0), GRID, cv=inner, scoring="accuracy"
            ).fit(X[train], y[train])
            params, predictions = search.best_params_, search.predict(X[val])
        else:  # nothing earlier to tune on: the grid's first point
            params = {"max_depth": None}
            model = DecisionTreeClassifier(random_state=0).fit(X[train], y[train])
            predictions = model.predict(X[val])
        assert fits[i]["params"] == params
        np.testing.assert_array_equal(fits[i]["predictions"], predictions)


def test_the_selector_records_the_choices_and_deploys_the_chosen_point():
    X, y = _data(400)
    selector = ModelSelector(
        {"tree": _search()},
        criteria=SelectionCriteria(baseline=None, max_fold_std=None),
        random_state=0,
    ).fit(X, y)
    (evaluation,) = [e for e in selector.evaluations_ if e.name == "tree"]
    assert len(evaluation.fold_params) == 6  # five folds and the final fit
    assert evaluation.fold_params[0] == {"max_depth": None}
    assert (
        evaluation.estimator.get_params()["max_depth"]
        == evaluation.fold_params[-1]["max_depth"]
    )


def test_rolling_folds_fall_back_to_a_search_per_fold():
    X, y = _data()
    selection, test = holdout_split(X)
    folds = [
        *PurgedWalkForwardSplit(3, window="rolling").split(selection),
        (selection, test),
    ]
    assert not shares_folds(_search(), folds)
    assert not shares_folds(DecisionTreeClassifier(), folds[:1])


def test_the_search_alone_falls_back_on_too_few_rows():
    X, y = _data(4)[0], np.array([0, 1, 0, 1])  # 3 folds and a gap need 5 rows
    search = _search().fit(X, y)
    assert not search.tuned_ and search.best_params_ == {"max_depth": None}
    assert np.isnan(search.best_score_)
    assert search.predict(X).shape == (4,)
    X, y = _data(200)
    search = _search().fit(X, y)
    assert (
        search.tuned_ and search.best_score_ == search.penalized_scores_[search.best_index_]
    )
    assert "mean_train_score" in search.cv_results_
