"""Named parameter sets: skfix's regularized defaults and the legacy values."""

import copy

from ._boosting import RegularizedXGBClassifier
from ._forest import RegularizedRandomForestClassifier
from ._linear import RegularizedLogisticRegression
from ._lstm import LSTM_PRESETS, RegularizedLSTMClassifier
from ._mlp import MLP_PRESETS, RegularizedMLPClassifier
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

ESTIMATORS = {
    "logistic": RegularizedLogisticRegression,
    "rf": RegularizedRandomForestClassifier,
    "xgb": RegularizedXGBClassifier,
    "mlp": RegularizedMLPClassifier,
    "lstm": RegularizedLSTMClassifier,
}

# The naive rules a user could use instead of a model. They compete with the models
# in skfix train; they learn nothing to regularize, so they have no preset, no grid
# and no augmenter.
NAIVE_RULES = {
    "majority": MajorityClassifier,
    "persistence": PersistenceClassifier,
}


def make_estimator(model, preset="skfix", **params):
    """Build a skfix estimator by its short name, from a named preset.

    Parameters
    ----------
    model : str
        Short name of the model: one of the keys of ``ESTIMATORS`` (``"rf"``,
        ``"xgb"``, ...).
    preset : str, default="skfix"
        Name of the parameter set in ``PRESETS``: ``"skfix"`` (the regularized
        defaults) or ``"legacy"`` (the values of the original training run).
    **params : dict
        Parameters that override the preset's, such as ``random_state``.

    Returns
    -------
    estimator : estimator object
        An unfitted estimator.

    Examples
    --------
    >>> from skfix.estimators import make_estimator
    >>> make_estimator("rf", preset="legacy", random_state=0).max_depth
    15
    """
    if model not in ESTIMATORS:
        raise ValueError(f"Unknown model {model!r}: expected one of {sorted(ESTIMATORS)}.")
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}: expected one of {sorted(PRESETS)}.")
    preset_params = copy.deepcopy(PRESETS[preset].get(model, {}))
    return ESTIMATORS[model](**{**preset_params, **params})
