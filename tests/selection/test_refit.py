import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.tree import DecisionTreeClassifier

from skfix.selection import (
    ModelSelector,
    PurgedWalkForwardSplit,
    excess_accuracy_score,
    excess_accuracy_scorer,
    gap_penalized_refit,
)


def _noisy(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


def test_penalties_prefer_the_regularized_setting():
    cv_results = {
        "mean_test_score": np.array([0.60, 0.58, 0.59]),
        "std_test_score": np.array([0.05, 0.02, 0.20]),
        "mean_train_score": np.array([1.00, 0.62, 0.60]),
    }
    refit = gap_penalized_refit()
    assert refit(cv_results) == 1
    np.testing.assert_allclose(refit.penalized_scores(cv_results), [0.375, 0.55, 0.485])
    assert gap_penalized_refit(gap_weight=0, std_weight=0)(cv_results) == 0
    assert "gap_weight=0.5" in repr(refit)


def test_failed_fits_are_skipped_and_all_failed_raises():
    cv_results = {
        "mean_test_score": np.array([np.nan, 0.55]),
        "std_test_score": np.array([np.nan, 0.01]),
        "mean_train_score": np.array([np.nan, 0.56]),
    }
    assert gap_penalized_refit()(cv_results) == 1
    cv_results["mean_test_score"][1] = np.nan
    with pytest.raises(ValueError, match="Every parameter set failed"):
        gap_penalized_refit()(cv_results)


def test_the_users_grid_search_without_train_scores_runs_and_says_so():
    # The snippet a scikit-learn user writes first: no return_train_score.
    X, y = _noisy(120)
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [0.1, 1]},
        cv=PurgedWalkForwardSplit(n_splits=3),
        refit=gap_penalized_refit(),
    )
    with pytest.warns(UserWarning, match="return_train_score=True"):
        search.fit(X, y)
    results = search.cv_results_
    expected = results["mean_test_score"] - 0.5 * results["std_test_score"]
    np.testing.assert_allclose(results["penalized_score"], expected)
    assert search.best_index_ == int(np.argmax(expected))
    assert results["rank_penalized_score"][search.best_index_] == 1
    assert search.predict(X[:3]).shape == (3,)


def test_the_chosen_candidates_penalized_score_is_exposed():
    X, y = _noisy(200)
    search = GridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [2, 4, None]},
        cv=PurgedWalkForwardSplit(n_splits=3),
        refit=gap_penalized_refit(),
        return_train_score=True,
    ).fit(X, y)
    results = search.cv_results_
    scores = gap_penalized_refit().penalized_scores(results)
    np.testing.assert_allclose(results["penalized_score"], scores)
    chosen = results["penalized_score"][search.best_index_]
    assert chosen == scores.max()
    assert sorted(results["rank_penalized_score"]) == [1, 2, 3]


def test_metric_errors():
    multi = {"mean_test_acc": [0.5], "std_test_acc": [0.0], "mean_train_acc": [0.5]}
    with pytest.raises(ValueError, match="pass metric="):
        gap_penalized_refit()(multi)
    assert gap_penalized_refit(metric="acc")(multi) == 0
    with pytest.raises(ValueError, match="'auc' in scoring"):
        gap_penalized_refit(metric="auc")(multi)


def test_grid_search_with_imblearn_pipeline_and_time_splitter():
    X, y = _noisy()
    pipeline = Pipeline(
        [
            ("oversample", RandomOverSampler(random_state=0)),
            ("tree", DecisionTreeClassifier(random_state=0)),
        ]
    )
    grid = {"tree__max_depth": [1, 3, None], "tree__min_samples_leaf": [1, 20]}
    cv = PurgedWalkForwardSplit(n_splits=4, gap=1)
    penalized = GridSearchCV(
        pipeline, grid, cv=cv, refit=gap_penalized_refit(), return_train_score=True
    ).fit(X, y)
    results = penalized.cv_results_
    chosen = penalized.best_index_
    gaps = results["mean_train_score"] - results["mean_test_score"]
    assert gaps[chosen] < 0.1
    assert penalized.best_params_["tree__max_depth"] != None  # noqa: E711
    assert penalized.predict(X[:5]).shape == (5,)


# The forest's own monitor warns about its out-of-bag gap on this noisy data, and ten
# trees leave some rows without an out-of-bag score; neither is this test's subject.
@pytest.mark.filterwarnings("ignore:.*out-of-bag accuracy:UserWarning")
@pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores:UserWarning")
def test_grid_search_with_skfix_augmenter_and_estimator():
    augment = pytest.importorskip("skfix.augment")
    estimators = pytest.importorskip("skfix.estimators")
    X, y = _noisy(160)
    pipeline = Pipeline(
        [
            ("augment", augment.TimeSeriesAugmenter(random_state=0)),
            (
                "rf",
                estimators.RegularizedRandomForestClassifier(
                    n_estimators=10, random_state=0
                ),
            ),
        ]
    )
    search = GridSearchCV(
        pipeline,
        {"rf__max_depth": [2, 10]},
        cv=PurgedWalkForwardSplit(n_splits=3, gap=1),
        scoring=excess_accuracy_scorer,
        refit=gap_penalized_refit(),
        return_train_score=True,
    ).fit(X, y)
    assert search.best_params_["rf__max_depth"] in (2, 10)
    assert np.isfinite(search.cv_results_["mean_train_score"]).all()


def test_excess_accuracy():
    assert excess_accuracy_score([1, 1, 1, 0], [1, 1, 1, 1]) == 0.0
    assert excess_accuracy_score([1, 0], [1, 0], sample_weight=[3, 1]) == pytest.approx(
        0.25
    )
    X, y = _noisy(200)
    scores = cross_validate(
        LogisticRegression(),
        X,
        y,
        cv=PurgedWalkForwardSplit(n_splits=3),
        scoring=excess_accuracy_scorer,
    )["test_score"]
    assert scores.mean() > 0


def test_a_tuned_search_is_a_candidate_of_the_selector():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [0.01, 1.0]},
        cv=PurgedWalkForwardSplit(n_splits=3),
        refit=gap_penalized_refit(),
        return_train_score=True,
    )
    selector = ModelSelector({"tuned": search}).fit(X, y)
    assert selector.best_name_ == "tuned"
    assert selector.best_estimator_.best_params_["C"] in (0.01, 1.0)
