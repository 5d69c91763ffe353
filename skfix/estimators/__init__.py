"""Classifiers with regularized defaults, each a full scikit-learn estimator.

torch, skorch and xgboost are imported when a model is fitted, not when this package
is imported.
"""

from ._boosting import RegularizedXGBClassifier
from ._families import (
    ESTIMATORS,
    MODEL_FAMILIES,
    NAIVE_RULES,
    PRESETS,
    ModelFamily,
    make_estimator,
    model_family,
    register_model_family,
)
from ._forest import RegularizedRandomForestClassifier
from ._linear import RegularizedLogisticRegression
from ._lstm import LSTM_PRESETS, RegularizedLSTMClassifier, lookback_windows
from ._mlp import MLP_PRESETS, RegularizedMLPClassifier
from ._naive import MajorityClassifier, PersistenceClassifier

__all__ = [
    "ESTIMATORS",
    "LSTM_PRESETS",
    "MLP_PRESETS",
    "MODEL_FAMILIES",
    "MajorityClassifier",
    "ModelFamily",
    "NAIVE_RULES",
    "PersistenceClassifier",
    "PRESETS",
    "RegularizedLSTMClassifier",
    "RegularizedLogisticRegression",
    "RegularizedMLPClassifier",
    "RegularizedRandomForestClassifier",
    "RegularizedXGBClassifier",
    "lookback_windows",
    "make_estimator",
    "model_family",
    "register_model_family",
]
