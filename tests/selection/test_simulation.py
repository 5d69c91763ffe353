"""The selector on simulated series: noise is refused, a real signal is found.

Series are short and the candidates cheap, so the whole file runs in seconds; the
seeds are fixed, so the counts are exact, not flaky.
"""

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from skfix.selection import ModelSelector

CANDIDATES = {"logistic": LogisticRegression(), "majority": DummyClassifier()}


def _select(X, y, candidates=CANDIDATES):
    return ModelSelector(candidates).fit(X, y)


def test_pure_noise_is_accepted_in_at_most_five_percent_of_series():
    n_series, accepted, tested = 52, 0, 0
    for seed in range(n_series):
        rng = np.random.default_rng(seed)
        length = int(rng.integers(60, 601))
        X = rng.normal(size=(length, 4))
        y = rng.integers(0, 2, length)
        selector = _select(X, y)
        accepted += selector.best_estimator_ is not None
        tested += any(
            d.decision != "insufficient_data" for d in selector.decisions_.values()
        )
    assert accepted <= 0.05 * n_series
    assert tested >= 0.75 * n_series  # most series were long enough to be judged


def test_a_planted_signal_is_accepted_in_most_series():
    n_series, found = 12, 0
    for seed in range(n_series):
        rng = np.random.default_rng(1000 + seed)
        length = int(rng.integers(300, 601))
        X = rng.normal(size=(length, 4))
        y = (X[:, 0] + 0.3 * rng.normal(size=length) > 0).astype(int)
        found += _select(X, y).best_name_ == "logistic"
    assert found >= 0.75 * n_series


def test_always_majority_is_never_accepted_on_one_sided_series():
    for seed in range(10):
        rng = np.random.default_rng(2000 + seed)
        length = int(rng.integers(100, 601))
        share = rng.uniform(0.95, 0.99)
        X = rng.normal(size=(length, 4))
        y = (rng.random(length) < share).astype(int)
        selector = _select(X, y)
        assert selector.decisions_["majority"].decision != "accept"
        assert selector.best_estimator_ is None
