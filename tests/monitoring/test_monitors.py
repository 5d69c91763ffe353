"""Tests of the training monitors: each event is forced, recorded and warned about."""

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.ensemble import RandomForestClassifier
from xgboost import XGBClassifier

from skfix.estimators import RegularizedLSTMClassifier, RegularizedMLPClassifier
from skfix.monitoring import (
    EVENT_KINDS,
    ForestMonitor,
    SkorchMonitor,
    TrainingEvent,
    TrainingWarning,
    XGBoostMonitor,
    check_forest_overfitting,
)


def make_data(n_samples=200, noise=False, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 5))
    y = rng.randint(0, 2, n_samples) if noise else (X[:, 0] > 0).astype(int)
    return X, y


def fit_recording(estimator, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    issued = [w for w in caught if issubclass(w.category, TrainingWarning)]
    return estimator, issued


def kinds(events):
    return [event.kind for event in events]


def assert_recorded_and_warned(estimator, issued, kind):
    events = estimator.training_warnings_
    assert kind in kinds(events)
    assert all(isinstance(event, TrainingEvent) for event in events)
    assert [str(w.message) for w in issued] == [event.message for event in events]
    assert set(kinds(events)) <= set(EVENT_KINDS)


def test_event_is_a_frozen_record():
    event = TrainingEvent("nan_loss", 3, {"train_loss": math.inf}, "Loss is inf.")
    assert event.as_dict() == {
        "kind": "nan_loss",
        "epoch": 3,
        "values": {"train_loss": math.inf},
        "message": "Loss is inf.",
    }
    with pytest.raises(AttributeError):
        event.kind = "divergence"


@pytest.mark.parametrize("Estimator", [RegularizedMLPClassifier, RegularizedLSTMClassifier])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_nan_loss_stops_training_and_keeps_finite_weights(Estimator, optimizer):
    X, y = make_data()
    small = (
        {"hidden_layer_sizes": (16,)}
        if Estimator is RegularizedMLPClassifier
        else {
            "hidden_dim": 8,
            "lookback": 3,
        }
    )
    estimator = Estimator(
        **small, lr=1e6, optimizer=optimizer, max_epochs=20, random_state=0
    )
    estimator, issued = fit_recording(estimator, X, y)
    assert_recorded_and_warned(estimator, issued, "nan_loss")
    assert estimator.n_epochs_ < 20
    assert np.isfinite(estimator.predict_proba(X)).all()
    for tensor in estimator.net_.module_.state_dict().values():
        assert torch.isfinite(tensor).all()


def test_memorizing_noise_records_the_gap():
    X, y = make_data(noise=True)
    estimator = RegularizedMLPClassifier(
        hidden_layer_sizes=(128, 128),
        dropout=0.0,
        weight_decay=0.0,
        lr=1e-2,
        max_epochs=40,
        patience=100,
        monitor=SkorchMonitor(max_gap=0.2, patience=3),
        random_state=0,
    )
    estimator, issued = fit_recording(estimator, X, y)
    assert_recorded_and_warned(estimator, issued, "overfitting")
    event = next(e for e in estimator.training_warnings_ if e.kind == "overfitting")
    assert event.values["gap"] > 0.2 and event.epoch >= 3
    assert event.values["train_score"] - event.values["valid_score"] == pytest.approx(
        event.values["gap"]
    )
    assert np.isfinite(estimator.predict_proba(X)).all()


def test_diverging_run_is_recorded():
    X, y = make_data()
    estimator = RegularizedMLPClassifier(
        hidden_layer_sizes=(32, 32), optimizer="sgd", lr=10.0, max_epochs=15, random_state=0
    )
    estimator, issued = fit_recording(estimator, X, y)
    assert_recorded_and_warned(estimator, issued, "divergence")
    assert np.isfinite(estimator.predict_proba(X)).all()


def test_exploding_gradients_are_recorded():
    X, y = make_data()
    estimator = RegularizedMLPClassifier(
        hidden_layer_sizes=(16,), standardize=False, max_epochs=3, random_state=0
    )
    estimator, issued = fit_recording(estimator, X * 1e5, y)
    assert_recorded_and_warned(estimator, issued, "exploding_gradient")
    event = next(e for e in estimator.training_warnings_ if e.kind == "exploding_gradient")
    assert event.values["grad_norm"] > event.values["max_grad_norm"] == 100.0


def test_healthy_run_records_nothing():
    X, y = make_data()
    estimator = RegularizedMLPClassifier(hidden_layer_sizes=(16,), max_epochs=10, lr=1e-2)
    estimator, issued = fit_recording(estimator.set_params(random_state=0), X, y)
    assert estimator.training_warnings_ == [] and issued == []


@pytest.mark.parametrize(
    ("train_losses", "valid_losses", "expected"),
    [
        ([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 1.1, 1.2, 1.3, 1.4], ["divergence"]),
        ([1.0, 0.5, 0.4, 2.0, 2.5], [1.0, 0.9, 0.8, 0.8, 0.8], ["divergence"]),
        ([1.0, 0.9, 0.8, 0.7, 0.6], [1.0, 0.9, 0.8, 0.7, 0.6], []),
    ],
)
def test_divergence_rules(train_losses, valid_losses, expected):
    monitor = SkorchMonitor(patience=3, divergence_factor=3.0).initialize()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingWarning)
        pairs = zip(train_losses, valid_losses, strict=True)
        for epoch, (train, valid) in enumerate(pairs, start=1):
            monitor._observe(epoch, train_loss=train, valid_loss=valid)
    assert kinds(monitor.events_) == expected


def test_monitor_is_cloneable_and_resets_per_fit():
    from sklearn.base import clone

    monitor = SkorchMonitor(max_gap=0.1, patience=2)
    assert clone(monitor).get_params() == {
        "divergence_factor": 3.0,
        "max_gap": 0.1,
        "max_grad_norm": 100.0,
        "patience": 2,
    }
    X, y = make_data()
    estimator = RegularizedMLPClassifier(
        hidden_layer_sizes=(8,), max_epochs=2, monitor=monitor, random_state=0
    )
    estimator, _ = fit_recording(estimator, X, y)
    assert not hasattr(monitor, "events_")  # the estimator trains with a clone
    assert estimator.get_params()["monitor"] is monitor


def xgb_fit(monitor, X, y, **params):
    model = XGBClassifier(
        n_estimators=30,
        eval_metric=["logloss", "error"],
        callbacks=[monitor],
        n_jobs=1,
        random_state=0,
        **params,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(
            X[:150],
            y[:150],
            eval_set=[(X[:150], y[:150]), (X[150:], y[150:])],
            verbose=False,
        )
    issued = [w for w in caught if issubclass(w.category, TrainingWarning)]
    return model, issued


def test_xgboost_monitor_records_overfitting_on_noise():
    X, y = make_data(noise=True)
    monitor = XGBoostMonitor(max_gap=0.2, patience=3)
    model, issued = xgb_fit(monitor, X, y, max_depth=6, verbosity=0)
    assert "overfitting" in kinds(monitor.events_)
    assert [str(w.message) for w in issued] == [e.message for e in monitor.events_]
    first = monitor.events_[kinds(monitor.events_).index("overfitting")]
    assert first.epoch >= 3 and first.values["gap"] > 0.2


def test_xgboost_monitor_stops_on_nan_and_cuts_the_model():
    X, y = make_data()

    def flaky_metric(y_true, y_score):
        flaky_metric.calls += 1
        return math.nan if flaky_metric.calls > 10 else 0.5

    flaky_metric.calls = 0
    monitor = XGBoostMonitor()
    model = XGBClassifier(
        n_estimators=30, eval_metric=flaky_metric, callbacks=[monitor], n_jobs=1
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(
            X[:150],
            y[:150],
            eval_set=[(X[:150], y[:150]), (X[150:], y[150:])],
            verbose=False,
        )
    assert kinds(monitor.events_) == ["nan_loss"]
    assert any(issubclass(w.category, TrainingWarning) for w in caught)
    assert monitor.stopped_epoch_ == 6  # two eval sets: calls 11 and 12 are round 6
    assert model.get_booster().num_boosted_rounds() == 5
    assert np.isfinite(model.predict_proba(X)).all()


def test_xgboost_monitor_healthy_run_and_reset():
    X, y = make_data()
    monitor = XGBoostMonitor()
    xgb_fit(monitor, X, y, max_depth=2, verbosity=0)
    assert monitor.events_ == []
    monitor.events_.append("stale")
    xgb_fit(monitor, X, y, max_depth=2, verbosity=0)
    assert monitor.events_ == []


def test_forest_check_records_the_oob_gap():
    X, y = make_data(noise=True)
    forest = RandomForestClassifier(n_estimators=30, oob_score=True, random_state=0)
    forest.fit(X, y)
    with pytest.warns(TrainingWarning, match="out-of-bag"):
        events = check_forest_overfitting(forest, X, y, max_gap=0.2)
    assert kinds(events) == ["overfitting"] and events[0].epoch is None
    values = events[0].values
    assert values["gap"] == pytest.approx(values["train_score"] - values["valid_score"])
    assert values["valid_score"] == pytest.approx(forest.oob_score_)


def test_forest_check_quiet_on_a_learnable_task_and_needs_oob():
    X, y = make_data()
    forest = RandomForestClassifier(
        n_estimators=30, max_depth=3, oob_score=True, random_state=0
    ).fit(X, y)
    monitor = ForestMonitor(max_gap=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        assert monitor.check(forest, X, y) == []
    with pytest.raises(ValueError, match="oob_score=True"):
        check_forest_overfitting(RandomForestClassifier(n_estimators=5).fit(X, y), X, y)
