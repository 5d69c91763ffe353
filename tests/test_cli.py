"""The `skfix` command: exit codes, one clear message on bad input, predict."""

import re
import subprocess
import sys

import pandas as pd
import pytest

from skfix.__main__ import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK, main
from skfix.datasets import load_market_panel

FAST_TOML = (
    'models = ["rf", "xgb"]\n'
    "[model_params.rf]\nn_estimators = 10\n"
    "[model_params.xgb]\nn_estimators = 20\n"
    "[tuning]\nenabled = false\n"
)


@pytest.fixture
def fast_toml(tmp_path):
    path = tmp_path / "fast.toml"
    path.write_text(FAST_TOML)
    return path


@pytest.fixture
def prices(tmp_path):
    folder = tmp_path / "prices"
    folder.mkdir()
    for symbol, frame in load_market_panel(["BRENT", "VIX"]).items():
        frame[["close"]].to_csv(folder / f"{symbol}.csv")
    return folder


def _predict(data, manifest, out):
    """``skfix predict DATA --manifest MANIFEST --out OUT``; its exit code."""
    return main(["predict", str(data), "--manifest", str(manifest), "--out", str(out)])


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("skfix ")
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--out", "--models", "--symbols", "--seed", "--n-jobs", "--config"):
        assert option in text
    assert "exit codes" in text and "built-in panel" in text


def test_train_then_predict(tmp_path, prices, fast_toml, capsys):
    out = tmp_path / "run"
    code = main(["train", str(prices), "--out", str(out), "--config", str(fast_toml)])
    assert code == EXIT_OK
    printed = capsys.readouterr().out
    assert "model success rate" in printed and "deployable symbols" in printed
    assert (out / "manifest.json").is_file()
    assert len(list((out / "reports").glob("*.md"))) == 3
    manifest = pd.read_json(out / "manifest.json", typ="series")
    deployed = [s for s, r in manifest["symbols"].items() if r["selected"]]
    predictions = tmp_path / "predictions.csv"
    code = _predict(prices, out / "manifest.json", predictions)
    err = capsys.readouterr().err
    for symbol, record in manifest["symbols"].items():
        if not record["selected"]:
            # its first sentence, not a paragraph per symbol
            first, *rest = record["why_none"].split(". ")
            assert f"{symbol}: no model deployed: {first.rstrip('.')}" in err
            assert not rest or rest[0] not in err
    if deployed:
        assert code == EXIT_OK
        table = pd.read_csv(predictions)
        assert set(table["symbol"]) == set(deployed)
        assert {"date", "model", "prediction"} <= set(table.columns)
        proba = table.filter(like="proba_")
        assert proba.shape[1] == 2 and ((proba.sum(axis=1) - 1).abs() < 1e-6).all()
    else:
        assert code == EXIT_BAD_INPUT
        assert "no symbol" in err


def test_predict_refuses_a_tampered_model(tmp_path, prices, fast_toml, capsys):
    """A deployment whose model file changed is refused with one clear message."""
    import json

    out = tmp_path / "run"
    assert (
        main(
            ["train", str(prices), "--out", str(out), "--config", str(fast_toml), "--quiet"]
        )
        == EXIT_OK
    )
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    # Deploy the forest of BRENT whatever the decision, to exercise the hash check.
    record = manifest["symbols"]["BRENT"]
    record["selected"] = {"name": "rf", "reason": "forced by the test"}
    path.write_text(json.dumps(manifest))
    model = out / record["candidates"][0]["model_file"]["path"]
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    capsys.readouterr()
    code = main(
        ["predict", str(prices), "--manifest", str(path), "--out", str(tmp_path / "p.csv")]
    )
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert re.search("sha-?256", err.lower()) and model.name in err
    assert "Traceback" not in err
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize(
    "setup, expected",
    [
        (lambda d: d / "missing", "no such file or folder"),
        (
            lambda d: _write(d / "bad.csv", "when,what\nyesterday,up\n"),
            "(?s)no price series could be read.*bad.csv: no date column",
        ),
        (lambda d: _write(d / "empty", None), "no price series|cannot read"),
    ],
    ids=["missing", "unreadable", "empty-folder"],
)
def test_bad_data_is_one_clear_message(tmp_path, setup, expected):
    target = setup(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "skfix",
            "train",
            str(target),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("skfix: error:")
    assert re.search(expected, result.stderr)


def _write(path, text):
    if text is None:
        path.mkdir()
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    "toml, expected",
    [
        ("[criteria]\nmax_gap = -1\n", r"\[criteria\]"),
        ('models = ["svm"]\n', "models must be"),
        ("[model_params.rf]\nmax_depth = 0\n", r"\[model_params.rf\].*max_depth"),
        ("[split]\nn_splits = 1\n", r"\[split\]"),
        ("unknown = 1\n", "unknown key"),
        ("seed = [\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_message(tmp_path, toml, expected, capsys):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    code = main(["train", "--config", str(config), "--out", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "bad.toml" in err
    assert re.search(expected, err), err
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_a_failure_gives_exit_code_1(tmp_path, prices, fast_toml, monkeypatch, capsys):
    from sklearn.base import BaseEstimator, ClassifierMixin

    from skfix.training import _symbol

    class Exploding(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            raise RuntimeError("boom")

    real = _symbol.build_candidates
    monkeypatch.setattr(
        _symbol,
        "build_candidates",
        lambda config, models=None: {**real(config, models), "xgb": Exploding()},
    )
    # --n-jobs 1: the patched candidates live in this process only.
    args = ["train", str(prices), "--out", str(tmp_path / "o"), "--config", str(fast_toml)]
    code = main([*args, "--n-jobs", "1"])
    assert code == EXIT_FAILURES
    assert "failed: BRENT/xgb: RuntimeError: boom" in capsys.readouterr().out


def test_no_command_exits_2_with_usage(capsys):
    assert main([]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("usage: skfix") and "a command is required" in err


def test_verbose_logs_each_symbol_and_the_panel(tmp_path, prices, fast_toml, caplog):
    import logging

    out = tmp_path / "run"
    args = ["train", str(prices), "--out", str(out), "--config", str(fast_toml)]
    with caplog.at_level(logging.DEBUG, logger="skfix"):
        assert main([*args, "--quiet", "-vv", "--n-jobs", "1"]) == EXIT_OK
    messages = [r.getMessage() for r in caplog.records if r.name == "skfix.training"]
    for symbol in ("BRENT", "VIX"):
        line = next(m for m in messages if m.startswith(f"{symbol}: "))
        assert "rf " in line and "xgb " in line, line
        assert any(m.startswith(f"{symbol} rf: ") for m in messages)  # -vv: reasons
    assert any(m.startswith("after the run's false-discovery control") for m in messages)


def test_progress_counts_models_with_an_eta():
    import io

    from skfix.__main__ import _Progress
    from skfix.manifest import CandidateRecord, SymbolRecord

    def record(statuses, selected=None):
        candidates = [CandidateRecord("m", "e", {}, False, status=s) for s in statuses]
        return SymbolRecord("trained", candidates=candidates, selected=selected)

    stream = io.StringIO()
    progress = _Progress(stream, True, n_models=3)
    progress(1, 3, "A", record(["ok", "ok", "ok"], {"name": "rf"}))
    assert (progress.bar.n, progress.bar.total) == (3, 9)
    progress(2, 3, "B", record(["ok", "skipped", "skipped"]))  # a short series
    assert (progress.bar.n, progress.bar.total) == (4, 7)
    progress(3, 3, "C", SymbolRecord("failed"))
    assert (progress.bar.n, progress.bar.total) == (4, 4)
    text = stream.getvalue()
    assert "4/4 models" in text and "3/3 symbols, C: failed" in text
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d\]", text)  # elapsed < ETA
    silent = io.StringIO()
    _Progress(silent, False, n_models=3)(1, 1, "A", record(["ok"] * 3))
    assert silent.getvalue() == ""


def test_a_persistence_deployment_predicts_through_skfix_predict(tmp_path, capsys):
    """BAA's monthly yield moves persist: the rule is deployed, and `skfix predict`
    predicts with it exactly what the rule predicts on the training features."""
    from skfix.estimators import PersistenceClassifier
    from skfix.features import make_dataset

    folder = tmp_path / "prices"
    folder.mkdir()
    frame = load_market_panel(["BAA"])["BAA"]
    frame.to_csv(folder / "BAA.csv")
    out = tmp_path / "run"
    code = main(
        ["train", str(folder), "--out", str(out), "--models", "logistic", "--quiet"]
    )
    assert code == EXIT_OK
    manifest = pd.read_json(out / "manifest.json", typ="series")
    record = manifest["symbols"]["BAA"]
    assert record["selected"]["name"] == "persistence"
    assert manifest["summary"]["deployed_naive_rules"] == 1
    predictions = tmp_path / "predictions.csv"
    code = _predict(folder, out / "manifest.json", predictions)
    assert code == EXIT_OK
    table = pd.read_csv(predictions, parse_dates=["date"]).set_index("date")
    X, y = make_dataset(frame)
    expected = PersistenceClassifier().fit(X, y).predict(X)
    common = X.index.intersection(table.index)
    assert len(common) == len(X)
    positions = X.index.get_indexer(common)
    assert (table.loc[common, "prediction"].to_numpy() == expected[positions]).all()
    assert (table["model"] == "persistence").all()
    report = (out / "reports" / "BAA.md").read_text()
    assert "model **persistence** selected" in report
    summary = (out / "reports" / "summary.md").read_text()
    assert "Symbols whose best model is a naive rule: 1 (BAA (persistence))" in summary
    summary = (out / "reports" / "summary.md").read_text()
    # a rule learns nothing: no "deployed gap" for it, and the summary says why
    assert manifest["summary"]["selected_average_gap"] is None
    assert "n/a: only naive rules deployed" in summary
    assert "Symbols whose best model is a naive rule: 1 (BAA (persistence))" in summary


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--n-jobs", "0"], ["n_jobs (--n-jobs) must be a non-zero integer", "found 0"]),
        (
            ["--scheduler", "tcp://127.0.0.1:8786"],
            ["Dask scheduler", "used only with backend 'dask'"],
        ),
    ],
)
def test_parallel_settings_that_cannot_work_are_refused_first(
    tmp_path, capsys, arguments, words
):
    out = tmp_path / "run"
    code = main(["train", "--symbols", "BAA", "--out", str(out), *arguments])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    for word in words:
        assert word in err
    assert not out.exists()  # nothing written


def test_predict_says_when_the_newest_row_gets_no_prediction(tmp_path, capsys):
    import numpy as np

    from skfix.datasets import simulate_prices

    prices = simulate_prices(800, "ar1", 0.3, random_state=2)
    folder, later = tmp_path / "prices", tmp_path / "later"
    folder.mkdir()
    later.mkdir()
    prices.to_csv(folder / "AR.csv")
    out = tmp_path / "run"
    args = ["train", str(folder), "--out", str(out), "--models", "logistic", "--quiet"]
    assert main(args) == EXIT_OK
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["symbols"]["AR"]["selected"]["name"] == "persistence"
    prices.loc[prices.index[-1], "volume"] = np.nan  # the newest row lacks its volume
    prices.to_csv(later / "AR.csv")
    capsys.readouterr()
    predictions = tmp_path / "predictions.csv"
    code = _predict(later, out / "manifest.json", predictions)
    assert code == EXIT_FAILURES
    err = capsys.readouterr().err
    assert "1 row(s) after the warm-up have incomplete features" in err
    assert (
        f"including the newest, {prices.index[-1]:%Y-%m-%d} (missing volume_change)" in err
    )
    table = pd.read_csv(predictions, parse_dates=["date"])
    assert table["date"].max() == prices.index[-2]  # the rest is predicted


def test_shared_out_is_an_option_of_train(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--symbols", "BAA", "--models", "logistic", "--quiet", "--no-plots"]
    assert main([*args, "--shared-out", "--out", str(out)]) == EXIT_OK
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["symbols"]["BAA"]["selected"]["name"] == "persistence"


def test_train_on_a_dask_cluster_by_its_address(tmp_path, prices):
    from distributed import LocalCluster

    out = tmp_path / "run"
    args = ["train", str(prices), "--models", "logistic", "--quiet", "--no-plots"]
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert main(
            [*args, "--backend", "dask", "--scheduler", address, "--out", str(out)]
        ) == (EXIT_OK)
    serial = tmp_path / "serial"
    assert main([*args, "--n-jobs", "1", "--out", str(serial)]) == EXIT_OK
    manifests = [pd.read_json(o / "manifest.json", typ="series") for o in (out, serial)]
    assert [sorted(m["symbols"]) for m in manifests] == [["BRENT", "VIX"]] * 2
    assert manifests[0]["symbols"] == manifests[1]["symbols"]


def test_the_parser_names_the_built_in_models_without_importing_them():
    from skfix.__main__ import _BUILTIN_MODELS
    from skfix.estimators import MODEL_FAMILIES

    assert list(_BUILTIN_MODELS) == list(MODEL_FAMILIES)


def test_a_killed_worker_is_one_clear_message_and_resume_finishes(tmp_path, prices, capsys):
    # the default backend on Linux: a process pool forked from a preloaded fork server
    from skfix.__main__ import _default_backend

    assert _default_backend() == "multiprocessing"
    toml = tmp_path / "killer.toml"
    toml.write_text(
        'models = ["logistic", "killer"]\n[tuning]\nenabled = false\n'
        "[model_families.killer]\n"
        'estimator = "tests.training._crash.WorkerKillingClassifier"\n'
    )
    args = ["train", str(prices), "--out", str(tmp_path / "o"), "--config", str(toml)]
    assert main([*args, "--quiet", "--n-jobs", "2"]) == EXIT_FAILURES
    err = capsys.readouterr().err
    assert err.startswith("skfix: error: a worker process ended while it trained")
    assert "Traceback" not in err and "--resume" in err
    # in one process the model fits (it kills worker processes only)
    assert main([*args, "--quiet", "--n-jobs", "1", "--resume"]) == EXIT_OK
