"""The train-validation gap and the stability of a model across folds, from the
results of :func:`sklearn.model_selection.cross_validate`.

:class:`ModelSelector` judges every candidate by these two figures; they are public so
that ``cross_validate(estimator, X, y, cv=PurgedWalkForwardSplit(...),
return_train_score=True)`` in a user's own script gives exactly the figures a manifest
records.
"""

import numpy as np

__all__ = ["stability_variance", "train_validation_gap"]


def _scores(cv_results, kind, metric):
    key = f"{kind}_score" if metric is None else f"{kind}_{metric}"
    if key not in cv_results:
        hint = (
            " (pass return_train_score=True to cross_validate)" if kind == "train" else ""
        )
        raise KeyError(f"cv_results has no {key!r}{hint}; it has {sorted(cv_results)}.")
    scores = np.asarray(cv_results[key], dtype=float)
    if scores.ndim != 1 or len(scores) == 0:
        raise ValueError(f"cv_results[{key!r}] must be a non-empty list of fold scores.")
    return scores


def train_validation_gap(cv_results, *, metric=None):
    """How much better a model scores on its training rows than on its validation rows.

    Parameters
    ----------
    cv_results : dict
        What :func:`~sklearn.model_selection.cross_validate` returns with
        ``return_train_score=True`` (or any dict with ``train_score`` and
        ``test_score`` lists, one entry per fold).
    metric : str, default=None
        With several scorers, the name of the one to use (``train_<metric>``,
        ``test_<metric>``).

    Returns
    -------
    gap : float
        Mean training score minus mean validation score. A large gap is memorization:
        :class:`SelectionCriteria` rejects a candidate above ``max_gap``.

    Examples
    --------
    >>> from skfix.selection import train_validation_gap
    >>> scores = {"train_score": [0.9, 0.8], "test_score": [0.6, 0.5]}
    >>> round(train_validation_gap(scores), 3)
    0.3
    """
    train = _scores(cv_results, "train", metric)
    validation = _scores(cv_results, "test", metric)
    return float(np.mean(train) - np.mean(validation))


def stability_variance(cv_results, *, metric=None):
    """The variance of the validation scores across folds: a model's stability.

    Parameters
    ----------
    cv_results : dict
        What :func:`~sklearn.model_selection.cross_validate` returns (or any dict
        with a ``test_score`` list, one entry per fold).
    metric : str, default=None
        With several scorers, the name of the one to use (``test_<metric>``).

    Returns
    -------
    variance : float
        Population variance (``numpy.var``, ``ddof=0``) of the validation scores; its
        square root is the ``fold_std`` :class:`SelectionCriteria` reads
        (``max_fold_std``).

    Examples
    --------
    >>> from skfix.selection import stability_variance
    >>> round(stability_variance({"test_score": [0.5, 0.6, 0.7]}), 4)
    0.0067
    """
    return float(np.var(_scores(cv_results, "test", metric)))
