"""The one way an estimator augments its own training rows inside ``fit``."""

from numbers import Integral

import numpy as np
from sklearn.base import clone

__all__ = ["resample_training_rows"]


def resample_training_rows(augmenter, X, y, *, random_state=None, lag_groups=None):
    """Augment the rows an estimator is about to train on, with a clone of a sampler.

    Every skfix estimator with an ``augmenter`` parameter calls this in ``fit`` on its
    training rows only: after XGBoost's and the nets' time-ordered early-stopping
    split, so no validation row is ever copied, and on all rows for the forest and the
    logistic regression. The sampler itself is never fitted in place.

    Parameters
    ----------
    augmenter : imbalanced-learn sampler
        Cloned, then ``fit_resample``-ed.
    X : array-like of shape (n_samples, n_features)
        The training rows, in time order.
    y : array-like of shape (n_samples,)
        Their labels.
    random_state : int, RandomState instance or None, default=None
        Seeds a clone whose ``random_state`` is None: an int is used as the seed, a
        ``RandomState`` draws one (only then), None leaves the clone unseeded.
    lag_groups : list or None, default=None
        Set on a sampler that has a ``lag_groups`` parameter (the LSTM's windows).

    Returns
    -------
    X_res, y_res : array-like
        The augmented rows, as the sampler returns them.
    fitted : sampler
        The fitted clone.
    origins : ndarray of int or None
        For each output row, the position in ``X`` of the row it was made from
        (``sample_indices_``), or None when the sampler does not record it.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.augment import TimeSeriesAugmenter, resample_training_rows
    >>> X, y = np.arange(40.0).reshape(20, 2), np.tile([0, 1], 10)
    >>> X_res, y_res, fitted, origins = resample_training_rows(
    ...     TimeSeriesAugmenter(), X, y, random_state=0
    ... )
    >>> X_res.shape, bool(np.all(y_res == y[origins]))
    ((60, 2), True)
    """
    fitted = clone(augmenter)
    params = fitted.get_params()
    if params.get("random_state", 0) is None and random_state is not None:
        if isinstance(random_state, Integral):
            seed = int(random_state)
        else:
            seed = random_state.randint(np.iinfo(np.int32).max)
        fitted.set_params(random_state=seed)
    if lag_groups is not None and "lag_groups" in params:
        fitted.set_params(lag_groups=lag_groups)
    X_res, y_res = fitted.fit_resample(X, y)
    return X_res, y_res, fitted, getattr(fitted, "sample_indices_", None)
