"""Data augmentation as imbalanced-learn resamplers: fit time only, never the future.

Put a resampler from here first in an :class:`imblearn.pipeline.Pipeline`; it then
augments the training rows when the pipeline is fitted and never touches the rows the
pipeline predicts on, validates on or is tested on.
"""

from skfix.augment._time_series import TimeSeriesAugmenter

__all__ = ["TimeSeriesAugmenter"]
