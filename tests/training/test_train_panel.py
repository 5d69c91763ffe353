"""train_panel: per-symbol records, failures kept, resume, parallel, the manifest."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skfix.datasets import load_market_panel
from skfix.persistence import load_deployment
from skfix.reporting import validate_manifest
from skfix.selection import SelectionCriteria
from skfix.training import ConfigError, DataError, TrainConfig, train_panel
from tests.training.conftest import fast_config, without_time

SYMBOLS = ["BRENT", "IBM"]


def write_panel(folder, symbols=SYMBOLS):
    folder.mkdir(parents=True, exist_ok=True)
    for symbol, frame in load_market_panel(symbols).items():
        frame[["close"]].to_csv(folder / f"{symbol}.csv")
    return folder


class Exploding(ClassifierMixin, BaseEstimator):
    """A candidate that always raises while fitting."""

    def fit(self, X, y):
        raise RuntimeError("exploded on purpose")


def test_a_run_writes_manifest_reports_plots_and_models(tmp_path, config):
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=SYMBOLS)
    validate_manifest(manifest)
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    assert {p.name for p in (tmp_path / "reports").iterdir()} == {
        "BRENT.md",
        "IBM.md",
        "summary.md",
    }
    assert list((tmp_path / "plots").glob("*.png"))
    for symbol in SYMBOLS:
        record = manifest["symbols"][symbol]
        assert record["data"]["n_rows"] > 0 and len(record["data"]["sha256"]) == 64
        for candidate in record["candidates"]:
            assert candidate["status"] == "ok"
            assert (tmp_path / candidate["model_file"]["path"]).is_file()
            assert len(candidate["fold_validation_scores"]) == 5
            assert candidate["baselines"]["majority"] is not None
    summary = manifest["summary"]
    assert summary["candidates_total"] == 4 and summary["model_success_rate"] == 1.0
    assert manifest["run"]["seed"] == 0 and manifest["run"]["split"]["gap"] == 1


def test_a_failing_model_is_recorded_and_the_others_go_on(tmp_path, config, monkeypatch):
    from skfix.training import _symbol

    real = _symbol.build_candidates

    def with_a_broken_model(config, models=None):
        return {**real(config, models), "xgb": Exploding()}

    monkeypatch.setattr(_symbol, "build_candidates", with_a_broken_model)
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"])
    rf, xgb, majority, persistence = manifest["symbols"]["BRENT"]["candidates"]
    assert majority["naive_rule"] and persistence["naive_rule"]
    assert rf["status"] == "ok" and rf["model_file"] is not None
    assert xgb["status"] == "failed" and xgb["decision"] == "failed"
    assert xgb["error"]["type"] == "RuntimeError"
    assert "exploded on purpose" in xgb["error"]["message"]
    assert "Traceback" in xgb["error"]["traceback"]
    assert manifest["summary"]["failures"][0]["candidate"] == "xgb"
    assert manifest["summary"]["model_success_rate"] == 0.5


def test_a_30_row_symbol_is_insufficient_data_not_a_crash(tmp_path, config):
    folder = write_panel(tmp_path / "data", ["BRENT"])
    short = load_market_panel(["IBM"])["IBM"].iloc[:30]
    short[["close"]].to_csv(folder / "SHORT.csv")
    manifest = train_panel(folder, out_dir=tmp_path / "out", config=config)
    record = manifest["symbols"]["SHORT"]
    assert record["status"] == "insufficient_data"
    assert record["selected"] is None and "too short" in record["why_none"]
    assert {c["decision"] for c in record["candidates"]} == {"insufficient_data"}
    assert manifest["symbols"]["BRENT"]["status"] == "trained"
    assert "SHORT.md" in {p.name for p in (tmp_path / "out" / "reports").iterdir()}


def test_bad_data_and_config_fail_before_training(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        train_panel(tmp_path / "missing", out_dir=tmp_path / "out")
    bad = tmp_path / "bad.csv"
    bad.write_text("when,what\nyesterday,up\n")
    unreadable = "(?s)no price series could be read.*bad.csv: no date column"
    with pytest.raises(DataError, match=unreadable):
        train_panel(bad, out_dir=tmp_path / "out")
    with pytest.raises(ConfigError, match=r"\[model_params.rf\].*max_depth"):
        TrainConfig(models=("rf",), model_params={"rf": {"max_depth": -3}})
    # a misspelt neural-net parameter is refused too, though the nets take skorch's
    # prefixed keywords
    with pytest.raises(ConfigError, match=r"\[model_params.mlp\].*'hiden_layer_sizes'"):
        TrainConfig(models=("mlp",), model_params={"mlp": {"hiden_layer_sizes": [8]}})
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.slow
def test_same_manifest_serial_parallel_and_dask(tmp_path):
    # the nets on every symbol, however short (their random state is per process),
    # and one tuned model
    config = fast_config(
        models=("logistic", "rf", "xgb", "mlp", "lstm"), model_min_rows={}
    ).replace(tuning={"grids": {"rf": {}, "xgb": {}, "mlp": {}}})
    serial = train_panel(out_dir=tmp_path / "serial", config=config, symbols=SYMBOLS)
    parallel = train_panel(
        out_dir=tmp_path / "parallel", config=config, symbols=SYMBOLS, n_jobs=2
    )
    assert without_time(parallel) == without_time(serial)

    from distributed import Client, LocalCluster, get_task_stream

    # Worker processes, as on a real cluster: torch's random state is per process.
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client, get_task_stream(client) as stream:
            dask = train_panel(
                out_dir=tmp_path / "dask",
                config=config,
                symbols=SYMBOLS,
                backend="dask",
                scheduler=client,
            )
    assert without_time(dask) == without_time(serial)
    # one task per symbol: neither the candidates' fits nor the forest's trees are
    # shipped to the cluster one by one
    keys = [str(task["key"]) for task in stream.data]
    assert len(keys) == len(SYMBOLS)
    assert all("_train_and_store" in key for key in keys), keys


@pytest.mark.slow
def test_a_dask_scheduler_passes_the_symbols_on_without_importing_scikit_learn(
    tmp_path, config
):
    # A scheduler and a worker as a user starts them (no preload), in processes of their
    # own: the scheduler unpickles every task, so a task that named skfix.training's
    # function would make it import scikit-learn and pandas.
    from distributed import Client

    dask = Path(sys.executable).parent / "dask"
    address_file = tmp_path / "scheduler.json"
    started = [
        subprocess.Popen(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                address_file,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),  # fmt: skip
    ]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        started.append(
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    "--scheduler-file",
                    address_file,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--dashboard-address",
                    ":0",
                    "--local-directory",
                    tmp_path / "worker",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        )
        with Client(scheduler_file=str(address_file), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            manifest = train_panel(
                out_dir=tmp_path / "out",
                config=config,
                symbols=SYMBOLS,
                backend="dask",
                scheduler=client,
            )

            def imported():
                return "sklearn" in sys.modules

            on_scheduler = client.run_on_scheduler(imported)
            on_workers = list(client.run(imported).values())
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=30)
    assert sorted(manifest["symbols"]) == sorted(SYMBOLS)
    statuses = {s: (r["status"], r.get("error")) for s, r in manifest["symbols"].items()}
    assert statuses == {"BRENT": ("trained", None), "IBM": ("insufficient_data", None)}
    assert on_scheduler is False
    assert any(on_workers)  # the workers trained the symbols


def test_the_multiprocessing_backend_streams_the_same_manifest(tmp_path, config):
    seen = []

    def progress(done, total, symbol, record):
        seen.append((done, symbol))
        # the first symbol is stored (its resume state written) before the run ends
        if done == 1:
            assert len(list((tmp_path / "mp" / ".skfix-state").glob("*.json"))) == 1

    serial = train_panel(out_dir=tmp_path / "serial", config=config, symbols=SYMBOLS)
    forked = train_panel(
        out_dir=tmp_path / "mp",
        config=config,
        symbols=SYMBOLS,
        n_jobs=2,
        backend="multiprocessing",
        progress=progress,
    )
    assert without_time(forked) == without_time(serial)
    assert sorted(symbol for _, symbol in seen) == sorted(SYMBOLS)


@pytest.mark.slow
def test_a_dask_worker_started_with_the_preload_holds_the_libraries():
    from distributed import Client, LocalCluster

    def loaded():
        wanted = (
            "skops.io",
            "sklearn.ensemble",
            "skfix.training._resume",
            "matplotlib.figure",  # each worker draws its own symbols' plots
        )
        return {name: name in sys.modules for name in wanted}

    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        preload=["skfix.preload"],
    ) as cluster:
        with Client(cluster) as client:
            (found,) = client.run(loaded).values()
    assert all(found.values()), found


def test_importing_the_preload_imports_nothing_heavy():
    # `dask worker --preload skfix.preload` imports the module in its nanny process too,
    # to check the command line: the nanny trains nothing and must stay light
    code = (
        "import sys, skfix.preload; "
        "print(sorted(m for m in ('sklearn', 'pandas', 'skops', 'imblearn') "
        "if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_the_preload_hook_imports_only_on_a_worker(monkeypatch):
    from distributed import Worker

    import skfix
    import skfix.preload

    # make the training imports fail, to see who attempts them
    monkeypatch.delattr(skfix, "_training_imports", raising=False)
    monkeypatch.setitem(sys.modules, "skfix._training_imports", None)
    skfix.preload.dask_setup(object())  # a scheduler, a nanny: nothing to import
    with pytest.raises(ImportError):
        skfix.preload.dask_setup(Worker.__new__(Worker))


def test_resume_after_an_interruption_gives_the_same_manifest(tmp_path, config):
    complete = train_panel(out_dir=tmp_path / "complete", config=config, symbols=SYMBOLS)

    def stop_after_first(done, total, symbol, record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_panel(
            out_dir=tmp_path / "run",
            config=config,
            symbols=SYMBOLS,
            progress=stop_after_first,
        )
    assert not (tmp_path / "run" / "manifest.json").exists()
    assert len(list((tmp_path / "run" / ".skfix-state").glob("*.json"))) == 1
    resumed = train_panel(
        out_dir=tmp_path / "run", config=config, symbols=SYMBOLS, resume=True
    )
    assert without_time(resumed) == without_time(complete)
    # the resumed symbol's plots (drawn where the run is driven) and the retrained
    # one's (drawn by its worker) are those of the uninterrupted run
    assert _plot_bytes(tmp_path / "run") == _plot_bytes(tmp_path / "complete")


def test_resume_retrains_a_symbol_whose_model_file_changed(tmp_path, config):
    first = train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"])
    model = tmp_path / first["symbols"]["BRENT"]["candidates"][0]["model_file"]["path"]
    model.write_bytes(b"tampered")
    again = train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"], resume=True)
    assert without_time(again) == without_time(first)
    assert model.read_bytes() != b"tampered"


def test_resume_ignores_state_of_another_configuration(tmp_path, config):
    train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"])
    other = config.replace(seed=1)
    resumed = train_panel(out_dir=tmp_path, config=other, symbols=["BRENT"], resume=True)
    fresh = train_panel(out_dir=tmp_path / "fresh", config=other, symbols=["BRENT"])
    assert without_time(resumed) == without_time(fresh)


@pytest.mark.slow
def test_killed_process_then_resume(tmp_path):
    """SIGKILL a real `skfix train` mid-run; --resume finishes with the same manifest."""
    data = write_panel(tmp_path / "data", ["AAPL", "AMZN", "BRENT", "IBM", "MSFT"])
    config = tmp_path / "run.toml"
    config.write_text(
        'models = ["rf", "xgb"]\n'
        "[model_params.rf]\nn_estimators = 10\n"
        "[model_params.xgb]\nn_estimators = 20\n"
        "[tuning]\nenabled = false\n"
    )
    command = [sys.executable, "-m", "skfix", "train", str(data), "--config", str(config)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    reference = subprocess.run(
        [*command, "--out", str(tmp_path / "reference"), "--quiet"], env=env, check=True
    )
    assert reference.returncode == 0
    out = tmp_path / "killed"
    # The real command, killed (SIGKILL, no clean-up) right after its second symbol's
    # resume state is written: a fixed point mid-run, without watching the clock.
    # Its worker processes are written down first: they must not outlive it.
    workers = tmp_path / "workers.txt"
    die_after_two = (
        "import os, signal, sys\n"
        "import psutil\n"
        "import skfix.training._panel as panel\n"
        "store, stored = panel._store, []\n"
        "def store_then_die(*args, **kwargs):\n"
        "    store(*args, **kwargs)\n"
        "    stored.append(args[1])\n"
        "    if len(stored) == 2:\n"
        "        children = psutil.Process().children(recursive=True)\n"
        f"        with open({str(workers)!r}, 'w') as f:\n"
        "            f.write(' '.join(str(c.pid) for c in children))\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "panel._store = store_then_die\n"
        "from skfix.__main__ import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", die_after_two, *command[3:], "--out", str(out), "--quiet"],
        env=env,
    )
    assert killed.returncode == -signal.SIGKILL
    state = out / ".skfix-state"
    finished = len(list(state.glob("*.json")))
    assert finished == 2, "the run was not killed after its second symbol"
    assert not (out / "manifest.json").exists()
    pids = [int(pid) for pid in workers.read_text().split()]
    assert pids, "the run had no worker processes"
    assert _gone(pids, seconds=20), f"worker processes outlived the killed run: {pids}"
    subprocess.run(
        [*command, "--out", str(out), "--quiet", "--resume"], env=env, check=True
    )
    expected = json.loads((tmp_path / "reference" / "manifest.json").read_text())
    resumed = json.loads((out / "manifest.json").read_text())
    expected["run"]["data_source"] = resumed["run"]["data_source"]
    assert without_time(resumed) == without_time(expected)


def _gone(pids, seconds):
    """Whether every process of `pids` has ended (or is a zombie) within `seconds`."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.2)
    return False


def test_deployment_loads_what_was_selected(tmp_path, config):
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=SYMBOLS)
    deployed = load_deployment(tmp_path / "manifest.json")
    selected = {s for s, r in manifest["symbols"].items() if r["selected"]}
    assert set(deployed) == selected


def test_a_model_that_cannot_be_saved_is_a_failure_never_deployed(tmp_path, monkeypatch):
    import skfix.persistence

    def refuse(*args, **kwargs):
        raise TypeError("no safe format registered for this model")

    monkeypatch.setattr(skfix.persistence, "save_model", refuse)
    # Every rule off, so that a candidate is selected whose file then fails to save.
    rules_off = dict(max_gap=None, min_test_score=None, max_validation_test_diff=None)
    criteria = SelectionCriteria(
        baseline=None, max_fold_std=None, min_test_rows=0, **rules_off
    )
    config = fast_config(criteria=criteria)
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"])
    validate_manifest(manifest)
    record = manifest["symbols"]["BRENT"]
    assert {c["status"] for c in record["candidates"]} == {"failed"}
    assert all(c["model_file"] is None for c in record["candidates"])
    assert record["selected"] is None
    assert "was selected, but its model file could not be saved" in record["why_none"]
    assert "no safe format" in record["why_none"]
    assert manifest["summary"]["model_success_rate"] == 0.0


def _plot_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted((folder / "plots").glob("*.png"))}


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_workers_plots_are_those_of_the_manifest(tmp_path, config, n_jobs):
    # each worker draws its own symbols' plots; they must be, byte for byte, what
    # write_plots draws from the finished manifest
    manifest = train_panel(
        out_dir=tmp_path / "run",
        config=config,
        symbols=SYMBOLS,
        n_jobs=n_jobs,
        backend="multiprocessing",
    )
    from skfix.reporting import write_plots

    write_plots(manifest, tmp_path / "redrawn")
    drawn = _plot_bytes(tmp_path / "run")
    assert {name.split("_")[0] for name in drawn} >= set(SYMBOLS)
    assert drawn == _plot_bytes(tmp_path / "redrawn")


def test_plots_the_panel_correction_changes_are_drawn_again(tmp_path, config, monkeypatch):
    # the workers draw from the record before the correction across symbols; where
    # that correction changes what is deployed, the plots must follow the manifest
    import skfix.training._manifest as building

    correct = building.apply_panel_correction

    def nothing_deployed(symbols, criteria):
        symbols, panel = correct(symbols, criteria)
        for record in symbols.values():
            record.selected = None
        return symbols, panel

    symbols = ["BAA", "IBM"]  # BAA deploys persistence
    monkeypatch.setattr(building, "apply_panel_correction", nothing_deployed)
    plain = train_panel(out_dir=tmp_path / "plain", config=config, symbols=symbols)
    assert not any(entry["selected"] for entry in plain["symbols"].values())
    from skfix.reporting import write_plots

    write_plots(plain, tmp_path / "redrawn")
    assert _plot_bytes(tmp_path / "plain") == _plot_bytes(tmp_path / "redrawn")
    # and the check is not idle: with the deployment, the scores plot differs
    monkeypatch.setattr(building, "apply_panel_correction", correct)
    deployed = train_panel(out_dir=tmp_path / "deployed", config=config, symbols=symbols)
    changed = [s for s, e in deployed["symbols"].items() if e["selected"]]
    assert changed == ["BAA"]
    assert (
        _plot_bytes(tmp_path / "deployed")[f"{changed[0]}_scores.png"]
        != _plot_bytes(tmp_path / "plain")[f"{changed[0]}_scores.png"]
    )


def test_plots_a_worker_could_not_draw_are_drawn_at_the_end(tmp_path, config, monkeypatch):
    import skfix.reporting._plots as plots

    draw, calls = plots.symbol_plots, []

    def fails_in_the_worker(symbol, entry, names):
        calls.append(symbol)
        if len(calls) <= len(SYMBOLS):  # each symbol's first drawing: in its worker
            raise RuntimeError("no fonts here")
        return draw(symbol, entry, names)

    monkeypatch.setattr(plots, "symbol_plots", fails_in_the_worker)
    manifest = train_panel(out_dir=tmp_path / "run", config=config, symbols=SYMBOLS)
    assert sorted(calls) == sorted(SYMBOLS * 2)  # drawn again where the run is driven
    monkeypatch.setattr(plots, "symbol_plots", draw)
    plots.write_plots(manifest, tmp_path / "redrawn")
    assert _plot_bytes(tmp_path / "run") == _plot_bytes(tmp_path / "redrawn")
