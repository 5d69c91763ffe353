"""Importing this module imports what training a symbol needs: scikit-learn,
imbalanced-learn, skops and skfix's training code (about two seconds of CPU).

The fork server of ``--backend multiprocessing`` preloads it by name, and
:func:`skfix._workers.import_training` imports it into loky and Dask workers; a Dask
worker started with ``--preload skfix.preload`` imports it when it starts.
"""

from . import estimators, features, persistence, selection  # noqa: F401
from ._optional import import_skops
from .training import _resume  # noqa: F401

import_skops()
