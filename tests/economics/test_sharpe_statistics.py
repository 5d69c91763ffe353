"""PSR, expected maximum Sharpe ratio and DSR, checked against the published examples.

The published figures are quoted with the rounding they were printed with; the
tolerance is half a unit of their last digit.

Bailey and López de Prado (2012), "The Sharpe Ratio Efficient Frontier", section 3 (and
the authors' slides "The Sharp Razor", SSRN 2150879, pp. 16-17): a hedge fund's track
record of two years of monthly returns (T = 24) has a monthly Sharpe ratio of 0.458
(annualized 1.59), skewness -2.448 and kurtosis 10.164 (not excess: 3 is normal). Its
PSR against a Sharpe ratio of 0 is 0.913; had its returns been normal it would have been
0.982. The paper itself could not be opened from this project; the inputs and both
digits are the ones quoted, identically, by independent reproductions of the example
(the tests of rubenbriones/Probabilistic-Sharpe-Ratio among them), and only raw
kurtosis gives 0.913 (kurtosis 10.164 read as excess gives 0.920).

Bailey and López de Prado (2014), "The Deflated Sharpe Ratio", section "A numerical
example": a strategist's best backtest has an annualized Sharpe ratio of 2.5 over five
years of daily returns (250 a year, T = 1250); the investor learns that N = 100
independent trials were run, with V[{SR_n}] = 1/2 (annualized), skewness -3 and
kurtosis 10. The paper converts to per-period values (SR = 2.5 / sqrt(250), variance
0.5 / 250), finds E[max SR] ~ 0.1132 non-annualized and DSR ~ 0.9004 < 0.95; after only
N = 46 trials DSR would have been 0.9505, and with normal returns (skewness 0, kurtosis
3) it is 0.9505 after N = 88 trials.

Bailey, Borwein, López de Prado and Zhu (2014), "Pseudo-Mathematics and Financial
Charlatanism": the expected maximum of N = 10 standard normal Sharpe ratios is about
1.57; with five years of data (an annualized Sharpe ratio estimated over y years has
variance 1/y under the null) no more than 45 independent configurations should be tried
before the expected maximum reaches an annualized Sharpe ratio of 1.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skfix.economics import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    performance,
    probabilistic_sharpe_ratio,
    probabilistic_sharpe_ratio_of,
)

DAYS = 250
PAPER_SHARPE = 2.5 / math.sqrt(DAYS)  # per period, as the paper converts it
PAPER = {"variance_of_sharpes": 0.5 / DAYS, "skewness": -3.0, "kurtosis": 10.0}


# --- published examples ----------------------------------------------------------


def test_psr_paper_hedge_fund_track_record():
    psr = probabilistic_sharpe_ratio(0.458, 24, skewness=-2.448, kurtosis=10.164)
    assert psr == pytest.approx(0.913, abs=5e-4)


def test_psr_paper_same_track_record_with_normal_returns():
    assert probabilistic_sharpe_ratio(0.458, 24) == pytest.approx(0.982, abs=5e-4)


def test_psr_paper_example_reads_kurtosis_not_excess_kurtosis():
    as_excess = probabilistic_sharpe_ratio(0.458, 24, skewness=-2.448, kurtosis=7.164)
    assert as_excess != pytest.approx(0.913, abs=5e-4)


def test_dsr_paper_expected_maximum_sharpe():
    assert expected_max_sharpe(100, 0.5 / DAYS) == pytest.approx(0.1132, abs=5e-5)


def test_dsr_paper_deflated_sharpe_ratio():
    dsr = deflated_sharpe_ratio(PAPER_SHARPE, 1250, n_trials=100, **PAPER)
    assert dsr == pytest.approx(0.9004, abs=5e-5)
    assert dsr < 0.95  # the investor declines


def test_dsr_paper_forty_six_trials():
    dsr = deflated_sharpe_ratio(PAPER_SHARPE, 1250, n_trials=46, **PAPER)
    assert dsr == pytest.approx(0.9505, abs=5e-5)


def test_dsr_paper_normal_returns_eighty_eight_trials():
    dsr = deflated_sharpe_ratio(
        PAPER_SHARPE, 1250, n_trials=88, variance_of_sharpes=0.5 / DAYS
    )
    assert dsr == pytest.approx(0.9505, abs=5e-5)


def test_dsr_is_the_psr_against_the_expected_maximum():
    benchmark = expected_max_sharpe(100, 0.5 / DAYS)
    psr = probabilistic_sharpe_ratio(
        PAPER_SHARPE, 1250, skewness=-3, kurtosis=10, benchmark=benchmark
    )
    assert deflated_sharpe_ratio(PAPER_SHARPE, 1250, n_trials=100, **PAPER) == psr


def test_backtest_overfitting_paper_best_of_ten():
    assert expected_max_sharpe(10, 1.0) == pytest.approx(1.57, abs=0.005)


def test_backtest_overfitting_paper_forty_five_trials_in_five_years():
    years = 5
    assert expected_max_sharpe(45, 1 / years) <= 1.0 < expected_max_sharpe(46, 1 / years)


# --- probabilistic_sharpe_ratio ----------------------------------------------------


def test_psr_formula_by_hand():
    sr, n, g3, g4, bench = 0.08, 120, -0.5, 6.0, 0.02
    z = (sr - bench) * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    expected = 0.5 * math.erfc(-z / math.sqrt(2))
    got = probabilistic_sharpe_ratio(sr, n, skewness=g3, kurtosis=g4, benchmark=bench)
    assert got == pytest.approx(expected, rel=1e-12)


def test_psr_at_the_benchmark_is_one_half():
    assert probabilistic_sharpe_ratio(0.1, 50, benchmark=0.1) == 0.5


def test_negative_skew_and_fat_tails_lower_a_positive_psr():
    normal = probabilistic_sharpe_ratio(0.1, 250)
    assert probabilistic_sharpe_ratio(0.1, 250, skewness=-1, kurtosis=8) < normal


def test_psr_broadcasts_over_arrays():
    psr = probabilistic_sharpe_ratio([0.0, 0.1, 0.2], 100)
    assert isinstance(psr, np.ndarray) and psr.shape == (3,)
    assert psr[0] == 0.5 and psr[0] < psr[1] < psr[2]
    assert isinstance(probabilistic_sharpe_ratio(0.1, 100), float)


def test_psr_of_returns_uses_their_moments():
    returns = np.random.default_rng(3).standard_t(4, size=400) * 0.01 + 0.001
    perf = performance(returns, periods_per_year=252)
    expected = probabilistic_sharpe_ratio(
        perf.sharpe, 400, skewness=perf.skewness, kurtosis=perf.kurtosis, benchmark=0.01
    )
    assert probabilistic_sharpe_ratio_of(returns, benchmark=0.01) == expected


def test_psr_of_constant_returns_is_nan():
    assert math.isnan(probabilistic_sharpe_ratio_of([0.01, 0.01, 0.01]))


def test_psr_of_nan_sharpe_is_nan():
    assert math.isnan(probabilistic_sharpe_ratio(math.nan, 100))


def test_excess_kurtosis_is_caught():
    with pytest.raises(ValueError, match="If it is an excess kurtosis, add 3"):
        probabilistic_sharpe_ratio(0.1, 100, kurtosis=0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_periods": 1}, ValueError, "n_periods must be >= 2; got 1"),
        ({"n_periods": 10.5}, TypeError, "n_periods must be an integer"),
        ({"n_periods": 10, "skewness": math.nan}, ValueError, "skewness must be finite"),
        ({"n_periods": 10, "benchmark": math.inf}, ValueError, "benchmark must be finite"),
    ],
)
def test_psr_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        probabilistic_sharpe_ratio(0.1, **kwargs)


_skew = st.floats(-3, 3)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-0.5, 0.5),
    st.floats(-0.5, 0.5),
    st.integers(2, 5000),
    _skew,
    st.floats(0, 30),
)
def test_psr_increases_with_the_sharpe_ratio(a, b, n, skewness, extra_kurtosis):
    # With |skewness * SR| < 2 (any realistic per-period Sharpe ratio) the PSR against
    # zero rises with the Sharpe ratio; far beyond, the formula's normal approximation
    # of the estimator stops being monotone.
    kurt = 1 + skewness**2 + extra_kurtosis
    low, high = sorted((a, b))
    psr_low = probabilistic_sharpe_ratio(low, n, skewness=skewness, kurtosis=kurt)
    psr_high = probabilistic_sharpe_ratio(high, n, skewness=skewness, kurtosis=kurt)
    assert psr_low <= psr_high + 1e-12
    assert 0.0 <= psr_low <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1), st.integers(2, 5000))
def test_normal_psr_increases_with_the_sharpe_ratio_and_falls_with_the_benchmark(
    a, b, benchmark, n
):
    low, high = sorted((a, b))
    assert probabilistic_sharpe_ratio(
        low, n, benchmark=benchmark
    ) <= probabilistic_sharpe_ratio(high, n, benchmark=benchmark)
    assert probabilistic_sharpe_ratio(a, n, benchmark=low) >= probabilistic_sharpe_ratio(
        a, n, benchmark=high
    )


# --- expected_max_sharpe and deflated_sharpe_ratio --------------------------------


def test_one_trial_selects_nothing():
    assert expected_max_sharpe(1, 0.7) == 0.0
    psr = probabilistic_sharpe_ratio(0.1, 300, skewness=-1, kurtosis=5)
    dsr = deflated_sharpe_ratio(
        0.1, 300, n_trials=1, variance_of_sharpes=0.7, skewness=-1, kurtosis=5
    )
    assert dsr == psr


def test_expected_maximum_grows_with_trials_and_scales_with_the_spread():
    values = [expected_max_sharpe(n, 1.0) for n in (2, 10, 100, 1000, 10_000)]
    assert values == sorted(values)
    assert expected_max_sharpe(100, 4.0) == pytest.approx(2 * expected_max_sharpe(100, 1.0))


def test_expected_maximum_approximates_the_simulated_maximum():
    # The approximation is close, not exact: the simulated mean of the maximum of 100
    # standard normals is about 2.51, the formula gives 2.53.
    simulated = np.random.default_rng(0).normal(size=(20_000, 100)).max(axis=1).mean()
    assert expected_max_sharpe(100, 1.0) == pytest.approx(simulated, abs=0.05)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0.5, 1.0), ValueError, "n_trials must be >= 1; got 0.5"),
        ((10, -1.0), ValueError, "variance_of_sharpes must be >= 0"),
        ((10, math.nan), ValueError, "variance_of_sharpes must be finite"),
        (("10", 1.0), TypeError, "n_trials must be a real number"),
    ],
)
def test_expected_max_sharpe_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        expected_max_sharpe(*args)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-0.5, 0.5),
    st.integers(2, 5000),
    st.integers(2, 10_000),
    st.floats(0, 0.05),
    _skew,
    st.floats(0, 30),
)
def test_dsr_is_at_most_the_psr_against_zero(
    sharpe, n, n_trials, variance, skewness, extra_kurtosis
):
    kurt = 1 + skewness**2 + extra_kurtosis
    psr = probabilistic_sharpe_ratio(sharpe, n, skewness=skewness, kurtosis=kurt)
    dsr = deflated_sharpe_ratio(
        sharpe,
        n,
        n_trials=n_trials,
        variance_of_sharpes=variance,
        skewness=skewness,
        kurtosis=kurt,
    )
    assume(not math.isnan(psr))
    assert dsr <= psr + 1e-12
