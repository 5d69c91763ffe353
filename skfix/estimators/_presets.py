"""Named parameter sets: skfix's regularized defaults and the legacy values."""

from ._lstm import LSTM_PRESETS
from ._mlp import MLP_PRESETS
from ._naive import MajorityClassifier, PersistenceClassifier

# The legacy values are those of the original training run, kept so that anyone can
# rerun the before/after comparison. They differ from skfix's defaults only where the
# training fixes changed them.
# The "skfix" presets are the estimators' own defaults, spelled out.
PRESETS = {
    "skfix": {
        "logistic": {"C": 0.1, "l1_ratio": 1.0},
        "rf": {"max_depth": 10, "min_samples_split": 20, "min_samples_leaf": 10},
        "xgb": {"max_depth": 4, "min_child_weight": 5, "subsample": 0.7},
        "mlp": MLP_PRESETS["skfix"],
        "lstm": LSTM_PRESETS["skfix"],
    },
    "legacy": {
        # The original run had no linear model: its defaults in both presets.
        "logistic": {},
        "rf": {"max_depth": 15, "min_samples_split": 10, "min_samples_leaf": 5},
        "xgb": {"max_depth": 6, "min_child_weight": 3, "subsample": 0.8},
        "mlp": MLP_PRESETS["legacy"],
        "lstm": LSTM_PRESETS["legacy"],
    },
}

# The naive rules a user could use instead of a model. They compete with the models
# in skfix train; they learn nothing to regularize, so they have no preset, no grid
# and no augmenter.
NAIVE_RULES = {
    "majority": MajorityClassifier,
    "persistence": PersistenceClassifier,
}
