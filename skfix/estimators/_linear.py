"""Logistic regression on standardized features: the model a careful user tries first."""

import warnings
from numbers import Integral, Real

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, Interval, StrOptions, _check_sample_weight, _fit_context
from ._validation import augment_training_rows, check_weighted_classes

# scikit-learn 1.8 replaced `penalty` by `l1_ratio` alone; before it, l1_ratio applies
# only with penalty="elasticnet".
_L1_RATIO_ONLY = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) >= (1, 8)


def _penalty_params(l1_ratio):
    if _L1_RATIO_ONLY:
        return {"l1_ratio": l1_ratio}
    if l1_ratio == 0:
        return {"penalty": "l2"}
    return {"penalty": "elasticnet", "l1_ratio": l1_ratio}


class RegularizedLogisticRegression(ClassifierMixin, BaseEstimator):
    """Penalized logistic regression on standardized features.

    The features are standardized with a ``StandardScaler`` fitted on the training
    rows only, then an L1 (lasso) penalized logistic regression is fitted, so that
    the penalty treats every feature alike and a feature that carries nothing gets a
    coefficient of exactly zero. On pure noise every coefficient is usually zero and
    the model predicts the training majority, which skfix's selection never deploys;
    on an autocorrelated series it keeps the lagged return and little else.

    Parameters
    ----------
    C : float, default=0.1
        Inverse of the regularization strength; smaller is stronger. 0.1 on
        standardized features keeps one or two of skfix's ten price features on a few
        hundred rows of next-period direction.
    l1_ratio : float, default=1.0
        Elastic-net mixing: 1 is the L1 (lasso) penalty, 0 the L2 (ridge) penalty.
    standardize : bool, default=True
        Standardize the features on the training rows first.
    class_weight : dict, "balanced" or None, default=None
        As in scikit-learn. Left at None on purpose: reweighting changes what
        accuracy and the majority baseline mean.
    max_iter : int, default=1000
        Iterations of the saga solver.
    tol : float, default=1e-4
        Stopping tolerance of the solver.
    random_state : int, RandomState instance or None, default=None
        Seeds the order in which the saga solver visits rows.
    augmenter : imbalanced-learn sampler or None, default=None
        A resampler such as :class:`skfix.augment.TimeSeriesAugmenter`, cloned and
        applied in ``fit`` to the training rows (the same as a first step of an
        imblearn ``Pipeline``, without the pipeline): prediction never sees it. An
        unset ``random_state`` of the augmenter is derived from this estimator's.
        ``skfix train`` leaves it off for this model by default (its penalty
        regularizes it).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given in ``y``.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients on the standardized features.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    scaler_ : StandardScaler or None
        The scaler fitted on the training rows (None without ``standardize``).
    n_iter_ : ndarray
        Solver iterations.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` had string column names.
    augmenter_ : sampler or None
        The fitted clone of ``augmenter``.
    train_sample_indices_ : ndarray of int or None
        With an augmenter, for each row the model was fitted on, its position in
        ``X`` (synthetic rows repeat their origin's); None without one.
    training_warnings_ : list of skfix.monitoring.TrainingEvent
        A ``"not_converged"`` event when the solver stopped at ``max_iter``.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The model underneath.
    RegularizedRandomForestClassifier : A non-linear alternative.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.estimators import RegularizedLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 5))
    >>> y = np.where(X[:, 0] + rng.normal(size=300) > 0, "up", "down")
    >>> clf = RegularizedLogisticRegression(random_state=0).fit(X, y)
    >>> clf.coef_.round(2)  # the four noise features get (nearly) nothing
    array([[1.47, 0.  , 0.  , 0.  , 0.05]])
    >>> clf.predict(X[:3]).tolist()
    ['up', 'up', 'down']
    """

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "standardize": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "augmenter": [HasMethods(["fit_resample"]), None],
    }

    def __init__(
        self,
        *,
        C=0.1,
        l1_ratio=1.0,
        standardize=True,
        class_weight=None,
        max_iter=1000,
        tol=1e-4,
        random_state=None,
        augmenter=None,
    ):
        self.C = C
        self.l1_ratio = l1_ratio
        self.standardize = standardize
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.augmenter = augmenter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Standardize on the training rows and fit the penalized model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the scaler and the model alike.

        Returns
        -------
        self : RegularizedLogisticRegression
        """
        from ..monitoring import TrainingEvent, TrainingWarning

        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        X, y, sample_weight = augment_training_rows(
            self, X, y, sample_weight, random_state=self.random_state
        )
        check_weighted_classes(y, sample_weight, type(self).__name__)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y; found only "
                f"one class: {self.classes_.tolist()}."
            )
        self.scaler_ = None
        if self.standardize:
            self.scaler_ = StandardScaler().fit(X, sample_weight=sample_weight)
            X = self.scaler_.transform(X)
        model = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            solver="saga",
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.random_state,
            **_penalty_params(self.l1_ratio),
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y, sample_weight=sample_weight)
        self.training_warnings_ = []
        for warning in caught:
            if issubclass(warning.category, ConvergenceWarning):
                message = (
                    f"{type(self).__name__}: the solver stopped at max_iter="
                    f"{self.max_iter} before reaching tol={self.tol}; raise max_iter."
                )
                self.training_warnings_.append(
                    TrainingEvent(
                        "not_converged", None, {"max_iter": self.max_iter}, message
                    )
                )
                warnings.warn(message, TrainingWarning, stacklevel=2)
            else:
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.n_iter_ = model.n_iter_
        self._model = model
        return self

    def _scaled(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return X if self.scaler_ is None else self.scaler_.transform(X)

    def decision_function(self, X):
        """Confidence scores: signed distance to the boundary, per class when more than two.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._scaled(X)
        return self._model.decision_function(X)

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._scaled(X)
        return self._model.predict_proba(X)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._scaled(X)
        return self._model.predict_log_proba(X)

    def predict(self, X):
        """Predicted class labels, taken from ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
