"""Classifiers with regularized defaults, each a full scikit-learn estimator."""

from ._boosting import RegularizedXGBClassifier
from ._forest import RegularizedRandomForestClassifier
from ._presets import ESTIMATORS, PRESETS, make_estimator

__all__ = [
    "ESTIMATORS",
    "PRESETS",
    "RegularizedRandomForestClassifier",
    "RegularizedXGBClassifier",
    "make_estimator",
]
