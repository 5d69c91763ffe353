import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from skfix.selection import (
    maxt_adjusted_p_values,
    minimum_detectable_edge,
    paired_sign_test,
    rows_needed,
)


def _null_differences(rng, n_rows, n_models):
    """Binary labels, one baseline: each row's outcome is shared by every model that
    disagrees with the baseline there (+1 if the baseline is wrong), a fair coin."""
    outcome = rng.choice([-1, 1], n_rows)
    disagrees = rng.random((n_rows, n_models)) < rng.uniform(0.2, 0.8, n_models)
    return outcome[:, None] * disagrees


def test_one_model_matches_the_exact_sign_test():
    rng = np.random.default_rng(0)
    d = np.where(rng.random(300) < 0.58, 1, -1)[:, None] * (rng.random((300, 1)) < 0.5)
    wins, losses = int(np.sum(d == 1)), int(np.sum(d == -1))
    exact = binomtest(wins, wins + losses, alternative="greater").pvalue
    p = maxt_adjusted_p_values(d, n_resamples=20000, random_state=0)[0]
    assert p == pytest.approx(exact, abs=0.006)


def test_a_copy_of_a_model_costs_nothing_an_independent_one_does():
    rng = np.random.default_rng(1)
    d = _null_differences(rng, 400, 1) + 0
    d[rng.random(400) < 0.15] = 1  # some real wins
    single = maxt_adjusted_p_values(d, random_state=0)
    doubled = maxt_adjusted_p_values(np.hstack([d, d]), random_state=0)
    assert doubled[0] == doubled[1] == single[0]
    other = _null_differences(rng, 400, 1)
    with_noise = maxt_adjusted_p_values(np.hstack([d, other]), random_state=0)
    assert single[0] <= with_noise[0] <= 2 * single[0] + 0.002


def test_false_positive_rate_under_the_null_is_at_most_alpha():
    rng = np.random.default_rng(2)
    rejected = [
        maxt_adjusted_p_values(
            _null_differences(rng, int(rng.integers(50, 400)), 4),
            n_resamples=499,
            random_state=i,
        ).min()
        <= 0.05
        for i in range(400)
    ]
    # 5 % of 400 is 20; the binomial 95 % bound is 29
    assert sum(rejected) <= 29


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.lists(
            st.lists(st.sampled_from([-1, 0, 1]), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    )
)
def test_p_values_are_valid_and_ordered_like_the_statistics(rows):
    d = np.array(rows)
    p = maxt_adjusted_p_values(d, n_resamples=199, random_state=0)
    assert p.shape == (3,)
    assert np.all((p > 0) & (p <= 1))
    informative = np.abs(d).sum(axis=0) > 0
    assert np.all(p[~informative] == 1.0)
    stat = np.where(
        informative, d.sum(axis=0) / np.sqrt(np.maximum((d**2).sum(0), 1)), -np.inf
    )
    order = np.argsort(-stat, kind="stable")
    assert np.all(np.diff(p[order][informative[order]]) >= 0)  # step-down is monotone


def test_bad_differences_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        maxt_adjusted_p_values(np.ones(5))
    with pytest.raises(ValueError, match="only -1, 0 and \\+1"):
        maxt_adjusted_p_values(np.full((5, 1), 2))
    assert maxt_adjusted_p_values(np.zeros((5, 2))).tolist() == [1.0, 1.0]


def test_detectable_edge_and_rows_are_inverse():
    assert minimum_detectable_edge(rows_needed(0.05)) == pytest.approx(0.05, abs=1e-3)
    assert minimum_detectable_edge(0) == np.inf
    assert minimum_detectable_edge(100) > minimum_detectable_edge(1000)
    with pytest.raises(ValueError, match="edge must be in"):
        rows_needed(0)


def test_detectable_edge_has_the_power_it_claims():
    # a model whose edge is exactly the detectable one, on a balanced series against
    # a constant baseline, is found about 80 % of the time at alpha 0.05
    rng = np.random.default_rng(3)
    n = 600
    edge = minimum_detectable_edge(n)
    found = 0
    for _ in range(2000):
        y = rng.integers(0, 2, n)
        baseline = np.ones(n, int)
        disagree = rng.random(n) < 0.5
        right = (
            rng.random(n) < 0.5 + edge
        )  # right on a discordant row w.p. 1/2 + e/(2 * 0.5)
        pred = np.where(disagree, 1 - baseline, baseline)
        y = np.where(disagree, np.where(right, pred, baseline), y)
        found += paired_sign_test(y, pred, baseline)[2] <= 0.05
    assert 0.75 <= found / 2000 <= 0.86
