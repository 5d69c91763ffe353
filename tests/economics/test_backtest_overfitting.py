import json
import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skfix.economics import BacktestOverfitting, _pbo, probability_of_backtest_overfitting

LOG2 = math.log(2)


def _reference_logits(matrix, n_blocks, metric="sharpe"):
    """CSCV written out split by split, with numpy's own mean and std."""
    n_periods, n_strategies = matrix.shape
    bounds = np.arange(n_blocks + 1) * n_periods // n_blocks
    blocks = [np.arange(bounds[b], bounds[b + 1]) for b in range(n_blocks)]

    def score(rows):
        part = matrix[rows]
        if metric == "mean":
            return part.mean(axis=0)
        return part.mean(axis=0) / part.std(axis=0, ddof=1)

    logits = []
    for chosen in combinations(range(n_blocks), n_blocks // 2):
        in_rows = np.concatenate([blocks[b] for b in chosen])
        out_rows = np.setdiff1d(np.arange(n_periods), in_rows)
        is_score, oos_score = score(in_rows), score(out_rows)
        winner = oos_score[np.argmax(is_score)]
        rank = np.sum(oos_score < winner) + (np.sum(oos_score == winner) + 1) / 2
        omega = rank / (n_strategies + 1)
        logits.append(math.log(omega / (1 - omega)))
    return np.array(logits)


# --- cases checked by hand ---------------------------------------------------------


def test_two_strategies_that_swap_places_always_overfit():
    # Two blocks of two rows. A leads in the first half, B in the second, with the
    # same Sharpe ratios (about 2.12) mirrored: whichever half is in-sample, its
    # winner is last out of sample, rank 1 of 2, omega 1/3, logit -log 2.
    a = [0.02, 0.01, -0.01, -0.02]
    b = [-0.01, -0.02, 0.02, 0.01]
    result = probability_of_backtest_overfitting(np.column_stack([a, b]), n_blocks=2)
    assert result.pbo == 1.0
    assert result.n_combinations == 2
    np.testing.assert_allclose(result.logits, [-LOG2, -LOG2])


def test_a_strategy_better_in_both_halves_never_overfits():
    a = [0.02, 0.01, 0.03, 0.01]
    b = [-0.01, -0.02, -0.02, -0.01]
    result = probability_of_backtest_overfitting(np.column_stack([a, b]), n_blocks=2)
    assert result.pbo == 0.0
    np.testing.assert_allclose(result.logits, [LOG2, LOG2])  # rank 2: omega 2/3


def test_four_blocks_by_hand():
    # Mean returns of A per block: 2, 1, -1, 0 (two equal rows each); B is flat at 0.
    # In-sample blocks, A's in- and out-of-sample means, the winner, its rank:
    #   (0, 1):  1.5, -0.5  A  1    -> logit -log 2
    #   (0, 2):  0.5,  0.5  A  2    -> log 2
    #   (0, 3):  1.0,  0.0  A  1.5  (tied with B) -> omega 1/2, logit 0
    #   (1, 2):  0.0,  1.0  A  2    (tied in-sample: the first column) -> log 2
    #   (1, 3):  0.5,  0.5  A  2    -> log 2
    #   (2, 3): -0.5,  1.5  B  1    -> -log 2
    # Three logits <= 0 out of six.
    a = np.repeat([2.0, 1.0, -1.0, 0.0], 2)
    matrix = np.column_stack([a, np.zeros(8)])
    result = probability_of_backtest_overfitting(matrix, n_blocks=4, metric="mean")
    np.testing.assert_allclose(result.logits, [-LOG2, LOG2, 0.0, LOG2, LOG2, -LOG2])
    assert result.pbo == 0.5


def test_a_flat_strategy_has_a_sharpe_ratio_of_zero():
    # C is flat (all zeros): Sharpe 0 ranks it between the loser and the winner.
    a = [0.02, 0.01, 0.03, 0.01]
    b = [-0.01, -0.02, -0.02, -0.01]
    matrix = np.column_stack([a, b, np.zeros(4)])
    result = probability_of_backtest_overfitting(matrix, n_blocks=2)
    np.testing.assert_allclose(result.logits, [math.log(3), math.log(3)])  # rank 3 of 3


# --- the vectorized computation is the definition ------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([2, 4, 6, 8]),
    st.integers(2, 7),
    st.integers(0, 30),
    st.sampled_from(["sharpe", "mean"]),
)
def test_matches_the_split_by_split_definition(seed, n_blocks, n_strategies, extra, metric):
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0005, 0.01, size=(2 * n_blocks + extra, n_strategies))
    result = probability_of_backtest_overfitting(matrix, n_blocks=n_blocks, metric=metric)
    expected = _reference_logits(matrix, n_blocks, metric)
    np.testing.assert_allclose(result.logits, expected, rtol=1e-9, atol=1e-12)
    assert result.pbo == np.mean(expected <= 0)
    assert result.n_combinations == math.comb(n_blocks, n_blocks // 2)


def test_chunks_do_not_change_the_result(monkeypatch):
    matrix = np.random.default_rng(5).normal(size=(200, 7))
    whole = probability_of_backtest_overfitting(matrix, n_blocks=8)
    monkeypatch.setattr(_pbo, "_CHUNK_CELLS", 50)  # 7 combinations per chunk
    chunked = probability_of_backtest_overfitting(matrix, n_blocks=8)
    np.testing.assert_array_equal(whole.logits, chunked.logits)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([2, 4, 6]), st.integers(2, 6))
def test_pbo_is_a_probability(seed, n_blocks, n_strategies):
    rng = np.random.default_rng(seed)
    # -1/0/+1 positions times returns: flat stretches and ties are common
    positions = rng.choice([-1.0, 0.0, 1.0], size=(40, n_strategies), p=[0.2, 0.6, 0.2])
    matrix = positions * rng.normal(0, 0.01, size=(40, 1))
    result = probability_of_backtest_overfitting(matrix, n_blocks=n_blocks)
    assert 0.0 <= result.pbo <= 1.0
    assert np.all(np.isfinite(result.logits))
    bound = math.log(n_strategies)  # omega lies in [1/(N+1), N/(N+1)]
    assert np.all(np.abs(result.logits) <= bound + 1e-12)


# --- behaviour on simulated strategies ---------------------------------------------


def test_pure_noise_gives_a_pbo_near_one_half():
    pbos = [
        probability_of_backtest_overfitting(
            np.random.default_rng(seed).normal(0.0, 0.01, size=(1000, 20))
        ).pbo
        for seed in range(20)
    ]
    # One sample's PBO is spread widely (a standard deviation near 0.18 here); the
    # mean of 20 is within sampling error of 0.5.
    assert 0.4 <= np.mean(pbos) <= 0.6


@pytest.mark.parametrize("seed", range(5))
def test_one_real_edge_among_noise_gives_a_pbo_near_zero(seed):
    # 0.1 standard deviations per period: with 2000 periods in each half, the edge is
    # about 4.5 standard errors of a Sharpe ratio, enough for the in-sample winner to be
    # the real strategy nearly always. (With 1000 periods in all it is not: the edge is
    # then barely above the luckiest of 19 noise strategies.)
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.01, size=(4000, 20))
    matrix[:, 7] += 0.001
    assert probability_of_backtest_overfitting(matrix).pbo < 0.05


# --- the result and the checks -----------------------------------------------------


def test_result_as_dict_is_json():
    result = probability_of_backtest_overfitting(
        np.random.default_rng(0).normal(size=(40, 3)), n_blocks=4
    )
    assert isinstance(result, BacktestOverfitting)
    out = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert out["n_combinations"] == 6 and len(out["logits"]) == 6
    assert out["n_blocks"] == 4 and out["n_strategies"] == 3 and out["metric"] == "sharpe"
    assert out["pbo"] == result.pbo


def test_rows_that_do_not_divide_evenly_are_all_used():
    matrix = np.random.default_rng(2).normal(size=(21, 3))
    result = probability_of_backtest_overfitting(matrix, n_blocks=4)
    np.testing.assert_allclose(result.logits, _reference_logits(matrix, 4))


@pytest.mark.parametrize(
    ("shape", "kwargs", "error", "match"),
    [
        ((100, 1), {}, ValueError, "at least 2 columns"),
        ((100,), {}, ValueError, r"must be 2-D \(n_periods, n_strategies\)"),
        ((100, 3), {"n_blocks": 5}, ValueError, "n_blocks must be even"),
        ((100, 3), {"n_blocks": 0}, ValueError, "n_blocks must be >= 2"),
        ((100, 3), {"n_blocks": 4.0}, TypeError, "n_blocks must be an integer"),
        ((10, 3), {"n_blocks": 12}, ValueError, r"returns_matrix\), 10; got 12"),
        ((3, 3), {"n_blocks": 2}, ValueError, "each half needs at least 2 periods"),
        ((100, 3), {"metric": "sortino"}, ValueError, "metric must be one of"),
    ],
)
def test_bad_input_names_the_parameter(shape, kwargs, error, match):
    with pytest.raises(error, match=match):
        probability_of_backtest_overfitting(np.ones(shape), **kwargs)


def test_non_finite_returns_are_rejected():
    matrix = np.zeros((20, 3))
    matrix[4, 1] = np.inf
    with pytest.raises(ValueError, match=r"returns_matrix must be finite; found inf at"):
        probability_of_backtest_overfitting(matrix, n_blocks=4)
