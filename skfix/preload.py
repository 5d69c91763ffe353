"""Load what training a symbol needs into a Dask worker when it starts.

A worker otherwise imports scikit-learn, imbalanced-learn, skops and skfix's training
code (and matplotlib, with which it draws its own symbols' plots) during the run
(``skfix train --scheduler`` has it start as soon as the command starts): about two
seconds of CPU, on the cores the training needs. Started with this module as a
preload, a long-lived cluster pays that once, before any run::

    dask worker tcp://10.0.0.5:8786 --nthreads 1 --preload skfix.preload

Importing the module imports nothing heavy: the work is in :func:`dask_setup`, which
Dask calls in each worker process as it starts. ``dask worker`` also imports every
``--preload`` module in its own process, the nanny, to check the command line; the
nanny trains nothing and so stays light (before, it held the same 170 MB of libraries
as the worker). The scheduler needs no preload: a symbol's task reaches it as a light
function of :mod:`skfix._workers` and bytes, which it passes on without importing any
of this; given one anyway, a scheduler or a nanny imports nothing.
"""

import importlib


def dask_setup(server):
    """Dask's preload hook: a worker imports what training and drawing a symbol's
    plots need; any other server (a scheduler, a nanny) nothing. It changes no
    setting of the server."""
    from distributed import Worker

    if isinstance(server, Worker):
        from . import _training_imports  # noqa: F401
        from ._workers import PLOT_LIBRARIES

        for library in PLOT_LIBRARIES:  # each worker draws its own symbols' plots
            importlib.import_module(library)
