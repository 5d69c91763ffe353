"""save_model / load_model: exact round trips, refused files, no pickle, atomic writes."""

import hashlib
import io
import json
import os
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from skfix._io import sha256_file
from skfix.estimators import (
    RegularizedLSTMClassifier,
    RegularizedMLPClassifier,
    RegularizedRandomForestClassifier,
    RegularizedXGBClassifier,
)
from skfix.persistence import (
    ManifestError,
    ModelIntegrityError,
    UntrustedTypesError,
    load_model,
    model_signature,
    save_model,
)

# Small forests overfit and say so; that is the monitor's business, not these tests'.
pytestmark = pytest.mark.filterwarnings("ignore::skfix.monitoring.TrainingWarning")

N_ROWS = 120
FEATURES = ["ret_1", "ret_5", "volatility"]
PICKLE_MAGIC = b"\x80"


def make_estimator(kind):
    if kind == "forest":
        # Too few trees for out-of-bag scores; the monitor is tested on its own below.
        return RegularizedRandomForestClassifier(
            n_estimators=5, oob_score=False, random_state=0
        )
    if kind == "xgboost":
        return RegularizedXGBClassifier(n_estimators=60, random_state=0)
    if kind == "mlp":
        return RegularizedMLPClassifier(
            hidden_layer_sizes=(8,), max_epochs=4, device="cpu", random_state=0
        )
    return RegularizedLSTMClassifier(
        hidden_dim=8, lookback=3, max_epochs=4, device="cpu", random_state=0
    )


def make_data(labels, named):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(N_ROWS, len(FEATURES)))
    codes = (X[:, 0] + rng.normal(scale=0.5, size=N_ROWS) > 0).astype(int)
    if labels == "str":
        y = pd.Series(np.array(["down", "up"], dtype=object)[codes])
    elif labels == "unicode":
        y = np.array(["down", "up"])[codes]
    else:
        codes = codes + (X[:, 1] > 1)
        y = codes.astype(np.int64)
    return (pd.DataFrame(X, columns=FEATURES) if named else X), y


KINDS = ["forest", "xgboost", "mlp", "lstm"]
CASES = [
    *[(kind, "str", True) for kind in KINDS],
    *[(kind, "int", False) for kind in KINDS],
    # numpy "<U" labels take another path through the JSON state than pandas' objects.
    ("xgboost", "unicode", False),
    ("mlp", "unicode", False),
]


@pytest.fixture(scope="module")
def fitted():
    """Every (kind, labels, named) case fitted once for the whole module."""
    models = {}
    for kind, labels, named in CASES:
        X, y = make_data(labels, named)
        with warnings.catch_warnings():
            # Four epochs on random-ish labels: the training monitor has things to say.
            warnings.simplefilter("ignore")
            models[kind, labels, named] = make_estimator(kind).fit(X, y), X
    return models


@pytest.fixture(scope="module")
def forest(fitted):
    return fitted["forest", "str", True][0]


@pytest.mark.parametrize(("kind", "labels", "named"), CASES)
def test_round_trip_is_exact(fitted, tmp_path, kind, labels, named):
    estimator, X = fitted[kind, labels, named]
    record = save_model(estimator, tmp_path, "model")
    loaded = load_model(json.loads(json.dumps(record)), tmp_path)

    assert type(loaded) is type(estimator)
    np.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    assert loaded.classes_.dtype == estimator.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, estimator.classes_)
    assert loaded.n_features_in_ == estimator.n_features_in_
    if named:
        np.testing.assert_array_equal(loaded.feature_names_in_, FEATURES)
    else:
        assert not hasattr(loaded, "feature_names_in_")
    expected = {
        key: value
        for key, value in estimator.get_params(deep=False).items()
        if key not in ("augmenter", "monitor")
    }
    assert {key: loaded.get_params(deep=False)[key] for key in expected} == expected
    assert _events(loaded) == _events(estimator)


def _events(estimator):
    return json.dumps([event.as_dict() for event in estimator.training_warnings_])


def test_forest_keeps_its_monitor_and_events(tmp_path):
    from skfix.monitoring import ForestMonitor, TrainingWarning

    X, y = make_data("int", False)
    forest = make_estimator("forest").set_params(
        n_estimators=30, oob_score=True, monitor=ForestMonitor(max_gap=0.0)
    )
    with pytest.warns(TrainingWarning):
        forest.fit(X, y)
    assert forest.training_warnings_
    loaded = load_model(save_model(forest, tmp_path, "rf"), tmp_path)
    assert loaded.training_warnings_ == forest.training_warnings_
    assert loaded.monitor.max_gap == 0.0


def test_xgboost_keeps_the_best_iteration(tmp_path):
    X, _ = make_data("str", True)
    # Pure-noise labels: validation loss is best after a few rounds, then worsens.
    y = np.random.RandomState(1).choice(["down", "up"], size=N_ROWS)
    estimator = RegularizedXGBClassifier(
        n_estimators=200, learning_rate=0.3, random_state=0
    ).fit(X, y)
    assert estimator.early_stopping_used_
    # Rounds after the best one exist in the booster and must stay unused after loading.
    assert estimator.best_iteration_ < estimator.booster_.num_boosted_rounds() - 1
    loaded = load_model(save_model(estimator, tmp_path, "xgb"), tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
    assert loaded.best_iteration_ == estimator.best_iteration_
    assert loaded._model.best_iteration == estimator.best_iteration_
    assert loaded.evals_result_ == estimator.evals_result_
    xgboost = pytest.importorskip("xgboost")
    matrix = xgboost.DMatrix(X.to_numpy())
    all_rounds = loaded.booster_.predict(matrix, iteration_range=(0, 0))
    assert not np.allclose(loaded.predict_proba(X)[:, 1], all_rounds)


def test_neural_load_keeps_torch_random_state(fitted, tmp_path):
    torch = pytest.importorskip("torch")
    estimator, _ = fitted["mlp", "str", True]
    record = save_model(estimator, tmp_path, "mlp")
    before = torch.random.get_rng_state()
    loaded = load_model(record, tmp_path)
    assert torch.equal(before, torch.random.get_rng_state())
    np.testing.assert_array_equal(loaded.scaler_.mean_, estimator.scaler_.mean_)
    assert json.dumps(loaded.history_) == json.dumps(estimator.history_)


def test_record(forest, tmp_path):
    record = save_model(forest, tmp_path, "AAPL-rf")
    assert record["path"] == "AAPL-rf.skfix.zip"
    assert record["format"] == "skops"
    assert record["sha256"] == sha256_file(tmp_path / record["path"])
    assert record["estimator"] == (
        "skfix.estimators._forest.RegularizedRandomForestClassifier"
    )
    assert [member["name"] for member in record["files"]] == [
        "skfix-model.json",
        "model.skops",
    ]
    json.dumps(record, allow_nan=False)


def test_signature_in_mlflow_style(fitted):
    named, _ = fitted["xgboost", "str", True]
    assert model_signature(named) == {
        "inputs": [{"name": name, "type": "double"} for name in FEATURES],
        "outputs": [{"type": "string"}],
    }
    unnamed, _ = fitted["xgboost", "int", False]
    assert model_signature(unnamed) == {
        "inputs": [
            {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}
        ],
        "outputs": [{"type": "long"}],
    }


def test_tampered_file_is_refused(forest, tmp_path):
    record = save_model(forest, tmp_path, "model")
    path = tmp_path / record["path"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256") as caught:
        load_model(record, tmp_path)
    message = str(caught.value)
    assert str(path) in message and record["sha256"] in message
    assert caught.value.found == sha256_file(path) != caught.value.expected


def test_missing_file_is_refused(forest, tmp_path):
    record = save_model(forest, tmp_path, "model")
    (tmp_path / record["path"]).unlink()
    with pytest.raises(FileNotFoundError, match="model file missing") as caught:
        load_model(record, tmp_path)
    assert caught.value.filename == str(tmp_path / record["path"])


def test_record_that_disagrees_with_the_file_is_refused(fitted, forest, tmp_path):
    forest_record = save_model(forest, tmp_path, "forest")
    xgb_record = save_model(fitted["xgboost", "str", True][0], tmp_path, "xgb")
    lying = {**xgb_record, "path": forest_record["path"], "sha256": forest_record["sha256"]}
    with pytest.raises(ModelIntegrityError, match="the record says"):
        load_model(lying, tmp_path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(bundle_version=2), "bundle version 2"),
        (lambda m: m["payload"].update(sha256="0" * 64), "SHA-256 of member model"),
        (lambda m: m["payload"].update(name="other.skops"), "unexpected members"),
        (lambda m: m.pop("payload"), "KeyError"),
    ],
)
def test_inconsistent_bundle_is_refused(forest, tmp_path, edit, message):
    record = _rewrite_bundle(save_model(forest, tmp_path, "model"), tmp_path, edit=edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(record, tmp_path)


def test_member_hashes_of_the_record_are_checked(forest, tmp_path):
    record = save_model(forest, tmp_path, "model")
    # A consistent bundle with another payload still disagrees with the record's list.
    other = make_estimator("forest").fit(*make_data("int", False))
    sio = pytest.importorskip("skops.io")
    rewritten = _rewrite_bundle(record, tmp_path, payload=sio.dumps(other))
    rewritten["files"] = record["files"]
    with pytest.raises(ModelIntegrityError, match="SHA-256 of member"):
        load_model(rewritten, tmp_path)
    del rewritten["files"]
    assert isinstance(load_model(rewritten, tmp_path), type(other))


def test_file_that_is_not_a_zip_is_refused(forest, tmp_path):
    record = save_model(forest, tmp_path, "model")
    path = tmp_path / record["path"]
    path.write_bytes(b"\x80\x04not a model")
    with pytest.raises(ModelIntegrityError, match="BadZipFile"):
        load_model({**record, "sha256": sha256_file(path)}, tmp_path)


@pytest.mark.parametrize(
    "path", ["../outside.skfix.zip", "/etc/passwd", "a\\..\\..\\x.zip", "C:/x.zip"]
)
def test_record_pointing_outside_the_directory_is_refused(forest, tmp_path, path):
    record = {**save_model(forest, tmp_path, "model"), "path": path}
    with pytest.raises(ManifestError, match="inside"):
        load_model(record, tmp_path)


@pytest.mark.parametrize("path", ["", None])
def test_record_without_a_path_is_refused(forest, tmp_path, path):
    record = {**save_model(forest, tmp_path, "model"), "path": path}
    with pytest.raises(ManifestError, match="non-empty string"):
        load_model(record, tmp_path)
    with pytest.raises(ManifestError, match="needs the keys"):
        load_model({"path": "model.skfix.zip"}, tmp_path)


def test_forest_with_untrusted_type_is_not_saved(tmp_path):
    estimator = make_estimator("forest").fit(*make_data("int", False))
    estimator.hook_ = os.system
    with pytest.raises(UntrustedTypesError, match="system") as caught:
        save_model(estimator, tmp_path, "model")
    assert any("system" in name for name in caught.value.untrusted_types)
    assert list(tmp_path.iterdir()) == []


def _rewrite_bundle(record, directory, *, payload=None, edit=None):
    """Rewrite a saved bundle consistently, as someone who controls the file and the
    manifest could; return the record with the new outer SHA-256."""
    path = directory / record["path"]
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("skfix-model.json"))
        name = metadata["payload"]["name"]
        payload = archive.read(name) if payload is None else payload
    metadata["payload"]["sha256"] = hashlib.sha256(payload).hexdigest()
    if edit is not None:
        edit(metadata)
    members = {"skfix-model.json": json.dumps(metadata).encode(), name: payload}
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    files = [
        {"name": member, "sha256": hashlib.sha256(content).hexdigest()}
        for member, content in members.items()
    ]
    return {**record, "sha256": sha256_file(path), "files": files}


def test_crafted_skops_file_with_untrusted_type_is_refused(tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io")
    estimator = make_estimator("forest").fit(*make_data("int", False))
    record = save_model(estimator, tmp_path, "model")
    estimator.hook_ = os.system
    record = _rewrite_bundle(record, tmp_path, payload=sio.dumps(estimator))
    monkeypatch.setattr(sio, "loads", pytest.fail)
    with pytest.raises(UntrustedTypesError, match="system"):
        load_model(record, tmp_path)


def _members(data):
    """Every member of a zip and, recursively, of the zips inside it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            yield name, content
            if content.startswith(b"PK\x03\x04"):
                yield from _members(content)


@pytest.mark.parametrize("kind", KINDS)
def test_no_pickle_anywhere(fitted, tmp_path, monkeypatch, kind):
    estimator, X = fitted[kind, "str", True]
    record = save_model(estimator, tmp_path, "model")
    members = list(_members((tmp_path / record["path"]).read_bytes()))
    assert len(members) >= 2
    for name, content in members:
        assert not name.endswith((".pkl", ".pickle")), name
        assert not content.startswith(PICKLE_MAGIC), name

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading a model")

    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    load_model(record, tmp_path).predict_proba(X)


def test_save_replaces_atomically_and_leaves_no_temporary_file(forest, tmp_path):
    save_model(forest, tmp_path, "model")
    second = save_model(forest, tmp_path, "model")
    assert second["sha256"] == sha256_file(tmp_path / "model.skfix.zip")
    assert [p.name for p in tmp_path.iterdir()] == ["model.skfix.zip"]


def test_failed_save_keeps_the_old_file(forest, tmp_path, monkeypatch):
    record = save_model(forest, tmp_path, "model")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(forest, tmp_path, "model")
    assert [p.name for p in tmp_path.iterdir()] == ["model.skfix.zip"]
    assert sha256_file(tmp_path / "model.skfix.zip") == record["sha256"]


def test_registry_names_the_classes_it_imports():
    from skfix.estimators import MODEL_FAMILIES, NAIVE_RULES
    from skfix.persistence._formats import (
        FORMATS,
        import_registered_class,
        qualified_name,
    )

    names = [name for model_format in FORMATS for name in model_format.estimators]
    # every built-in family and naive rule, once each (seven in skfix 0.1)
    assert len(names) == len(set(names)) == len(MODEL_FAMILIES) + len(NAIVE_RULES) >= 7
    for name in names:
        assert qualified_name(import_registered_class(name)) == name


def test_file_from_another_version_is_refused_clearly(fitted, tmp_path):
    record = save_model(fitted["xgboost", "int", False][0], tmp_path, "model")

    def add_unknown_parameter(metadata):
        metadata["state"]["params"]["max_leaves"] = 8

    record = _rewrite_bundle(record, tmp_path, edit=add_unknown_parameter)
    with pytest.raises(ModelIntegrityError, match="max_leaves.*saved by skfix"):
        load_model(record, tmp_path)


def test_unregistered_estimator_is_refused(tmp_path):
    from sklearn.linear_model import LogisticRegression

    class MyForest(RegularizedRandomForestClassifier):
        pass

    X, y = make_data("int", False)
    subclass = MyForest(n_estimators=2, oob_score=False)
    for estimator in (LogisticRegression().fit(X, y), subclass.fit(X, y)):
        with pytest.raises(TypeError, match="no safe format registered for"):
            save_model(estimator, tmp_path, "model")
    with pytest.raises(NotFittedError):
        save_model(RegularizedXGBClassifier(), tmp_path, "model")
    assert list(tmp_path.iterdir()) == []


def test_path_relative_to_another_directory(forest, tmp_path):
    record = save_model(forest, tmp_path / "models" / "rf", "AAPL", relative_to=tmp_path)
    assert record["path"] == "models/rf/AAPL.skfix.zip"
    assert isinstance(load_model(record, tmp_path), RegularizedRandomForestClassifier)
    with pytest.raises(ValueError, match="is not inside"):
        save_model(forest, tmp_path, "AAPL", relative_to=tmp_path / "models")


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden"])
def test_bad_name_is_refused(forest, tmp_path, name):
    with pytest.raises(ValueError, match="plain file name"):
        save_model(forest, tmp_path, name)


_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(min_size=3).filter(lambda k: "__" not in k), inner)
    ),
    max_leaves=10,
)


@given(_values)
def test_parameter_encoding_round_trips(value):
    from skfix.persistence._formats import _decode, _encode

    encoded = json.loads(json.dumps(_encode(value), allow_nan=False))
    assert repr(_decode(encoded)) == repr(value)


@pytest.mark.slow
def test_forest_file_is_the_same_bytes_every_time(tmp_path):
    """skops names arrays after id(); skfix renumbers them so hashes are reproducible."""
    import subprocess
    import sys

    from skfix.estimators import RegularizedRandomForestClassifier
    from skfix.persistence import load_model, save_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    forest = RegularizedRandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    first = save_model(forest, tmp_path / "a", "rf")
    second = save_model(forest, tmp_path / "b", "rf")
    assert first["sha256"] == second["sha256"]
    loaded = load_model(first, tmp_path / "a")
    np.testing.assert_array_equal(loaded.predict_proba(X), forest.predict_proba(X))
    # A fresh process allocates different ids: the hash must not change.
    script = (
        "import numpy as np\n"
        "from skfix.estimators import RegularizedRandomForestClassifier\n"
        "from skfix.persistence import save_model\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(120, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "f = RegularizedRandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)\n"
        f"print(save_model(f, {str(tmp_path / 'c')!r}, 'rf')['sha256'])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == first["sha256"], out.stderr
