"""The run's worker processes: started early, reused, ended; malloc inside a task."""

import time

import pytest

from skfix import _workers
from skfix.training import TrainConfig, train_panel
from tests.training.conftest import fast_config, without_time

SYMBOLS = ["BRENT", "IBM"]


def _executor():
    from joblib.externals.loky import reusable_executor

    return reusable_executor._executor


def test_workers_started_early_are_the_ones_the_run_uses(tmp_path):
    import psutil

    # with a neural net among the models, whose libraries the early start imports too
    config = fast_config(models=("rf", "mlp"))

    serial = train_panel(out_dir=tmp_path / "serial", config=config, symbols=SYMBOLS)
    _workers.start_loky_workers(2, config.models)
    _workers.wait_for_loky_workers()
    started = _executor()
    pids = set(started._processes)
    assert len(pids) == 2
    # each worker imported the training code before any symbol reached it
    parallel = train_panel(
        out_dir=tmp_path / "parallel", config=config, symbols=SYMBOLS, n_jobs=2
    )
    assert without_time(parallel) == without_time(serial)
    assert _executor() is started and set(started._processes) == pids
    _workers.stop_loky_workers()
    alive = [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]
    assert psutil.wait_procs(alive, timeout=10)[1] == []


def test_stop_without_workers_does_nothing():
    _workers.stop_loky_workers()
    _workers.wait_for_loky_workers()  # nothing was started


class _Libc:
    """Records glibc's malloc calls instead of making them."""

    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("malloc_trim", pad))
        return 1


def test_roomy_malloc_inside_a_task_then_the_workers_setting_back(monkeypatch):
    libc = _Libc()
    monkeypatch.setattr(_workers, "_glibc", lambda: libc)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with _workers.roomy_malloc():
        inside = list(libc.calls)
    mmap, trim = _workers._M_MMAP_THRESHOLD, _workers._M_TRIM_THRESHOLD
    assert inside == [("mallopt", mmap, 32 << 20), ("mallopt", trim, 64 << 20)]
    assert libc.calls[2:] == [
        ("mallopt", trim, 65536),
        ("mallopt", mmap, 128 << 10),
        ("malloc_trim", 0),
    ]
    # set back even when the task fails
    libc.calls.clear()
    with pytest.raises(RuntimeError), _workers.roomy_malloc():
        raise RuntimeError("the task failed")
    assert libc.calls[-1] == ("malloc_trim", 0)


def test_roomy_malloc_changes_nothing_without_the_variable(monkeypatch):
    libc = _Libc()
    monkeypatch.setattr(_workers, "_glibc", lambda: libc)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with _workers.roomy_malloc():
        pass
    assert libc.calls == []


def test_roomy_malloc_on_this_machines_c_library(monkeypatch):
    if _workers._glibc() is None:
        pytest.skip("not glibc: roomy_malloc does nothing here")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    import numpy as np

    with _workers.roomy_malloc():
        arrays = [np.ones(40_000) for _ in range(20)]  # 320 kB each
    assert sum(float(a.sum()) for a in arrays) == 800_000.0


def test_a_process_pool_left_early_ends_its_workers_at_once(tmp_path):
    # Ctrl-C, or a run that stops reading results: each worker would otherwise take the
    # symbol already queued for it and train it to the end before the command exits
    import psutil

    from skfix.training._backend import _process_pool
    from tests.training._crash import sleep_then_pid

    calls = [(0.0, tmp_path)] + [(60.0, tmp_path)] * 4
    results = _process_pool(sleep_then_pid, calls, 2)
    next(results)  # the quick one
    deadline = time.monotonic() + 30
    while len(list(tmp_path.iterdir())) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # both workers busy with a long call
    pids = {int(path.name.split("-")[0]) for path in tmp_path.iterdir()}
    assert len(pids) == 2
    workers = [psutil.Process(pid) for pid in pids]  # before they can be gone
    results.close()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


@pytest.mark.parametrize("backend", ["multiprocessing", "loky"])
def test_a_worker_killed_mid_symbol_ends_the_run_with_a_clear_error(tmp_path, backend):
    from skfix.estimators import ModelFamily, register_model_family
    from skfix.training import WorkerLostError
    from tests.training._crash import WorkerKillingClassifier

    register_model_family(
        ModelFamily("killer", WorkerKillingClassifier, min_rows=50), replace=True
    )
    config = TrainConfig(
        models=("rf", "killer"),
        model_params={"rf": {"n_estimators": 10}},
        tuning={"enabled": False},
    )
    with pytest.raises(WorkerLostError, match=r"0 of 2 symbols .* --resume"):
        train_panel(
            out_dir=tmp_path, config=config, symbols=SYMBOLS, n_jobs=2, backend=backend
        )


@pytest.mark.slow
def test_a_dask_worker_killed_mid_symbol_ends_the_run_with_a_clear_error(tmp_path):
    import dask
    from distributed import Client, LocalCluster

    from skfix.estimators import ModelFamily, register_model_family
    from skfix.training import WorkerLostError
    from tests.training._crash import WorkerKillingClassifier

    register_model_family(
        ModelFamily("killer", WorkerKillingClassifier, min_rows=50), replace=True
    )
    config = TrainConfig(models=("logistic", "killer"), tuning={"enabled": False})
    # no second try on another worker: the scheduler gives the task up at once
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with (
            LocalCluster(
                n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            with pytest.raises(WorkerLostError, match=r"of 2 symbols .* --resume"):
                train_panel(
                    out_dir=tmp_path,
                    config=config,
                    symbols=SYMBOLS,
                    backend="dask",
                    scheduler=client,
                )


def test_the_fork_server_preloads_the_run_families_libraries(monkeypatch):
    from multiprocessing import forkserver

    server = forkserver._forkserver
    monkeypatch.setattr(server, "_preload_modules", server._preload_modules)
    assert _workers.family_libraries(("logistic", "rf")) == []
    assert _workers.family_libraries(("xgb", "lstm")) == ["skorch", "torch", "xgboost"]
    assert _workers.family_libraries() == ["skorch", "torch", "xgboost"]
    _workers.process_pool_context(("logistic", "mlp"))
    assert server._preload_modules == ["skfix._training_imports", "skorch", "torch"]
    _workers.process_pool_context()  # the Python API's pool: skfix's code only
    assert server._preload_modules == ["skfix._training_imports"]
    # a run that draws plots: each worker draws its own symbols', with matplotlib
    _workers.process_pool_context(("logistic",), plots=True)
    assert server._preload_modules == [
        "skfix._training_imports",
        "matplotlib.figure",
        "matplotlib.backends.backend_agg",
    ]


def _profiling(dask_worker):
    return dask_worker.periodic_callbacks["profile"].is_running()


def _profiling_while_paused():
    from distributed import get_worker

    worker = get_worker()
    with _workers.dask_profiler_paused():
        with _workers.dask_profiler_paused():  # a second symbol on the same worker
            time.sleep(0.3)  # the pause reaches the worker's event loop
            inner = _profiling(worker)
        time.sleep(0.3)
        outer = _profiling(worker)
    return inner, outer


def test_a_dask_worker_pauses_its_profiler_while_a_symbol_trains():
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            assert list(client.run(_profiling).values()) == [True]
            # paused while any symbol trains here, resumed when the last one ends
            assert client.submit(_profiling_while_paused).result() == (False, False)
            time.sleep(0.3)
            assert list(client.run(_profiling).values()) == [True]
    with _workers.dask_profiler_paused():  # not on a worker: nothing to pause
        pass


@pytest.mark.slow
def test_the_workers_of_a_dask_cluster_import_the_libraries_early():
    from distributed import Client, LocalCluster

    def _has_scikit_learn():  # sent by value: importing this module imports sklearn
        import sys

        return "sklearn" in sys.modules

    def _has_matplotlib():
        import sys

        return "matplotlib.figure" in sys.modules

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            assert list(client.run(_has_scikit_learn).values()) == [False]
            _workers.start_dask_imports(cluster.scheduler_address, ["logistic"])
            _workers.wait_for_dask_imports()
            assert list(client.run(_has_scikit_learn).values()) == [True]
            assert list(client.run(_has_matplotlib).values()) == [False]
            _workers.start_dask_imports(cluster.scheduler_address, ["logistic"], True)
            _workers.wait_for_dask_imports()
            assert list(client.run(_has_matplotlib).values()) == [True]
    # a cluster that is not there: the run itself reports it, nothing is raised here
    _workers.start_dask_imports("tcp://127.0.0.1:9", ["logistic"], timeout=2)
    _workers.wait_for_dask_imports()
