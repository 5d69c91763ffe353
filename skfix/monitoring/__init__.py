"""Training monitors: overfitting, NaN loss, divergence and exploding gradients.

One protocol, three implementations: :class:`SkorchMonitor` (a skorch callback for
the neural nets), :class:`XGBoostMonitor` (an XGBoost training callback) and
:class:`ForestMonitor` / :func:`check_forest_overfitting` (a post-fit out-of-bag
check for random forests). All record :class:`TrainingEvent` objects and issue each
one as a :class:`TrainingWarning`. The skorch and XGBoost monitors are imported on
first use, so that ``import skfix.monitoring`` needs neither library.
"""

import importlib

from ._events import EVENT_KINDS, TrainingEvent, TrainingMonitor, TrainingWarning
from ._forest import ForestMonitor, check_forest_overfitting

_LAZY = {
    "SkorchMonitor": ("._skorch", "skorch and torch", "pip install torch skorch"),
    "XGBoostMonitor": ("._xgboost", "xgboost", "pip install xgboost"),
}

__all__ = [
    "EVENT_KINDS",
    "ForestMonitor",
    "SkorchMonitor",
    "TrainingEvent",
    "TrainingMonitor",
    "TrainingWarning",
    "XGBoostMonitor",
    "check_forest_overfitting",
]


def __getattr__(name):
    if name in _LAZY:
        module, packages, command = _LAZY[name]
        try:
            return getattr(importlib.import_module(module, __name__), name)
        except ImportError as exc:
            raise ImportError(
                f"skfix.monitoring.{name} needs {packages}; install them with `{command}`."
            ) from exc
    raise AttributeError(f"module 'skfix.monitoring' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
