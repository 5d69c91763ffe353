"""Leak-free features and next-period labels from a price frame.

Features at row ``t`` use prices at or before ``t`` only; labels look ``horizon`` rows
ahead by design. :func:`make_dataset` aligns the two and reports every row it drops.
"""

from ._dataset import make_dataset
from ._labels import make_labels
from ._price_features import make_features, min_history
from ._transformer import LEAK_AUC, FeatureInputError, PriceFeatures, check_look_ahead

__all__ = [
    "LEAK_AUC",
    "FeatureInputError",
    "PriceFeatures",
    "check_look_ahead",
    "make_dataset",
    "make_features",
    "make_labels",
    "min_history",
]
