"""Tests of the skfix neural classifiers (MLP and LSTM on skorch)."""

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn import FunctionSampler
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from skorch import NeuralNetClassifier

from skfix._optional import import_torch
from skfix.augment import TimeSeriesAugmenter
from skfix.estimators import (
    LSTM_PRESETS,
    MLP_PRESETS,
    RegularizedLSTMClassifier,
    RegularizedMLPClassifier,
    lookback_windows,
)
from skfix.estimators._neural import resolve_device
from skfix.monitoring import TrainingEvent, TrainingWarning

# Small, fast settings; the defaults are checked separately.
FAST = {"max_epochs": 5, "lr": 1e-2, "batch_size": 32, "random_state": 0}
MLP_FAST = {**FAST, "hidden_layer_sizes": (8,)}
LSTM_FAST = {**FAST, "hidden_dim": 8, "lookback": 3}
ESTIMATORS = [
    pytest.param(RegularizedMLPClassifier, MLP_FAST, id="mlp"),
    pytest.param(RegularizedLSTMClassifier, LSTM_FAST, id="lstm"),
]


def make_data(n_samples=120, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, "up", "down")
    return X, y


class SpyFit:
    """Record what each skorch ``fit`` trained and validated on."""

    def __init__(self, monkeypatch):
        self.calls = []
        original = NeuralNetClassifier.fit
        spy = self

        def fit(net, X, y=None, **fit_params):
            valid = net.train_split.keywords["valid_ds"] if net.train_split else None
            spy.calls.append(
                {
                    "X_train": np.asarray(X),
                    "y_train": np.asarray(y),
                    "X_valid": None if valid is None else np.asarray(valid.X),
                    "y_valid": None if valid is None else np.asarray(valid.y),
                }
            )
            return original(net, X, y, **fit_params)

        monkeypatch.setattr(NeuralNetClassifier, "fit", fit)


def test_defaults_follow_the_spec():
    mlp = RegularizedMLPClassifier()
    assert mlp.hidden_layer_sizes == (256, 128, 64)
    assert (mlp.dropout, mlp.weight_decay, mlp.optimizer) == (0.4, 1e-3, "adamw")
    lstm = RegularizedLSTMClassifier()
    assert (lstm.hidden_dim, lstm.num_layers, lstm.lookback, lstm.dropout) == (
        64,
        1,
        10,
        0.5,
    )
    for est in (mlp, lstm):
        assert est.early_stopping and est.patience == 10
        assert (est.device, est.random_state) == ("auto", None)


@pytest.mark.parametrize(
    ("Estimator", "presets"),
    [(RegularizedMLPClassifier, MLP_PRESETS), (RegularizedLSTMClassifier, LSTM_PRESETS)],
)
def test_presets(Estimator, presets):
    params = Estimator().get_params()
    assert all(params[key] == value for key, value in presets["skfix"].items())
    legacy = Estimator(**presets["legacy"])
    assert all(
        legacy.get_params()[key] == value for key, value in presets["legacy"].items()
    )
    assert MLP_PRESETS["legacy"]["hidden_layer_sizes"] == (512, 256, 128, 64)
    assert LSTM_PRESETS["legacy"] == {
        "hidden_dim": 128,
        "num_layers": 2,
        "lookback": 20,
        "dropout": 0.3,
    }


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
@pytest.mark.parametrize("kind", ["float64", "float32", "pandas"])
def test_input_types_and_labels(Estimator, params, kind):
    X, y = make_data()
    if kind == "float32":
        X = X.astype(np.float32)
    if kind == "pandas":
        X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
        y = pd.Series(y)
    clf = Estimator(**params).fit(X, y)
    assert clf.n_features_in_ == 4
    assert clf.classes_.tolist() == ["down", "up"]
    assert set(clf.predict(X)) <= {"down", "up"}
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    if kind == "pandas":
        assert clf.feature_names_in_.tolist() == ["a", "b", "c", "d"]


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_learns_width_and_classes_at_fit(Estimator, params):
    X, y = make_data(n_features=3)
    y = np.array([0, 1, 2])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)]
    clf = Estimator(**params).fit(X, y)
    assert clf.predict_proba(X).shape == (120, 3)
    sample = torch.zeros((1, 3) if Estimator is RegularizedMLPClassifier else (1, 3, 3))
    assert clf.net_.module_(sample).shape == (1, 3)


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_random_state_reproducible_and_torch_state_untouched(Estimator, params):
    X, y = make_data()
    torch_state = torch.get_rng_state()
    first = Estimator(**params).fit(X, y).predict_proba(X)
    assert torch.equal(torch_state, torch.get_rng_state())
    second = Estimator(**params).fit(X, y).predict_proba(X)
    other = Estimator(**{**params, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_clone_of_fitted_is_unfitted(Estimator, params):
    X, y = make_data()
    clf = Estimator(**params).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(X)


def test_set_params_reaches_the_module():
    X, y = make_data()
    mlp = RegularizedMLPClassifier(**MLP_FAST).set_params(hidden_layer_sizes=(6, 5))
    widths = [
        m.out_features
        for m in mlp.fit(X, y).net_.module_.modules()
        if isinstance(m, torch.nn.Linear)
    ]
    assert widths == [6, 5, 2]
    lstm = RegularizedLSTMClassifier(**LSTM_FAST).set_params(hidden_dim=5, num_layers=2)
    module = lstm.fit(X, y).net_.module_
    assert (module.lstm.hidden_size, module.lstm.num_layers) == (5, 2)


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_grid_search_parallel(Estimator, params):
    X, y = make_data(n_samples=90)
    name = "hidden_layer_sizes" if Estimator is RegularizedMLPClassifier else "hidden_dim"
    grid = {name: [(4,), (8,)] if name == "hidden_layer_sizes" else [4, 8]}
    search = GridSearchCV(
        Estimator(**{**params, "max_epochs": 2}), grid, cv=TimeSeriesSplit(2), n_jobs=2
    )
    search.fit(X, y)
    assert search.best_params_[name] in grid[name]
    assert search.predict(X).shape == (90,)


def test_invalid_hidden_layer_sizes_and_single_class():
    X, y = make_data()
    with pytest.raises(ValueError, match="positive integers"):
        RegularizedMLPClassifier(hidden_layer_sizes=(8, 0)).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        RegularizedMLPClassifier(**MLP_FAST).fit(X, np.zeros(120))


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_early_stopping_split_is_latest_rows_after_gap(Estimator, params, monkeypatch):
    spy = SpyFit(monkeypatch)
    X, y = make_data(n_samples=100)
    X[:, 0] = np.arange(100)  # the row's time, to recognise it after fitting
    clf = Estimator(**params, standardize=False).fit(X, y)
    gap = 1 if Estimator is RegularizedMLPClassifier else params["lookback"]
    np.testing.assert_array_equal(clf.valid_indices_, np.arange(80, 100))
    np.testing.assert_array_equal(clf.train_indices_, np.arange(80 - gap))
    call = spy.calls[0]
    trained_times = call["X_train"][..., 0]
    valid_times = (
        call["X_valid"][..., -1, 0]
        if call["X_valid"].ndim == 3
        else (call["X_valid"][:, 0])
    )
    np.testing.assert_array_equal(valid_times, np.arange(80, 100))
    assert trained_times.max() < 80 - gap
    # LSTM windows of validation rows never reach back into the training rows.
    assert call["X_valid"][..., 0].min() > trained_times.max()
    assert clf.best_epoch_ is not None


def marker_sampler():
    """Append one copy of every row, its time column shifted by 0.5 as a marker."""

    def duplicate(X, y):
        copies = X.copy()
        copies[:, 0] += 0.5
        return np.concatenate([X, copies]), np.concatenate([y, y])

    return FunctionSampler(func=duplicate, validate=False)


def test_augmenter_parameter_never_trains_on_validation_rows(monkeypatch):
    spy = SpyFit(monkeypatch)
    X, y = make_data(n_samples=100)
    X[:, 0] = np.arange(100)
    clf = RegularizedMLPClassifier(
        **MLP_FAST, standardize=False, augmenter=marker_sampler()
    )
    clf.fit(X, y)
    call = spy.calls[0]
    times = call["X_train"][:, 0]
    synthetic = times % 1 == 0.5
    assert synthetic.sum() == 79 and (~synthetic).sum() == 79
    assert times.max() < 79  # origins 0..78: the training part only
    np.testing.assert_array_equal(call["X_valid"][:, 0], np.arange(80, 100))
    assert not np.any(call["X_valid"][:, 0] % 1)


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_time_series_augmenter_as_parameter(Estimator, params, monkeypatch):
    spy = SpyFit(monkeypatch)
    X, y = make_data(n_samples=100)
    clf = Estimator(**params, augmenter=TimeSeriesAugmenter()).fit(X, y)
    assert clf.augmenter_.size_factor_ == 3
    origins = clf.train_sample_indices_
    assert origins.size == 3 * clf.train_indices_.size == len(spy.calls[0]["X_train"])
    assert origins.max() < clf.valid_indices_.min() - 1
    assert clf.augmenter_.random_state is not None
    if Estimator is RegularizedLSTMClassifier:
        assert spy.calls[0]["X_train"].shape[1:] == (3, 4)
        assert clf.augmenter_.lag_groups == [[8, 4, 0], [9, 5, 1], [10, 6, 2], [11, 7, 3]]
    assert clf.augmenter.lag_groups is None  # the parameter itself is untouched


def test_augmenter_as_pipeline_step_keeps_validation_copies_out(monkeypatch):
    spy = SpyFit(monkeypatch)
    X, y = make_data(n_samples=100)
    augmenter = TimeSeriesAugmenter(random_state=0)
    pipe = Pipeline(
        [("augment", augmenter), ("clf", RegularizedMLPClassifier(**MLP_FAST))]
    ).fit(X, y)
    clf, fitted_augmenter = pipe.named_steps["clf"], pipe.named_steps["augment"]
    origins = fitted_augmenter.sample_indices_
    assert len(spy.calls[0]["X_train"]) == clf.train_indices_.size
    trained_origins = set(origins[clf.train_indices_])
    valid_origins = set(origins[clf.valid_indices_])
    assert max(trained_origins) <= min(valid_origins)
    assert len(trained_origins & valid_origins) <= 1  # only at the cut, never after


def test_too_few_rows_train_without_early_stopping():
    X, y = make_data(n_samples=5)
    y[:2], y[2:] = "down", "up"
    with pytest.warns(TrainingWarning, match="too few"):
        clf = RegularizedMLPClassifier(**MLP_FAST).fit(X, y)
    assert [event.kind for event in clf.training_warnings_] == ["no_early_stopping"]
    assert isinstance(clf.training_warnings_[0], TrainingEvent)
    assert clf.valid_indices_.size == 0 and clf.best_epoch_ is None
    assert clf.n_epochs_ == MLP_FAST["max_epochs"]


def test_history_is_plain_lists():
    X, y = make_data()
    clf = RegularizedMLPClassifier(**MLP_FAST).fit(X, y)
    assert set(clf.history_) == {
        "epoch",
        "train_loss",
        "valid_loss",
        "train_acc",
        "valid_acc",
    }
    assert clf.history_["epoch"] == list(range(1, clf.n_epochs_ + 1))
    assert all(isinstance(value, float) for value in clf.history_["valid_acc"])


@pytest.mark.parametrize("lookback", [1, 3])
def test_lookback_windows_use_past_rows_only(lookback):
    X = np.arange(10.0)[:, None] * np.array([1.0, -1.0])
    windows = lookback_windows(X, lookback)
    assert windows.shape == (10, lookback, 2)
    np.testing.assert_array_equal(windows[:, -1], X)
    times = windows[..., 0]
    assert np.all(times <= np.arange(10)[:, None])
    assert np.all(np.diff(times, axis=1) >= 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.integers(1, 12), st.integers(1, 3))
def test_lookback_windows_property(n_samples, lookback, n_features):
    X = np.arange(n_samples * n_features, dtype=float).reshape(n_samples, n_features)
    windows = lookback_windows(X, lookback)
    for i in range(n_samples):
        expected = [X[max(j, 0)] for j in range(i - lookback + 1, i + 1)]
        np.testing.assert_array_equal(windows[i], expected)


def test_lstm_prediction_of_a_row_ignores_later_rows():
    X, y = make_data()
    clf = RegularizedLSTMClassifier(**LSTM_FAST).fit(X, y)
    full = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(X[:50]), full[:50], rtol=1e-6)
    changed = X.copy()
    changed[50:] = 100.0
    np.testing.assert_allclose(clf.predict_proba(changed)[:50], full[:50], rtol=1e-6)


def test_device_auto(monkeypatch):
    assert resolve_device("cpu", torch) == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto", torch) == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto", torch) == "cpu"


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_fitted_model_lives_on_cpu_and_pickles(Estimator, params):
    X, y = make_data()
    clf = Estimator(**params).fit(X, y)
    # device_ records where it trained (CUDA on a GPU machine); the net is on the CPU.
    assert clf.device_ == resolve_device("auto", torch) and clf.net_.device == "cpu"
    tensors = list(clf.net_.module_.state_dict().values())
    tensors += [
        value
        for state in clf.net_.optimizer_.state.values()
        for value in state.values()
        if torch.is_tensor(value)
    ]
    assert {tensor.device.type for tensor in tensors} == {"cpu"}
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_a_model_trained_on_cuda_predicts_on_the_cpu_as_on_the_gpu(Estimator, params):
    X, y = make_data()
    clf = Estimator(**{**params, "device": "cuda"}).fit(X, y)
    assert clf.device_ == "cuda" and clf.net_.device == "cpu"
    assert {p.device.type for p in clf.net_.module_.parameters()} == {"cpu"}
    on_cpu = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), on_cpu)
    # It learned what the same estimator learns on the CPU (GPU kernels may round
    # differently, so the two fits are compared by accuracy, not bit for bit).
    twin = Estimator(**{**params, "device": "cpu"}).fit(X, y)
    assert abs(np.mean(clf.predict(X) == y) - np.mean(twin.predict(X) == y)) <= 0.1


def test_missing_torch_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match="pip install torch skorch"):
        import_torch("RegularizedMLPClassifier")


@pytest.mark.parametrize(
    "check_name",
    ["check_methods_sample_order_invariance", "check_methods_subset_invariance"],
)
def test_lstm_order_checks_pass_without_a_lookback(check_name):
    """The reason given for the LSTM's two known failures holds: its window."""
    from sklearn.utils import estimator_checks

    check = getattr(estimator_checks, check_name)
    check(
        "RegularizedLSTMClassifier",
        RegularizedLSTMClassifier(**{**LSTM_FAST, "lookback": 1}),
    )


def test_skorch_prefixed_parameters_reach_the_net():
    # What a skorch user writes: optimizer__*, callbacks__*, module__* by their names.
    X, y = make_data(160)
    clf = RegularizedMLPClassifier(**MLP_FAST).set_params(
        optimizer="sgd", optimizer__momentum=0.9, callbacks__early_stopping__patience=2
    )
    assert clf.get_params(deep=False)["net_params"] == {
        "optimizer__momentum": 0.9,
        "callbacks__early_stopping__patience": 2,
    }
    assert "optimizer__momentum" not in clf.get_params(deep=False)
    assert clone(clf).get_params()["net_params"] == clf.net_params
    clf.fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["momentum"] == 0.9
    assert dict(clf.net_.callbacks_)["early_stopping"].patience == 2
    lstm = RegularizedLSTMClassifier(**LSTM_FAST).set_params(module__dropout=0.0)
    assert lstm.fit(X, y).net_.module_ is not None


def test_skorch_prefixed_parameters_are_tunable_in_grid_search():
    X, y = make_data(160)
    base = RegularizedMLPClassifier(**MLP_FAST, optimizer="sgd")
    search = GridSearchCV(
        base, {"optimizer__momentum": [0.0, 0.9]}, cv=TimeSeriesSplit(2)
    ).fit(X, y)
    assert search.best_params_["optimizer__momentum"] in (0.0, 0.9)
    momentum = search.best_estimator_.net_.optimizer_.param_groups[0]["momentum"]
    assert momentum == search.best_params_["optimizer__momentum"]
    assert base.net_params is None  # the search set its clones, not the estimator
    with pytest.raises(ValueError, match=r"\['bogus__x'\] are neither parameters"):
        RegularizedMLPClassifier(**MLP_FAST, net_params={"bogus__x": 1}).fit(X, y)


def test_a_net_with_skorch_module_parameters_saves_and_loads(tmp_path):
    from skfix.persistence import load_model, save_model

    X, y = make_data(160)
    clf = RegularizedLSTMClassifier(**LSTM_FAST).set_params(module__hidden_dim=4)
    clf.fit(X, y)
    assert clf.net_.module_.lstm.hidden_size == 4
    record = save_model(clf, tmp_path, "lstm")
    loaded = load_model(record, tmp_path)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("Estimator, params", ESTIMATORS)
def test_sample_weight_weighs_each_rows_loss(Estimator, params):
    X, y = make_data(160)
    plain = Estimator(**params).fit(X, y)
    uniform = Estimator(**params).fit(X, y, sample_weight=np.full(len(y), 3.0))
    # uniform weights are the unweighted fit, exactly
    np.testing.assert_array_equal(uniform.predict_proba(X), plain.predict_proba(X))
    weights = np.where(y == "up", 5.0, 0.2)
    weighted = Estimator(**params).fit(X, y, sample_weight=weights)
    up = list(weighted.classes_).index("up")
    # rows of a heavily weighted class pull the probabilities towards it
    assert weighted.predict_proba(X)[:, up].mean() > plain.predict_proba(X)[:, up].mean()
    with pytest.raises(ValueError, match="sums to 0"):
        Estimator(**params).fit(X, y, sample_weight=np.r_[np.zeros(130), np.ones(30)])


def test_sample_weight_in_a_mixed_ensemble_and_with_the_augmenter():
    from sklearn.ensemble import VotingClassifier

    from skfix.estimators import RegularizedRandomForestClassifier

    X, y = make_data(160)
    weights = np.linspace(0.5, 2.0, len(y))  # newer rows count more
    ensemble = VotingClassifier(
        [
            ("mlp", RegularizedMLPClassifier(**MLP_FAST)),
            ("rf", RegularizedRandomForestClassifier(n_estimators=10, random_state=0)),
        ],
        voting="soft",
    ).fit(X, y, sample_weight=weights)
    assert ensemble.predict(X[:5]).shape == (5,)
    augmented = RegularizedMLPClassifier(
        **MLP_FAST, augmenter=TimeSeriesAugmenter(random_state=0)
    ).fit(X[:120], y[:120], sample_weight=weights[:120])
    assert len(augmented.train_sample_indices_) > len(augmented.train_indices_)


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_a_torch_optimizer_class_and_its_arguments_as_skorch_takes_them(
    Estimator, params, tmp_path
):
    from skfix.persistence import load_model, save_model

    X, y = make_data()
    clf = Estimator(**params, optimizer=torch.optim.SGD, optimizer__momentum=0.9)
    assert clf.net_params == {"optimizer__momentum": 0.9}
    assert clone(clf).get_params()["optimizer"] is torch.optim.SGD
    clf.fit(X, y)
    optimizer = clf.net_.optimizer_
    assert type(optimizer) is torch.optim.SGD
    assert optimizer.param_groups[0]["momentum"] == 0.9
    # the same fit as the name "sgd" with the same arguments
    named = Estimator(**params, optimizer="sgd", optimizer__momentum=0.9).fit(X, y)
    np.testing.assert_array_equal(named.predict_proba(X), clf.predict_proba(X))
    # a model file keeps what prediction needs; the class itself is not data
    record = save_model(clf, tmp_path, "sgd")
    loaded = load_model(record, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_optimizer_and_keyword_arguments_that_are_not_understood_are_refused():
    X, y = make_data()
    # refused by fit, not __init__ (scikit-learn estimators raise nothing there)
    with pytest.raises(ValueError, match=r"\['hidden'\] are neither parameters of"):
        RegularizedMLPClassifier(**MLP_FAST, hidden=8).fit(X, y)
    with pytest.raises(ValueError, match="subclass of torch.optim.Optimizer.*builtins.int"):
        RegularizedMLPClassifier(**MLP_FAST, optimizer=int).fit(X, y)
    with pytest.raises(ValueError, match="'optimizer' parameter"):
        RegularizedMLPClassifier(**MLP_FAST, optimizer="rmsprop").fit(X, y)
