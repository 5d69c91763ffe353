"""The worker processes of a run: started early, ended with the run.

Kept apart from :mod:`skfix.training`, whose import brings scikit-learn,
imbalanced-learn and skfix's models: ``skfix train --n-jobs N`` starts its loky workers
from here before it imports any of that, so that the workers' imports and its own run
at the same time instead of one after the other.
"""

import contextlib
import os
import threading
import time


class WorkerLostError(RuntimeError):
    """A worker process of a run ended while it trained a symbol.

    Killed (often by the system, for lack of memory) or crashed in native code: the
    symbol it trained has no result, and the process pool cannot go on. The symbols
    finished before it are kept in the run's folder, so ``--resume`` trains the rest.
    """


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


def loky_config(n_jobs):
    """joblib's configuration of a run's loky workers.

    The same for the early start (:func:`start_loky_workers`) and the run itself, so
    that joblib reuses the workers already started instead of starting new ones.
    """
    from joblib import parallel_config

    return parallel_config(
        backend="loky",
        n_jobs=n_jobs,
        # loky's workers, like the process pool's, end with the run that started them
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


# The libraries of the built-in families beyond scikit-learn's, imported by a worker
# before its first symbol when the run may use them.
FAMILY_LIBRARIES = {
    "xgb": ("xgboost",),
    "mlp": ("torch", "skorch"),
    "lstm": ("torch", "skorch"),
}
# What drawing a symbol's plots imports (matplotlib without pyplot), imported by a
# worker before its first symbol when the run draws plots.
PLOT_LIBRARIES = ("matplotlib.figure", "matplotlib.backends.backend_agg")


def import_training(models=None, plots=False):
    """Worker task: import what training a symbol needs; returns the worker's pid.

    ``models``: the run's model families, or None when not known yet (every built-in
    family's libraries, when installed); ``plots``: whether the run draws plots, which
    each worker does for its own symbols (matplotlib). With ``psutil`` installed, a
    loky worker measures its memory after its first task and restarts itself once it
    has grown by 300 MB more (its guard against leaks): the first task must leave the worker
    holding every library its symbols will import, torch's 300 MB among them, or the
    first symbol with a neural net would restart it.
    """
    import importlib

    from . import _training_imports  # noqa: F401 - scikit-learn, skops, training code

    for library in family_libraries(models, plots):
        with contextlib.suppress(ImportError):
            importlib.import_module(library)
    return os.getpid()


def family_libraries(models=None, plots=False):
    """The libraries beyond scikit-learn's that ``models`` need (every built-in
    family's when None), in a fixed order; with ``plots``, matplotlib's too."""
    wanted = FAMILY_LIBRARIES if models is None else models
    libraries = sorted({lib for m in wanted for lib in FAMILY_LIBRARIES.get(m, ())})
    return libraries + list(PLOT_LIBRARIES if plots else ())


class _Background:
    """One job of the run in a background thread, while this process does other work:
    started anew only once the previous one is done, waited for before it is needed."""

    def __init__(self, name):
        self.name = name
        self._thread = None

    def start(self, target):
        self.wait()
        self._thread = threading.Thread(target=target, name=self.name, daemon=True)
        self._thread.start()

    def wait(self):
        if self._thread is not None:
            self._thread.join()
            self._thread = None


# starting the loky workers; the Dask workers importing the training libraries
_loky_start = _Background("skfix-start-workers")
_dask_imports = _Background("skfix-dask-imports")


def start_loky_workers(n_jobs, models=None, plots=False):
    """Start the loky workers of ``n_jobs`` now, in a background thread.

    Each worker is a fresh Python process that imports scikit-learn, imbalanced-learn,
    skops and skfix's training code before its first symbol: about two seconds. Started
    here, at the beginning of ``skfix train``, the workers import while this process
    imports the same libraries and reads the data; the run then finds them ready
    (:func:`wait_for_loky_workers`). It changes no result: each symbol's work depends
    only on its prices and the configuration, never on the process that runs it.
    ``models`` and ``plots`` are passed to :func:`import_training`.
    """

    def start():
        from joblib import Parallel, delayed, effective_n_jobs

        # a worker that cannot start fails the run's own first call just the same,
        # with the run's error handling
        with contextlib.suppress(Exception), loky_config(n_jobs):
            workers = effective_n_jobs(n_jobs)
            if workers > 1:
                Parallel()(delayed(import_training)(models, plots) for _ in range(workers))

    _loky_start.start(start)


def wait_for_loky_workers():
    """Wait until the workers :func:`start_loky_workers` started are ready (if any)."""
    _loky_start.wait()


def stop_loky_workers():
    """End the run's loky workers now, instead of at this process's exit.

    joblib keeps its loky workers for later calls, and at exit waits for each to shut
    down cleanly (its Python teardown, about 0.4 s here). ``skfix train`` is done with
    them once the run is written: it ends them (idle, nothing to lose) and exits.
    Workers still importing (a run that stopped early, on bad input) are waited for
    first, not ended mid-task, which left loky's resource tracker printing a traceback.
    """
    from joblib.externals.loky import reusable_executor

    wait_for_loky_workers()

    executor = reusable_executor._executor
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# glibc's fixed mmap threshold once its dynamic threshold is off, and the largest the
# dynamic threshold reaches on 64-bit systems
_MMAP_DEFAULT, _MMAP_DYNAMIC_MAX = 128 * 1024, 32 * 1024 * 1024


@contextlib.contextmanager
def roomy_malloc():
    """glibc's default allocation behaviour for one symbol's training, where a worker
    was started with ``MALLOC_TRIM_THRESHOLD_`` set.

    Dask's nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536``, so that
    freed memory goes back to the system sooner. Setting it also turns off glibc's
    dynamic mmap threshold: every array of 128 kB or more (a 1,500-row feature matrix)
    is then mapped afresh and its pages faulted in at each allocation, and the top of
    the heap is trimmed at each free. A symbol's training makes many such arrays:
    one 1,500-row symbol with ``--models logistic rf``, three fits in each of three
    processes with the variable set, took 5.04 s on average without this context and
    4.76 s with it (4.87 s without the variable). Inside this context the
    thresholds are what glibc's dynamic threshold reaches (32 MB) and what the heap
    keeps (64 MB); on leaving it they are set back and the freed memory handed back to
    the system (``malloc_trim``), as the setting intends. It does nothing without the
    variable, or off glibc.
    """
    trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    libc = _glibc() if trim is not None else None
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_DYNAMIC_MAX)
    libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_DYNAMIC_MAX)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            libc.mallopt(_M_TRIM_THRESHOLD, int(trim))
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_DEFAULT)
        libc.malloc_trim(0)


def _glibc():
    """The C library through ctypes when it is glibc (it has ``mallopt``), else None."""
    import ctypes
    import ctypes.util
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc has both
    except (OSError, AttributeError):
        return None
    return libc


def process_pool_context(models=(), plots=False):
    """The start method of ``--backend multiprocessing``'s process pool.

    A fork server where the platform has one (Linux, macOS): a fresh process that
    imports what training a symbol needs (:mod:`skfix._training_imports`, and the
    libraries of ``models``' families and, with ``plots``, matplotlib's,
    :func:`family_libraries`; ``()``: none of them) once, then forks each worker from
    itself, so that no worker imports anything again. The server only imports: torch,
    imported and never run, starts no thread. It has trained nothing and run no OpenMP
    or torch thread pool, so forking it is safe, unlike forking a process that has
    (GNU OpenMP is not fork-safe). Elsewhere (Windows), None: the platform's default,
    whose workers import for themselves.
    """
    import multiprocessing

    if not has_fork_server():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["skfix._training_imports", *family_libraries(models, plots)]
    )
    return context


def has_fork_server():
    """Whether the platform has a fork server (Linux, macOS; not Windows)."""
    import multiprocessing

    return "forkserver" in multiprocessing.get_all_start_methods()


def start_fork_server(models=None, plots=False):
    """Start the fork server of :func:`process_pool_context` now, in the background.

    ``skfix train --backend multiprocessing`` calls it first thing, so that the server
    imports the training libraries, those of the run's ``models`` among them (every
    built-in family's when None) and, with ``plots``, matplotlib's, while the command
    imports them too. A server already running is kept as it is.
    """
    context = process_pool_context(models, plots)
    if context is not None:
        from multiprocessing import forkserver

        forkserver.ensure_running()


def run_dask_task(payload):
    """Run ``function(*arguments)`` from ``payload``, their cloudpickle bytes, on a Dask
    worker, with the worker's profiler paused (:func:`dask_profiler_paused`).

    The task that a Dask run submits for each symbol. The scheduler unpickles every task
    it receives; sent as a function of this light module and bytes, a task costs it no
    import, while ``skfix.training``'s function would have it import scikit-learn and
    pandas just to pass the task on. The worker unpickles the payload itself.
    """
    import pickle

    function, arguments = pickle.loads(payload)
    with dask_profiler_paused():
        return function(*arguments)


# symbols training on this Dask worker now, with its profiler paused
_profiler_pauses = 0
_profiler_lock = threading.Lock()


@contextlib.contextmanager
def dask_profiler_paused():
    """Pause the statistical profiler of the Dask worker this runs on, if any.

    A Dask worker samples the stack of every thread running a task each 10 ms
    (``distributed.worker.profile.interval``), in its event loop, holding the
    interpreter lock the task needs: on a 1,500-row symbol with the logistic regression
    and the forest, a task took 5.3-5.4 s with it and 4.9 s without. While any symbol
    trains on the worker the sampling stops; it resumes when the last one ends, so the
    dashboard's profile page shows the worker's other work, not skfix's symbols.
    Outside a Dask worker, or where the worker does not profile, it does nothing.
    """
    global _profiler_pauses
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker
        yield
        return
    profiler = getattr(worker, "periodic_callbacks", {}).get("profile")
    if profiler is None:  # profiling off, or a worker of another shape
        yield
        return
    with _profiler_lock:
        _profiler_pauses += 1
        if _profiler_pauses == 1:
            _on_loop(worker, profiler.stop)
    try:
        yield
    finally:
        with _profiler_lock:
            _profiler_pauses -= 1
            if _profiler_pauses == 0:
                _on_loop(worker, profiler.start)


def _on_loop(worker, callback):
    """Run ``callback`` on the worker's event loop, unless the worker is closing."""
    with contextlib.suppress(RuntimeError):  # its loop closed: nothing left to pause
        worker.loop.add_callback(callback)


def start_dask_imports(scheduler, models=None, plots=False, *, timeout=30):
    """Have every worker of the Dask cluster at ``scheduler`` import what training a
    symbol needs (:func:`import_training`) now, in a background thread.

    A worker started without ``--preload skfix.preload`` imports scikit-learn, skops
    and skfix's training code (about two seconds) when its first symbol arrives, after
    ``skfix train`` has imported the same and read the data. Started here, at the
    beginning of the command, the workers import while the command does. It changes no
    result; a cluster that cannot be reached within ``timeout`` seconds is left for
    the run itself to report.
    """

    def start():
        from distributed import Client

        with (
            contextlib.suppress(Exception),
            Client(scheduler, timeout=timeout, set_as_default=False) as client,
        ):
            client.run(import_training, models, plots)

    _dask_imports.start(start)


def wait_for_dask_imports():
    """Wait until the imports :func:`start_dask_imports` started are done (if any)."""
    _dask_imports.wait()
