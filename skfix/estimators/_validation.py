"""Checks shared by the skfix classifiers."""

import numpy as np


def check_weighted_classes(y, sample_weight, estimator_name):
    """Raise when positive sample weights leave fewer than two classes.

    A classifier cannot learn a decision from one class. scikit-learn's forest fails
    with an unrelated message in that case; naming the cause is the point of this check.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Target labels.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights; rows with weight 0 do not count.
    estimator_name : str
        Name used in the error message.
    """
    if sample_weight is None:
        return
    sample_weight = np.asarray(sample_weight)
    y = np.asarray(y)
    if sample_weight.shape != y.shape:
        return  # the estimator's own validation reports the length mismatch
    remaining = np.unique(y[sample_weight > 0])
    if remaining.size < 2:
        raise ValueError(
            f"{estimator_name} needs samples of at least two classes with a positive "
            f"sample_weight; found {remaining.size} class(es) "
            f"({remaining.tolist()}) after dropping zero-weight samples."
        )


def time_tail_split(n_samples, validation_fraction, gap):
    """Split row positions into an earlier training part and a later validation part.

    The validation part is the last ``ceil(validation_fraction * n_samples)`` rows; the
    ``gap`` rows just before it belong to neither part, so that a label whose horizon
    reaches into the validation period is never trained on.

    Parameters
    ----------
    n_samples : int
        Number of rows, in time order.
    validation_fraction : float
        Share of the rows used for validation, in (0, 1).
    gap : int
        Number of rows dropped between the two parts.

    Returns
    -------
    train : ndarray of int
        Positions of the training rows (possibly empty).
    valid : ndarray of int
        Positions of the validation rows.

    Examples
    --------
    >>> train, valid = time_tail_split(10, 0.2, gap=1)
    >>> train.tolist(), valid.tolist()
    ([0, 1, 2, 3, 4, 5, 6], [8, 9])
    """
    n_valid = int(np.ceil(validation_fraction * n_samples))
    start_valid = n_samples - n_valid
    train = np.arange(max(start_valid - gap, 0))
    valid = np.arange(start_valid, n_samples)
    return train, valid


def augment_training_rows(
    estimator, X, y, sample_weight=None, *, train=None, random_state=None, lag_groups=None
):
    """The one place a skfix estimator hands its training rows to its augmenter.

    The rows are augmented by a clone of the estimator's ``augmenter`` when it has one
    (through :func:`skfix.augment.resample_training_rows`); weights follow their rows
    to the synthetic copies. Sets ``augmenter_`` (the fitted clone, or None) and
    ``train_sample_indices_``: for each row trained on, its position in the ``X``
    given to ``fit`` (``train`` without an augmenter; None when ``train`` is None and
    there is no augmenter, every row being trained on in order, or when the augmenter
    records no ``sample_indices_``).

    Parameters
    ----------
    estimator : estimator
        Has ``augmenter``.
    X, y : array-like
        The training rows (2-D) and their labels.
    sample_weight : array-like or None, default=None
        Their weights.
    train : ndarray of int or None, default=None
        Their positions in the ``X`` given to ``fit`` (None: all of it, in order).
    random_state : int, RandomState instance or None, default=None
        Seeds an augmenter whose own ``random_state`` is None.
    lag_groups : list or None, default=None
        Passed to an augmenter that has a ``lag_groups`` parameter (the LSTM's).

    Returns
    -------
    X, y, sample_weight
        The rows to train on.

    Raises
    ------
    ValueError
        If rows are weighted and the augmenter records no ``sample_indices_``, so its
        rows cannot be traced to a weighted row.
    """
    from ..augment import resample_training_rows

    estimator.augmenter_ = None
    estimator.train_sample_indices_ = train
    if estimator.augmenter is None:
        return X, y, sample_weight
    X_res, y_res, estimator.augmenter_, origins = resample_training_rows(
        estimator.augmenter, X, y, random_state=random_state, lag_groups=lag_groups
    )
    if origins is None:
        estimator.train_sample_indices_ = None
    else:
        estimator.train_sample_indices_ = origins if train is None else train[origins]
    if sample_weight is not None:
        if origins is None:
            raise ValueError(
                f"{type(estimator).__name__} cannot weigh the rows its augmenter "
                f"{type(estimator.augmenter).__name__} adds: the augmenter sets no "
                "sample_indices_, so they cannot be traced to a weighted row."
            )
        sample_weight = np.asarray(sample_weight)[origins]
    return X_res, y_res, sample_weight
