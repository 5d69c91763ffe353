import pytest

from skfix.training import TrainConfig

# Small models so that a whole run takes seconds; the same code as the defaults.
FAST_PARAMS = {
    "logistic": {},
    "rf": {"n_estimators": 10},
    "xgb": {"n_estimators": 20},
    "mlp": {"hidden_layer_sizes": (8,), "max_epochs": 5, "batch_size": 64},
    "lstm": {"hidden_dim": 4, "lookback": 3, "max_epochs": 3, "batch_size": 64},
}


def fast_config(models=("rf", "xgb"), tuned=False, **changes):
    """Small models; tuning off unless asked for (tests/training/test_tuning.py and
    the default-configuration tests run it), so that infrastructure tests take seconds."""
    return TrainConfig(
        models=tuple(models),
        model_params={model: FAST_PARAMS[model] for model in models},
        tuning={} if tuned else {"enabled": False},
        **changes,
    )


@pytest.fixture
def config():
    return fast_config()


def without_time(manifest):
    """The manifest bar its creation time, for comparing two runs."""
    return {key: value for key, value in manifest.items() if key != "utc_time_created"}
