"""A user's own model family: declared in the TOML file or registered from Python,
tuned, judged, saved, reloaded with its hash checked and predicted with like a
built-in one; a class the configuration does not declare is refused at load."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression

from skfix.__main__ import main
from skfix.datasets import simulate_prices
from skfix.estimators import (
    MODEL_FAMILIES,
    ModelFamily,
    make_estimator,
    model_family,
    register_model_family,
)
from skfix.persistence import UntrustedTypesError, load_deployment, load_model
from skfix.training import TrainConfig, load_config, train_panel
from skfix.training._config import AUGMENTED_MODELS, MODEL_MIN_ROWS, TUNING_GRIDS

HGB = "sklearn.ensemble.HistGradientBoostingClassifier"
# what the manifest records and the loader checks: the class where it is defined
HGB_CLASS = (
    f"{HistGradientBoostingClassifier.__module__}."
    f"{HistGradientBoostingClassifier.__qualname__}"
)
TOML = f"""
models = ["hgb"]
naive_rules = ["majority"]

[model_families.hgb]
estimator = "{HGB}"
params = {{ max_depth = 3, max_iter = 40 }}
grid = {{ learning_rate = [0.05, 0.1] }}
hint = "fewer iterations or a smaller max_depth"
"""


def test_the_registry_holds_what_the_config_used_to_spell_out():
    # the five families of skfix 0.1 first (a new built-in family comes after them)
    assert list(MODEL_FAMILIES)[:5] == ["logistic", "rf", "xgb", "mlp", "lstm"]
    assert TUNING_GRIDS["xgb"] == {"max_depth": [4, 2], "learning_rate": [0.05, 0.1]}
    assert {m: MODEL_MIN_ROWS.get(m) for m in ("logistic", "rf", "xgb", "mlp", "lstm")} == {
        "logistic": None,
        "rf": None,
        "xgb": None,
        "mlp": 1000,
        "lstm": 1000,
    }
    assert [m for m in AUGMENTED_MODELS if m in list(MODEL_FAMILIES)[:5]] == [
        "rf",
        "xgb",
        "mlp",
        "lstm",
    ]
    assert model_family("rf").params("legacy")["max_depth"] == 15
    assert make_estimator("logistic").C == 0.1
    assert all(f.builtin and not f.trusted_types() for f in MODEL_FAMILIES.values())


def test_a_family_must_be_a_classifier_and_take_what_it_is_given():
    with pytest.raises(TypeError, match="not a scikit-learn classifier"):
        ModelFamily("ols", LinearRegression)
    with pytest.raises(ValueError, match="has no 'augmenter' parameter"):
        ModelFamily("hgb", HistGradientBoostingClassifier, augmented=True)
    with pytest.raises(ValueError, match="built-in model family or naive rule"):
        register_model_family(ModelFamily("persistence", HistGradientBoostingClassifier))


def test_a_family_registered_from_python_can_be_trained():
    register_model_family(
        ModelFamily("hgb_py", HistGradientBoostingClassifier, min_rows=50), replace=True
    )
    config = TrainConfig(models=("logistic", "hgb_py"))
    assert config.min_rows("hgb_py") == 50
    # HistGradientBoostingClassifier takes a random_state: the run's seed goes there
    assert config.estimator("hgb_py").random_state == 0
    assert config.as_dict()["model_families"]["hgb_py"]["estimator"].endswith(
        "HistGradientBoostingClassifier"
    )
    assert "model_families" not in TrainConfig().as_dict()  # built-ins only: as before


def test_a_python_family_reaches_the_worker_processes(tmp_path):
    register_model_family(
        ModelFamily(
            "hgb_workers",
            HistGradientBoostingClassifier,
            presets={"skfix": {"max_iter": 20}},
        ),
        replace=True,
    )
    config = TrainConfig(models=("hgb_workers",), tuning={"enabled": False})
    assert "hgb_workers" in config.model_families  # it travels with the configuration
    manifest = train_panel(
        out_dir=tmp_path, config=config, symbols=["BAA", "BRENT"], n_jobs=2, plots=False
    )
    for record in manifest["symbols"].values():
        (hgb,) = [c for c in record["candidates"] if c["name"] == "hgb_workers"]
        assert hgb["status"] == "ok", hgb["error"]


@pytest.fixture(scope="module")
def hgb_run(tmp_path_factory):
    """``skfix train`` with the TOML example on two mean-reverting series."""
    root = tmp_path_factory.mktemp("families")
    data = root / "data"
    data.mkdir()
    for i in range(2):
        prices = simulate_prices(1300, "ar1", -0.3, random_state=40 + i)
        prices.to_csv(data / f"REV{i}.csv")
    (root / "run.toml").write_text(TOML)
    out = root / "out"
    code = main(
        [
            "train",
            str(data),
            "--config",
            str(root / "run.toml"),
            "--out",
            str(out),
            "--quiet",
            "--no-plots",
        ]
    )
    assert code == 0
    return root, out, json.loads((out / "manifest.json").read_text())


def test_the_toml_family_trains_deploys_saves_and_predicts(hgb_run):
    root, out, manifest = hgb_run
    assert load_config(root / "run.toml").family("hgb").hint.startswith("fewer")
    family = manifest["run"]["model_families"]["hgb"]
    assert family["estimator"] == HGB_CLASS and family["grid"] == {
        "learning_rate": [0.05, 0.1]
    }
    for symbol, record in manifest["symbols"].items():
        hgb = next(c for c in record["candidates"] if c["name"] == "hgb")
        assert hgb["estimator"] == HGB_CLASS and hgb["tuning"]["grid"] == family["grid"]
        assert hgb["model_file"]["format"] == "skops"
        # the class declared and the scikit-learn type its trees are stored in
        assert hgb["model_file"]["trusted_types"][0] == HGB_CLASS
        # mean reversion at phi -0.3: the gradient boosting earns its deployment
        assert record["selected"]["name"] == "hgb", (symbol, hgb["reason"])
    predictors = load_deployment(out / "manifest.json")
    assert sorted(predictors) == ["REV0", "REV1"]
    # each file holds the pipeline of features and the family's model
    assert all(
        isinstance(p[-1], HistGradientBoostingClassifier) for p in predictors.values()
    )
    code = main(
        [
            "predict",
            str(root / "data"),
            "--manifest",
            str(out / "manifest.json"),
            "--out",
            str(root / "predictions.csv"),
        ]
    )
    assert code == 0
    predictions = pd.read_csv(root / "predictions.csv")
    assert set(predictions["symbol"]) == {"REV0", "REV1"}
    assert np.isin(predictions["prediction"], [0, 1]).all()


def test_a_class_the_configuration_does_not_declare_is_refused(hgb_run):
    _, out, manifest = hgb_run
    record = manifest["symbols"]["REV0"]["selected"]
    model_file = next(
        c["model_file"]
        for c in manifest["symbols"]["REV0"]["candidates"]
        if c["name"] == record["name"]
    )
    with pytest.raises(UntrustedTypesError, match="no model family of the run's"):
        load_model(model_file, out)
    undeclared = {**manifest, "run": {**manifest["run"], "model_families": {}}}
    with pytest.raises(UntrustedTypesError, match=HGB_CLASS):
        load_deployment(undeclared, base_dir=out)
    other = "sklearn.ensemble.RandomForestClassifier"
    with pytest.raises(UntrustedTypesError, match=f"declares {other}"):
        load_model(model_file, out, trusted=(other,))
    # declared as the manifest records it: loads, hash checked
    loaded = load_model(model_file, out, trusted=(HGB_CLASS,))
    assert isinstance(loaded[-1], HistGradientBoostingClassifier)
    with pytest.raises(Exception, match="SHA-256"):
        load_model({**model_file, "sha256": "0" * 64}, out, trusted=(HGB_CLASS,))


def test_the_report_gives_the_family_its_own_hint(hgb_run):
    from skfix.reporting._symbol_report import _regularization_hint

    _, _, manifest = hgb_run
    families = manifest["run"]["model_families"]
    assert _regularization_hint({"name": "hgb"}, families).startswith("fewer iterations")
    assert _regularization_hint({"name": "rf"}, families) == model_family("rf").hint
