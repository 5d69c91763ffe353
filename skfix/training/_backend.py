"""Where the symbols of a run train: joblib's local backends or a Dask cluster."""

import contextlib
import os

from .._optional import import_distributed
from .._workers import (  # noqa: F401 - WorkerLostError: skfix.training's
    WorkerLostError,
    exit_with_parent,
    loky_config,
    process_pool_context,
    run_dask_task,
    wait_for_loky_workers,
)
from ._config import ConfigError


@contextlib.contextmanager
def _backend(backend, scheduler, n_jobs):
    """The backend name, the worker count and, for ``"dask"``, the Dask client."""
    if backend != "dask":
        if backend not in ("loky", "multiprocessing"):
            raise ConfigError(
                f"backend must be 'loky', 'multiprocessing' or 'dask'; found {backend!r}."
            )
        yield backend, 1 if n_jobs is None else n_jobs, None
        return
    distributed = import_distributed()
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if isinstance(scheduler, Client):
        yield "dask", -1 if n_jobs is None else n_jobs, scheduler
        return
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            # n_jobs -1 (the command's default) is a worker per core, as with joblib
            workers = (os.cpu_count() or 1) if n_jobs == -1 else (n_jobs or 1)
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        yield "dask", -1 if n_jobs is None else n_jobs, client


def _as_finished(function, calls, backend, n_jobs, client=None):
    """``function(*call)`` for every call, yielded as each finishes.

    The calls start in the order given. joblib's loky backend runs them for
    ``"loky"``; ``"multiprocessing"`` runs on Python's own process pool (joblib's
    multiprocessing backend returns results only all together at the end), its
    workers forked from a fork server that imported the training libraries once
    (:func:`skfix._workers.process_pool_context`) instead of importing them again;
    ``"dask"`` submits one task per call to ``client`` (:func:`_dask_tasks`).
    """
    if backend == "multiprocessing":
        yield from _process_pool(function, calls, n_jobs)
        return
    if backend == "dask":
        yield from _dask_tasks(function, calls, client)
        return
    from joblib import Parallel, delayed

    wait_for_loky_workers()  # if `skfix train` started them early
    # the same configuration as the early start: joblib reuses those workers
    with loky_config(n_jobs):
        yield from Parallel(return_as="generator_unordered")(
            delayed(function)(*call) for call in calls
        )


def _dask_tasks(function, calls, client):
    """:func:`_as_finished` on a Dask cluster: one task per call, submitted directly.

    Each task is the light :func:`skfix._workers.run_dask_task` of the call's
    cloudpickle bytes (so the scheduler imports nothing to pass it on, and the worker's
    profiler pauses while the symbol trains), with a priority that starts the calls in
    the order given wherever workers are free; results come back as each task finishes.
    (joblib's Dask backend, used before, named skfix.training's function in its tasks,
    which the scheduler imported scikit-learn to read, and ran everything in this
    process when the cluster had a single worker thread.) Tasks not yet finished are
    cancelled when the run stops early.
    """
    import uuid

    import cloudpickle

    distributed = import_distributed()
    run = uuid.uuid4().hex[:12]
    futures = [
        client.submit(
            run_dask_task,
            cloudpickle.dumps((function, call)),
            key=f"{function.__name__}-{run}-{i}",
            priority=len(calls) - i,
            pure=False,
        )
        for i, call in enumerate(calls)
    ]
    finished = False
    try:
        for future in distributed.as_completed(futures):
            try:
                result = future.result()
            except distributed.KilledWorker as exc:
                # the symbol's task ended every worker that tried it (the scheduler's
                # allowed-failures): the same ending as a process pool's lost worker
                from concurrent.futures.process import BrokenProcessPool

                raise BrokenProcessPool(str(exc)) from exc
            yield result
        finished = True
    finally:
        if not finished:
            client.cancel(futures)


def _process_pool(function, calls, n_jobs):
    """:func:`_as_finished` on a ``concurrent.futures.ProcessPoolExecutor``."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from joblib import effective_n_jobs

    workers = min(effective_n_jobs(n_jobs), len(calls))
    if workers <= 1:
        for call in calls:
            yield function(*call)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=process_pool_context(),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )
    finished = False
    try:
        futures = [pool.submit(function, *call) for call in calls]
        for future in as_completed(futures):
            yield future.result()
        finished = True
    finally:
        if not finished:
            # interrupted (Ctrl-C), or the caller stopped reading: each worker would
            # otherwise take the next symbol already queued for it and train it to the
            # end before this process could exit
            _terminate_workers(pool)
        # the idle workers end while this process writes the run (Python joins them
        # at exit); waiting here would add their teardown to every run
        pool.shutdown(wait=False, cancel_futures=True)


def _terminate_workers(pool):
    """End a process pool's workers now, whatever they are doing."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((pool._processes or {}).values()):
        process.terminate()
