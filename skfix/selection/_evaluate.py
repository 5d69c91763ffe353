"""Evaluate candidates on the same time-ordered folds and the same final test window."""

import math
import numbers
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import cross_validate

from ._split import PurgedWalkForwardSplit, holdout_split
from ._stats import paired_sign_test

BASELINES = ("majority", "persistence")


def _take(X, idx):
    """Rows ``idx`` of an array, a DataFrame or a list, keeping the container type."""
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    return X[idx] if hasattr(X, "shape") else np.asarray(X)[idx]


def _clean(value):
    """Python scalars for JSON: NaN becomes None, numpy numbers become floats/ints."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return None if math.isnan(value) else value
    return value


@dataclass
class CandidateEvaluation:
    """Scores of one candidate on the shared folds and test window.

    All scores use the same scorer (``scoring``); train scores are measured on the
    original training rows of each fold, never on rows an augmenter adds inside ``fit``.

    Attributes
    ----------
    name : str
        The candidate's name.
    scoring : str
        The scorer's name, ``"accuracy"`` by default.
    train_scores, validation_scores : list of float
        Per-fold scores on each fold's training rows and validation window.
    mean_train_score, mean_validation_score : float
        Their means.
    gap : float
        ``mean_train_score - mean_validation_score``: how much the model fits its
        training rows better than rows it has not seen.
    validation_std, validation_variance : float
        Spread of the validation scores across folds (population std and variance);
        the stability of the candidate.
    test_score : float
        Score on the final test window of a clone fitted on the whole selection part.
    test_accuracy : float
        Accuracy on the test window, whatever the scorer.
    n_test : int
        Rows in the test window.
    baselines : dict
        For each naive predictor (``"majority"``, ``"persistence"``): its
        ``validation_scores``, ``mean_validation_score``, ``test_score`` and
        ``test_accuracy`` on the same windows.
    comparisons : dict
        For each baseline: ``wins`` and ``losses`` (test rows only one of the two gets
        right) and the raw one-sided ``p_value`` of :func:`paired_sign_test`.
    fit_time : float
        Seconds spent fitting, cross-validation and final fit together.
    error : dict or None
        ``{"type": ..., "message": ..., "traceback": ...}`` when the candidate failed;
        its scores are NaN.
    estimator : estimator or None
        The clone fitted on the selection part (not in :meth:`as_dict`).
    """

    name: str
    scoring: str
    train_scores: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    mean_train_score: float = math.nan
    mean_validation_score: float = math.nan
    gap: float = math.nan
    validation_std: float = math.nan
    validation_variance: float = math.nan
    test_score: float = math.nan
    test_accuracy: float = math.nan
    n_test: int = 0
    baselines: dict = field(default_factory=dict)
    comparisons: dict = field(default_factory=dict)
    fit_time: float = 0.0
    error: dict | None = None
    estimator: object = field(default=None, repr=False, compare=False)

    @property
    def failed(self):
        """Whether the candidate raised instead of producing scores."""
        return self.error is not None

    def as_dict(self):
        """Return a JSON-serializable dict of everything but the fitted estimator.

        NaN becomes ``None``.
        """
        return {
            name: _clean(getattr(self, name))
            for name in self.__dataclass_fields__
            if name != "estimator"
        }


class _FixedPredictions(ClassifierMixin, BaseEstimator):
    """A 'classifier' replaying known predictions, so any scorer can score a baseline."""

    def __init__(self, predictions=None, classes=None):
        self.predictions = predictions
        self.classes = classes

    def fit(self, X=None, y=None):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict(self, X):
        return np.asarray(self.predictions)

    def predict_proba(self, X):
        return (np.asarray(self.predictions)[:, None] == self.classes_[None, :]).astype(
            float
        )


@dataclass
class _Windows:
    """Everything the candidates share: data, folds, test window, scorer."""

    X: object
    y: np.ndarray
    selection: np.ndarray
    test: np.ndarray
    folds: list
    gap: int
    scorer: object
    scoring_name: str
    classes: np.ndarray
    baselines: tuple

    def rows(self, idx):
        return _take(self.X, idx), self.y[idx]

    def persistence(self, idx):
        # The label of row t - gap is known at time t when gap >= the label horizon.
        lag = max(self.gap, 1)
        if idx.min() < lag:
            raise ValueError(
                f"The persistence baseline needs {lag} row(s) before every validation "
                f"row, but a window starts at row {idx.min()}: use a time-ordered "
                "splitter such as PurgedWalkForwardSplit."
            )
        return self.y[idx - lag]

    def naive_predictions(self, name, train_idx, idx):
        if name == "majority":
            X_train, y_train = self.rows(train_idx)
            dummy = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
            return dummy.predict(_take(self.X, idx))
        return self.persistence(idx)

    def score_predictions(self, predictions, idx):
        replay = _FixedPredictions(predictions, self.classes).fit()
        X_window, y_window = self.rows(idx)
        return float(self.scorer(replay, X_window, y_window))


def _make_windows(X, y, *, cv, test_size, gap, scoring, baselines):
    unknown = sorted(set(baselines) - set(BASELINES))
    if unknown:
        raise ValueError(f"Unknown baselines {unknown}; choose from {list(BASELINES)}.")
    y = np.asarray(y)
    selection, test = holdout_split(X, test_size=test_size, gap=gap)
    if cv is None or isinstance(cv, numbers.Integral):
        cv = PurgedWalkForwardSplit(5 if cv is None else cv, gap=gap)
    X_selection = _take(X, selection)
    splits = cv.split(X_selection, y[selection]) if hasattr(cv, "split") else cv
    folds = [(np.asarray(train), np.asarray(val)) for train, val in splits]
    scorer = check_scoring(DummyClassifier(), scoring=scoring)
    scoring_name = scoring if isinstance(scoring, str) else repr(scoring)
    return _Windows(
        X=X,
        y=y,
        selection=selection,
        test=test,
        folds=folds,
        gap=gap,
        scorer=scorer,
        scoring_name=scoring_name,
        classes=np.unique(y),
        baselines=tuple(baselines),
    )


def _evaluate_baselines(windows):
    baselines, predictions = {}, {}
    for name in windows.baselines:
        scores = [
            windows.score_predictions(windows.naive_predictions(name, train, val), val)
            for train, val in windows.folds
        ]
        test_pred = windows.naive_predictions(name, windows.selection, windows.test)
        predictions[name] = test_pred
        baselines[name] = {
            "validation_scores": scores,
            "mean_validation_score": float(np.mean(scores)),
            "test_score": windows.score_predictions(test_pred, windows.test),
            "test_accuracy": float(np.mean(test_pred == windows.y[windows.test])),
        }
    return baselines, predictions


def _evaluate_one(
    name, estimator, windows, baselines, baseline_predictions, *, n_jobs, error_score
):
    evaluation = CandidateEvaluation(
        name=name,
        scoring=windows.scoring_name,
        n_test=len(windows.test),
        baselines=baselines,
    )
    start = time.perf_counter()
    try:
        X_selection, y_selection = windows.rows(windows.selection)
        cv_results = cross_validate(
            estimator,
            X_selection,
            y_selection,
            cv=windows.folds,
            scoring=windows.scorer,
            return_train_score=True,
            n_jobs=n_jobs,
            error_score="raise",
        )
        fitted = clone(estimator).fit(X_selection, y_selection)
        X_test, y_test = windows.rows(windows.test)
        test_score = float(windows.scorer(fitted, X_test, y_test))
        y_pred = np.asarray(fitted.predict(X_test))
    except Exception as exc:
        if error_score == "raise":
            raise
        evaluation.error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": traceback.format_exc(),
        }
        evaluation.fit_time = time.perf_counter() - start
        return evaluation
    train = [float(s) for s in cv_results["train_score"]]
    val = [float(s) for s in cv_results["test_score"]]
    evaluation.train_scores = train
    evaluation.validation_scores = val
    evaluation.mean_train_score = float(np.mean(train))
    evaluation.mean_validation_score = float(np.mean(val))
    evaluation.gap = evaluation.mean_train_score - evaluation.mean_validation_score
    evaluation.validation_std = float(np.std(val))
    evaluation.validation_variance = float(np.var(val))
    evaluation.test_score = test_score
    evaluation.test_accuracy = float(np.mean(y_pred == y_test))
    for baseline, base_pred in baseline_predictions.items():
        wins, losses, p_value = paired_sign_test(y_test, y_pred, base_pred)
        evaluation.comparisons[baseline] = {
            "wins": wins,
            "losses": losses,
            "p_value": p_value,
        }
    evaluation.fit_time = time.perf_counter() - start
    evaluation.estimator = fitted
    return evaluation


def _named(candidates):
    items = list(candidates.items() if isinstance(candidates, dict) else candidates)
    names = [name for name, _ in items]
    if not items:
        raise ValueError("candidates is empty; give at least one (name, estimator).")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"Candidate names must be unique; repeated: {duplicated}.")
    return items


def evaluate_candidates(
    candidates,
    X,
    y,
    *,
    cv=None,
    test_size=0.2,
    gap=1,
    scoring="accuracy",
    baselines=BASELINES,
    n_jobs=None,
    error_score="record",
):
    """Evaluate candidates on the same walk-forward folds and the same test window.

    The last ``test_size`` rows are held out (after a purge of ``gap`` rows). On the rows
    before, every candidate is cross-validated with
    :func:`~sklearn.model_selection.cross_validate` (``return_train_score=True``) on one
    shared list of folds; then a clone is fitted on all of them and scored on the test
    window. The naive baselines are scored on exactly the same windows.

    Parameters
    ----------
    candidates : dict of str to estimator, or list of (str, estimator)
        Classifiers or pipelines (an imblearn ``Pipeline`` with an augmenter included);
        they are cloned, never fitted in place.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Features, rows in time order.
    y : array-like of shape (n_samples,)
        Labels of the same rows.
    cv : int, cross-validator or iterable of (train, validation), default=None
        Folds on the selection part. ``None`` is ``PurgedWalkForwardSplit(5, gap=gap)``;
        an int sets ``n_splits``. A splitter that shuffles or looks ahead makes every
        figure here optimistic.
    test_size : float or int, default=0.2
        The final test window, as in :func:`holdout_split`.
    gap : int, default=1
        Rows purged before each validation window and before the test window; at least
        the label horizon. The persistence baseline predicts the label ``gap`` rows back.
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name or callable ``scorer(estimator, X, y)``.
    baselines : tuple of {"majority", "persistence"}, default=("majority", "persistence")
        Naive predictors to score on the same windows. ``"majority"`` predicts the most
        frequent class of the training rows; ``"persistence"`` repeats the last known
        label.
    n_jobs : int, default=None
        Passed to :func:`~sklearn.model_selection.cross_validate`.
    error_score : {"record", "raise"}, default="record"
        ``"record"`` keeps going when a candidate raises and stores the exception's type
        and message in its evaluation's ``error``; ``"raise"`` re-raises.

    Returns
    -------
    evaluations : list of CandidateEvaluation
        One per candidate, in the order given.

    Raises
    ------
    ValueError
        If the data are too short for the hold-out or the folds (the message says how
        many rows are needed), or a parameter is invalid.

    See Also
    --------
    ModelSelector : Evaluates, accepts or rejects, ranks and picks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfix.selection import evaluate_candidates
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> evaluations = evaluate_candidates(
    ...     {"logistic": LogisticRegression(), "majority": DummyClassifier()}, X, y
    ... )
    >>> [(e.name, round(e.test_score, 2), e.n_test) for e in evaluations]
    [('logistic', 0.97, 40), ('majority', 0.53, 40)]
    >>> evaluations[0].comparisons["majority"]["p_value"] < 0.001
    True
    """
    if error_score not in ("record", "raise"):
        raise ValueError(f"error_score must be 'record' or 'raise'; got {error_score!r}.")
    items = _named(candidates)
    windows = _make_windows(
        X, y, cv=cv, test_size=test_size, gap=gap, scoring=scoring, baselines=baselines
    )
    baselines, predictions = _evaluate_baselines(windows)
    return [
        _evaluate_one(
            name,
            estimator,
            windows,
            baselines,
            predictions,
            n_jobs=n_jobs,
            error_score=error_score,
        )
        for name, estimator in items
    ]
