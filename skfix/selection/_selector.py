"""ModelSelector: evaluate candidates alike, accept or reject each, rank, and pick one."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.ensemble import VotingClassifier
from sklearn.metrics import get_scorer_names
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import Interval, StrOptions, _fit_context
from ..economics import Economics
from ._checks import RULE_WORDS, EnoughRows
from ._criteria import SelectionCriteria
from ._decision import Decision
from ._evaluate import (
    BASELINES,
    _evaluate_baselines,
    _evaluate_one,
    _make_windows,
    _named,
)
from ._split import _TooFewSamplesError

ENSEMBLE_NAME = "soft_voting_ensemble"


class ModelSelector(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Pick the model to deploy for one symbol, or none, with the reasons written down.

    Every candidate is evaluated on the same walk-forward folds of the rows before a
    final test window, and on that window (see :func:`evaluate_candidates`); the
    :class:`SelectionCriteria` accept or reject each one; the accepted ones are ranked
    by :meth:`SelectionCriteria.rank_score`, ties going to a naive rule, then to the
    more stable candidate (lower std of fold scores). The naive rules compete as
    candidates (``naive_rules``): the majority rule is the baseline every candidate
    must beat significantly, and the persistence rule is deployed where it is the best
    thing that survives. When nothing is accepted, ``best_estimator_`` is None and
    ``why_`` says why.

    Parameters
    ----------
    candidates : dict of str to estimator, or list of (str, estimator)
        Classifiers or pipelines to choose from; they are cloned, never fitted in place.
    naive_rules : "auto", dict of str to estimator, list of (str, estimator) or None, \
default="auto"
        Naive rules evaluated as candidates after ``candidates``. ``"auto"``:
        ``"majority"`` (:class:`~skfix.estimators.MajorityClassifier`) always, and
        ``"persistence"`` (:class:`~skfix.estimators.PersistenceClassifier` reading the
        column ``f"return_{gap}"``) when ``X`` is a DataFrame with that column, as
        :func:`skfix.features.make_dataset` gives it; a candidate of the same name
        takes the rule's place. None: no rule competes (the baselines are still
        scored beside every candidate).
    criteria : SelectionCriteria, default=None
        Acceptance rules; None means ``SelectionCriteria()``.
    cv : int, cross-validator or iterable of (train, validation), default=None
        Folds on the rows before the test window; None is
        ``PurgedWalkForwardSplit(5, gap=gap)``, an int sets its ``n_splits``.
    test_size : float or int, default=0.2
        The final test window (share of rows or number of rows), as in
        :func:`holdout_split`.
    gap : int, default=1
        Rows purged before each validation window and before the test window; at least
        the label horizon.
    scoring : str or callable, default="accuracy"
        Scorer for train, validation and test scores.
    ensemble : bool, default=False
        When at least two candidates are accepted, also evaluate a soft-voting ensemble
        of them as one more candidate (it counts as one more test in the correction).
    refit : {"selection", "all"}, default="selection"
        ``"selection"`` keeps as ``best_estimator_`` the model fitted on the rows before
        the test window, which is exactly the model the test window assessed; ``"all"``
        refits the chosen candidate on every row, gaining the most recent data but
        deploying a model no window has assessed.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).
    error_score : {"record", "raise"}, default="record"
        ``"record"`` rejects a candidate that raises, keeping its exception type and
        message, and goes on with the others; ``"raise"`` re-raises.
    random_state : int, RandomState instance or None, default=None
        Seed of the sign flips of the ``"maxt"`` correction (the candidates keep their
        own ``random_state``). Pass an int for reproducible p-values.
    economics : skfix.economics.Economics or None, default=None
        How the candidates' calls are traded when :meth:`fit` is given ``returns``:
        the cost per unit of turnover, long/short or long/flat, the blocks of the
        probability of backtest overfitting. None is ``Economics()``.

    Attributes
    ----------
    evaluations_ : list of CandidateEvaluation
        Scores of every candidate (the ensemble last, when evaluated).
    decisions_ : dict of str to Decision
        Decision and criteria of every candidate, in evaluation order.
    ranking_ : list of str
        Names of the accepted candidates, best first.
    best_name_ : str or None
        The chosen candidate.
    best_estimator_ : estimator or None
        The chosen model, fitted as ``refit`` says; None when nothing is accepted.
    why_ : str
        Why this candidate was chosen, or why none was.
    criteria_ : SelectionCriteria
        The criteria applied.
    split_ : dict
        Rows used: ``n_selection``, ``n_test``, ``gap`` and the ``folds`` as
        ``[train_start, train_end, val_start, val_end]`` positions (end exclusive).
    evidence_ : dict
        What the data can show: ``n_oos`` (pooled out-of-sample rows),
        ``min_detectable_edge`` (the smallest accuracy edge over the baseline found
        with 80 % power at the criteria's ``alpha``), ``rows_for_edge_0.05``, and
        ``p_value`` (the smallest corrected p-value of the candidates, None when none
        was tested).
    economics_ : dict or None
        With ``returns``: the symbol's economic figures (the settings,
        ``periods_per_year``, ``n_trials``, ``variance_of_sharpes``, buy-and-hold's
        performance, ``backtest_overfitting`` and the ``equity`` curves); each
        candidate's own are its evaluation's ``economics``. None without.
    classes_ : ndarray of shape (n_classes,)
        Class labels of ``best_estimator_``, the columns of :meth:`predict_proba`;
        absent when nothing is accepted.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    evaluate_candidates : The evaluation alone.
    SelectionCriteria : The acceptance rules.
    gap_penalized_refit : Tuning a candidate with GridSearchCV before selecting.

    Notes
    -----
    The selector is a classifier, as its candidates are: ``y`` must hold class labels
    and :meth:`score` is the accuracy of ``best_estimator_``.

    A pandas DataFrame reaches the candidates unchanged, so that they see its column
    names and dtypes (a pipeline may select or encode columns by name); the selector
    itself checks only its shape, its length against ``y`` and its missing values. Any
    other ``X`` is validated as a numeric array first. NaN is accepted only when every
    candidate accepts it, and sparse input only when every candidate does (their
    ``allow_nan`` and ``sparse`` input tags).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skfix.selection import ModelSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    >>> selector = ModelSelector(
    ...     {"logistic": LogisticRegression(), "majority": DummyClassifier()}
    ... ).fit(X, y)
    >>> selector.best_name_
    'logistic'
    >>> {name: d.decision for name, d in selector.decisions_.items()}
    {'logistic': 'accept', 'majority': 'reject'}
    >>> selector.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        "candidates": [list, dict],
        "naive_rules": [StrOptions({"auto"}), list, dict, None],
        "criteria": [SelectionCriteria, None],
        "cv": ["cv_object"],
        "test_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "gap": [Interval(Integral, 0, None, closed="left")],
        "scoring": [StrOptions(set(get_scorer_names())), callable],
        "ensemble": ["boolean"],
        "refit": [StrOptions({"selection", "all"})],
        "n_jobs": [Integral, None],
        "error_score": [StrOptions({"record", "raise"})],
        "random_state": ["random_state"],
        "economics": [Economics, None],
    }

    def __init__(
        self,
        candidates,
        *,
        naive_rules="auto",
        criteria=None,
        cv=None,
        test_size=0.2,
        gap=1,
        scoring="accuracy",
        ensemble=False,
        refit="selection",
        n_jobs=None,
        error_score="record",
        random_state=None,
        economics=None,
    ):
        self.candidates = candidates
        self.naive_rules = naive_rules
        self.criteria = criteria
        self.cv = cv
        self.test_size = test_size
        self.gap = gap
        self.scoring = scoring
        self.ensemble = ensemble
        self.refit = refit
        self.n_jobs = n_jobs
        self.error_score = error_score
        self.random_state = random_state
        self.economics = economics

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, returns=None):
        """Evaluate, decide on and rank every candidate, and keep the best one.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            One symbol's features, rows in time order.
        y : array-like of shape (n_samples,)
            Its labels.
        returns : array-like of shape (n_samples,), default=None
            The simple return of the period each row's label is about (for a
            next-period label, ``close[t + 1] / close[t] - 1``). Given, every
            candidate's pooled out-of-sample calls are traded as ``economics`` says,
            and each evaluation gets its ``economics`` (returns after costs, Sharpe
            ratio, turnover, drawdown, hit rate, break-even cost, probabilistic and
            deflated Sharpe ratio, the symbol's probability of backtest overfitting);
            ``economics_`` holds the symbol's figures. The criteria
            ``min_deflated_sharpe`` and ``max_pbo`` need them.

        Returns
        -------
        self : ModelSelector
        """
        items = _named(self.candidates)
        taken = {name for name, _ in items}
        items += [
            (name, rule)
            for name, rule in self._rules(X)
            if not (self.naive_rules == "auto" and name in taken)
        ]
        items = _named(items)
        X_checked, y = validate_data(self, X, y, **self._check_options(X))
        check_classification_targets(y)
        X = _for_candidates(X, X_checked)
        self.criteria_ = self.criteria if self.criteria is not None else SelectionCriteria()
        self.evaluations_ = []
        self.economics_ = None
        try:
            windows = _make_windows(
                X,
                y,
                cv=self.cv,
                test_size=self.test_size,
                gap=self.gap,
                scoring=self.scoring,
                baselines=BASELINES,
            )
        except _TooFewSamplesError as exc:
            self._too_short(items, str(exc))
            return self
        self.split_ = {
            "n_selection": len(windows.selection),
            "n_test": len(windows.test),
            "gap": self.gap,
            "folds": [
                [int(train[0]), int(train[-1]) + 1, int(val[0]), int(val[-1]) + 1]
                for train, val in windows.folds
            ],
        }
        baselines, predictions = _evaluate_baselines(windows)

        def evaluate(name, estimator):
            return _evaluate_one(
                name,
                estimator,
                windows,
                baselines,
                predictions,
                n_jobs=self.n_jobs,
                error_score=self.error_score,
            )

        evaluations = [evaluate(name, estimator) for name, estimator in items]
        if returns is not None:
            self.economics_ = self._economics(evaluations, windows, returns, X, items)
        # One seed for every assessment, so that adding the ensemble re-tests the
        # same flips.
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        decisions = self.criteria_.assess(evaluations, random_state=seed)
        accepted = [d.name for d in decisions if d.accepted]
        if self.ensemble and len(accepted) >= 2:
            estimators = dict(items)
            voting = VotingClassifier(
                [(name, clone(estimators[name])) for name in accepted], voting="soft"
            )
            evaluations.append(evaluate(ENSEMBLE_NAME, voting))
            decisions = self.criteria_.assess(evaluations, random_state=seed)
        self.evaluations_ = evaluations
        self.decisions_ = {d.name: d for d in decisions}
        self._set_evidence(len(windows.oos), decisions)
        self.ranking_ = [d.name for d in sorted(decisions, key=_rank_key) if d.accepted]
        self._choose(X, y, windows)
        return self

    def _economics(self, evaluations, windows, returns, X, items):
        """Trade every candidate's pooled out-of-sample calls (see ``fit``)."""
        from ..economics import Economics
        from ._economics import assess_economics, n_trials_of

        returns = np.asarray(returns, dtype=float)
        if returns.shape != (len(windows.y),) or not np.isfinite(returns).all():
            raise ValueError(
                f"returns must be {len(windows.y)} finite numbers, one per row of X; "
                f"found shape {returns.shape}"
                + ("" if returns.shape != (len(windows.y),) else " with non-finite values")
                + "."
            )
        index = getattr(X, "index", None)
        oos = windows.oos
        return assess_economics(
            evaluations,
            returns[oos],
            None if index is None else index[oos],
            windows.classes,
            self.economics if self.economics is not None else Economics(),
            n_trials_of(estimator for _, estimator in items),
        )

    def _rules(self, X):
        """The naive rules that compete, as (name, estimator) pairs."""
        from ..estimators import MajorityClassifier, PersistenceClassifier

        if self.naive_rules is None:
            return []
        if not isinstance(self.naive_rules, str):
            return _named(self.naive_rules)
        rules = [("majority", MajorityClassifier())]
        column = f"return_{max(self.gap, 1)}"
        if _keeps_frame(X) and column in set(map(str, X.columns)):
            rules.append(("persistence", PersistenceClassifier(feature=column)))
        return rules

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # As sklearn's voting ensembles do: the selector takes what every candidate
        # takes, since any of them may become best_estimator_.
        candidate_tags = [
            get_tags(estimator).input_tags for estimator in _estimators(self.candidates)
        ]
        tags.input_tags.allow_nan = all(t.allow_nan for t in candidate_tags)
        tags.input_tags.sparse = all(t.sparse for t in candidate_tags)
        return tags

    def _check_options(self, X):
        """validate_data options for X: what every candidate's input tags allow."""
        input_tags = get_tags(self).input_tags
        return dict(
            # a DataFrame reaches the candidates as it is, so its dtypes are theirs to
            # check (a pipeline may encode string columns)
            dtype=None if _keeps_frame(X) else "numeric",
            # csr, because the evaluation selects rows of X
            accept_sparse="csr" if input_tags.sparse else False,
            ensure_all_finite="allow-nan" if input_tags.allow_nan else True,
        )

    @property
    def classes_(self):
        """Class labels of ``best_estimator_``, the columns of :meth:`predict_proba`."""
        check_is_fitted(self, "decisions_")
        if self.best_estimator_ is None:
            # AttributeError, so that hasattr(selector, "classes_") is False
            raise AttributeError(
                f"ModelSelector has no classes_: it has no model. {self.why_}"
            )
        return self.best_estimator_.classes_

    def _set_evidence(self, n_oos, decisions):
        edge, rows = self.criteria_.detectable_edge(n_oos)
        tested = [d.p_value for d in decisions if np.isfinite(d.p_value)]
        self.evidence_ = {
            "n_oos": int(n_oos),
            "min_detectable_edge": edge if np.isfinite(edge) else None,
            "rows_for_edge_0.05": rows,
            "p_value": float(min(tested)) if tested else None,
        }

    # The criterion of a series too short to split; its explanation says why.
    def _too_short(self, items, message):
        self.split_ = {"n_selection": 0, "n_test": 0, "gap": self.gap, "folds": []}
        self._set_evidence(0, [])
        criterion = EnoughRows(message).check(None, self.criteria_)
        self.decisions_ = {
            name: Decision(
                name,
                "insufficient_data",
                f"the series is too short: {message}",
                [criterion],
            )
            for name, _ in items
        }
        self.ranking_ = []
        self.best_name_ = None
        self.best_estimator_ = None
        self.why_ = f"No candidate was evaluated: the series is too short. {message}"

    def _choose(self, X, y, windows):
        if not self.ranking_:
            self.best_name_ = None
            self.best_estimator_ = None
            counts = {
                kind: sum(d.decision == kind for d in self.decisions_.values())
                for kind in ("reject", "insufficient_data")
            }
            details = " ".join(
                f"{d.name}: {d.decision} - {d.reason}" for d in self.decisions_.values()
            )
            self.why_ = (
                f"{self._nothing_beats(windows)}No candidate was accepted "
                f"({counts['reject']} rejected, {counts['insufficient_data']} with "
                f"insufficient data). {details}"
            )
            return
        name = self.ranking_[0]
        evaluation = next(e for e in self.evaluations_ if e.name == name)
        decision = self.decisions_[name]
        estimator = evaluation.estimator
        if self.refit == "all":
            estimator = clone(estimator).fit(X, windows.y)
        self.best_name_ = name
        self.best_estimator_ = estimator
        words = (
            f" ({RULE_WORDS.get(evaluation.naive_rule, evaluation.naive_rule)}, a naive "
            "rule no learned model beat)"
            if evaluation.naive_rule
            else ""
        )
        self.why_ = (
            f"'{name}'{words} ranks first of {len(self.ranking_)} accepted candidate(s) "
            "with "
            f"rank score {decision.rank_score:.3f} (out-of-sample accuracy "
            f"{evaluation.oos_accuracy:.3f}, test {evaluation.scoring} "
            f"{evaluation.test_score:.3f}, gap {evaluation.gap:.3f}, fold std "
            f"{evaluation.validation_std:.3f})."
        )

    def _nothing_beats(self, windows):
        """The first sentence of :attr:`why_` when nothing is deployed: which rule no
        model beats, in words ("No model beats always predicting 'up'.")."""
        judged = [
            d
            for d in self.decisions_.values()
            if not any(c.name == "is_baseline" for c in d.criteria)
        ]
        if judged and all(d.decision == "insufficient_data" for d in judged):
            return "Not enough data to tell a model from luck. "
        # said only when the data could tell: else "insufficient data" is the answer
        if not judged or any(d.decision == "insufficient_data" for d in judged):
            return ""

        def failed(decision, name):
            return any(c.name == name and not c.passed for c in decision.criteria)

        if self.criteria_.baseline == "majority" and all(
            failed(d, "beats_baseline") for d in judged
        ):
            labels, counts = np.unique(windows.y[windows.selection], return_counts=True)
            majority = labels[np.argmax(counts)]
            return f"No model beats always predicting {_label_words(majority)}. "
        if all(
            failed(d, "beats_baseline") or failed(d, "beats_naive_rules") for d in judged
        ) and any(failed(d, "beats_naive_rules") for d in judged):
            rules = {}
            for e in self.evaluations_:
                for rule, scores in e.baselines.items():
                    rules.setdefault(rule, scores["oos_accuracy"])
            if not rules:
                return ""
            best = max(rules, key=lambda rule: (rules[rule], rule != "majority"))
            return f"No model beats {RULE_WORDS.get(best, best)}. "
        return ""

    def _deployable(self):
        check_is_fitted(self, "decisions_")
        if self.best_estimator_ is None:
            raise ValueError(f"ModelSelector has no model to predict with. {self.why_}")
        return self.best_estimator_

    def predict(self, X):
        """Predict with the chosen model.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)

        Raises
        ------
        ValueError
            If no candidate was accepted (the message says why), or ``X`` does not
            have the features seen in :meth:`fit`.
        """
        estimator = self._deployable()
        X_checked = validate_data(self, X, reset=False, **self._check_options(X))
        return estimator.predict(_for_candidates(X, X_checked))

    def predict_proba(self, X):
        """Class probabilities from the chosen model.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)

        Raises
        ------
        ValueError
            If no candidate was accepted (the message says why), or ``X`` does not
            have the features seen in :meth:`fit`.
        """
        estimator = self._deployable()
        X_checked = validate_data(self, X, reset=False, **self._check_options(X))
        return estimator.predict_proba(_for_candidates(X, X_checked))

    def report(self):
        """Return every candidate's decision and criteria as readable text.

        Returns
        -------
        text : str
        """
        check_is_fitted(self, "decisions_")
        lines = [d.explain() for d in self.decisions_.values()]
        return "\n".join([*lines, self.why_])

    def as_dict(self):
        """Return the outcome as a JSON-serializable dict, for a user's own records
        (``skfix train`` writes its manifest from :mod:`skfix.manifest` records).

        Returns
        -------
        result : dict
            ``best_name``, ``why``, ``criteria``, ``split``, ``evidence`` and, per
            candidate, its
            ``evaluation`` (None when not evaluated) and ``decision``.
        """
        check_is_fitted(self, "decisions_")
        evaluations = {e.name: e.as_dict() for e in self.evaluations_}
        return {
            "best_name": self.best_name_,
            "why": self.why_,
            "criteria": self.criteria_.as_dict(),
            "split": self.split_,
            "evidence": self.evidence_,
            "candidates": [
                {"evaluation": evaluations.get(name), "decision": decision.as_dict()}
                for name, decision in self.decisions_.items()
            ],
        }


def _estimators(candidates):
    """The candidate estimators, from a dict or a list of (name, estimator)."""
    if isinstance(candidates, dict):
        return list(candidates.values())
    return [estimator for _, estimator in candidates]


def _keeps_frame(X):
    return hasattr(X, "iloc")


def _for_candidates(X, X_checked):
    """A DataFrame as given, so that candidates see its feature names; else X_checked."""
    return X if _keeps_frame(X) else X_checked


def _label_words(label):
    """skfix's labels in words: 1 is 'up', 0 'flat or down'; others as given."""
    if isinstance(label, np.integer | int) and label in (0, 1):
        return "'up'" if label == 1 else "'flat or down'"
    return repr(label.item() if hasattr(label, "item") else label)


def _rank_key(decision):
    return decision.rank if decision.rank is not None else float("inf")
