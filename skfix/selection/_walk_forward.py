"""Out-of-sample predictions over walk-forward folds: every row once, from its past."""

import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone

from .._compat import _check_method_params
from ._split import PurgedWalkForwardSplit, _n_rows

_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


def _take(X, idx):
    """Rows ``idx`` of an array, a DataFrame or a list, keeping the container type."""
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    return X[idx] if hasattr(X, "shape") else np.asarray(X)[idx]


def check_walk_forward_folds(folds, n_samples):
    """Check that folds are walk-forward: each window after its training rows, once.

    Parameters
    ----------
    folds : list of (train, validation)
        Row positions.
    n_samples : int
        Number of rows.

    Returns
    -------
    folds : list of (ndarray, ndarray)
        The folds as integer arrays.

    Raises
    ------
    ValueError
        Naming the first fold that trains on a row at or after its validation window,
        has an empty window, or validates a row another window already validated.
    """
    checked, seen = [], np.zeros(n_samples, dtype=bool)
    for i, (train, val) in enumerate(folds):
        train, val = np.asarray(train, dtype=int), np.asarray(val, dtype=int)
        if val.size == 0:
            raise ValueError(f"fold {i} has an empty validation window.")
        if (
            val.min() < 0
            or val.max() >= n_samples
            or (train.size and (train.min() < 0 or train.max() >= n_samples))
        ):
            raise ValueError(f"fold {i} has row positions outside 0..{n_samples - 1}.")
        if train.size and train.max() >= val.min():
            raise ValueError(
                f"fold {i} trains on row {int(train.max())}, at or after the start of "
                f"its validation window (row {int(val.min())}): walk-forward "
                "predictions must come from a model fitted on earlier rows only. Use a "
                "time-ordered splitter such as PurgedWalkForwardSplit."
            )
        if seen[val].any():
            raise ValueError(
                f"fold {i} validates row {int(val[seen[val]][0])}, which an earlier fold "
                "already validated: every row must be predicted at most once."
            )
        seen[val] = True
        checked.append((train, val))
    if not checked:
        raise ValueError("the splitter gave no fold.")
    return checked


def _enforce_classes(predictions, fold_classes, classes, method):
    """Probability-like columns in the order of every class of ``y``."""
    if method == "predict" or predictions.ndim == 1:
        return predictions
    if len(fold_classes) == len(classes) and np.all(fold_classes == classes):
        return predictions
    fill = -np.inf if method == "predict_log_proba" else 0.0
    full = np.full((predictions.shape[0], len(classes)), fill)
    full[:, np.searchsorted(classes, fold_classes)] = predictions
    return full


def fit_fold(estimator, X, y, train, val, *, method="predict", scorer=None, params=None):
    """Fit a clone on ``train``, predict ``val``; optionally score the training rows.

    Returns
    -------
    fold : dict
        ``estimator`` (the fitted clone), ``predictions`` on the window and
        ``train_score`` (None without ``scorer``).
    """
    fitted = clone(estimator)
    fit_params = _check_method_params(X, params=params or {}, indices=train)
    X_train, y_train = _take(X, train), y[train]
    fitted.fit(X_train, y_train, **fit_params)
    predictions = np.asarray(getattr(fitted, method)(_take(X, val)))
    train_score = None if scorer is None else float(scorer(fitted, X_train, y_train))
    return {"estimator": fitted, "predictions": predictions, "train_score": train_score}


def walk_forward_predict(
    estimator, X, y, *, cv=None, method="predict", n_jobs=None, params=None
):
    """Out-of-sample predictions of every validation window of a walk-forward split.

    The counterpart of :func:`sklearn.model_selection.cross_val_predict` for splits
    that are not partitions: a clone of ``estimator`` is fitted on each fold's training
    rows and predicts that fold's validation window. Every row is predicted at most
    once, by a model fitted only on rows before it; rows that no window covers (the
    first training rows, purged gaps) get no prediction. Pooled, these predictions
    are an honest sample of how the modelling procedure does on data it has not seen,
    several times larger than one final test window.

    Parameters
    ----------
    estimator : estimator object
        Cloned for every fold, never fitted in place.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Rows in time order.
    y : array-like of shape (n_samples,)
        Labels.
    cv : int, cross-validator or iterable of (train, validation), default=None
        ``None`` is ``PurgedWalkForwardSplit(5)``; an int sets its ``n_splits``. The
        folds are checked: a fold that trains on a row at or after its validation
        window, or validates a row twice, raises ``ValueError``.
    method : {"predict", "predict_proba", "predict_log_proba", \
"decision_function"}, default="predict"
        The estimator method whose output is returned.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).
    params : dict, default=None
        Fit parameters; those with one value per row (``sample_weight``) are sliced
        to each fold's training rows.

    Returns
    -------
    indices : ndarray of int of shape (n_predicted,)
        Positions of the predicted rows, in time order.
    predictions : ndarray of shape (n_predicted,) or (n_predicted, n_classes)
        The output of ``method`` for those rows; probability columns follow
        ``np.unique(y)`` even when a fold's training rows lacked a class.

    Raises
    ------
    ValueError
        If the folds are not walk-forward, or a parameter is invalid.

    See Also
    --------
    PurgedWalkForwardSplit : The splitter it uses by default.
    sklearn.model_selection.cross_val_predict : The same for partitions.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfix.selection import PurgedWalkForwardSplit, walk_forward_predict
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> idx, pred = walk_forward_predict(
    ...     LogisticRegression(), X, y, cv=PurgedWalkForwardSplit(n_splits=5, gap=1)
    ... )
    >>> int(idx[0]), len(idx), round(float(np.mean(pred == y[idx])), 2)
    (20, 100, 0.94)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    y = np.asarray(y)
    n_samples = _n_rows(X)
    if len(y) != n_samples:
        raise ValueError(
            f"X and y have different numbers of rows: {n_samples} and {len(y)}."
        )
    if cv is None or isinstance(cv, numbers.Integral):
        cv = PurgedWalkForwardSplit(5 if cv is None else cv)
    splits = cv.split(X, y) if hasattr(cv, "split") else cv
    folds = check_walk_forward_folds(list(splits), n_samples)
    fitted = Parallel(n_jobs=n_jobs)(
        delayed(fit_fold)(estimator, X, y, train, val, method=method, params=params)
        for train, val in folds
    )
    classes = np.unique(y)
    order = np.argsort([val.min() for _, val in folds], kind="stable")
    indices = np.concatenate([folds[i][1] for i in order])
    predictions = np.concatenate(
        [
            _enforce_classes(
                fitted[i]["predictions"],
                getattr(fitted[i]["estimator"], "classes_", classes),
                classes,
                method,
            )
            for i in order
        ]
    )
    sort = np.argsort(indices, kind="stable")
    return indices[sort], predictions[sort]
