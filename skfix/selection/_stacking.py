"""Stacking on time-ordered rows: the final estimator learns only from the past."""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    TransformerMixin,
    clone,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, StrOptions, _fit_context
from ._split import PurgedWalkForwardSplit
from ._walk_forward import check_walk_forward_folds, walk_forward_predict

_METHODS = ("predict_proba", "decision_function", "predict")


class WalkForwardStackingClassifier(
    ClassifierMixin, TransformerMixin, MetaEstimatorMixin, BaseEstimator
):
    """Stacked generalization whose final estimator never sees a prediction of the past
    made by a model that knew the future.

    scikit-learn's :class:`~sklearn.ensemble.StackingClassifier` trains its final
    estimator on :func:`~sklearn.model_selection.cross_val_predict` output, which
    needs a partition of the rows: with a walk-forward splitter it refuses ("only
    works for partitions"), and with shuffled ``KFold`` on time-ordered rows each
    base prediction comes from a model fitted on later rows. Here the base
    predictions the final estimator learns from are :func:`walk_forward_predict`'s:
    every row after the first training window is predicted once, by base models
    fitted only on rows before it (with the splitter's purge), and the final
    estimator is fitted on those rows alone. The base estimators are then refitted
    on every row for :meth:`predict`.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The base classifiers, cloned; ``"drop"`` leaves one out.
    final_estimator : classifier, default=None
        Learns from the base predictions; ``None`` is a ``LogisticRegression()``.
    cv : int, cross-validator or iterable of (train, validation), default=None
        Walk-forward folds; ``None`` is ``PurgedWalkForwardSplit(5)`` and an int its
        ``n_splits``. Folds that train on a row at or after their window, or that
        validate a row twice, are refused with a ``ValueError``.
    stack_method : {"auto", "predict_proba", "decision_function", "predict"}, \
default="auto"
        What each base estimator contributes; ``"auto"`` takes the first of those
        it has. With two classes only the second probability column is kept.
    passthrough : bool, default=False
        Also give the final estimator the original features.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    estimators_ : list of estimator
        The base estimators refitted on every row (``"drop"`` left out).
    named_estimators_ : dict of str to estimator
        The same by name.
    final_estimator_ : estimator
        The final estimator fitted on the walk-forward predictions.
    stack_method_ : list of str
        The method used for each base estimator.
    stacked_indices_ : ndarray of int
        The rows the final estimator was fitted on, in time order.
    n_features_in_ : int
        Number of features seen during ``fit``.

    See Also
    --------
    walk_forward_predict : The out-of-sample predictions it stacks.
    sklearn.ensemble.StackingClassifier : The same for rows without time order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skfix.estimators import RegularizedLogisticRegression
    >>> from skfix.selection import PurgedWalkForwardSplit, WalkForwardStackingClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> y = (X[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(int)
    >>> stack = WalkForwardStackingClassifier(
    ...     [("linear", RegularizedLogisticRegression()),
    ...      ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))],
    ...     cv=PurgedWalkForwardSplit(n_splits=5, gap=1),
    ... ).fit(X[:250], y[:250])
    >>> int(stack.stacked_indices_[0]), round(stack.score(X[251:], y[251:]), 2)
    (45, 0.8)
    """

    _parameter_constraints: dict = {
        "estimators": [list],
        "final_estimator": [HasMethods(["fit", "predict"]), None],
        "cv": ["cv_object"],
        "stack_method": [StrOptions({"auto", *_METHODS})],
        "passthrough": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimators,
        final_estimator=None,
        *,
        cv=None,
        stack_method="auto",
        passthrough=False,
        n_jobs=None,
    ):
        self.estimators = estimators
        self.final_estimator = final_estimator
        self.cv = cv
        self.stack_method = stack_method
        self.passthrough = passthrough
        self.n_jobs = n_jobs

    def _bases(self):
        bases = [(name, est) for name, est in self.estimators if est != "drop"]
        if not bases:
            raise ValueError(
                "WalkForwardStackingClassifier needs at least one base estimator that "
                "is not 'drop'."
            )
        names = [name for name, _ in self.estimators]
        if len(set(names)) != len(names):
            raise ValueError(f"estimators need unique names; got {names}.")
        return bases

    def _method(self, estimator):
        if self.stack_method != "auto":
            if not hasattr(estimator, self.stack_method):
                raise ValueError(
                    f"{type(estimator).__name__} has no {self.stack_method}; choose "
                    "another stack_method, or 'auto'."
                )
            return self.stack_method
        return next(m for m in _METHODS if hasattr(estimator, m))

    def _stack(self, outputs, X):
        columns = []
        for output in outputs:
            output = np.asarray(output, dtype=float)
            if output.ndim == 1:
                output = output[:, None]
            elif output.shape[1] == 2:
                output = output[:, 1:]  # the two columns of a binary proba sum to 1
            columns.append(output)
        if self.passthrough:
            columns.append(np.asarray(X, dtype=float))
        return np.hstack(columns)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the base estimators walk-forward, the final one on their predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order, oldest first.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : WalkForwardStackingClassifier
        """
        bases = self._bases()
        X, y = validate_data(self, X, y, ensure_min_samples=2)
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        cv = self.cv
        if cv is None or isinstance(cv, Integral):
            cv = PurgedWalkForwardSplit(5 if cv is None else cv)
        splits = cv.split(X, y) if hasattr(cv, "split") else cv
        folds = check_walk_forward_folds(list(splits), len(y))
        self.stack_method_ = [self._method(est) for _, est in bases]
        outputs = []
        for (_, estimator), method in zip(bases, self.stack_method_, strict=True):
            indices, output = walk_forward_predict(
                estimator, X, y_encoded, cv=folds, method=method, n_jobs=self.n_jobs
            )
            outputs.append(output)
        self.stacked_indices_ = indices
        meta = self._stack(outputs, X[indices])
        final = (
            LogisticRegression() if self.final_estimator is None else self.final_estimator
        )
        self.final_estimator_ = clone(final).fit(meta, y_encoded[self.stacked_indices_])
        self.estimators_ = [clone(est).fit(X, y_encoded) for _, est in bases]
        self.named_estimators_ = {
            name: fitted for (name, _), fitted in zip(bases, self.estimators_, strict=True)
        }
        return self

    def transform(self, X):
        """The features the final estimator reads: each base estimator's output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        meta : ndarray of shape (n_samples, n_meta_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        outputs = [
            getattr(estimator, method)(X)
            for estimator, method in zip(self.estimators_, self.stack_method_, strict=True)
        ]
        return self._stack(outputs, X)

    def predict_proba(self, X):
        """Class probabilities from the final estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        proba = self.final_estimator_.predict_proba(self.transform(X))
        learned = self.final_estimator_.classes_
        if len(learned) == len(self.classes_):
            return proba
        # the stacked rows (after the first window) lacked a class: it gets 0
        full = np.zeros((len(proba), len(self.classes_)))
        full[:, np.asarray(learned, dtype=int)] = proba
        return full

    def predict(self, X):
        """Class labels from the final estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[self.final_estimator_.predict(self.transform(X))]
