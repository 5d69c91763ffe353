"""Where the symbols of a run train: joblib's local backends or a Dask cluster."""

import contextlib
import os

from .._optional import import_distributed
from .._workers import (  # noqa: F401 - WorkerLostError: skfix.training's
    WorkerLostError,
    exit_with_parent,
    loky_config,
    process_pool_context,
    wait_for_loky_workers,
)
from ._config import ConfigError


@contextlib.contextmanager
def _backend(backend, scheduler, n_jobs):
    """The joblib backend name and worker count, with a Dask client when asked."""
    if backend != "dask":
        if backend not in ("loky", "multiprocessing"):
            raise ConfigError(
                f"backend must be 'loky', 'multiprocessing' or 'dask'; found {backend!r}."
            )
        yield backend, 1 if n_jobs is None else n_jobs
        return
    distributed = import_distributed()
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if isinstance(scheduler, Client):
        yield "dask", -1 if n_jobs is None else n_jobs
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
        del client  # joblib's dask backend finds the current client
        yield "dask", -1 if n_jobs is None else n_jobs


def _as_finished(function, calls, backend, n_jobs):
    """``function(*call)`` for every call, yielded as each finishes.

    The calls start in the order given. joblib runs them (loky, Dask), except
    ``"multiprocessing"``: joblib's multiprocessing backend returns results only all
    together at the end, so Python's own process pool runs those, its workers forked
    from a fork server that imported the training libraries once
    (:func:`skfix._workers.process_pool_context`), instead of importing them again.
    """
    if backend == "multiprocessing":
        yield from _process_pool(function, calls, n_jobs)
        return
    from joblib import Parallel, delayed, parallel_config

    if backend == "loky":
        wait_for_loky_workers()  # if `skfix train` started them early
        # the same configuration as the early start: joblib reuses those workers
        config = loky_config(n_jobs)
    else:  # Dask's workers belong to their cluster
        config = parallel_config(backend=backend, n_jobs=n_jobs)
    with config:
        yield from Parallel(return_as="generator_unordered")(
            delayed(function)(*call) for call in calls
        )


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
