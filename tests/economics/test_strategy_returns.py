import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kurtosis, skew

from skfix.economics import Performance, break_even_cost, performance, strategy_returns

_returns = st.lists(
    st.floats(-0.5, 0.5, allow_nan=False, allow_subnormal=False), min_size=2, max_size=60
)


@st.composite
def _positions_and_returns(draw):
    returns = draw(_returns)
    positions = draw(
        st.lists(
            st.sampled_from([-1.0, 0.0, 1.0, 0.5, 2.0]),
            min_size=len(returns),
            max_size=len(returns),
        )
    )
    return np.array(positions), np.array(returns)


# --- strategy_returns ------------------------------------------------------------


def test_net_returns_by_hand():
    # turnover from a flat book: 1, 0, 2, 1; 10 bp each
    net = strategy_returns([1, 1, -1, 0], [0.01, -0.02, 0.03, 0.01], cost_bps=10)
    np.testing.assert_allclose(net, [0.009, -0.02, -0.032, -0.001], rtol=0, atol=1e-15)


def test_no_cost_is_position_times_return():
    positions, returns = [0.5, -2.0, 0.0], [0.02, 0.01, -0.3]
    net = strategy_returns(positions, returns, cost_bps=0)
    np.testing.assert_array_equal(net, np.multiply(positions, returns))


def test_a_position_held_pays_only_to_enter():
    net = strategy_returns([1, 1, 1, 1], [0.0] * 4, cost_bps=5)
    np.testing.assert_allclose(net, [-0.0005, 0, 0, 0], atol=1e-18)


@settings(max_examples=60, deadline=None)
@given(_positions_and_returns(), st.floats(0, 100))
def test_costs_reduce_returns_by_exactly_bps_times_turnover(data, cost_bps):
    positions, returns = data
    gross = strategy_returns(positions, returns, cost_bps=0)
    net = strategy_returns(positions, returns, cost_bps=cost_bps)
    turnover = np.abs(np.diff(positions, prepend=0.0))
    np.testing.assert_allclose(gross - net, cost_bps * 1e-4 * turnover, atol=1e-15)


def test_accepts_pandas_series():
    pd = pytest.importorskip("pandas")
    net = strategy_returns(pd.Series([1, -1]), pd.Series([0.01, 0.01]), cost_bps=0)
    assert isinstance(net, np.ndarray)
    np.testing.assert_allclose(net, [0.01, -0.01])


@pytest.mark.parametrize(
    ("positions", "returns", "kwargs", "match"),
    [
        ([1, 0], [0.01], {}, "positions and returns must have one value per period"),
        ([[1, 0]], [0.01, 0.02], {}, r"positions must be 1-D.*shape \(1, 2\)"),
        ([1, 0], [0.01, np.nan], {}, "returns must be finite; found nan at index 1"),
        ([1, "a"], [0.01, 0.02], {}, "positions must be numbers"),
        ([], [], {}, "positions must hold at least 1 period"),
        ([1], [0.01], {"cost_bps": math.inf}, "cost_bps must be finite"),
    ],
)
def test_bad_input_names_the_parameter(positions, returns, kwargs, match):
    with pytest.raises(ValueError, match=match):
        strategy_returns(positions, returns, **kwargs)


# --- break_even_cost -------------------------------------------------------------


def test_break_even_by_hand():
    # gross mean (0.01 + 0.002 - 0.004 + 0.006 - 0.001 + 0.002) / 6 = 0.0025,
    # turnover 1, 0, 0, 2, 0, 2: mean 5/6, so 0.0025 / (5/6) = 0.003 = 30 bp
    positions = [1, 1, 1, -1, -1, 1]
    returns = [0.01, 0.002, -0.004, -0.006, 0.001, 0.002]
    assert break_even_cost(positions, returns) == pytest.approx(30.0)


@settings(max_examples=60, deadline=None)
@given(_positions_and_returns())
def test_break_even_cost_makes_the_mean_net_return_zero(data):
    positions, returns = data
    cost = break_even_cost(positions, returns)
    if not np.any(positions):
        assert math.isnan(cost)
        return
    net = strategy_returns(positions, returns, cost_bps=cost)
    assert net.mean() == pytest.approx(0.0, abs=1e-12)


def test_negative_edge_gives_a_negative_break_even_cost():
    # gross mean -0.01, turnover 1 then 0: mean 0.5, so -0.02 = -200 bp
    assert break_even_cost([1, 1], [-0.01, -0.01]) == pytest.approx(-200.0)


def test_no_exposure_has_no_break_even_cost():
    assert math.isnan(break_even_cost([0, 0, 0], [0.01, -0.02, 0.03]))


# --- performance -----------------------------------------------------------------


def test_performance_by_hand():
    returns = [0.10, -0.20, 0.05, 0.10]
    perf = performance(returns, periods_per_year=12)
    assert isinstance(perf, Performance)
    assert perf.n_periods == 4
    assert perf.mean_return == pytest.approx(0.0125)
    # deviations 0.0875, -0.2125, 0.0375, 0.0875: sum of squares 0.061875, / 3
    assert perf.volatility == pytest.approx(math.sqrt(0.061875 / 3))
    assert perf.sharpe == pytest.approx(0.0125 / math.sqrt(0.061875 / 3))
    assert perf.sharpe_annualized == pytest.approx(perf.sharpe * math.sqrt(12))
    # equity 1.1, 0.88, 0.924, 1.0164: the fall from 1.1 to 0.88 is 20 %
    assert perf.max_drawdown == pytest.approx(0.2)
    assert perf.hit_rate == 0.75
    assert perf.turnover is None


def test_max_drawdown_of_a_known_path():
    # equity 1.5, 0.75, 1.5, 0.3: from the peak 1.5 down to 0.3 is 80 %
    perf = performance([0.5, -0.5, 1.0, -0.8], periods_per_year=1)
    assert perf.max_drawdown == pytest.approx(0.8)


def test_max_drawdown_counts_a_loss_from_the_start():
    assert performance([-0.1, 0.05], periods_per_year=1).max_drawdown == pytest.approx(0.1)
    assert performance([0.1, 0.05], periods_per_year=1).max_drawdown == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-0.99, 1.0, allow_subnormal=False), min_size=2, max_size=60))
def test_max_drawdown_is_a_fraction(returns):
    assert 0.0 <= performance(returns, periods_per_year=252).max_drawdown <= 1.0


def test_positions_give_turnover_and_a_hit_rate_in_the_market():
    positions = [1, 0, -1, 1]
    returns = [0.01, 0.0, -0.02, 0.03]
    perf = performance(returns, periods_per_year=252, positions=positions)
    assert perf.turnover == pytest.approx((1 + 1 + 1 + 2) / 4)
    assert perf.hit_rate == pytest.approx(2 / 3)  # two gains in three periods held


def test_moments_are_population_skewness_and_pearson_kurtosis():
    returns = np.random.default_rng(0).standard_t(5, size=2000) * 0.01
    perf = performance(returns, periods_per_year=252)
    assert perf.skewness == pytest.approx(skew(returns, bias=True))
    assert perf.kurtosis == pytest.approx(kurtosis(returns, fisher=False, bias=True))


def test_normal_returns_have_kurtosis_three():
    perf = performance(np.random.default_rng(1).normal(size=200_000), periods_per_year=1)
    assert perf.kurtosis == pytest.approx(3.0, abs=0.05)
    assert perf.skewness == pytest.approx(0.0, abs=0.02)


def test_constant_returns_have_no_sharpe_ratio_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        perf = performance([0.01] * 5, periods_per_year=252)
    assert math.isnan(perf.sharpe) and math.isnan(perf.sharpe_annualized)
    assert math.isnan(perf.skewness) and math.isnan(perf.kurtosis)
    as_dict = perf.as_dict()
    assert as_dict["sharpe"] is None and as_dict["kurtosis"] is None
    json.dumps(as_dict, allow_nan=False)


def test_as_dict_is_json_in_attribute_order():
    perf = performance([0.01, -0.02, 0.03], periods_per_year=52, positions=[1, -1, 1])
    out = perf.as_dict()
    assert list(out) == [
        "n_periods",
        "periods_per_year",
        "mean_return",
        "volatility",
        "sharpe",
        "sharpe_annualized",
        "skewness",
        "kurtosis",
        "max_drawdown",
        "hit_rate",
        "turnover",
    ]
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_performance_is_frozen():
    perf = performance([0.01, 0.02], periods_per_year=1)
    with pytest.raises(AttributeError):
        perf.sharpe = 3.0


@pytest.mark.parametrize(
    ("returns", "kwargs", "error", "match"),
    [
        ([0.01], {"periods_per_year": 252}, ValueError, "at least 2 period"),
        ([0.01, 0.02], {"periods_per_year": 0}, ValueError, "periods_per_year must be > 0"),
        ([0.01, 0.02], {"periods_per_year": "252"}, TypeError, "periods_per_year must be"),
        (
            [0.01, 0.02],
            {"periods_per_year": 252, "positions": [1]},
            ValueError,
            "1 positions and 2 strategy_returns",
        ),
    ],
)
def test_performance_rejects_bad_input(returns, kwargs, error, match):
    with pytest.raises(error, match=match):
        performance(returns, **kwargs)
