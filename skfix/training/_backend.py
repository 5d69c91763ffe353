"""Where the symbols of a run train: joblib's local backends or a Dask cluster."""

import contextlib
import os

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
