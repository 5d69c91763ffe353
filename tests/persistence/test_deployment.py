"""load_deployment: every selected model loaded and verified, bad manifests refused."""

import json

import numpy as np
import pytest

from skfix.estimators import RegularizedRandomForestClassifier, RegularizedXGBClassifier
from skfix.persistence import (
    SUPPORTED_SCHEMA_VERSIONS,
    ManifestError,
    ModelIntegrityError,
    load_deployment,
    save_model,
)

# Small forests overfit and say so; that is the monitor's business, not these tests'.
pytestmark = pytest.mark.filterwarnings("ignore::skfix.monitoring.TrainingWarning")


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    return X, np.where(X[:, 0] > 0, "up", "down")


def _manifest(tmp_path, data):
    """A manifest with models in a sub-folder: AAPL and MSFT selected, VIX not."""
    X, y = data
    models = tmp_path / "models"
    forest = RegularizedRandomForestClassifier(
        n_estimators=3, oob_score=False, random_state=0
    ).fit(X, y)
    xgb = RegularizedXGBClassifier(n_estimators=5, random_state=0).fit(X, y)

    def record(estimator, name):
        return save_model(estimator, models, name, relative_to=tmp_path)

    manifest = {
        "schema_version": "1.0",
        "symbols": {
            "AAPL": {
                "selected": {"name": "xgb", "score": 0.6},
                "candidates": [
                    {"name": "rf", "model_file": record(forest, "AAPL-rf")},
                    {"name": "xgb", "model_file": record(xgb, "AAPL-xgb")},
                ],
            },
            "MSFT": {
                "selected": {"name": "rf"},
                "candidates": [{"name": "rf", "model_file": record(forest, "MSFT-rf")}],
            },
            "VIX": {
                "selected": None,
                "candidates": [{"name": "rf", "model_file": None}],
            },
        },
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return manifest, path, {"rf": forest, "xgb": xgb}


def test_loads_every_selected_model(tmp_path, data):
    manifest, path, fitted = _manifest(tmp_path, data)
    X, _ = data
    for predictors in (load_deployment(path), load_deployment(manifest, tmp_path)):
        assert sorted(predictors) == ["AAPL", "MSFT"]
        assert isinstance(predictors["AAPL"], RegularizedXGBClassifier)
        np.testing.assert_array_equal(
            predictors["AAPL"].predict_proba(X), fitted["xgb"].predict_proba(X)
        )
        msft = predictors["MSFT"]
        np.testing.assert_array_equal(msft.predict(X), fitted["rf"].predict(X))


def test_unknown_schema_version_is_refused(tmp_path, data):
    manifest, _, _ = _manifest(tmp_path, data)
    manifest["schema_version"] = "2.0"
    with pytest.raises(ManifestError, match="'2.0'") as caught:
        load_deployment(manifest, tmp_path)
    assert str(sorted(SUPPORTED_SCHEMA_VERSIONS)) in str(caught.value)
    del manifest["schema_version"]
    with pytest.raises(ManifestError, match="schema_version None"):
        load_deployment(manifest, tmp_path)


def test_tampered_selected_model_is_refused(tmp_path, data):
    _, path, _ = _manifest(tmp_path, data)
    model = tmp_path / "models" / "MSFT-rf.skfix.zip"
    content = bytearray(model.read_bytes())
    content[-10] ^= 0xFF
    model.write_bytes(bytes(content))
    with pytest.raises(ModelIntegrityError, match="MSFT-rf"):
        load_deployment(path)


def test_missing_selected_model_is_refused(tmp_path, data):
    _, path, _ = _manifest(tmp_path, data)
    (tmp_path / "models" / "AAPL-xgb.skfix.zip").unlink()
    with pytest.raises(FileNotFoundError, match="AAPL-xgb"):
        load_deployment(path)


def test_an_unselected_broken_candidate_is_not_loaded(tmp_path, data):
    _, path, _ = _manifest(tmp_path, data)
    (tmp_path / "models" / "AAPL-rf.skfix.zip").unlink()
    assert sorted(load_deployment(path)) == ["AAPL", "MSFT"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["symbols"]["AAPL"]["selected"].update(name="lstm"), "matches 0"),
        (
            lambda m: m["symbols"]["AAPL"]["candidates"][1].update(model_file=None),
            "no model_file",
        ),
        (lambda m: m["symbols"]["MSFT"].pop("selected"), "'selected'"),
        (lambda m: m.pop("symbols"), "'symbols'"),
    ],
)
def test_malformed_manifest_is_refused(tmp_path, data, change, message):
    manifest, _, _ = _manifest(tmp_path, data)
    change(manifest)
    with pytest.raises(ManifestError, match=message):
        load_deployment(manifest, tmp_path)


def test_dict_manifest_needs_a_base_dir(tmp_path, data):
    manifest, _, _ = _manifest(tmp_path, data)
    with pytest.raises(ManifestError, match="base_dir"):
        load_deployment(manifest)


def test_missing_or_invalid_manifest_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="manifest not found"):
        load_deployment(tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid JSON"):
        load_deployment(tmp_path / "manifest.json")
