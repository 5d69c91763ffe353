"""Acceptance criteria, decision records and the ranking score."""

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from ._evaluate import BASELINES, _clean
from ._stats import _CORRECTIONS, adjust_p_values

DECISIONS = ("accept", "reject", "insufficient_data")


@dataclass
class CriterionResult:
    """One criterion applied to one candidate.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"gap"`` or ``"beats_baseline"``.
    value : float, int, str or None
        The measured value (None when it could not be measured).
    threshold : float, int or None
        The limit it is compared with.
    passed : bool
        Whether the candidate meets it.
    explanation : str
        The comparison in words.
    """

    name: str
    value: object
    threshold: object
    passed: bool
    explanation: str

    def as_dict(self):
        """Return a JSON-serializable dict (NaN becomes None)."""
        return _clean(
            {
                "name": self.name,
                "value": self.value,
                "threshold": self.threshold,
                "passed": self.passed,
                "explanation": self.explanation,
            }
        )


@dataclass
class Decision:
    """What was decided about one candidate, and why.

    Attributes
    ----------
    name : str
        The candidate's name.
    decision : {"accept", "reject", "insufficient_data"}
        ``"insufficient_data"`` means the test window is too short to tell, which is not
        the same as a model shown to be bad.
    reason : str
        One sentence: why it was accepted, or every criterion it failed.
    criteria : list of CriterionResult
        Every criterion with its value, threshold and outcome.
    rank_score : float
        ``test_score - gap_weight * gap`` (NaN for a failed candidate).
    rank : int or None
        1 for the best accepted candidate, None when not accepted.
    """

    name: str
    decision: str
    reason: str
    criteria: list = field(default_factory=list)
    rank_score: float = math.nan
    rank: int | None = None

    @property
    def accepted(self):
        """Whether the candidate may be deployed."""
        return self.decision == "accept"

    def as_dict(self):
        """Return a JSON-serializable dict (NaN becomes None)."""
        return {
            "name": self.name,
            "decision": self.decision,
            "reason": self.reason,
            "criteria": [criterion.as_dict() for criterion in self.criteria],
            "rank_score": _clean(self.rank_score),
            "rank": self.rank,
        }

    def explain(self):
        """Return the decision and every criterion as readable lines.

        Returns
        -------
        text : str
        """
        rank = f", rank {self.rank}" if self.rank is not None else ""
        lines = [f"{self.name}: {self.decision.upper()}{rank} - {self.reason}"]
        for criterion in self.criteria:
            mark = "pass" if criterion.passed else "FAIL"
            lines.append(f"    [{mark}] {criterion.name}: {criterion.explanation}")
        return "\n".join(lines)


def _fmt(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _measured(value):
    return value is not None and not (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class SelectionCriteria:
    """Rules that decide whether a candidate may be deployed, and how to rank the rest.

    The first three rules and the ranking score are the original spec's; the others
    stop those rules from being fooled by a constant predictor on a one-sided series or
    by luck on a short test window. Any rule set to ``None`` is not applied.

    Parameters
    ----------
    max_gap : float or None, default=0.20
        Largest allowed mean train score minus mean validation score.
    min_test_score : float or None, default=0.55
        Smallest allowed score on the test window (accuracy by default).
    max_validation_test_diff : float or None, default=0.05
        Largest allowed ``|mean validation score - test score|``.
    gap_weight : float, default=0.5
        Ranking score is ``test_score - gap_weight * gap``.
    baseline : {"majority", "persistence"} or None, default="majority"
        Naive predictor the candidate must beat on the test window.
    alpha : float, default=0.05
        Significance level of the one-sided paired sign test against the baseline,
        after correcting for the number of candidates tried on the symbol.
    correction : {"holm", "bonferroni", "none"}, default="holm"
        Multiple-testing correction across those candidates.
    max_fold_std : float or None, default=0.10
        Largest allowed standard deviation of validation scores across folds.
    min_test_rows : int, default=30
        Fewer test rows than this give the decision ``"insufficient_data"``.

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
    correction: str = "holm"
    max_fold_std: float | None = 0.10
    min_test_rows: int = 30

    def __post_init__(self):
        if self.baseline is not None and self.baseline not in BASELINES:
            raise ValueError(
                f"baseline must be one of {BASELINES} or None; got {self.baseline!r}."
            )
        if self.correction not in _CORRECTIONS:
            raise ValueError(
                f"correction must be one of {_CORRECTIONS}; got {self.correction!r}."
            )
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1); got {self.alpha!r}.")
        for name in (
            "max_gap",
            "min_test_score",
            "max_validation_test_diff",
            "max_fold_std",
        ):
            value = getattr(self, name)
            if value is not None and not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number or None; got {value!r}.")
        for name in ("max_gap", "max_validation_test_diff", "max_fold_std"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0 or None; got {value!r}.")
        if int(self.min_test_rows) != self.min_test_rows or self.min_test_rows < 0:
            raise ValueError(
                f"min_test_rows must be an int >= 0; got {self.min_test_rows!r}."
            )

    @classmethod
    def legacy(cls):
        """The original spec's rules only: gap, test score and validation-test difference.

        Returns
        -------
        criteria : SelectionCriteria
        """
        return cls(baseline=None, max_fold_std=None, min_test_rows=0)

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
        """Return ``test_score - gap_weight * gap`` for a candidate evaluation."""
        return evaluation.test_score - self.gap_weight * evaluation.gap

    def assess(self, evaluations):
        """Decide on every candidate evaluated on one symbol, and rank the accepted ones.

        The baseline test is corrected for all candidates that produced a test score.
        Accepted candidates are ranked by :meth:`rank_score`, ties broken by the smaller
        fold-score standard deviation, then by the order given.

        Parameters
        ----------
        evaluations : list of CandidateEvaluation
            As returned by :func:`evaluate_candidates`.

        Returns
        -------
        decisions : list of Decision
            One per evaluation, in the same order.
        """
        raw = [
            e.comparisons[self.baseline]["p_value"]
            if self.baseline is not None and not e.failed
            else math.nan
            for e in evaluations
        ]
        adjusted = adjust_p_values(raw, self.correction)
        n_tested = int(np.sum(~np.isnan(np.asarray(raw, dtype=float))))
        decisions = [
            self._decide(e, float(p_adj), n_tested)
            for e, p_adj in zip(evaluations, adjusted, strict=True)
        ]
        accepted = [
            (-d.rank_score, evaluations[i].validation_std, i)
            for i, d in enumerate(decisions)
            if d.accepted
        ]
        for rank, (_, _, i) in enumerate(sorted(accepted), start=1):
            decisions[i].rank = rank
        return decisions

    def _decide(self, e, p_adjusted, n_tested):
        if e.failed:
            error = f"{e.error['type']}: {e.error['message']}"
            criterion = CriterionResult(
                "trained", error, None, False, f"the candidate raised {error}"
            )
            return Decision(e.name, "reject", f"it failed to train ({error}).", [criterion])
        results = [self._test_rows(e)]
        results += [
            check(e)
            for check, threshold in (
                (self._gap, self.max_gap),
                (self._test_score, self.min_test_score),
                (self._validation_test, self.max_validation_test_diff),
                (self._fold_std, self.max_fold_std),
            )
            if threshold is not None
        ]
        if self.baseline is not None:
            results.append(self._beats_baseline(e, p_adjusted, n_tested))
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
        return Decision(e.name, decision, reason, results, float(self.rank_score(e)))

    def _test_rows(self, e):
        passed = e.n_test >= self.min_test_rows
        word = "at least" if passed else "fewer than"
        return CriterionResult(
            "test_rows",
            e.n_test,
            self.min_test_rows,
            passed,
            f"the test window has {e.n_test} rows, {word} the {self.min_test_rows} "
            "required",
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

    def _test_score(self, e):
        passed = _measured(e.test_score) and e.test_score >= self.min_test_score
        verdict = "at least" if passed else "below"
        return CriterionResult(
            "test_score",
            e.test_score,
            self.min_test_score,
            passed,
            f"test {e.scoring} {_fmt(e.test_score)} is {verdict} the minimum "
            f"{_fmt(self.min_test_score)}",
        )

    def _validation_test(self, e):
        diff = abs(e.mean_validation_score - e.test_score)
        passed = _measured(diff) and diff <= self.max_validation_test_diff
        verdict = "within" if passed else "more than"
        return CriterionResult(
            "validation_test_difference",
            diff,
            self.max_validation_test_diff,
            passed,
            f"validation {_fmt(e.mean_validation_score)} and test {_fmt(e.test_score)} "
            f"differ by {_fmt(diff)}, {verdict} the allowed "
            f"{_fmt(self.max_validation_test_diff)}",
        )

    def _fold_std(self, e):
        passed = _measured(e.validation_std) and e.validation_std <= self.max_fold_std
        verdict = "within" if passed else "above"
        return CriterionResult(
            "fold_std",
            e.validation_std,
            self.max_fold_std,
            passed,
            f"validation scores vary across {len(e.validation_scores)} folds with std "
            f"{_fmt(e.validation_std)}, {verdict} the maximum {_fmt(self.max_fold_std)}"
            + ("" if passed else ": performance is unstable over time"),
        )

    def _beats_baseline(self, e, p_adjusted, n_tested):
        comparison = e.comparisons[self.baseline]
        base_accuracy = e.baselines[self.baseline]["test_accuracy"]
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
            f"test accuracy {_fmt(e.test_accuracy)} vs {_fmt(base_accuracy)} for "
            f"'{self.baseline}' ({comparison['wins']} rows won, {comparison['losses']} "
            f"lost): p = {_fmt(comparison['p_value'])}, {correction} p = "
            f"{_fmt(p_adjusted)}, alpha {_fmt(self.alpha)}: {verdict} the baseline",
        )
