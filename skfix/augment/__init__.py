"""Data augmentation as imbalanced-learn resamplers: fit time only, never the future.

Put a resampler from here first in an :class:`imblearn.pipeline.Pipeline`; it then
augments the training rows when the pipeline is fitted and never touches the rows the
pipeline predicts on, validates on or is tested on. Or give it to a skfix estimator's
``augmenter`` parameter: the estimator then augments its own training rows inside
``fit`` (:func:`resample_training_rows`), after any early-stopping split.
"""

from skfix.augment._fit_time import resample_training_rows
from skfix.augment._time_series import TimeSeriesAugmenter

__all__ = ["TimeSeriesAugmenter", "resample_training_rows"]
