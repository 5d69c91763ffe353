"""Load what training a symbol needs into a Dask worker when the worker starts.

A worker otherwise imports scikit-learn, imbalanced-learn, skops and skfix's training
code when its first symbol arrives: about two seconds, paid inside the run. Started
with this module as a preload, a long-lived worker pays it once, before any run::

    dask worker tcp://10.0.0.5:8786 --nthreads 1 --preload skfix.preload

Importing the module is all it does; it changes no setting of the worker.
"""

from . import estimators, features, persistence, selection  # noqa: F401
from ._optional import import_skops
from .training import _resume  # noqa: F401

import_skops()
