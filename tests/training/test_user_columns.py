"""User columns as features through the whole run: the [features] table, the saved
pipeline, `skfix predict`, the look-ahead guard."""

import json

import numpy as np
import pandas as pd
import pytest

from skfix.datasets import read_prices
from skfix.persistence import load_deployment
from skfix.prediction import predict_panel
from skfix.training import train_panel
from skfix.training._config_file import load_config
from tests.training.conftest import fast_config

N_ROWS = 900


def _series(seed, peek=False, rate=True):
    """Daily prices whose next return follows ``sentiment`` (corr 0.5); ``rate`` is
    noise published after the close."""
    rng = np.random.default_rng(seed)
    sentiment = rng.normal(size=N_ROWS)
    returns = np.append(0.0, 0.005 * sentiment[:-1] + 0.0087 * rng.normal(size=N_ROWS - 1))
    close = 100 * np.exp(np.cumsum(returns))
    frame = pd.DataFrame(
        {
            "Date": pd.bdate_range("2010-01-01", periods=N_ROWS).strftime("%Y-%m-%d"),
            "Open": close,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Volume": rng.integers(1_000, 2_000, N_ROWS),
            "sentiment": sentiment,
        }
    )
    if rate:
        frame["rate"] = rng.normal(size=N_ROWS)
    if peek:
        frame["peek"] = np.append(returns[1:], np.nan)  # the next return
    return frame


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("user-columns")
    for i, symbol in enumerate(["AAA", "BBB"]):
        _series(i).to_csv(path / f"{symbol}.csv", index=False)
    _series(9, rate=False).to_csv(path / "NORATE.csv", index=False)
    return path


FEATURES = {"columns": ["sentiment", "rate"], "lag": {"rate": 1}}


@pytest.fixture(scope="module")
def run(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    config = fast_config(models=("logistic",), features=FEATURES)
    return train_panel(folder, out_dir=out, config=config, plots=False), out


def test_the_columns_are_trained_on_and_recorded(run):
    manifest, out = run
    data = manifest["symbols"]["AAA"]["data"]
    columns = [f for f in data["features"] if f["source"] == "column"]
    assert [(f["name"], f["column"], f["lag"]) for f in columns] == [
        ("sentiment", "sentiment", 0),
        ("rate_lag1", "rate", 1),
    ]
    assert data["feature_names"][-2:] == ["sentiment", "rate_lag1"]
    assert {"sentiment", "rate", "close"} <= set(data["required_columns"])
    assert set(data["leak_check"]) == {"sentiment", "rate"}
    assert not any(c["probable_leak"] for c in data["leak_check"].values())
    assert manifest["run"]["features"]["columns"] == ["sentiment", "rate"]
    # the signal is strong: a learned model is deployed on it
    assert manifest["symbols"]["AAA"]["selected"]["name"] == "logistic"
    report = (out / "reports" / "AAA.md").read_text()
    assert "## Features" in report and "`rate_lag1` | your column" in report
    assert "### Look-ahead guard" in report


def test_a_file_without_a_named_column_fails_naming_file_and_column(run):
    manifest, _ = run
    entry = manifest["symbols"]["NORATE"]
    assert entry["status"] == "failed" and entry["selected"] is None
    assert "NORATE.csv" in entry["error"]["message"]
    assert "'rate'" in entry["error"]["message"]


def test_skfix_predict_predicts_exactly_as_the_fitted_pipeline(run, folder):
    manifest, out = run
    predictions, skipped, failed = predict_panel(out / "manifest.json", folder)
    pipelines = load_deployment(out / "manifest.json")
    frames = read_prices(folder)
    for symbol, pipeline in pipelines.items():
        features = pipeline[:-1].transform(frames[symbol])
        X = features[features.notna().all(axis=1)]
        ours = predictions[predictions["symbol"] == symbol]
        np.testing.assert_array_equal(ours["proba_1"], pipeline[-1].predict_proba(X)[:, 1])
        assert ours["date"].tolist() == X.index.tolist()
    assert "NORATE" in skipped  # no model deployed


def test_predict_refuses_a_file_missing_a_required_column(run, folder, tmp_path):
    _, out = run
    frame = pd.read_csv(folder / "AAA.csv").drop(columns="sentiment")
    frame.to_csv(tmp_path / "AAA.csv", index=False)
    with pytest.raises(ValueError, match="AAA.*'sentiment'"):
        predict_panel(out / "manifest.json", tmp_path)


def test_feature_windows_change_training_and_prediction_together(folder, tmp_path):
    toml = tmp_path / "skfix.toml"
    toml.write_text(
        'models = ["logistic"]\n[tuning]\nenabled = false\n'
        '[features]\nbuiltin = ["return_1", "return_3", "volatility_7"]\n'
        "return_windows = [1, 3]\nvolatility_windows = [7]\n"
        'columns = ["sentiment"]\n'
    )
    config = load_config(toml)
    manifest = train_panel(
        folder, out_dir=tmp_path / "out", config=config, symbols=["AAA"], plots=False
    )
    data = manifest["symbols"]["AAA"]["data"]
    assert data["feature_names"] == ["return_1", "return_3", "volatility_7", "sentiment"]
    assert data["dataset"]["warmup_rows_dropped"] == 7
    pipeline = load_deployment(tmp_path / "out" / "manifest.json")["AAA"]
    assert pipeline[0].volatility_windows == (7,)
    predictions, _, _ = predict_panel(tmp_path / "out" / "manifest.json", folder)
    frame = read_prices(folder)["AAA"]
    # the first prediction is on the first complete row of these windows: row 7
    assert predictions["date"].iloc[0] == frame.index[7]


def test_a_planted_look_ahead_column_is_caught_and_nothing_reading_it_deployed(tmp_path):
    for i, symbol in enumerate(["P1", "P2"]):
        _series(i, peek=True).to_csv(tmp_path / f"{symbol}.csv", index=False)
    config = fast_config(
        models=("logistic", "rf"), features={"columns": ["sentiment", "peek"]}
    )
    manifest = train_panel(tmp_path, out_dir=tmp_path / "out", config=config, plots=False)
    for entry in manifest["symbols"].values():
        assert entry["data"]["leak_check"]["peek"]["probable_leak"]
        assert not entry["data"]["leak_check"]["sentiment"]["probable_leak"]
        learned = [c for c in entry["candidates"] if not c["naive_rule"]]
        assert all(c["decision"] != "accept" for c in learned)
        guard = [
            cr for c in learned for cr in c["criteria"] if cr["name"] == "no_look_ahead"
        ]
        assert guard and not any(cr["passed"] for cr in guard)
        assert entry["selected"] is None or entry["selected"]["name"] in (
            "majority",
            "persistence",
        )
        if entry["selected"] is None:
            assert entry["why_none"].startswith(
                "Probable look-ahead in the column(s) 'peek'"
            )
    # the leaking models' scores are not the run's figures
    assert manifest["summary"]["average_test_accuracy"] is None or (
        manifest["summary"]["average_test_accuracy"] < 0.8
    )
    info = manifest["run"]["criteria_info"]["no_look_ahead"]
    assert info["unit"] == "text" and "trusted" in info["advice"]


def test_train_panel_takes_a_mapping_of_frames(folder, tmp_path):
    frames = {s: f for s, f in read_prices(folder).items() if s != "NORATE"}
    config = fast_config(models=("logistic",), features={"columns": ["sentiment"]})
    manifest = train_panel(frames, out_dir=tmp_path, config=config, plots=False)
    assert manifest["run"]["data_source"] == "2 frame(s) given in Python"
    assert manifest["symbols"]["AAA"]["data"]["source"] == "a frame given in Python"
    assert manifest["symbols"]["AAA"]["selected"]["name"] == "logistic"
    json.dumps(manifest)
