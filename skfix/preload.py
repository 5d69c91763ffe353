"""Load what training a symbol needs into a Dask worker or scheduler when it starts.

A worker otherwise imports scikit-learn, imbalanced-learn, skops and skfix's training
code when its first symbol arrives: about two seconds, paid inside the run. The
scheduler unpickles every task's arguments (the run's configuration among them), so it
imports skfix too when the first symbol is submitted, and every task waits for it.
Started with this module as a preload, a long-lived cluster pays that once, before any
run::

    dask scheduler --preload skfix.preload
    dask worker tcp://10.0.0.5:8786 --nthreads 1 --preload skfix.preload

Importing the module is all it does; it changes no setting of the worker or scheduler.
"""

from . import estimators, features, persistence, selection  # noqa: F401
from ._optional import import_skops
from .training import _resume  # noqa: F401

import_skops()
