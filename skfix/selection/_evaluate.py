"""Evaluate candidates on the same time-ordered folds and the same final test window."""

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import cross_validate

from ..manifest import error_record
from ._fold_scores import stability_variance, train_validation_gap
from ._nested import nested_search_fits, shares_folds
from ._split import PurgedWalkForwardSplit, holdout_split
from ._stats import paired_sign_test
from ._walk_forward import _take, check_walk_forward_folds

BASELINES = ("majority", "persistence")


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
    naive_rule : {"majority", "persistence"} or None
        Which naive rule the candidate is (a
        :class:`~skfix.estimators.MajorityClassifier` or
        :class:`~skfix.estimators.PersistenceClassifier`), None for a model.
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
    oos_accuracy : float
        Accuracy over the pooled out-of-sample rows: every validation window and the
        test window, each row predicted once by a model fitted on earlier rows only.
    n_oos : int
        Number of those rows.
    baselines : dict
        For each naive predictor (``"majority"``, ``"persistence"``): its
        ``validation_scores``, ``mean_validation_score``, ``test_score``,
        ``test_accuracy`` and pooled ``oos_accuracy`` on the same windows.
    comparisons : dict
        For each baseline, on the pooled out-of-sample rows: ``wins`` and ``losses``
        (rows only one of the two gets right) and the raw one-sided ``p_value`` of
        :func:`paired_sign_test`. This is the evidence the acceptance test reads.
    test_comparisons : dict
        The same on the final test window alone.
    fold_params : list of dict or None
        For a search (an estimator with ``best_params_``, such as ``GridSearchCV``):
        the parameters it chose in each fold, the final fit last; else None. A
        :class:`GapPenalizedGridSearchCV` on expanding folds is tuned on the earlier
        folds (see Notes of :func:`evaluate_candidates`), and ``estimator`` is then
        the chosen point's model rather than a fitted search.
    fit_time : float
        Seconds spent fitting, cross-validation and final fit together.
    error : dict or None
        ``{"type": ..., "message": ..., "traceback": ...}`` when the candidate failed;
        its scores are NaN.
    estimator : estimator or None
        The clone fitted on the selection part (not in :meth:`as_dict`).
    differences : dict of str to ndarray
        For each baseline, per pooled row: +1 where only the candidate is right, -1
        where only the baseline is, 0 otherwise (not in :meth:`as_dict`); what the
        ``"maxt"`` correction resamples.
    """

    name: str
    scoring: str
    naive_rule: str | None = None
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
    oos_accuracy: float = math.nan
    n_oos: int = 0
    baselines: dict = field(default_factory=dict)
    comparisons: dict = field(default_factory=dict)
    test_comparisons: dict = field(default_factory=dict)
    fold_params: list | None = None
    fit_time: float = 0.0
    error: dict | None = None
    estimator: object = field(default=None, repr=False, compare=False)
    differences: dict = field(default_factory=dict, repr=False, compare=False)
    oos_predictions: object = field(default=None, repr=False, compare=False)
    economics: dict | None = None

    @property
    def failed(self):
        """Whether the candidate raised instead of producing scores."""
        return self.error is not None

    @property
    def final_estimator(self):
        """The model to deploy: the refit of a search (its ``best_estimator_``), else
        ``estimator`` itself; None when nothing was fitted."""
        return getattr(self.estimator, "best_estimator_", self.estimator)

    def manifest_fields(self):
        """The fields of a candidate's manifest entry that the evaluation owns.

        Returns
        -------
        fields : dict
            ``naive_rule`` (whether the candidate is a naive rule), ``status``
            (``"ok"`` or ``"failed"``), ``error``, ``fold_train_scores``,
            ``fold_validation_scores``, the means, ``gap``, ``validation_std``,
            ``validation_variance``, ``test_score``, ``n_test``, ``oos_accuracy``,
            ``n_oos`` and ``test_accuracy``; for a candidate that did not fail also
            the baselines' test scores (``baselines``), mean validation scores
            (``baseline_validation_scores``) and pooled accuracies
            (``baseline_oos_accuracy``), ``comparisons``, ``test_comparisons`` and
            the final model's ``monitor_events``, and its ``economics`` when they
            were measured (:class:`ModelSelector` fitted with ``returns``).
            JSON-serializable (NaN becomes
            None), as ``docs/manifest.md`` describes them.
        """
        fields = {
            "naive_rule": self.naive_rule is not None,
            "status": "failed" if self.failed else "ok",
            "error": _clean(self.error),
            "fold_train_scores": _clean(self.train_scores),
            "fold_validation_scores": _clean(self.validation_scores),
            **{
                name: _clean(getattr(self, name))
                for name in (
                    "mean_train_score",
                    "mean_validation_score",
                    "gap",
                    "validation_std",
                    "validation_variance",
                    "test_score",
                    "n_test",
                    "oos_accuracy",
                    "n_oos",
                    "test_accuracy",
                )
            },
        }
        if self.failed:
            return fields
        for key, score in (
            ("baselines", "test_score"),
            ("baseline_validation_scores", "mean_validation_score"),
            ("baseline_oos_accuracy", "oos_accuracy"),
        ):
            fields[key] = {
                baseline: _clean(values[score])
                for baseline, values in self.baselines.items()
            }
        fields["comparisons"] = _clean(self.comparisons)
        fields["test_comparisons"] = _clean(self.test_comparisons)
        events = getattr(self.final_estimator, "training_warnings_", [])
        fields["monitor_events"] = [event.as_dict() for event in events]
        if self.economics is not None:
            fields["economics"] = _clean(self.economics)
        return fields

    def as_dict(self):
        """Return a JSON-serializable dict of everything but the fitted estimator.

        NaN becomes ``None``.
        """
        return {
            name: _clean(getattr(self, name))
            for name in self.__dataclass_fields__
            if name not in ("estimator", "differences")
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

    @property
    def all_folds(self):
        """The walk-forward folds, then the final fold: selection part -> test window."""
        return [*self.folds, (self.selection, self.test)]

    @property
    def oos(self):
        """Positions of the pooled out-of-sample rows, in time order."""
        return np.concatenate([val for _, val in self.all_folds])

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
    folds = check_walk_forward_folds(list(splits), len(selection))
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
    """Scores of the naive predictors, and their pooled out-of-sample predictions."""
    baselines, predictions = {}, {}
    for name in windows.baselines:
        per_fold = [
            windows.naive_predictions(name, train, val) for train, val in windows.all_folds
        ]
        scores = [
            windows.score_predictions(pred, val)
            for pred, (_, val) in zip(per_fold[:-1], windows.folds, strict=True)
        ]
        pooled = np.concatenate(per_fold)
        predictions[name] = pooled
        baselines[name] = {
            "validation_scores": scores,
            "mean_validation_score": float(np.mean(scores)),
            "test_score": windows.score_predictions(per_fold[-1], windows.test),
            "test_accuracy": float(np.mean(per_fold[-1] == windows.y[windows.test])),
            "oos_accuracy": float(np.mean(pooled == windows.y[windows.oos])),
        }
    return baselines, predictions


def naive_rule_of(estimator):
    """``"majority"`` or ``"persistence"`` for skfix's naive rules, else None."""
    from ..estimators import NAIVE_RULES

    for rule, cls in NAIVE_RULES.items():
        if type(estimator) is cls:
            return rule
    return None


def _compare(y_true, y_pred, y_base):
    wins, losses, p_value = paired_sign_test(y_true, y_pred, y_base)
    return {"wins": wins, "losses": losses, "p_value": p_value}


def _cross_validate_fits(estimator, windows, n_jobs):
    """Every fold of one candidate through scikit-learn's ``cross_validate``: the
    fitted clones, their training scores and their predictions on each window."""
    results = cross_validate(
        estimator,
        windows.X,
        windows.y,
        cv=windows.all_folds,
        scoring=windows.scorer,
        return_train_score=True,
        return_estimator=True,
        n_jobs=n_jobs,
        error_score="raise",
    )
    return [
        {
            "estimator": fitted,
            "predictions": np.asarray(fitted.predict(_take(windows.X, val))),
            "train_score": float(train_score),
        }
        for fitted, train_score, (_, val) in zip(
            results["estimator"], results["train_score"], windows.all_folds, strict=True
        )
    ]


def _evaluate_one(
    name, estimator, windows, baselines, baseline_predictions, *, n_jobs, error_score
):
    evaluation = CandidateEvaluation(
        name=name,
        scoring=windows.scoring_name,
        naive_rule=naive_rule_of(estimator),
        n_test=len(windows.test),
        baselines=baselines,
    )
    start = time.perf_counter()
    try:
        # Fold positions are relative to the selection part, which starts at row 0,
        # so they index X and y directly; the final fold is selection -> test.
        if shares_folds(estimator, windows.all_folds):
            fits = nested_search_fits(
                estimator,
                windows.X,
                windows.y,
                windows.all_folds,
                windows.scorer,
                n_jobs=n_jobs,
            )
        else:
            fits = _cross_validate_fits(estimator, windows, n_jobs)
        val_scores = [
            float(windows.scorer(fit["estimator"], *windows.rows(val)))
            for fit, (_, val) in zip(fits, windows.all_folds, strict=True)
        ]
    except Exception as exc:
        if error_score == "raise":
            raise
        evaluation.error = error_record(exc)
        evaluation.fit_time = time.perf_counter() - start
        return evaluation
    train = [fit["train_score"] for fit in fits[:-1]]
    val = val_scores[:-1]
    folds = {"train_score": train, "test_score": val}
    evaluation.train_scores = train
    evaluation.validation_scores = val
    evaluation.mean_train_score = float(np.mean(train))
    evaluation.mean_validation_score = float(np.mean(val))
    evaluation.gap = train_validation_gap(folds)
    evaluation.validation_variance = stability_variance(folds)
    evaluation.validation_std = float(np.sqrt(evaluation.validation_variance))
    evaluation.test_score = val_scores[-1]
    y_test = windows.y[windows.test]
    y_pred_test = fits[-1]["predictions"]
    evaluation.test_accuracy = float(np.mean(y_pred_test == y_test))
    pooled = np.concatenate([fit["predictions"] for fit in fits])
    evaluation.oos_predictions = pooled
    y_oos = windows.y[windows.oos]
    evaluation.n_oos = len(y_oos)
    evaluation.oos_accuracy = float(np.mean(pooled == y_oos))
    n_test = len(windows.test)
    for baseline, base_pred in baseline_predictions.items():
        evaluation.comparisons[baseline] = _compare(y_oos, pooled, base_pred)
        evaluation.test_comparisons[baseline] = _compare(
            y_test, y_pred_test, base_pred[-n_test:]
        )
        evaluation.differences[baseline] = (pooled == y_oos).astype(np.int8) - (
            base_pred == y_oos
        ).astype(np.int8)
    if all("params" in fit for fit in fits):
        evaluation.fold_params = [fit["params"] for fit in fits]
    elif all(hasattr(fit["estimator"], "best_params_") for fit in fits):
        evaluation.fold_params = [dict(fit["estimator"].best_params_) for fit in fits]
    evaluation.fit_time = time.perf_counter() - start
    evaluation.estimator = fits[-1]["estimator"]
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
    before, every candidate is cross-validated on one shared list of walk-forward
    folds, with train scores measured on each fold's original training rows; then a
    clone is fitted on all of them and scored on the test window. The validation
    windows and the test window together are the *pooled out-of-sample rows*
    (:func:`walk_forward_predict` over those folds): each is predicted once, by a
    model fitted on earlier rows only, and the comparison with each baseline on them
    is the evidence :class:`SelectionCriteria` tests. The naive baselines are scored
    on exactly the same windows, fitted on the same training rows.

    A :class:`GapPenalizedGridSearchCV` candidate on expanding folds is tuned with the
    earlier folds as its inner folds (their validation rows cut at each fold's
    training end): a nested search that shares its fits with the outer folds, so each
    grid point is fitted once per fold. The first fold uses the grid's first point.

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
        Folds fitted in parallel (joblib).
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
