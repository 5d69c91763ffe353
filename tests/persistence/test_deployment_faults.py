"""A deployment that is not what it claims is refused with its file named, never
hangs and never reads without end."""

import json
import os

import pytest

from skfix.datasets import load_market_panel
from skfix.persistence import ManifestError, load_deployment
from skfix.prediction import predict_panel


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A persistence deployment for BAA (a naive rule: fast to train)."""
    from skfix.__main__ import main

    root = tmp_path_factory.mktemp("deployment")
    prices = root / "prices"
    prices.mkdir()
    load_market_panel(["BAA"])["BAA"].to_csv(prices / "BAA.csv")
    out = root / "run"
    args = ["train", str(prices), "--out", str(out), "--models", "logistic", "--quiet"]
    assert main([*args, "--no-plots"]) == 0
    return out, prices


def _copy(run, tmp_path, change=None):
    out, _ = run
    manifest = json.loads((out / "manifest.json").read_text())
    if change is not None:
        change(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    record = manifest["symbols"]["BAA"]
    name = record["selected"]["name"]
    (candidate,) = [c for c in record["candidates"] if c["name"] == name]
    return tmp_path / "manifest.json", candidate["model_file"]["path"]


@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "folder"])
def test_a_model_path_that_is_not_a_regular_file_is_refused(run, tmp_path, target):
    manifest, relative = _copy(run, tmp_path)
    model = tmp_path / relative
    model.parent.mkdir(parents=True)
    if target == "fifo":
        os.mkfifo(tmp_path / "pipe")
        model.symlink_to(tmp_path / "pipe")  # reading it would block forever
    elif target == "folder":
        model.mkdir()
    else:
        model.symlink_to(target)  # reading it would never end
    with pytest.raises(ManifestError, match="expected a regular file") as info:
        load_deployment(manifest)
    assert str(model) in str(info.value)


def test_a_manifest_that_is_not_utf8_is_refused_by_name(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_bytes(b'{"schema_version": "1.2", "note": "\xff\xfe"}')
    with pytest.raises(ManifestError, match="not UTF-8") as info:
        load_deployment(path)
    assert str(path) in str(info.value)
    with pytest.raises(ValueError, match="is not a manifest: expected UTF-8 JSON"):
        predict_panel(path, tmp_path)


def test_a_deeply_nested_manifest_is_refused_by_name(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ManifestError, match="nested too deeply") as info:
        load_deployment(path)
    assert str(path) in str(info.value)


def _with_a_bare_model_file(run, tmp_path, change):
    """The manifest with its deployed model file as skfix wrote it before schema 1.3:
    the estimator alone, whose features the manifest's feature_names name."""
    from skfix.persistence import load_model, save_model

    out, _ = run
    manifest = json.loads((out / "manifest.json").read_text())
    record = manifest["symbols"]["BAA"]
    (candidate,) = [
        c for c in record["candidates"] if c["name"] == record["selected"]["name"]
    ]
    pipeline = load_model(candidate["model_file"], out)
    candidate["model_file"] = save_model(
        pipeline[-1], tmp_path / "models", "BAA-bare", relative_to=tmp_path
    )
    change(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "manifest.json"


@pytest.mark.parametrize(
    "change, found",
    [
        (lambda m: m["symbols"]["BAA"].update(data=None), "found data: None"),
        (lambda m: m["symbols"]["BAA"]["data"].pop("feature_names"), "found None"),
    ],
    ids=["data-null", "no-feature-names"],
)
def test_a_manifest_without_the_feature_names_is_refused_by_name(
    run, tmp_path, change, found
):
    manifest = _with_a_bare_model_file(run, tmp_path, change)
    _, prices = run
    with pytest.raises(ValueError, match="no list of the features") as info:
        predict_panel(manifest, prices)
    assert str(manifest) in str(info.value) and found in str(info.value)


def test_a_bare_model_file_still_predicts_with_the_default_features(run, tmp_path):
    out, prices = run
    manifest = _with_a_bare_model_file(run, tmp_path, lambda m: None)
    old, _, _ = predict_panel(manifest, prices)
    new, _, _ = predict_panel(out / "manifest.json", prices)
    assert old.equals(new)


def test_a_pipeline_model_file_needs_no_feature_list_in_the_manifest(run, tmp_path):
    # the file holds its feature step: the manifest's list is a record, not an input
    manifest, _ = _copy(
        run, tmp_path, lambda m: m["symbols"]["BAA"]["data"].pop("feature_names")
    )
    out, prices = run
    (tmp_path / "models").symlink_to(out / "models")
    ours, _, _ = predict_panel(manifest, prices)
    assert ours.equals(predict_panel(out / "manifest.json", prices)[0])
