"""simulate_prices and bayes_direction: the Bayes accuracy they report is the one reached.

The long paths (200,000 rows) make the sampling error of an accuracy about 0.001, so a
0.01 tolerance is never flaky; the seeds are fixed anyway.
"""

import json

import numpy as np
import pytest

from skfix.datasets import PROCESSES, bayes_direction, simulate_prices
from skfix.features import make_features, make_labels

LONG = 200_000


def _labels(prices):
    """Labels of the rows that have one, as ints."""
    return make_labels(prices).to_numpy()[:-1].astype(int)


def _accuracy(prices, predictions):
    return float(np.mean(np.asarray(predictions)[:-1] == _labels(prices)))


def _persistence(prices):
    """Persistence: "up next period" iff the last period went up (0 on the first row)."""
    close = prices["close"].to_numpy()
    return np.append(0, (np.diff(close) > 0).astype(int))


def _bayes(prices):
    return prices.attrs["skfix_simulation"]["bayes_accuracy"]


# Values before "nonlinear" and bayes_direction were added (1,000 rows, random_state=7):
# the existing processes must draw the same numbers for the same seeds.
REGRESSION = {
    ("noise", 0.0): (75.2202081516435, 0.5, 0.4844844844844845),
    ("ar1", 0.3): (68.08650234184749, 0.5931158443991965, 0.48848848848848847),
    ("ar1", -0.3): (81.04631388698661, 0.5946914319684964, 0.4804804804804805),
    ("momentum", 0.5): (56.79103927045279, 0.5876996758983524, 0.47847847847847846),
    ("switching", 0.3): (70.75932461952054, 0.5474491545048449, 0.4904904904904905),
    ("trend", 0.98): (62467298114.90826, 0.9800000000000003, 0.984984984984985),
    ("trend", 0.55): (264.28640666499456, 0.5499999999999998, 0.5295295295295295),
}


@pytest.mark.parametrize("process, strength", list(REGRESSION), ids=str)
def test_existing_processes_draw_the_same_series(process, strength):
    prices = simulate_prices(1000, process, strength, random_state=7)
    last_close, bayes, up_share = REGRESSION[(process, strength)]
    facts = prices.attrs["skfix_simulation"]
    assert prices["close"].iloc[-1] == pytest.approx(last_close, rel=1e-12)
    assert facts["bayes_accuracy"] == pytest.approx(bayes, abs=1e-12)
    assert facts["up_share"] == up_share


@pytest.mark.parametrize(
    "process, strength",
    [
        ("ar1", 0.3),
        ("ar1", -0.3),
        ("momentum", 0.5),
        ("switching", 0.3),
        ("nonlinear", 0.3),
        ("nonlinear", -0.3),
        ("column", 0.3),
        ("column", -0.3),
        ("noise", 0.0),
    ],
    ids=str,
)
def test_bayes_direction_reaches_the_reported_bayes_accuracy(process, strength):
    prices = simulate_prices(LONG, process, strength, random_state=11)
    assert _accuracy(prices, bayes_direction(prices)) == pytest.approx(
        _bayes(prices), abs=0.01
    )


@pytest.mark.parametrize("strength", [0.3, -0.3, 0.15, -0.15])
def test_ar1_bayes_accuracy_is_the_arcsine_formula_for_either_sign(strength):
    prices = simulate_prices(LONG, "ar1", strength, random_state=3)
    assert _bayes(prices) == pytest.approx(
        0.5 + np.arcsin(abs(strength)) / np.pi, abs=0.003
    )


def test_nonlinear_bayes_accuracy_is_the_ar1_one():
    # |r| moves as in "ar1": both branches give m[t] = +-strength * r[t]
    prices = simulate_prices(LONG, "nonlinear", 0.3, random_state=5)
    assert _bayes(prices) == pytest.approx(0.5 + np.arcsin(0.3) / np.pi, abs=0.003)
    assert _bayes(prices) > 0.57


@pytest.mark.parametrize("process, strength", [("nonlinear", 0.3), ("ar1", -0.3)])
def test_persistence_is_clearly_worse_than_bayes(process, strength):
    prices = simulate_prices(LONG, process, strength, random_state=13)
    persistence = _accuracy(prices, _persistence(prices))
    assert persistence < _accuracy(prices, bayes_direction(prices)) - 0.07
    assert persistence < 0.5


def test_persistence_is_bayes_for_positive_ar1():
    prices = simulate_prices(LONG, "ar1", 0.3, random_state=13)
    same = np.mean(_persistence(prices)[1:] == bayes_direction(prices).to_numpy()[1:])
    assert same == 1.0


@pytest.mark.parametrize("strength", [0.55, 0.98])
def test_trend_bayes_predictor_is_always_up(strength):
    prices = simulate_prices(4000, "trend", strength, random_state=2)
    direction = bayes_direction(prices)
    assert (direction == 1).all()
    assert _bayes(prices) == pytest.approx(strength)
    assert _accuracy(prices, direction) == pytest.approx(strength, abs=0.03)


def test_bayes_direction_is_a_series_on_the_prices_index_and_works_on_first_rows():
    prices = simulate_prices(600, "nonlinear", 0.3, random_state=0)
    direction = bayes_direction(prices)
    assert direction.name == "bayes_direction"
    assert direction.index.equals(prices.index)
    assert set(direction.unique()) <= {0, 1}
    # the first rows keep the attrs and give the same answers
    assert bayes_direction(prices.iloc[:300]).equals(direction.iloc[:300])


def test_bayes_direction_refuses_what_it_cannot_recompute():
    prices = simulate_prices(600, "ar1", -0.3, random_state=0)
    with pytest.raises(ValueError, match="first row"):
        bayes_direction(prices.iloc[10:])
    stripped = prices.copy()
    stripped.attrs = {}
    with pytest.raises(ValueError, match="simulate_prices"):
        bayes_direction(stripped)


@pytest.mark.parametrize("process", PROCESSES)
def test_facts_are_json_scalars(process):
    strength = 0.6 if process == "trend" else 0.3
    facts = simulate_prices(300, process, strength, random_state=0).attrs[
        "skfix_simulation"
    ]
    assert json.loads(json.dumps(facts)) == facts
    assert facts["process"] == process


@pytest.mark.parametrize("process", ["nonlinear", "column"])
@pytest.mark.parametrize("strength", [1.0, -1.0, 1.5])
def test_nonlinear_and_column_need_a_strength_within_one(process, strength):
    with pytest.raises(ValueError, match=r"\(-1, 1\)"):
        simulate_prices(100, process, strength)


@pytest.mark.parametrize("strength", [0.3, -0.3, 0.15])
def test_column_bayes_accuracy_is_the_arcsine_formula_for_either_sign(strength):
    prices = simulate_prices(LONG, "column", strength, random_state=3)
    assert _bayes(prices) == pytest.approx(
        0.5 + np.arcsin(abs(strength)) / np.pi, abs=0.003
    )


@pytest.mark.parametrize("strength", [0.3, -0.3])
def test_column_signal_is_the_correlation_and_the_volatility_is_kept(strength):
    prices = simulate_prices(LONG, "column", strength, volatility=0.02, random_state=17)
    returns = np.diff(np.log(prices["close"].to_numpy()), prepend=np.log(100.0))
    signal = prices["signal"].to_numpy()
    # s[t] is known at row t and moves r[t+1]; it says nothing of r[t]
    assert np.corrcoef(signal[:-1], returns[1:])[0, 1] == pytest.approx(strength, abs=0.01)
    assert np.corrcoef(signal, returns)[0, 1] == pytest.approx(0.0, abs=0.01)
    assert returns.std() == pytest.approx(0.02, rel=0.01)
    assert signal.mean() == pytest.approx(0.0, abs=0.01)
    assert signal.std() == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("strength", [0.3, -0.3])
def test_column_bayes_direction_follows_the_sign_of_the_signal(strength):
    prices = simulate_prices(2000, "column", strength, random_state=4)
    up = prices["signal"] > 0 if strength > 0 else prices["signal"] < 0
    assert bayes_direction(prices).equals(up.astype(np.int64).rename("bayes_direction"))
    assert bayes_direction(prices.iloc[:500]).equals(bayes_direction(prices).iloc[:500])


def test_column_prices_alone_carry_nothing():
    prices = simulate_prices(LONG, "column", 0.3, random_state=19)
    labels = _labels(prices)
    bayes = _accuracy(prices, bayes_direction(prices))
    # persistence, "up iff the last move was up", is a coin flip, far below Bayes
    persistence = _accuracy(prices, _persistence(prices))
    assert persistence == pytest.approx(0.5, abs=0.005)
    assert bayes > persistence + 0.09
    # and no price feature is correlated with the next move
    features = make_features(prices).iloc[:-1]
    complete = features.notna().all(axis=1).to_numpy()
    for name, values in features.items():
        r = np.corrcoef(values.to_numpy()[complete], labels[complete])[0, 1]
        assert abs(r) < 0.01, name


def test_column_frame_has_a_float_signal_column():
    prices = simulate_prices(600, "column", 0.3, random_state=0)
    assert list(prices.columns) == ["close", "volume", "signal"]
    assert prices["signal"].dtype == np.float64
    assert prices.notna().all().all()
    assert prices.attrs["skfix_simulation"]["process"] == "column"
    # the other processes have no signal column
    assert "signal" not in simulate_prices(600, "ar1", 0.3, random_state=0)


def test_column_is_reproducible_with_random_state():
    first = simulate_prices(1000, "column", 0.3, random_state=8)
    again = simulate_prices(1000, "column", 0.3, random_state=np.random.RandomState(8))
    other = simulate_prices(1000, "column", 0.3, random_state=9)
    assert first.equals(again)
    assert first.attrs == again.attrs
    assert not first["signal"].equals(other["signal"])
    assert not first["close"].equals(other["close"])


def test_column_bayes_direction_needs_the_signal_column():
    prices = simulate_prices(600, "column", 0.3, random_state=0)
    with pytest.raises(ValueError, match="signal"):
        bayes_direction(prices.drop(columns="signal"))
