"""Load what training a symbol needs into a Dask worker when it starts.

A worker otherwise imports scikit-learn, imbalanced-learn, skops and skfix's training
code during the run (``skfix train --scheduler`` has it start as soon as the command
starts): about two seconds of CPU, on the cores the training needs. Started with this
module as a preload, a long-lived cluster pays that once, before any run::

    dask worker tcp://10.0.0.5:8786 --nthreads 1 --preload skfix.preload

The scheduler needs no preload: a symbol's task reaches it as a light function of
:mod:`skfix._workers` and bytes, which it passes on without importing any of this.

Importing the module is all it does; it changes no setting of the worker or scheduler.
"""

from . import estimators, features, persistence, selection  # noqa: F401
from ._optional import import_skops
from .training import _resume  # noqa: F401

import_skops()
