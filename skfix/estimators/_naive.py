"""The naive rules a user could use instead of a model: always the majority class,
and the same direction as last period. Both are classifiers, so that they compete
with the learned models, are saved like them and predict through ``skfix predict``."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import Interval, _check_sample_weight, _fit_context


class MajorityClassifier(ClassifierMixin, BaseEstimator):
    """Always predict the most frequent class of the training rows.

    The rule every model has to beat: it learns nothing but the classes and their
    (weighted) frequencies in the training rows, and predicts the most frequent one
    for every row. skfix's selection tests every other candidate against it and never
    deploys it: when nothing beats it, the honest answer is that no model was found.
    ``DummyClassifier(strategy="prior")`` computes the same; this class exists so that
    the rule is a named skfix model with a safe model file.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given in ``y``.
    class_prior_ : ndarray of shape (n_classes,)
        Share of each class in the training rows, weighted by ``sample_weight``.
    majority_class_ : object
        The label predicted for every row (the first of the most frequent on a tie).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` had string column names.

    See Also
    --------
    PersistenceClassifier : The same direction as last period.
    sklearn.dummy.DummyClassifier : scikit-learn's baselines.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.estimators import MajorityClassifier
    >>> X = np.zeros((5, 2))
    >>> rule = MajorityClassifier().fit(X, ["up", "up", "down", "up", "down"])
    >>> rule.predict(X[:2]).tolist(), rule.class_prior_.tolist()
    (['up', 'up'], [0.4, 0.6])
    """

    _parameter_constraints = {}

    def __init__(self):
        pass

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn the classes and their frequencies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows; only their number and columns are read.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the frequencies.

        Returns
        -------
        self : MajorityClassifier
        """
        X, y = validate_data(self, X, y, ensure_all_finite=False)
        check_classification_targets(y)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        self.classes_, codes = np.unique(y, return_inverse=True)
        weights = np.bincount(codes, weights=sample_weight, minlength=self.classes_.size)
        if not weights.sum() > 0:
            raise ValueError(
                "MajorityClassifier needs a positive total sample_weight; found "
                f"{weights.sum()!r}."
            )
        self.class_prior_ = weights / weights.sum()
        self.majority_class_ = self.classes_[np.argmax(self.class_prior_)]
        return self

    def predict_proba(self, X):
        """The training class frequencies, the same for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite=False)
        return np.tile(self.class_prior_, (X.shape[0], 1))

    def predict(self, X):
        """The majority class of the training rows, for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite=False)
        return np.repeat(self.classes_[np.argmax(self.class_prior_)], X.shape[0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        # a rule, not a learner: it scores the majority share, never 0.83 on blobs
        tags.classifier_tags.poor_score = True
        return tags


class PersistenceClassifier(ClassifierMixin, BaseEstimator):
    """Predict the same direction as the last period: up when the last move was up.

    The rule a careful user tries first. Each row carries what it knows at its time:
    with skfix's price features, the column ``return_{h}`` is the log return over the
    last ``h`` rows, so for a label ``h`` rows ahead the rule "up when ``return_{h}``
    is above zero" predicts exactly the label of ``h`` rows before, the last one known
    at the row's time. Fit learns only the classes; nothing about the rule depends on
    the training rows, so it has no gap and no parameters to tune.

    Parameters
    ----------
    feature : str or int, default="return_1"
        The column that holds the last move: a column name (``X`` a DataFrame with
        string column names) or a position. ``"return_1"`` is the last one-row return
        of :func:`skfix.features.make_features`; use ``f"return_{h}"`` for a label
        ``h`` rows ahead.
    threshold : float, default=0.0
        A row is predicted as the greater class (``classes_[1]``, "up" for skfix's
        0/1 labels) when its feature is above this, else as the smaller one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; at most two.
    feature_index_ : int
        Position of ``feature`` among the columns.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` had string column names.

    See Also
    --------
    MajorityClassifier : Always the most frequent training class.

    Notes
    -----
    A missing value in ``X`` raises, as it does for skfix's models: the rule cannot
    tell the direction of a move it does not know.

    Examples
    --------
    >>> import pandas as pd
    >>> from skfix.estimators import PersistenceClassifier
    >>> X = pd.DataFrame({"return_1": [0.01, -0.02, 0.0, 0.03]})
    >>> rule = PersistenceClassifier().fit(X, [1, 0, 0, 1])
    >>> rule.predict(X).tolist()
    [1, 0, 0, 1]
    """

    _parameter_constraints = {
        "feature": [str, Interval(Integral, 0, None, closed="left")],
        "threshold": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, feature="return_1", threshold=0.0):
        self.feature = feature
        self.threshold = threshold

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn the classes and where the feature is.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training rows, with the column ``feature``.
        y : array-like of shape (n_samples,)
            Class labels, at most two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Accepted for compatibility and checked; the rule has nothing to weigh.

        Returns
        -------
        self : PersistenceClassifier

        Raises
        ------
        ValueError
            If ``feature`` is not a column of ``X``, or ``y`` has more than two
            classes.
        """
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        _check_sample_weight(sample_weight, X)
        self.classes_ = np.unique(y)
        if self.classes_.size > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"multiclass: PersistenceClassifier predicts a direction (down, up), and "
                f"y has {self.classes_.size} classes: {self.classes_.tolist()[:10]}."
            )
        self.feature_index_ = self._feature_index(X)
        return self

    def _feature_index(self, X):
        if isinstance(self.feature, str):
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError(
                    f"PersistenceClassifier(feature={self.feature!r}) reads a column by "
                    "name, but X has no column names: pass a DataFrame, or the column's "
                    "position as feature."
                )
            found = np.flatnonzero(names == self.feature)
            if found.size == 0:
                raise ValueError(
                    f"PersistenceClassifier(feature={self.feature!r}): X has no column "
                    f"{self.feature!r}; its columns are {names.tolist()}."
                )
            return int(found[0])
        if self.feature >= X.shape[1]:
            raise ValueError(
                f"PersistenceClassifier(feature={self.feature}) reads column "
                f"{self.feature}, but X has {X.shape[1]} column(s)."
            )
        return int(self.feature)

    def predict_proba(self, X):
        """1 for the predicted class, 0 for the other.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        up = X[:, self.feature_index_] > self.threshold
        if self.classes_.size == 1:
            return np.ones((X.shape[0], 1))
        return np.column_stack([~up, up]).astype(np.float64)

    def predict(self, X):
        """The greater class where the feature is above ``threshold``, else the smaller.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # a rule, not a learner: it scores what the last move tells, never 0.83 on blobs
        tags.classifier_tags.poor_score = True
        return tags
