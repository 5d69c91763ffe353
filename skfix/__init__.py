"""skfix: scikit-learn-compatible classifiers for small, noisy, time-ordered data.

The top level exposes the JSON helpers; models, data, features and augmentation live in
their own subpackages (``skfix.estimators``, ``skfix.datasets``, ``skfix.features``,
``skfix.augment``), imported on first use so that ``import skfix`` stays light.
"""

import importlib

from ._json import SkfixJSONWarning, dump_json, to_jsonable

__version__ = "0.1.0"

_SUBMODULES = (
    "augment",
    "datasets",
    "economics",
    "estimators",
    "features",
    "monitoring",
    "persistence",
    "reporting",
    "selection",
)
# Public functions that live in a subpackage, imported on first use.
_LAZY = {"load_deployment": "persistence"}

__all__ = [
    "SkfixJSONWarning",
    "__version__",
    "dump_json",
    "load_deployment",
    "to_jsonable",
    *_SUBMODULES,
]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"skfix.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(f"skfix.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'skfix' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
