"""Acceptance criteria: the rules, the corrections and the ranking score."""

import math
from dataclasses import dataclass, fields, replace

import numpy as np
from scipy.stats import binom, chi2, norm

from ._criterion_info import register_criterion
from ._decision import CriterionResult, Decision
from ._evaluate import BASELINES
from ._stats import (
    _CORRECTIONS,
    _PANEL_CORRECTIONS,
    adjust_p_values,
    maxt_adjusted_p_values,
    minimum_detectable_edge,
    rows_needed,
)

EVIDENCE = ("pooled", "test")


# The edge over the baseline that "insufficient data" says how much data would find.
_PLANNING_EDGE = 0.05


# The naive rules in words, as reports and reasons name them.
RULE_WORDS = {
    "majority": "always predicting the majority class",
    "persistence": "predicting the same direction as the last period",
}


RANK_EVIDENCE = ("pooled", "test")


def _fmt(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _p(value):
    """A p-value to three significant digits."""
    return "n/a" if not _measured(value) else f"{value:.3g}"


def _measured(value):
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _losing_p_value(wins, losses):
    """One-sided p-value that the other predictor is right more often: P(Binomial(
    wins + losses, 1/2) >= losses); 1.0 without a discordant row."""
    if wins + losses == 0:
        return 1.0
    return float(binom.sf(losses - 1, wins + losses, 0.5))


@dataclass(frozen=True)
class SelectionCriteria:
    """Rules that decide whether a candidate may be deployed, and how to rank the rest.

    The first three rules and the ranking score are the original spec's; the others
    stop those rules from being fooled by a constant predictor on a one-sided series or
    by luck on a short test window. Any rule set to ``None`` is not applied.

    The evidence that a candidate beats the baseline comes from the pooled
    out-of-sample rows of the whole walk-forward (every validation window and the
    final test window, each row predicted once by a model fitted on its past), which
    are several times more rows than the test window alone. The final test window
    stays the confirmation the original rules read.

    Parameters
    ----------
    max_gap : float or None, default=0.20
        Largest allowed mean train score minus mean validation score.
    min_test_score : float or None, default=0.55
        Smallest allowed score on the test window (accuracy by default).
    max_validation_test_diff : float or None, default=0.05
        Largest allowed ``|mean validation score - test score|``.
    gap_weight : float, default=0.5
        With ``rank_evidence="test"``, the ranking score is ``test_score - gap_weight
        * gap``, as the original spec ranked. The pooled ranking does not use it: the
        pooled accuracy is itself measured out of sample, and ``max_gap`` already
        bounds the gap.
    baseline : {"majority", "persistence"} or None, default="majority"
        Naive predictor the candidate must beat, significantly: whether there is
        anything at all to deploy. A candidate that *is* this rule (a
        :class:`~skfix.estimators.MajorityClassifier` for ``"majority"``) is the null
        hypothesis itself and is never deployed.
    alpha : float, default=0.05
        Significance level of the one-sided paired sign test against the baseline,
        after correcting for the number of candidates tried on the symbol; also the
        level at which ``allow_sampling_error`` judges the test window.
    correction : {"maxt", "holm", "bonferroni", "none"}, default="maxt"
        Multiple-testing correction across those candidates. ``"maxt"`` is Westfall
        and Young's step-down max-T over random sign flips of the per-row
        differences (:func:`maxt_adjusted_p_values`): it controls the family-wise
        error rate like Holm, but candidates that find the same signal are not
        charged as independent tests.
    max_fold_std : float or None, default=0.10
        Largest allowed standard deviation of validation scores across folds.
    min_test_rows : int, default=30
        Fewer test rows than this give the decision ``"insufficient_data"``.
    evidence : {"pooled", "test"}, default="pooled"
        Rows of the significance test: the pooled out-of-sample rows, or the final
        test window alone (the behaviour of skfix 0.1).
    allow_sampling_error : bool, default=True
        Judge ``min_test_score``, ``max_validation_test_diff`` and ``max_fold_std`` as
        statistical statements when the score is accuracy: a candidate fails them only
        when the windows show, at level ``alpha``, that its test accuracy is below
        ``min_test_score`` (exact binomial test), that validation and test differ by
        more than ``max_validation_test_diff`` (two-proportion z-test), or that the
        fold scores spread more than their windows' sampling error explains
        (chi-square test of one accuracy across the folds) while their std is above
        ``max_fold_std``. On a window of 120 rows the standard error of an accuracy is
        0.045, so comparing point estimates would reject a model at the Bayes accuracy
        about one time in three. False compares point estimates, as the original spec
        did.
    n_resamples : int, default=9999
        Sign flips of the ``"maxt"`` correction.
    beat_naive_rules : bool, default=True
        Which candidate, among those that beat the baseline: one is rejected when a
        naive rule (always the majority class, the same direction as the last period)
        has at least its accuracy on the same pooled out-of-sample rows, or beats it
        on the final test window beyond that window's sampling error (one-sided
        paired sign test at ``alpha``). So a learned model is deployed only where it
        does better than the rule a user could have used instead, and the rule itself
        (a :class:`~skfix.estimators.PersistenceClassifier` candidate) is deployed
        where it is the best thing that survives.
    rank_evidence : {"pooled", "test"}, default="pooled"
        The score the accepted candidates are ranked by: the pooled out-of-sample
        accuracy (every validation window and the test window, several times the
        rows of the test window alone), or, as the original spec did, the test score
        less ``gap_weight`` times the gap. The power study chose the pooled accuracy:
        among each symbol's accepted candidates it deployed the more accurate model on
        later rows (docs/selection.md, section 7).
    panel_correction : {"bky", "bh", "by", "none"}, default="bky"
        Correction across the symbols of a run, applied by
        :func:`skfix.training.train_panel` (a single :class:`ModelSelector` sees one
        symbol and ignores it): control of the false discovery rate, so that on 1,000
        noise symbols about none, not about 50, are deployed. ``"bky"`` is the
        adaptive two-stage step-up of Benjamini, Krieger and Yekutieli (2006), which
        estimates how many symbols carry no signal and charges only for those: on a
        panel where many symbols carry one it deploys more than Benjamini-Hochberg
        (``"bh"``, skfix 0.1's default); on a panel of noise it deploys anything no
        more often.
        Benjamini-Yekutieli (``"by"``) is valid under any dependence between symbols.

    See Also
    --------
    ModelSelector : Applies the criteria to candidates on one symbol.

    Notes
    -----
    :meth:`legacy` gives the original spec's rules alone, for before/after comparisons.

    Examples
    --------
    >>> from skfix.selection import SelectionCriteria
    >>> SelectionCriteria().min_test_rows
    30
    >>> SelectionCriteria.legacy().baseline is None
    True
    """

    max_gap: float | None = 0.20
    min_test_score: float | None = 0.55
    max_validation_test_diff: float | None = 0.05
    gap_weight: float = 0.5
    baseline: str | None = "majority"
    alpha: float = 0.05
    correction: str = "maxt"
    max_fold_std: float | None = 0.10
    min_test_rows: int = 30
    evidence: str = "pooled"
    allow_sampling_error: bool = True
    n_resamples: int = 9999
    beat_naive_rules: bool = True
    rank_evidence: str = "pooled"
    panel_correction: str = "bky"

    def __post_init__(self):
        if self.baseline is not None and self.baseline not in BASELINES:
            raise ValueError(
                f"baseline must be one of {BASELINES} or None; got {self.baseline!r}."
            )
        if self.correction not in _CORRECTIONS:
            raise ValueError(
                f"correction must be one of {_CORRECTIONS}; got {self.correction!r}."
            )
        if self.panel_correction not in _PANEL_CORRECTIONS:
            raise ValueError(
                f"panel_correction must be one of {_PANEL_CORRECTIONS}; got "
                f"{self.panel_correction!r}."
            )
        if self.evidence not in EVIDENCE:
            raise ValueError(f"evidence must be one of {EVIDENCE}; got {self.evidence!r}.")
        if self.rank_evidence not in RANK_EVIDENCE:
            raise ValueError(
                f"rank_evidence must be one of {RANK_EVIDENCE}; got {self.rank_evidence!r}."
            )
        for name in ("allow_sampling_error", "beat_naive_rules"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ValueError(
                    f"{name} must be true or false; got {getattr(self, name)!r}."
                )
        if (
            isinstance(self.n_resamples, bool)
            or int(self.n_resamples) != self.n_resamples
            or self.n_resamples < 99
        ):
            raise ValueError(f"n_resamples must be an int >= 99; got {self.n_resamples!r}.")
        if not isinstance(self.alpha, int | float) or not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1); got {self.alpha!r}.")
        for name in (
            "max_gap",
            "min_test_score",
            "max_validation_test_diff",
            "max_fold_std",
            "gap_weight",
        ):
            value = getattr(self, name)
            if (
                value is None
                and name == "gap_weight"
                or (
                    value is not None
                    and (isinstance(value, bool) or not isinstance(value, int | float))
                )
            ):
                raise ValueError(f"{name} must be a number; got {value!r}.")
            if value is not None and not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number or None; got {value!r}.")
        for name in ("max_gap", "max_validation_test_diff", "max_fold_std"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0 or None; got {value!r}.")
        if (
            isinstance(self.min_test_rows, bool)
            or not isinstance(self.min_test_rows, int | float)
            or int(self.min_test_rows) != self.min_test_rows
            or self.min_test_rows < 0
        ):
            raise ValueError(
                f"min_test_rows must be an int >= 0; got {self.min_test_rows!r}."
            )

    @classmethod
    def legacy(cls):
        """The original spec's rules only: gap, test score and validation-test difference.

        Point estimates, no baseline, no naive rules, ranking by the test score, no
        correction across symbols.

        Returns
        -------
        criteria : SelectionCriteria
        """
        return cls(
            baseline=None,
            max_fold_std=None,
            min_test_rows=0,
            evidence="test",
            allow_sampling_error=False,
            beat_naive_rules=False,
            rank_evidence="test",
            panel_correction="none",
        )

    def as_dict(self):
        """Return the thresholds as a JSON-serializable dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_params(self, **changes):
        """Return a copy with some thresholds changed.

        Parameters
        ----------
        **changes
            Field names and their new values.

        Returns
        -------
        criteria : SelectionCriteria
        """
        return replace(self, **changes)

    def rank_score(self, evaluation):
        """Return the score a candidate evaluation is ranked by.

        The pooled out-of-sample accuracy (``rank_evidence="pooled"``), or
        ``test_score - gap_weight * gap`` (``"test"``).
        """
        if self.rank_evidence == "pooled":
            return evaluation.oos_accuracy
        return evaluation.test_score - self.gap_weight * evaluation.gap

    def is_null_rule(self, evaluation):
        """Whether the candidate is the baseline rule itself (never deployed)."""
        return self.baseline is not None and evaluation.naive_rule == self.baseline

    def _comparison(self, e):
        """The evidence against the baseline that the significance test reads."""
        if self.evidence == "pooled":
            return e.comparisons[self.baseline]
        return e.test_comparisons[self.baseline]

    def adjusted_p_values(self, evaluations, random_state=None):
        """Raw and corrected p-values of the candidates against the baseline.

        Parameters
        ----------
        evaluations : list of CandidateEvaluation
            The candidates of one symbol.
        random_state : int, RandomState instance or None, default=None
            Seed of the sign flips of the ``"maxt"`` correction.

        Returns
        -------
        raw, adjusted : ndarray of shape (n_candidates,)
            NaN for a failed candidate, or when no baseline is set.
        """
        tested = [
            self.baseline is not None and not e.failed and not self.is_null_rule(e)
            for e in evaluations
        ]
        raw = np.array(
            [
                self._comparison(e)["p_value"] if ok else math.nan
                for e, ok in zip(evaluations, tested, strict=True)
            ],
            dtype=float,
        )
        if self.correction != "maxt" or not any(tested):
            method = "none" if self.correction == "maxt" else self.correction
            return raw, adjust_p_values(raw, method)
        columns = []
        for e, ok in zip(evaluations, tested, strict=True):
            if ok:
                d = e.differences[self.baseline]
                columns.append(d if self.evidence == "pooled" else d[-e.n_test :])
        flipped = maxt_adjusted_p_values(
            np.column_stack(columns),
            n_resamples=int(self.n_resamples),
            random_state=random_state,
        )
        adjusted = np.full(len(evaluations), np.nan)
        # A Monte Carlo p-value can fall a hair below the exact one of its own test;
        # a correction never makes evidence stronger.
        adjusted[np.asarray(tested)] = np.maximum(flipped, raw[np.asarray(tested)])
        return raw, adjusted

    def assess(self, evaluations, random_state=None):
        """Decide on every candidate evaluated on one symbol, and rank the accepted ones.

        The baseline test is corrected for all candidates that produced scores.
        Accepted candidates are ranked by :meth:`rank_score`, ties going to a naive
        rule, then to the smaller fold-score standard deviation, then to the order
        given. The candidate that is the baseline rule itself is not tested and never
        accepted.

        Parameters
        ----------
        evaluations : list of CandidateEvaluation
            As returned by :func:`evaluate_candidates`.
        random_state : int, RandomState instance or None, default=None
            Seed of the sign flips of the ``"maxt"`` correction.

        Returns
        -------
        decisions : list of Decision
            One per evaluation, in the same order.
        """
        raw, adjusted = self.adjusted_p_values(evaluations, random_state)
        n_tested = int(np.sum(~np.isnan(raw)))
        decisions = [
            self._decide(e, float(p_raw), float(p_adj), n_tested)
            for e, p_raw, p_adj in zip(evaluations, raw, adjusted, strict=True)
        ]
        accepted = [
            (
                -d.rank_score,
                evaluations[i].naive_rule is None,
                evaluations[i].validation_std,
                i,
            )
            for i, d in enumerate(decisions)
            if d.accepted
        ]
        for rank, (*_, i) in enumerate(sorted(accepted), start=1):
            decisions[i].rank = rank
        return decisions

    def threshold_checks(self):
        """The checks between ``test_rows`` and ``beats_baseline``, in order.

        Each takes a :class:`CandidateEvaluation` and returns a
        :class:`CriterionResult`; a threshold set to None leaves its check out. A
        subclass adds a criterion by returning its own check as well, registered with
        :func:`register_criterion` so that reports show its unit and advice: the new
        criterion is then decided on, written to the manifest and reported like the
        built-in ones.

        Returns
        -------
        checks : list of callable
            ``gap``, ``test_score``, ``validation_test_difference`` and ``fold_std``
            by default.

        Examples
        --------
        >>> from dataclasses import dataclass
        >>> from skfix.selection import (
        ...     CriterionResult, SelectionCriteria, register_criterion)
        >>> @dataclass(frozen=True)
        ... class WithPooledAccuracy(SelectionCriteria):
        ...     min_oos_accuracy: float = 0.52
        ...
        ...     def threshold_checks(self):
        ...         return [*super().threshold_checks(), self._oos_accuracy]
        ...
        ...     @register_criterion("oos_accuracy", unit="fraction")
        ...     def _oos_accuracy(self, e):
        ...         passed = e.oos_accuracy >= self.min_oos_accuracy
        ...         return CriterionResult(
        ...             "oos_accuracy", e.oos_accuracy, self.min_oos_accuracy, passed,
        ...             f"pooled accuracy {e.oos_accuracy:.3f}")
        >>> len(WithPooledAccuracy().threshold_checks())
        5
        """
        return [
            check
            for check, threshold in (
                (self._gap, self.max_gap),
                (self._test_score, self.min_test_score),
                (self._validation_test, self.max_validation_test_diff),
                (self._fold_std, self.max_fold_std),
            )
            if threshold is not None
        ]

    def _decide(self, e, p_raw, p_adjusted, n_tested):
        if e.failed:
            criterion = self._trained(e)
            return Decision(
                e.name, "reject", f"it failed to train ({criterion.value}).", [criterion]
            )
        if self.is_null_rule(e):
            criterion = self._null_rule(e)
            return Decision(e.name, "reject", criterion.explanation + ".", [criterion])
        results = [self._test_rows(e), *(check(e) for check in self.threshold_checks())]
        if self.baseline is not None:
            results.append(self._beats_baseline(e, p_adjusted, n_tested))
        else:
            p_raw = p_adjusted = math.nan
        if self.beat_naive_rules:
            results.append(self._beats_naive_rules(e))
        failures = [r for r in results if not r.passed]
        if not results[0].passed:
            decision = "insufficient_data"
            reason = results[0].explanation + "; too few to tell a model from luck."
        elif failures:
            decision = "reject"
            reason = "; ".join(r.explanation for r in failures) + "."
        else:
            decision = "accept"
            reason = "it meets every criterion."
        return Decision(
            e.name,
            decision,
            reason,
            results,
            float(self.rank_score(e)),
            p_value=p_adjusted,
            p_value_raw=p_raw,
        )

    @register_criterion("is_baseline", unit="text")
    def _null_rule(self, e):
        return CriterionResult(
            "is_baseline",
            e.naive_rule,
            None,
            False,
            f"it is the baseline itself ({RULE_WORDS.get(e.naive_rule, e.naive_rule)}, "
            f"{_fmt(e.oos_accuracy)} on the pooled out-of-sample rows), the rule every "
            "other candidate must beat; it is never deployed",
        )

    @register_criterion(
        "beats_naive_rules",
        unit="text",
        advice="{explanation}: a rule with no parameters does as well; do not deploy "
        "this model.",
    )
    def _beats_naive_rules(self, e):
        """Not worse than a naive rule a user could have used instead, on the pooled
        rows (point estimate) and on the test window (beyond its sampling error)."""
        behind, beaten, within, compared = [], [], [], []
        skipped = None
        for rule, scores in e.baselines.items():
            if rule == e.naive_rule:
                continue
            rule_pooled = scores["oos_accuracy"]
            # beating the baseline on the pooled rows is beats_baseline's test, and
            # passing it means a higher pooled accuracy: not said twice
            judged_by_test = rule == self.baseline and self.evidence == "pooled"
            if judged_by_test:
                skipped = rule
            else:
                compared.append(f"{_fmt(rule_pooled)} for {rule}")
            if not judged_by_test and not (
                _measured(e.oos_accuracy) and e.oos_accuracy > rule_pooled
            ):
                behind.append(
                    f"'{rule}' ({RULE_WORDS.get(rule, rule)}) scores {_fmt(rule_pooled)} "
                    f"on the same {e.n_oos} pooled rows, at least its "
                    f"{_fmt(e.oos_accuracy)}"
                )
            test = e.test_comparisons.get(rule)
            if test is not None:
                p = _losing_p_value(test["wins"], test["losses"])
                if p > self.alpha and test["losses"] > test["wins"]:
                    within.append(
                        f"'{rule}' scores {_fmt(scores['test_accuracy'])} on the "
                        f"{e.n_test}-row test window against its {_fmt(e.test_accuracy)} "
                        f"({test['losses']} rows lost, {test['wins']} won: p = {_p(p)} > "
                        f"alpha {_fmt(self.alpha)}, within the window's sampling error)"
                    )
                if p <= self.alpha:
                    beaten.append(
                        f"'{rule}' beats it on the {e.n_test}-row test window "
                        f"({_fmt(scores['test_accuracy'])} vs {_fmt(e.test_accuracy)}, "
                        f"{test['losses']} rows lost, {test['wins']} won: p = {_p(p)} <= "
                        f"alpha {_fmt(self.alpha)})"
                    )
        failures = behind + beaten
        if failures:
            text = "; ".join(failures)
        else:
            parts = []
            if compared:
                parts.append(
                    f"pooled accuracy {_fmt(e.oos_accuracy)} is above every other naive "
                    f"rule's on the same rows ({', '.join(compared)})"
                )
            if skipped is not None:
                parts.append(f"against '{skipped}' it is judged by beats_baseline")
            parts.append("no rule beats it on the test window beyond its sampling error")
            text = "; ".join(parts)
            if within:
                text += " (" + "; ".join(within) + ")"
        return CriterionResult(
            "beats_naive_rules",
            "; ".join(
                f"{rule} {_fmt(s['oos_accuracy'])}"
                for rule, s in e.baselines.items()
                if rule != e.naive_rule
            ),
            None,
            not failures,
            text,
        )

    @register_criterion("trained", unit="text")
    def _trained(self, e):
        error = f"{e.error['type']}: {e.error['message']}"
        return CriterionResult(
            "trained", error, None, False, f"the candidate raised {error}"
        )

    def detectable_edge(self, n_oos):
        """What ``n_oos`` out-of-sample rows can reveal at this ``alpha``.

        Returns
        -------
        edge : float
            The smallest accuracy edge over the baseline found with 80 % power (see
            :func:`minimum_detectable_edge`).
        rows : int
            Out-of-sample rows an edge of 0.05 needs.
        """
        return (
            minimum_detectable_edge(n_oos, alpha=self.alpha),
            rows_needed(_PLANNING_EDGE, alpha=self.alpha),
        )

    @register_criterion(
        "test_rows",
        unit="count",
        advice="the test window has {value} rows, fewer than the {threshold} needed to "
        "tell a model from luck: collect more history.",
    )
    def _test_rows(self, e):
        passed = e.n_test >= self.min_test_rows
        word = "at least" if passed else "fewer than"
        explanation = (
            f"the test window has {e.n_test} rows, {word} the {self.min_test_rows} required"
        )
        if not passed:
            edge, rows = self.detectable_edge(e.n_oos)
            explanation += (
                f"; its {e.n_oos} out-of-sample rows could only reveal an edge over the "
                f"baseline of {_fmt(edge)} or more (80 % power at alpha "
                f"{_fmt(self.alpha)}), while an edge of {_PLANNING_EDGE:.2f} needs about "
                f"{rows} out-of-sample rows"
            )
        return CriterionResult(
            "test_rows", e.n_test, self.min_test_rows, passed, explanation
        )

    def _judges_sampling_error(self, e):
        return self.allow_sampling_error and e.scoring == "accuracy" and e.n_test > 0

    def _sampling_error(self, p, rows, claim):
        """Whether a threshold crossed by the point estimate is within the sampling
        error of `rows` (p above alpha), and the words that say so."""
        passed = p > self.alpha
        return passed, (
            f", {'but within' if passed else 'beyond'} the sampling error of {rows} "
            f"(p = {_p(min(p, 1.0))} {claim}, alpha {_fmt(self.alpha)})"
        )

    @register_criterion(
        "gap",
        unit="fraction",
        advice="gap {rounded_value} (limit {rounded_threshold}): more data or stronger "
        "regularization ({hint}).",
    )
    def _gap(self, e):
        passed = _measured(e.gap) and e.gap <= self.max_gap
        verdict = "within" if passed else "above"
        return CriterionResult(
            "gap",
            e.gap,
            self.max_gap,
            passed,
            f"train-validation gap {_fmt(e.gap)} ({_fmt(e.mean_train_score)} on training "
            f"rows vs {_fmt(e.mean_validation_score)} on validation) is {verdict} the "
            f"maximum {_fmt(self.max_gap)}"
            + ("" if passed else ": the model memorizes its training rows"),
        )

    @register_criterion(
        "test_score",
        unit="fraction",
        advice="test accuracy {value} is below {rounded_threshold}: the features carry "
        "little signal at this horizon; try other features or another horizon.",
    )
    def _test_score(self, e):
        above = _measured(e.test_score) and e.test_score >= self.min_test_score
        text = (
            f"test {e.scoring} {_fmt(e.test_score)} is "
            f"{'at least' if above else 'below'} the minimum {_fmt(self.min_test_score)}"
        )
        passed = above
        if not above and _measured(e.test_score) and self._judges_sampling_error(e):
            # P(at most this many right | true accuracy = the minimum)
            right = int(round(e.test_accuracy * e.n_test))
            p = float(binom.cdf(right, e.n_test, self.min_test_score))
            passed, words = self._sampling_error(
                p,
                f"{e.n_test} rows",
                f"that an accuracy of at least {_fmt(self.min_test_score)} scores this low",
            )
            text += words
        return CriterionResult(
            "test_score", e.test_score, self.min_test_score, passed, text
        )

    @register_criterion(
        "validation_test_difference",
        unit="fraction",
        advice="validation and test accuracy differ by {value} (allowed "
        "{rounded_threshold}): the market may have changed between the two windows; a "
        "shorter (rolling) training window or more recent data may help.",
    )
    def _validation_test(self, e):
        diff = abs(e.mean_validation_score - e.test_score)
        within = _measured(diff) and diff <= self.max_validation_test_diff
        text = (
            f"validation {_fmt(e.mean_validation_score)} and test {_fmt(e.test_score)} "
            f"differ by {_fmt(diff)}, {'within' if within else 'more than'} the allowed "
            f"{_fmt(self.max_validation_test_diff)}"
        )
        passed = within
        n_val = int(e.n_oos) - int(e.n_test)
        if not within and _measured(diff) and self._judges_sampling_error(e) and n_val > 0:
            share = (e.mean_validation_score * n_val + e.test_score * e.n_test) / (
                n_val + e.n_test
            )
            se = math.sqrt(max(share * (1 - share), 1e-12) * (1 / n_val + 1 / e.n_test))
            z = (diff - self.max_validation_test_diff) / se
            p = float(2 * norm.sf(z))
            passed, words = self._sampling_error(
                p,
                f"{n_val} validation and {e.n_test} test rows",
                "for a difference this far beyond the allowed one",
            )
            text += words
        return CriterionResult(
            "validation_test_difference",
            diff,
            self.max_validation_test_diff,
            passed,
            text,
        )

    @register_criterion(
        "fold_std",
        unit="fraction",
        advice="validation accuracy varies across folds (std {value}, limit "
        "{rounded_threshold}): performance is unstable over time; use more data or a "
        "simpler model.",
    )
    def _fold_std(self, e):
        within = _measured(e.validation_std) and e.validation_std <= self.max_fold_std
        text = (
            f"validation scores vary across {len(e.validation_scores)} folds with std "
            f"{_fmt(e.validation_std)}, {'within' if within else 'above'} the maximum "
            f"{_fmt(self.max_fold_std)}"
        )
        passed = within
        n_folds = len(e.validation_scores)
        n_val = int(e.n_oos) - int(e.n_test)
        if (
            not within
            and _measured(e.validation_std)
            and self._judges_sampling_error(e)
            and n_folds > 1
            and n_val > 0
        ):
            # Chi-square test of one accuracy across the folds: the spread that the
            # windows' own sampling error cannot explain.
            rows = n_val / n_folds
            share = e.mean_validation_score
            statistic = (
                rows * n_folds * e.validation_variance / max(share * (1 - share), 1e-12)
            )
            p = float(chi2.sf(statistic, n_folds - 1))
            passed, words = self._sampling_error(
                p,
                f"{n_folds} windows of about {rows:.0f} rows",
                "that folds of one accuracy spread this much",
            )
            text += words
        if not passed:
            text += ": performance is unstable over time"
        return CriterionResult(
            "fold_std", e.validation_std, self.max_fold_std, passed, text
        )

    @register_criterion(
        "beats_baseline",
        unit="p_value",
        advice="no evidence of signal over {baseline} (p = {value} > alpha "
        "{threshold}): do not trade on it.",
    )
    def _beats_baseline(self, e, p_adjusted, n_tested):
        comparison = self._comparison(e)
        baseline = e.baselines[self.baseline]
        if self.evidence == "pooled":
            where = f"on {e.n_oos} pooled out-of-sample rows"
            accuracy, base_accuracy = e.oos_accuracy, baseline["oos_accuracy"]
        else:
            where = f"on the {e.n_test}-row test window"
            accuracy, base_accuracy = e.test_accuracy, baseline["test_accuracy"]
        passed = _measured(p_adjusted) and p_adjusted <= self.alpha
        verdict = "significantly better than" if passed else "not significantly better than"
        correction = (
            f"{self.correction}-corrected for {n_tested} candidates"
            if self.correction != "none"
            else "uncorrected"
        )
        return CriterionResult(
            "beats_baseline",
            p_adjusted,
            self.alpha,
            passed,
            f"accuracy {_fmt(accuracy)} vs {_fmt(base_accuracy)} for '{self.baseline}' "
            f"{where} ({comparison['wins']} rows won, {comparison['losses']} lost): p = "
            f"{_p(comparison['p_value'])}, {correction} p = {_p(p_adjusted)}, alpha "
            f"{_fmt(self.alpha)}: {verdict} the baseline",
        )

    @register_criterion(
        "panel_fdr",
        unit="p_value",
        advice="significant on its own symbol, but not once every symbol of the run is "
        "accounted for (p = {value} > alpha {threshold}): with many symbols some look "
        "good by luck; more history on this symbol would settle it.",
    )
    def panel_fdr(self, p_value, adjusted, n_judged):
        """The criterion of the false-discovery control across the symbols of a run.

        Parameters
        ----------
        p_value : float
            The candidate's corrected p-value on its own symbol.
        adjusted : float
            The same after ``panel_correction`` across the run's judged symbols.
        n_judged : int
            Number of those symbols.

        Returns
        -------
        result : CriterionResult
            Named ``"panel_fdr"``; passed when `adjusted` is at most ``alpha``.
        """
        passed = adjusted <= self.alpha
        method = self.panel_correction.upper()
        return CriterionResult(
            "panel_fdr",
            adjusted,
            self.alpha,
            passed,
            f"false-discovery control across the {n_judged} judged symbols of the run "
            f"({method}): p = {p_value:.3g} becomes {adjusted:.3g}, "
            f"{'within' if passed else 'above'} alpha {self.alpha:g}",
        )
