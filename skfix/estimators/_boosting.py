"""Gradient-boosted trees (XGBoost) as a well-behaved scikit-learn classifier."""

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, Interval, StrOptions, _check_sample_weight, _fit_context
from .._optional import import_xgboost
from ._validation import augment_training_rows, check_weighted_classes, time_tail_split

# Fewer validation rows than this make early stopping follow noise: an accuracy on 10
# rows moves in steps of 10 %. Below it the model trains on every row for n_estimators.
MIN_EARLY_STOPPING_ROWS = 20


class RegularizedXGBClassifier(ClassifierMixin, BaseEstimator):
    """XGBoost classifier with regularized defaults and time-ordered early stopping.

    A scikit-learn estimator that wraps :class:`xgboost.XGBClassifier` rather than
    subclassing it, so that it behaves like any scikit-learn classifier: labels of any
    type come back as given, parameters are validated at ``fit``, a clone is unfitted,
    pandas feature names are checked at ``predict``.

    Parameters
    ----------
    n_estimators : int, default=300
        Maximum number of boosting rounds. With early stopping the model keeps the
        round with the best validation loss.
    learning_rate : float, default=0.05
        Shrinkage of each round. Small steps with many rounds generalize better than
        the reverse on noisy labels.
    max_depth : int, default=4
        Maximum depth of a tree (legacy value 6).
    min_child_weight : float, default=5
        Minimum sum of instance weight (hessian) in a child (legacy value 3).
    subsample : float, default=0.7
        Share of rows sampled for each round (legacy value 0.8).
    colsample_bytree : float, default=0.8
        Share of features sampled for each tree.
    gamma : float, default=0.0
        Minimum loss reduction to make a split.
    reg_alpha : float, default=0.0
        L1 penalty on leaf weights.
    reg_lambda : float, default=1.0
        L2 penalty on leaf weights (XGBoost's default, kept).
    early_stopping : bool, default=True
        Whether to hold out the latest ``validation_fraction`` of the rows and stop
        when the validation log-loss has not improved for ``early_stopping_rounds``.
        When the held-out part would have fewer than 20 rows or a single class, the
        model trains on every row instead and ``early_stopping_used_`` is False.
    early_stopping_rounds : int, default=20
        Patience of early stopping, in rounds.
    validation_fraction : float, default=0.2
        Share of the (time-ordered) rows held out for early stopping.
    validation_gap : int, default=1
        Rows dropped between the training part and the validation part; set it to at
        least the label horizon.
    tree_method : {"hist", "approx", "exact"}, default="hist"
        XGBoost's tree construction algorithm.
    device : str, default="cpu"
        XGBoost device, such as ``"cpu"`` or ``"cuda"``.
    n_jobs : int, default=None
        Threads used by XGBoost. ``None`` means 1: skfix parallelizes over symbols,
        where the speed-up is larger.
    random_state : int, RandomState instance or None, default=None
        Seed of the row and column sampling. Pass an int for reproducible results.
    augmenter : imbalanced-learn sampler or None, default=None
        A resampler such as :class:`skfix.augment.TimeSeriesAugmenter`, cloned and
        applied with ``fit_resample`` to the training part only, *after* the
        time-ordered validation part has been set aside: no synthetic copy of a
        validation row is ever trained on, and early stopping is judged on real rows
        only. (As a pipeline step before this estimator, the augmenter would run
        before that split.) An unset ``random_state`` of the augmenter is derived from
        this estimator's ``random_state``.
    monitor : XGBoostMonitor or None, default=None
        The training callback that watches every round (a copy is used at fit).
        ``None`` uses ``skfix.monitoring.XGBoostMonitor()``: overfitting (training
        minus validation accuracy above 0.2 for 3 rounds), divergence, and NaN or
        infinite metrics, which stop boosting and cut the model back to the last
        finite round. The gap and divergence checks need the validation part, so they
        run only when early stopping does.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given in ``y``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` had string column names.
    booster_ : xgboost.Booster
        The fitted booster.
    early_stopping_used_ : bool
        Whether a validation part was held out for early stopping.
    best_iteration_ : int
        Index of the last boosting round used for prediction.
    evals_result_ : dict
        Per-round log-loss and error on the training and validation parts.
    training_warnings_ : list of skfix.monitoring.TrainingEvent
        What the monitor found (each also issued as a ``TrainingWarning``).
    train_sample_indices_ : ndarray of int
        For every row the booster was trained on, its position in ``X``: with an
        augmenter, synthetic rows repeat the position of their origin row.
    augmenter_ : sampler or None
        The fitted clone of ``augmenter``.

    See Also
    --------
    RegularizedRandomForestClassifier : Random forest with regularized defaults.

    Notes
    -----
    The rows of ``X`` are taken to be in time order, oldest first, as skfix's splitters
    give them: the validation part is the *latest* data, never a random sample. With a
    shuffled splitter early stopping is no longer honest about the future.

    The legacy values of the original training run are in
    ``skfix.estimators.PRESETS["legacy"]["xgb"]``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skfix.estimators import RegularizedXGBClassifier
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> labels = ["down", "up"]
    >>> clf = RegularizedXGBClassifier(n_estimators=50, random_state=0)
    >>> clf.fit(X, [labels[i] for i in y]).predict(X[:3])
    array(['down', 'down', 'up'], dtype='<U4')
    """

    _parameter_constraints = {
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_depth": [Interval(numbers.Integral, 0, None, closed="left")],
        "min_child_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "subsample": [Interval(numbers.Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(numbers.Real, 0, 1, closed="right")],
        "gamma": [Interval(numbers.Real, 0, None, closed="left")],
        "reg_alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "reg_lambda": [Interval(numbers.Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "early_stopping_rounds": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "validation_gap": [Interval(numbers.Integral, 0, None, closed="left")],
        "tree_method": [StrOptions({"hist", "approx", "exact"})],
        "device": [str],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
        "augmenter": [HasMethods(["fit_resample"]), None],
        "monitor": [HasMethods(["after_iteration"]), None],
    }

    def __init__(
        self,
        n_estimators=300,
        *,
        learning_rate=0.05,
        max_depth=4,
        min_child_weight=5,
        subsample=0.7,
        colsample_bytree=0.8,
        gamma=0.0,
        reg_alpha=0.0,
        reg_lambda=1.0,
        early_stopping=True,
        early_stopping_rounds=20,
        validation_fraction=0.2,
        validation_gap=1,
        tree_method="hist",
        device="cpu",
        n_jobs=None,
        random_state=None,
        augmenter=None,
        monitor=None,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.gamma = gamma
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.early_stopping = early_stopping
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.validation_gap = validation_gap
        self.tree_method = tree_method
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.augmenter = augmenter
        self.monitor = monitor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the boosted trees on (X, y), holding out the latest rows for early stopping.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, rows in time order. Missing values (NaN) are allowed.
        y : array-like of shape (n_samples,)
            Target labels of any type scikit-learn accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; ``None`` weighs every sample equally.

        Returns
        -------
        self : RegularizedXGBClassifier
            The fitted estimator.
        """
        xgboost = import_xgboost()
        from ..monitoring import XGBoostMonitor

        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )
        check_classification_targets(y)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        check_weighted_classes(y, sample_weight, type(self).__name__)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if self.classes_.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y; found only "
                f"the class {self.classes_.tolist()}."
            )
        y_encoded = encoder.transform(y)

        train, valid = self._early_stopping_split(y_encoded, sample_weight)
        self.early_stopping_used_ = valid is not None
        monitor = XGBoostMonitor() if self.monitor is None else copy.deepcopy(self.monitor)
        random_state = check_random_state(self.random_state)
        seed = random_state.randint(np.iinfo(np.int32).max)
        X_train, y_train, weight_train = augment_training_rows(
            self,
            X[train],
            y_encoded[train],
            sample_weight[train],
            train=train,
            random_state=random_state,
        )
        model = xgboost.XGBClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            min_child_weight=self.min_child_weight,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            gamma=self.gamma,
            reg_alpha=self.reg_alpha,
            reg_lambda=self.reg_lambda,
            tree_method=self.tree_method,
            device=self.device,
            n_jobs=1 if self.n_jobs is None else self.n_jobs,
            random_state=int(seed),
            # XGBoost stops on the last metric listed: the log-loss.
            eval_metric=(
                ["error", "logloss"] if self.classes_.size == 2 else ["merror", "mlogloss"]
            ),
            early_stopping_rounds=(
                self.early_stopping_rounds if self.early_stopping_used_ else None
            ),
            callbacks=[monitor],
        )
        # The training curve is measured on the real training rows, never synthetic.
        eval_set = [(X[train], y_encoded[train])]
        eval_weights = [sample_weight[train]]
        if self.early_stopping_used_:
            eval_set.append((X[valid], y_encoded[valid]))
            eval_weights.append(sample_weight[valid])
        model.fit(
            X_train,
            y_train,
            sample_weight=weight_train,
            eval_set=eval_set,
            sample_weight_eval_set=eval_weights,
            verbose=False,
        )
        self.training_warnings_ = list(monitor.events_)
        self.booster_ = model.get_booster()
        # The monitor may have cut the booster back to its last finite round.
        last_round = self.booster_.num_boosted_rounds() - 1
        self.best_iteration_ = (
            min(int(model.best_iteration), last_round)
            if self.early_stopping_used_
            else last_round
        )
        names = ["train", "validation"]
        self.evals_result_ = {
            names[int(key.split("_")[1])]: metrics
            for key, metrics in model.evals_result().items()
        }
        self._model = model
        return self

    def _early_stopping_split(self, y, sample_weight):
        """Return (train, valid) positions; valid is None when early stopping is off."""
        everything = np.arange(y.shape[0])
        if not self.early_stopping:
            return everything, None
        train, valid = time_tail_split(
            y.shape[0], self.validation_fraction, self.validation_gap
        )
        weighted_train = np.unique(y[train][sample_weight[train] > 0])
        if (
            valid.size < MIN_EARLY_STOPPING_ROWS
            or np.unique(y[valid]).size < 2
            or weighted_train.size < 2
        ):
            return everything, None
        return train, valid

    def predict_proba(self, X):
        """Class probabilities of X, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class.
        """
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            reset=False,
        )
        return self._model.predict_proba(X)

    def predict(self, X):
        """Predicted class label of each row of X, taken from ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags
