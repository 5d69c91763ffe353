"""The selector on simulated series: noise is refused, a realistic signal is found.

The price series come from :func:`skfix.datasets.simulate_prices`, whose Bayes accuracy
is known, through the same features as real data. The candidates are cheap and the
seeds fixed, so the counts are exact, not flaky; ``benchmarks/bench_power.py`` runs
the full ``skfix train`` path over many more seeds.
"""

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.tree import DecisionTreeClassifier

from skfix.datasets import simulate_prices
from skfix.estimators import (
    MajorityClassifier,
    PersistenceClassifier,
    RegularizedLogisticRegression,
)
from skfix.features import make_dataset
from skfix.selection import ModelSelector, SelectionCriteria


def _candidates():
    return {
        "logistic": RegularizedLogisticRegression(C=1.0, random_state=0),
        "tree": DecisionTreeClassifier(max_depth=3, min_samples_leaf=10, random_state=0),
    }


def _select(prices, seed):
    X, y = make_dataset(prices)
    criteria = SelectionCriteria(n_resamples=999)
    rules = {
        "majority": MajorityClassifier(),
        "persistence": PersistenceClassifier(X.columns.get_loc("return_1")),
    }
    selector = ModelSelector(
        _candidates(), criteria=criteria, naive_rules=rules, random_state=seed
    )
    # arrays rather than frames: the same numbers, without pandas' validation cost
    return selector.fit(X.to_numpy(), y.to_numpy())


def test_pooled_test_false_positive_rate_on_noise_is_at_most_alpha():
    n_series, significant, deployed = 120, 0, 0
    for seed in range(n_series):
        rows = 150 + (seed * 37) % 200
        selector = _select(simulate_prices(rows, "noise", random_state=seed), seed)
        significant += any(
            c.passed
            for d in selector.decisions_.values()
            for c in d.criteria
            if c.name == "beats_baseline"
        )
        deployed += selector.best_estimator_ is not None
    assert significant <= 0.05 * n_series
    assert deployed <= significant


def test_a_realistic_planted_signal_is_found_in_most_series():
    # AR(1) returns at phi 0.3: the best possible accuracy is 0.597, not 0.9, and the
    # Bayes rule is persistence itself, so either it or a model at least as good is found
    found = 0
    for seed in range(10):
        prices = simulate_prices(1500, "ar1", 0.3, random_state=1000 + seed)
        selector = _select(prices, seed)
        found += selector.best_estimator_ is not None
        if selector.best_estimator_ is not None and selector.best_name_ != "persistence":
            chosen = next(e for e in selector.evaluations_ if e.name == selector.best_name_)
            assert chosen.oos_accuracy > chosen.baselines["persistence"]["oos_accuracy"]
    assert found >= 8


def test_always_majority_is_never_accepted_on_one_sided_series():
    for seed in range(10):
        rng = np.random.default_rng(2000 + seed)
        length = int(rng.integers(100, 601))
        share = rng.uniform(0.95, 0.99)
        X = rng.normal(size=(length, 4))
        y = (rng.random(length) < share).astype(int)
        selector = ModelSelector(
            {"majority": DummyClassifier(), **_candidates()}, random_state=seed
        ).fit(X, y)
        assert selector.decisions_["majority"].decision != "accept"
        assert selector.best_estimator_ is None
