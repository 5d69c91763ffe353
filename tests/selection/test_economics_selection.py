"""The candidates' economics in the selection: returns of their out-of-sample calls
after costs, deflated Sharpe ratio, PBO, and the two criteria that read them."""

import numpy as np
import pytest

from skfix.datasets import simulate_prices
from skfix.economics import Economics, strategy_returns
from skfix.estimators import RegularizedLogisticRegression
from skfix.features import make_dataset
from skfix.selection import ModelSelector, PurgedWalkForwardSplit, SelectionCriteria


def _symbol(process="ar1", strength=0.3, n=1500, seed=0):
    prices = simulate_prices(n, process, strength, random_state=seed)
    X, y = make_dataset(prices)
    close = prices["close"]
    returns = (close.shift(-1) / close - 1).reindex(X.index).to_numpy()
    return X, y, returns


def _selector(**criteria):
    return ModelSelector(
        {"logistic": RegularizedLogisticRegression(random_state=0)},
        cv=PurgedWalkForwardSplit(n_splits=4, gap=1),
        criteria=SelectionCriteria(**criteria),
        random_state=0,
    )


@pytest.fixture(scope="module")
def ar1():
    X, y, returns = _symbol()
    return X, y, returns, _selector().fit(X, y, returns=returns)


def test_every_candidate_gets_its_economics(ar1):
    X, y, returns, selector = ar1
    names = {e.name for e in selector.evaluations_}
    assert names == {"logistic", "majority", "persistence"}
    for e in selector.evaluations_:
        figures = e.economics
        assert figures["n_periods"] == e.n_oos
        assert 0 <= figures["deflated_sharpe"] <= figures["probabilistic_sharpe"] <= 1
        assert figures["periods_per_year"] == 252
    symbol = selector.economics_
    assert symbol["n_trials"] == 3 and symbol["cost_bps"] == 5.0
    assert 0 <= symbol["backtest_overfitting"]["pbo"] <= 1
    assert set(symbol["equity"]["curves"]) == names | {"buy_and_hold"}
    assert len(symbol["equity"]["dates"]) <= 250


def test_the_returns_are_those_of_trading_the_pooled_calls(ar1):
    X, y, returns, selector = ar1
    # the pooled rows: every validation window, then the test window
    windows = [np.arange(start, end) for _, _, start, end in selector.split_["folds"]]
    oos = np.concatenate([*windows, np.arange(len(y) - selector.split_["n_test"], len(y))])
    e = next(e for e in selector.evaluations_ if e.name == "persistence")
    positions = np.where(e.oos_predictions == 1, 1.0, -1.0)
    net = strategy_returns(positions, returns[oos], cost_bps=5.0)
    assert e.economics["mean_return"] == pytest.approx(net.mean())
    # AR(1) at 0.3: persistence is the Bayes rule and earns after 5 bp
    assert e.economics["sharpe_annualized"] > 1


def test_noise_is_not_worth_trading():
    X, y, returns = _symbol("noise", n=1500, seed=3)
    selector = _selector(min_deflated_sharpe=0.95).fit(X, y, returns=returns)
    for e in selector.evaluations_:
        assert e.economics["deflated_sharpe"] < 0.95
    assert selector.best_estimator_ is None


def test_the_criteria_reject_by_the_economics(ar1):
    X, y, returns, _ = ar1
    strict = _selector(min_deflated_sharpe=1.0, max_pbo=0.0).fit(X, y, returns=returns)
    for name, decision in strict.decisions_.items():
        if name == "majority":
            continue
        checks = {c.name: c for c in decision.criteria}
        assert not checks["deflated_sharpe"].passed
        assert "deflated_sharpe" in decision.reason or not decision.accepted
    assert strict.best_estimator_ is None


def test_without_returns_the_criteria_say_not_measured():
    X, y, _ = _symbol(n=800)
    selector = _selector(min_deflated_sharpe=0.5).fit(X, y)
    assert selector.economics_ is None
    decision = selector.decisions_["logistic"]
    check = next(c for c in decision.criteria if c.name == "deflated_sharpe")
    assert not check.passed and "not measured" in check.explanation


def test_default_decisions_do_not_change_with_returns():
    X, y, returns = _symbol(n=1200, seed=5)
    with_returns = _selector().fit(X, y, returns=returns)
    without = _selector().fit(X, y)
    assert {n: d.as_dict() for n, d in with_returns.decisions_.items()} == {
        n: d.as_dict() for n, d in without.decisions_.items()
    }


@pytest.mark.parametrize(
    "returns, message",
    [(np.zeros(5), "one per row of X"), (None, "non-finite")],
)
def test_bad_returns_are_refused(returns, message):
    X, y, good = _symbol(n=600)
    if returns is None:
        returns = good.copy()
        returns[3] = np.nan
    with pytest.raises(ValueError, match=message):
        _selector().fit(X, y, returns=returns)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(cost_bps=-1), "cost_bps"),
        (dict(positions="short_only"), "positions"),
        (dict(pbo_blocks=3), "pbo_blocks"),
    ],
)
def test_bad_economics_settings_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        Economics(**params)


def test_long_flat_never_shorts(ar1):
    X, y, returns, _ = ar1
    selector = ModelSelector(
        {"logistic": RegularizedLogisticRegression(random_state=0)},
        cv=PurgedWalkForwardSplit(n_splits=4, gap=1),
        economics=Economics(positions="long_flat", cost_bps=0.0),
        random_state=0,
    ).fit(X, y, returns=returns)
    assert selector.economics_["positions"] == "long_flat"
    majority = next(e for e in selector.evaluations_ if e.name == "majority")
    # always long or always flat: no turnover after the first period
    assert majority.economics["turnover"] <= 1 / majority.n_oos + 1e-12
