import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate

from skfix.selection import PurgedWalkForwardSplit, holdout_split

SPLITTERS = [
    PurgedWalkForwardSplit(),
    PurgedWalkForwardSplit(n_splits=3, gap=5),
    PurgedWalkForwardSplit(n_splits=4, test_size=7, gap=2, embargo=3),
    PurgedWalkForwardSplit(n_splits=4, gap=2, embargo=4, window="rolling"),
    PurgedWalkForwardSplit(n_splits=3, min_train_size=40, gap=3, max_train_size=50),
    PurgedWalkForwardSplit(n_splits=2, test_size=10, window="rolling", max_train_size=20),
]


@pytest.mark.parametrize("cv", SPLITTERS, ids=repr)
@pytest.mark.parametrize("n_samples", [80, 131])
def test_folds_are_disjoint_ordered_purged_and_embargoed(cv, n_samples):
    folds = list(cv.split(np.zeros((n_samples, 2))))
    assert len(folds) == cv.get_n_splits() == cv.n_splits
    previous_val_end = None
    for train, val in folds:
        assert len(train) > 0 and len(val) > 0
        assert np.intersect1d(train, val).size == 0
        assert np.all(np.diff(train) == 1) and np.all(np.diff(val) == 1)
        # every training row ends at least `gap` rows before validation starts
        assert val[0] - train[-1] - 1 >= cv.gap
        assert val[-1] < n_samples
        if previous_val_end is not None:
            assert val[0] - previous_val_end - 1 >= cv.embargo
        previous_val_end = val[-1]
    assert folds[-1][1][-1] == n_samples - 1


def test_gap_and_embargo_are_exact():
    cv = PurgedWalkForwardSplit(n_splits=3, test_size=5, gap=4, embargo=2)
    folds = list(cv.split(np.zeros((50, 1))))
    for train, val in folds:
        assert val[0] - train[-1] - 1 == 4
    for (_, val), (_, next_val) in zip(folds, folds[1:], strict=False):
        assert next_val[0] - val[-1] - 1 == 2


def test_expanding_and_rolling_windows():
    X = np.zeros((100, 1))
    expanding = list(PurgedWalkForwardSplit(n_splits=4).split(X))
    assert all(train[0] == 0 for train, _ in expanding)
    assert [len(t) for t, _ in expanding] == sorted(len(t) for t, _ in expanding)
    rolling = list(PurgedWalkForwardSplit(n_splits=4, window="rolling").split(X))
    assert len({len(train) for train, _ in rolling}) == 1
    assert rolling[-1][0][0] > 0
    capped = list(PurgedWalkForwardSplit(n_splits=4, max_train_size=30).split(X))
    assert max(len(train) for train, _ in capped) == 30


def test_default_sizes_split_rows_evenly():
    folds = list(PurgedWalkForwardSplit(n_splits=5, gap=0).split(np.zeros((60, 1))))
    assert [len(val) for _, val in folds] == [10] * 5
    assert len(folds[0][0]) == 10


def test_too_few_samples_says_needed_and_found():
    cv = PurgedWalkForwardSplit(n_splits=5, test_size=10, min_train_size=20, gap=2)
    with pytest.raises(ValueError, match="needs at least 72 samples; found 50"):
        list(cv.split(np.zeros((50, 1))))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_splits": 1}, "n_splits must be an int >= 2"),
        ({"gap": -1}, "gap must be an int >= 0"),
        ({"embargo": 1.5}, "embargo must be an int >= 0"),
        ({"test_size": 0}, "test_size must be an int >= 1"),
        ({"window": "sliding"}, "window must be one of"),
    ],
)
def test_invalid_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        list(PurgedWalkForwardSplit(**params).split(np.zeros((100, 1))))


def test_repr_and_groups_ignored():
    cv = PurgedWalkForwardSplit(n_splits=3, gap=2)
    assert "PurgedWalkForwardSplit(" in repr(cv) and "gap=2" in repr(cv)
    X = np.zeros((40, 1))
    with_groups = list(cv.split(X, groups=np.arange(40)))
    for (a, b), (c, d) in zip(with_groups, cv.split(X), strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def _data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


def test_works_in_cross_validate():
    X, y = _data()
    cv = PurgedWalkForwardSplit(n_splits=4, gap=2)
    result = cross_validate(LogisticRegression(), X, y, cv=cv, return_train_score=True)
    assert result["test_score"].shape == (4,)
    assert np.all(result["train_score"] > 0.5)


def test_works_in_nested_grid_search_with_imblearn_pipeline():
    X, y = _data(200)
    pipeline = Pipeline(
        [("oversample", RandomOverSampler(random_state=0)), ("model", LogisticRegression())]
    )
    inner = GridSearchCV(
        pipeline,
        {"model__C": [0.1, 1.0]},
        cv=PurgedWalkForwardSplit(n_splits=3, gap=1),
    )
    outer = cross_val_score(inner, X, y, cv=PurgedWalkForwardSplit(n_splits=3, gap=1))
    assert outer.shape == (3,)
    assert np.all((outer >= 0) & (outer <= 1))


def test_holdout_split():
    X = np.zeros((100, 2))
    selection, test = holdout_split(X, test_size=0.2, gap=3)
    np.testing.assert_array_equal(test, np.arange(80, 100))
    np.testing.assert_array_equal(selection, np.arange(77))
    selection, test = holdout_split(X, test_size=25, gap=0)
    assert len(test) == 25 and selection[-1] + 1 == test[0]
    with pytest.raises(ValueError, match="test_size must be"):
        holdout_split(X, test_size=1.5)
    with pytest.raises(ValueError, match="needs more than 12 samples; found 10"):
        holdout_split(np.zeros((10, 1)), test_size=10, gap=2)


@settings(max_examples=200, deadline=None)
@given(
    n_samples=st.integers(10, 400),
    n_splits=st.integers(2, 8),
    test_size=st.one_of(st.none(), st.integers(1, 40)),
    min_train_size=st.one_of(st.none(), st.integers(1, 60)),
    gap=st.integers(0, 10),
    embargo=st.integers(0, 10),
    window=st.sampled_from(["expanding", "rolling"]),
    max_train_size=st.one_of(st.none(), st.integers(1, 100)),
)
def test_invariants_hold_for_any_parameters(
    n_samples, n_splits, test_size, min_train_size, gap, embargo, window, max_train_size
):
    cv = PurgedWalkForwardSplit(
        n_splits,
        test_size=test_size,
        min_train_size=min_train_size,
        gap=gap,
        embargo=embargo,
        window=window,
        max_train_size=max_train_size,
    )
    try:
        folds = list(cv.split(np.zeros((n_samples, 1))))
    except ValueError as exc:
        assert f"found {n_samples}" in str(exc)
        return
    assert len(folds) == n_splits
    previous = None
    for train, val in folds:
        assert len(train) >= 1 and len(val) >= 1
        assert train[-1] == val[0] - gap - 1  # purged by exactly `gap` rows, no waste
        assert len(train) >= min(min_train_size or 1, max_train_size or n_samples)
        if max_train_size is not None:
            assert len(train) <= max_train_size
        if test_size is not None:
            assert len(val) == test_size
        if previous is not None:
            assert val[0] - previous[-1] - 1 >= embargo
        previous = val
    assert folds[-1][1][-1] == n_samples - 1


def test_same_parameters_give_timeseriessplit_folds():
    # The user's comparison: n=100, n_splits=4, gap=5, test_size=None.
    from sklearn.model_selection import TimeSeriesSplit

    compared = 0
    for n in (30, 57, 100, 241):
        for n_splits in (2, 3, 4, 5, 7):
            for gap in (0, 1, 5):
                for test_size in (None, 3, 8):
                    for max_train_size in (None, 10):
                        params = dict(
                            n_splits=n_splits,
                            gap=gap,
                            test_size=test_size,
                            max_train_size=max_train_size,
                        )
                        X = np.zeros((n, 1))
                        try:
                            expected = list(TimeSeriesSplit(**params).split(X))
                        except ValueError:
                            continue
                        expected = [(t, v) for t, v in expected if len(t)]
                        ours = list(PurgedWalkForwardSplit(**params).split(X))
                        assert len(ours) == len(expected), params
                        for (t1, v1), (t2, v2) in zip(ours, expected, strict=True):
                            np.testing.assert_array_equal(t1, t2, err_msg=str(params))
                            np.testing.assert_array_equal(v1, v2, err_msg=str(params))
                        compared += 1
    assert compared > 200
    train, val = next(PurgedWalkForwardSplit(4, gap=5).split(np.zeros((100, 1))))
    assert (train[0], train[-1], val[0], val[-1]) == (0, 14, 20, 39)
