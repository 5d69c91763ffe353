"""Load what training a symbol needs into a Dask worker when the worker starts.

A worker otherwise imports scikit-learn, imbalanced-learn, skops (which imports torch
while it lists scikit-learn's estimators) and skfix's training code when its first
symbol arrives: about three seconds, paid inside the run. Started with this module as a
preload, a long-lived worker pays it once, before any run::

    dask worker tcp://10.0.0.5:8786 --nthreads 1 --preload skfix.preload

Importing the module is all it does; it changes no setting of the worker.
"""

import skops.io  # noqa: F401

from . import estimators, features, persistence, selection  # noqa: F401
from .training import _resume  # noqa: F401
