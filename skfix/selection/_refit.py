"""GridSearchCV integration: a gap- and stability-penalized refit rule, and scorers."""

import numpy as np
from sklearn.metrics import accuracy_score, make_scorer


class GapPenalizedRefit:
    """Pick the parameter set with the best validation score after penalties.

    The penalized score of each parameter set is ``mean validation score - gap_weight *
    max(gap, 0) - std_weight * std of validation scores``, where ``gap`` is mean train
    score minus mean validation score. Plain ``refit=True`` picks the best validation
    score, which on small noisy data rewards the deepest, most overfitted settings by
    luck; the penalties make tuning prefer regularized, stable ones. Build it with
    :func:`gap_penalized_refit`.

    Parameters
    ----------
    gap_weight : float, default=0.5
        Weight of the train-validation gap.
    std_weight : float, default=0.5
        Weight of the standard deviation of the validation scores across folds.
    metric : str, default=None
        With multi-metric ``scoring``, the metric to use; None for a single metric.
    """

    def __init__(self, gap_weight=0.5, std_weight=0.5, metric=None):
        self.gap_weight = gap_weight
        self.std_weight = std_weight
        self.metric = metric

    def __repr__(self):
        return (
            f"gap_penalized_refit(gap_weight={self.gap_weight!r}, "
            f"std_weight={self.std_weight!r}, metric={self.metric!r})"
        )

    def _key(self, cv_results, kind):
        suffix = "score" if self.metric is None else self.metric
        key = f"{kind}_{suffix}"
        if key in cv_results:
            return cv_results[key]
        if kind == "mean_train":
            raise ValueError(
                f"cv_results_ has no '{key}': the gap-penalized refit needs train scores. "
                "Pass return_train_score=True to GridSearchCV / RandomizedSearchCV."
            )
        if self.metric is None:
            raise ValueError(
                f"cv_results_ has no '{key}'; with several metrics in scoring, pass "
                "metric=<name> to gap_penalized_refit."
            )
        raise ValueError(f"cv_results_ has no '{key}': is {self.metric!r} in scoring?")

    def penalized_scores(self, cv_results):
        """Return the penalized score of every parameter set.

        Parameters
        ----------
        cv_results : dict
            A search's ``cv_results_`` with train scores.

        Returns
        -------
        scores : ndarray of shape (n_candidates,)
            NaN where a candidate's scores are missing (failed fits).
        """
        validation = np.asarray(self._key(cv_results, "mean_test"), dtype=float)
        std = np.asarray(self._key(cv_results, "std_test"), dtype=float)
        train = np.asarray(self._key(cv_results, "mean_train"), dtype=float)
        gap = np.maximum(train - validation, 0.0)
        return validation - self.gap_weight * gap - self.std_weight * std

    def __call__(self, cv_results):
        """Return the index of the best parameter set.

        Parameters
        ----------
        cv_results : dict
            A search's ``cv_results_`` with train scores.

        Returns
        -------
        best_index : int
        """
        scores = self.penalized_scores(cv_results)
        if np.all(np.isnan(scores)):
            raise ValueError("Every parameter set failed; there is nothing to refit.")
        return int(np.nanargmax(scores))


def gap_penalized_refit(gap_weight=0.5, std_weight=0.5, *, metric=None):
    """Return a ``refit`` callable for GridSearchCV that penalizes gap and instability.

    The search must use ``return_train_score=True``; the callable raises a
    ``ValueError`` saying so otherwise. ``best_score_`` is not set by scikit-learn for a
    callable refit; ``best_index_`` and ``best_params_`` are.

    Parameters
    ----------
    gap_weight : float, default=0.5
        Weight of ``max(mean train score - mean validation score, 0)``; 0.5 matches the
        selection ranking score ``test - 0.5 * gap``.
    std_weight : float, default=0.5
        Weight of the standard deviation of the validation scores across folds.
    metric : str, default=None
        With multi-metric ``scoring``, the metric whose scores to use.

    Returns
    -------
    refit : GapPenalizedRefit
        Callable ``refit(cv_results) -> best_index``.

    See Also
    --------
    PurgedWalkForwardSplit : The splitter to search with.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skfix.selection import PurgedWalkForwardSplit, gap_penalized_refit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(240, 4))
    >>> y = (X[:, 0] + rng.normal(size=240) > 0).astype(int)
    >>> search = GridSearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {"max_depth": [2, None]},
    ...     cv=PurgedWalkForwardSplit(n_splits=4),
    ...     refit=gap_penalized_refit(),
    ...     return_train_score=True,
    ... ).fit(X, y)
    >>> search.best_params_
    {'max_depth': 2}
    """
    return GapPenalizedRefit(gap_weight=gap_weight, std_weight=std_weight, metric=metric)


def excess_accuracy_score(y_true, y_pred, *, sample_weight=None):
    """Accuracy minus the share of the most frequent class in ``y_true``.

    Positive only when the predictions beat every constant prediction on the same rows,
    so a model that predicts "up" on a series that mostly rises scores about 0. The
    baseline is the window's own majority share, an upper bound on any constant
    predictor's accuracy there, which makes the score conservative.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    score : float
        In [-1, 1); 0 means no better than predicting the majority class.

    Examples
    --------
    >>> from skfix.selection import excess_accuracy_score
    >>> excess_accuracy_score([1, 1, 1, 0], [1, 1, 1, 1])
    0.0
    >>> excess_accuracy_score([1, 1, 1, 0], [1, 1, 1, 0])
    0.25
    """
    y_true = np.asarray(y_true)
    weights = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight)
    _, inverse = np.unique(y_true, return_inverse=True)
    majority_share = np.bincount(inverse, weights=weights).max() / weights.sum()
    accuracy = accuracy_score(y_true, y_pred, sample_weight=sample_weight)
    return float(accuracy - majority_share)


excess_accuracy_scorer = make_scorer(excess_accuracy_score)
