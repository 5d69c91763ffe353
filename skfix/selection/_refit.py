"""GridSearchCV integration: a gap- and stability-penalized refit rule, and scorers."""

import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, check_scoring, make_scorer
from sklearn.model_selection import GridSearchCV, ParameterGrid

from .._compat import Interval


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
            return None
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
        train = self._key(cv_results, "mean_train")
        if train is None:
            warnings.warn(
                "the search recorded no train scores, so the gap-penalized refit "
                "cannot penalize the train-validation gap and penalizes only the fold "
                "std: pass return_train_score=True to the search, or use "
                "GapPenalizedGridSearchCV, which always records them.",
                UserWarning,
                stacklevel=2,
            )
            return validation - self.std_weight * std
        gap = np.maximum(np.asarray(train, dtype=float) - validation, 0.0)
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

        Notes
        -----
        The penalized scores are added to ``cv_results`` as ``"penalized_score"``
        (and their ranks as ``"rank_penalized_score"``): a search passes its
        ``cv_results_`` dict, so after ``fit`` the chosen candidate's score is
        ``search.cv_results_["penalized_score"][search.best_index_]``.
        """
        scores = self.penalized_scores(cv_results)
        if np.all(np.isnan(scores)):
            raise ValueError("Every parameter set failed; there is nothing to refit.")
        cv_results["penalized_score"] = scores
        order = np.argsort(np.where(np.isnan(scores), -np.inf, -scores), kind="stable")
        ranks = np.empty(len(scores), dtype=np.int32)
        ranks[order] = np.arange(1, len(scores) + 1)
        cv_results["rank_penalized_score"] = ranks
        return int(np.nanargmax(scores))


def gap_penalized_refit(gap_weight=0.5, std_weight=0.5, *, metric=None):
    """Return a ``refit`` callable for GridSearchCV that penalizes gap and instability.

    The search should use ``return_train_score=True``: without train scores the gap
    cannot be penalized, and the refit penalizes only the fold std, with a
    ``UserWarning`` that says so (:class:`GapPenalizedGridSearchCV` always records
    them). scikit-learn sets no ``best_score_`` for a callable refit; the penalized
    score of every candidate is in ``cv_results_["penalized_score"]``, so the chosen
    one's is ``cv_results_["penalized_score"][best_index_]``.

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
    >>> bool(search.cv_results_["penalized_score"][search.best_index_] > 0.5)
    True
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


class GapPenalizedGridSearchCV(GridSearchCV):
    """Grid search that picks the regularized, stable setting: GridSearchCV, gap-aware.

    A :class:`~sklearn.model_selection.GridSearchCV` that always records train scores
    and refits the parameter set chosen by :class:`GapPenalizedRefit` (mean validation
    score minus ``gap_weight`` times the train-validation gap minus ``std_weight``
    times the fold std), and that sets ``best_score_`` to that penalized score. The
    default ``cv`` is a :class:`PurgedWalkForwardSplit` with 3 folds.

    On too few rows for the inner splitter (the earliest folds of a short series), the
    grid cannot be searched honestly; the first grid point, which skfix's grids make
    the estimator's own default, is fitted on every row instead and ``tuned_`` is
    False.

    Parameters
    ----------
    estimator : estimator object
        The model (or pipeline) to tune; cloned.
    param_grid : dict or list of dicts
        As in GridSearchCV. Put the untuned default first: it is the fallback.
    scoring : str, callable or None, default=None
        A single scorer (None: the estimator's ``score``).
    n_jobs : int, default=None
        As in GridSearchCV.
    cv : int, cross-validator or iterable, default=None
        ``None`` is ``PurgedWalkForwardSplit(n_splits=3)``; an int sets ``n_splits``.
        Use a time-ordered splitter with a purge of at least the label horizon.
    gap_weight : float, default=0.5
        Weight of the train-validation gap in the penalized score.
    std_weight : float, default=0.5
        Weight of the fold std in the penalized score.
    verbose : int, default=0
        As in GridSearchCV.
    pre_dispatch : int or str, default="2*n_jobs"
        As in GridSearchCV.
    error_score : "raise" or float, default="raise"
        As in GridSearchCV, but raising by default: a failing fit says why, rather
        than leaving a NaN score that the refit cannot choose from.

    Attributes
    ----------
    best_score_ : float
        The chosen set's penalized score (NaN when not tuned).
    best_params_, best_index_, best_estimator_, cv_results_
        As in GridSearchCV (``cv_results_`` is empty when not tuned).
    penalized_scores_ : ndarray of shape (n_candidates,)
        Every set's penalized score.
    tuned_ : bool
        Whether the grid was searched, or the first point used for lack of rows.

    See Also
    --------
    gap_penalized_refit : The refit rule alone, for any search.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skfix.selection import GapPenalizedGridSearchCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(240, 4))
    >>> y = (X[:, 0] + rng.normal(size=240) > 0).astype(int)
    >>> search = GapPenalizedGridSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [None, 2]}
    ... ).fit(X, y)
    >>> search.best_params_, search.tuned_, bool(search.best_score_ > 0.5)
    ({'max_depth': 2}, True, True)
    """

    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in GridSearchCV._parameter_constraints.items()
            if key not in ("refit", "return_train_score")
        },
        "gap_weight": [Interval(Real, 0, None, closed="left")],
        "std_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        cv=None,
        gap_weight=0.5,
        std_weight=0.5,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score="raise",
    ):
        super().__init__(
            estimator,
            param_grid,
            scoring=scoring,
            n_jobs=n_jobs,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
        )
        self.gap_weight = gap_weight
        self.std_weight = std_weight

    # GridSearchCV reads these two; here they follow from the weights and are not
    # parameters (the setters take GridSearchCV.__init__'s assignment and ignore it).
    @property
    def refit(self):
        return GapPenalizedRefit(self.gap_weight, self.std_weight)

    @refit.setter
    def refit(self, value):
        pass

    @property
    def return_train_score(self):
        return True

    @return_train_score.setter
    def return_train_score(self, value):
        pass

    def fit(self, X, y=None, **params):
        """Search the grid with the gap-penalized refit, or fit the first point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.
        y : array-like of shape (n_samples,), default=None
            Labels.
        **params : dict
            Fit parameters, as in GridSearchCV.

        Returns
        -------
        self : GapPenalizedGridSearchCV
        """
        from ._split import PurgedWalkForwardSplit, _TooFewSamplesError

        cv = self.cv
        if cv is None or isinstance(cv, Integral):
            cv = PurgedWalkForwardSplit(3 if cv is None else cv)
        try:
            splits = list(cv.split(X, y)) if hasattr(cv, "split") else list(cv)
        except _TooFewSamplesError:
            return self._fit_first_point(X, y, **params)
        original_cv = self.cv
        self.cv = splits
        try:
            super().fit(X, y, **params)
        finally:
            self.cv = original_cv
        self.penalized_scores_ = np.asarray(self.cv_results_["penalized_score"])
        self.best_score_ = float(self.penalized_scores_[self.best_index_])
        self.tuned_ = True
        return self

    def _fit_first_point(self, X, y, **params):
        first = next(iter(ParameterGrid(self.param_grid)))
        self.best_index_ = 0
        self.best_params_ = dict(first)
        self.best_score_ = math.nan
        self.penalized_scores_ = np.array([math.nan])
        self.cv_results_ = {}
        self.n_splits_ = 0
        self.multimetric_ = False
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        start = time.perf_counter()
        self.best_estimator_ = clone(self.estimator).set_params(**first).fit(X, y, **params)
        self.refit_time_ = time.perf_counter() - start
        if hasattr(self.best_estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.best_estimator_.feature_names_in_
        self.tuned_ = False
        return self
