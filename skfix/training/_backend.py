"""Where the symbols of a run train: joblib's local backends or a Dask cluster."""

import contextlib
import os
import threading
import time

from .._optional import import_distributed
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
    together at the end, so Python's own process pool runs those, with its default
    start method (``fork`` on Linux up to Python 3.13: a worker starts as a copy of
    this process, its imports already done, instead of importing them again).
    """
    if backend == "multiprocessing":
        yield from _process_pool(function, calls, n_jobs)
        return
    from joblib import Parallel, delayed, parallel_config

    # loky's workers, like the process pool's, end with the run that started them
    # (Dask's belong to their cluster)
    orphans = {"initializer": exit_with_parent, "initargs": (os.getpid(),)}
    with parallel_config(
        backend=backend, n_jobs=n_jobs, **(orphans if backend == "loky" else {})
    ):
        yield from Parallel(return_as="generator_unordered")(
            delayed(function)(*call) for call in calls
        )


# How often a worker checks that the process that started it is still there.
_PARENT_POLL_SECONDS = 0.5


def exit_with_parent(parent_pid):
    """Worker initializer: end this worker process as soon as ``parent_pid`` is gone.

    A run killed with SIGKILL (or out of memory) cleans nothing up. Its loky workers
    were left blocked, one writing a result into a pipe nobody reads any more, the
    other waiting for that pipe's lock, each holding hundreds of MB for as long as the
    machine ran. A daemon thread of each worker checks twice a second that the process
    that started it is still its parent (a worker started through a fork server, whose
    parent is that server, watches the server) and that ``parent_pid`` still exists,
    and ends the worker at once when either is gone; a worker stopped cleanly never
    sees it.
    """
    parent = os.getppid()

    def alive():
        if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
            return True
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, under another user (a reused pid)
            return False
        return True

    def watch():
        while os.getppid() == parent and alive():
            time.sleep(_PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="skfix-exit-with-parent", daemon=True).start()


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
        max_workers=workers, initializer=exit_with_parent, initargs=(os.getpid(),)
    )
    try:
        futures = [pool.submit(function, *call) for call in calls]
        for future in as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
