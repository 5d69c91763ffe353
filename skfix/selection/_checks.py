"""The acceptance criteria, one small class each: its check, its unit and its advice.

A criterion reads one candidate's evaluation and the run's thresholds (a
:class:`SelectionCriteria`) and returns a :class:`CriterionResult`. Its unit and its
advice are class attributes, so that the manifest can carry them (``run.criteria_info``)
and a report drawn from the manifest alone shows every criterion as the run did.
"""

import math
import string
from dataclasses import dataclass
from typing import ClassVar

from scipy.stats import binom, chi2, norm

from ._criterion_info import CRITERION_UNITS, CriterionInfo, advice_fields
from ._decision import CriterionResult
from ._stats import minimum_detectable_edge, rows_needed

# The edge over the baseline that "insufficient data" says how much data would find.
_PLANNING_EDGE = 0.05

# The naive rules in words, as reports and reasons name them.
RULE_WORDS = {
    "majority": "always predicting the majority class",
    "persistence": "predicting the same direction as the last period",
}


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


def detectable_edge(n_oos, alpha):
    """The smallest accuracy edge ``n_oos`` rows find with 80 % power at `alpha`, and
    the out-of-sample rows an edge of 0.05 needs."""
    return (
        minimum_detectable_edge(n_oos, alpha=alpha),
        rows_needed(_PLANNING_EDGE, alpha=alpha),
    )


def _judges_sampling_error(criteria, e):
    return criteria.allow_sampling_error and e.scoring == "accuracy" and e.n_test > 0


def _sampling_error(criteria, p, rows, claim):
    """Whether a threshold crossed by the point estimate is within the sampling error
    of `rows` (p above alpha), and the words that say so."""
    passed = p > criteria.alpha
    return passed, (
        f", {'but within' if passed else 'beyond'} the sampling error of {rows} "
        f"(p = {_p(min(p, 1.0))} {claim}, alpha {_fmt(criteria.alpha)})"
    )


@dataclass(frozen=True)
class Criterion:
    """One acceptance criterion: its check, the unit of its value and its advice.

    A subclass sets the class attributes ``name``, ``unit`` and ``advice`` and
    defines :meth:`check`; its own thresholds are dataclass fields. Given to
    :class:`SelectionCriteria` as ``extra=(MyCriterion(...),)``, or in a TOML file as
    ``[[criteria.extra]]`` with ``class = "mypackage.MyCriterion"`` and its fields, it
    is decided on after the built-in thresholds, written to the manifest with its unit
    and advice, and reported like the built-in criteria.

    Attributes
    ----------
    name : str
        The name its :class:`CriterionResult` carries, unique within a run.
    unit : {"fraction", "p_value", "count", "number", "text"}
        What its value and threshold are (see :class:`CriterionInfo`).
    advice : str or None
        The recommendation for a candidate that fails it, a :meth:`str.format`
        template with the fields :class:`CriterionInfo` lists; None repeats the
        result's explanation.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> from skfix.selection import Criterion, CriterionResult, SelectionCriteria
    >>> @dataclass(frozen=True)
    ... class MinPooledAccuracy(Criterion):
    ...     name = "oos_accuracy"
    ...     unit = "fraction"
    ...     advice = "pooled accuracy {value} is below {rounded_threshold}."
    ...     threshold: float = 0.52
    ...
    ...     def check(self, e, criteria):
    ...         passed = e.oos_accuracy >= self.threshold
    ...         return CriterionResult(self.name, e.oos_accuracy, self.threshold,
    ...                                passed, f"pooled accuracy {e.oos_accuracy:.3f}")
    >>> criteria = SelectionCriteria(extra=(MinPooledAccuracy(0.55),))
    >>> [type(c).__name__ for c in criteria.threshold_checks()][-1]
    'MinPooledAccuracy'
    """

    name: ClassVar[str] = ""
    unit: ClassVar[str] = "number"
    advice: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.unit not in CRITERION_UNITS:
            raise ValueError(
                f"unit of criterion {cls.name!r} ({cls.__qualname__}) must be one of "
                f"{CRITERION_UNITS}; got {cls.unit!r}."
            )
        if cls.advice is not None:
            used = {part[1] for part in string.Formatter().parse(cls.advice) if part[1]}
            unknown = sorted(used - advice_fields())
            if unknown:
                raise ValueError(
                    f"advice of criterion {cls.name!r} ({cls.__qualname__}) uses unknown "
                    f"field(s) {unknown}; expected some of {sorted(advice_fields())}."
                )

    @classmethod
    def info(cls):
        """How reports show this criterion.

        Returns
        -------
        info : CriterionInfo
        """
        return CriterionInfo(cls.name, cls.unit, cls.advice)

    def check(self, evaluation, criteria):
        """Judge one candidate.

        Parameters
        ----------
        evaluation : CandidateEvaluation
            The candidate's scores on one symbol.
        criteria : SelectionCriteria
            The run's thresholds (``alpha``, ``baseline``, ...).

        Returns
        -------
        result : CriterionResult
            Named ``self.name``.
        """
        raise NotImplementedError(f"{type(self).__qualname__} must define check()")


@dataclass(frozen=True)
class MinTestRows(Criterion):
    """Enough rows in the test window to tell a model from luck (``min_test_rows``)."""

    name = "test_rows"
    unit = "count"
    advice = (
        "the test window has {value} rows, fewer than the {threshold} needed to "
        "tell a model from luck: collect more history."
    )

    def check(self, e, criteria):
        passed = e.n_test >= criteria.min_test_rows
        word = "at least" if passed else "fewer than"
        explanation = (
            f"the test window has {e.n_test} rows, {word} the "
            f"{criteria.min_test_rows} required"
        )
        if not passed:
            edge, rows = detectable_edge(e.n_oos, criteria.alpha)
            explanation += (
                f"; its {e.n_oos} out-of-sample rows could only reveal an edge over the "
                f"baseline of {_fmt(edge)} or more (80 % power at alpha "
                f"{_fmt(criteria.alpha)}), while an edge of {_PLANNING_EDGE:.2f} needs "
                f"about {rows} out-of-sample rows"
            )
        return CriterionResult(
            self.name, e.n_test, criteria.min_test_rows, passed, explanation
        )


@dataclass(frozen=True)
class TrainValidationGap(Criterion):
    """Mean train score minus mean validation score at most ``max_gap``."""

    name = "gap"
    unit = "fraction"
    advice = (
        "gap {rounded_value} (limit {rounded_threshold}): more data or stronger "
        "regularization ({hint})."
    )

    def check(self, e, criteria):
        passed = _measured(e.gap) and e.gap <= criteria.max_gap
        verdict = "within" if passed else "above"
        return CriterionResult(
            self.name,
            e.gap,
            criteria.max_gap,
            passed,
            f"train-validation gap {_fmt(e.gap)} ({_fmt(e.mean_train_score)} on training "
            f"rows vs {_fmt(e.mean_validation_score)} on validation) is {verdict} the "
            f"maximum {_fmt(criteria.max_gap)}"
            + ("" if passed else ": the model memorizes its training rows"),
        )


@dataclass(frozen=True)
class MinTestScore(Criterion):
    """Test score at least ``min_test_score`` (beyond the window's sampling error)."""

    name = "test_score"
    unit = "fraction"
    advice = (
        "test accuracy {value} is below {rounded_threshold}: the features carry "
        "little signal at this horizon; try other features or another horizon."
    )

    def check(self, e, criteria):
        minimum = criteria.min_test_score
        above = _measured(e.test_score) and e.test_score >= minimum
        text = (
            f"test {e.scoring} {_fmt(e.test_score)} is "
            f"{'at least' if above else 'below'} the minimum {_fmt(minimum)}"
        )
        passed = above
        if not above and _measured(e.test_score) and _judges_sampling_error(criteria, e):
            # P(at most this many right | true accuracy = the minimum)
            right = int(round(e.test_accuracy * e.n_test))
            p = float(binom.cdf(right, e.n_test, minimum))
            passed, words = _sampling_error(
                criteria,
                p,
                f"{e.n_test} rows",
                f"that an accuracy of at least {_fmt(minimum)} scores this low",
            )
            text += words
        return CriterionResult(self.name, e.test_score, minimum, passed, text)


@dataclass(frozen=True)
class ValidationTestDifference(Criterion):
    """Validation and test score within ``max_validation_test_diff`` of each other."""

    name = "validation_test_difference"
    unit = "fraction"
    advice = (
        "validation and test accuracy differ by {value} (allowed "
        "{rounded_threshold}): the market may have changed between the two windows; a "
        "shorter (rolling) training window or more recent data may help."
    )

    def check(self, e, criteria):
        allowed = criteria.max_validation_test_diff
        diff = abs(e.mean_validation_score - e.test_score)
        within = _measured(diff) and diff <= allowed
        text = (
            f"validation {_fmt(e.mean_validation_score)} and test {_fmt(e.test_score)} "
            f"differ by {_fmt(diff)}, {'within' if within else 'more than'} the allowed "
            f"{_fmt(allowed)}"
        )
        passed = within
        n_val = int(e.n_oos) - int(e.n_test)
        if (
            not within
            and _measured(diff)
            and _judges_sampling_error(criteria, e)
            and n_val > 0
        ):
            share = (e.mean_validation_score * n_val + e.test_score * e.n_test) / (
                n_val + e.n_test
            )
            se = math.sqrt(max(share * (1 - share), 1e-12) * (1 / n_val + 1 / e.n_test))
            p = float(2 * norm.sf((diff - allowed) / se))
            passed, words = _sampling_error(
                criteria,
                p,
                f"{n_val} validation and {e.n_test} test rows",
                "for a difference this far beyond the allowed one",
            )
            text += words
        return CriterionResult(self.name, diff, allowed, passed, text)


@dataclass(frozen=True)
class FoldStd(Criterion):
    """Validation scores across folds with a std at most ``max_fold_std`` (beyond
    what the windows' sampling error explains)."""

    name = "fold_std"
    unit = "fraction"
    advice = (
        "validation accuracy varies across folds (std {value}, limit "
        "{rounded_threshold}): performance is unstable over time; use more data or a "
        "simpler model."
    )

    def check(self, e, criteria):
        maximum = criteria.max_fold_std
        within = _measured(e.validation_std) and e.validation_std <= maximum
        text = (
            f"validation scores vary across {len(e.validation_scores)} folds with std "
            f"{_fmt(e.validation_std)}, {'within' if within else 'above'} the maximum "
            f"{_fmt(maximum)}"
        )
        passed = within
        n_folds = len(e.validation_scores)
        n_val = int(e.n_oos) - int(e.n_test)
        if (
            not within
            and _measured(e.validation_std)
            and _judges_sampling_error(criteria, e)
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
            passed, words = _sampling_error(
                criteria,
                p,
                f"{n_folds} windows of about {rows:.0f} rows",
                "that folds of one accuracy spread this much",
            )
            text += words
        if not passed:
            text += ": performance is unstable over time"
        return CriterionResult(self.name, e.validation_std, maximum, passed, text)


@dataclass(frozen=True)
class BeatsBaseline(Criterion):
    """Significantly better than the baseline rule, after the correction for the
    candidates tried on the symbol.

    Parameters
    ----------
    p_value : float
        The candidate's corrected p-value.
    n_tested : int
        Candidates the correction accounted for.
    """

    name = "beats_baseline"
    unit = "p_value"
    advice = (
        "no evidence of signal over {baseline} (p = {value} > alpha "
        "{threshold}): do not trade on it."
    )
    p_value: float = math.nan
    n_tested: int = 0

    def check(self, e, criteria):
        comparison = criteria.comparison(e)
        baseline = e.baselines[criteria.baseline]
        if criteria.evidence == "pooled":
            where = f"on {e.n_oos} pooled out-of-sample rows"
            accuracy, base_accuracy = e.oos_accuracy, baseline["oos_accuracy"]
        else:
            where = f"on the {e.n_test}-row test window"
            accuracy, base_accuracy = e.test_accuracy, baseline["test_accuracy"]
        passed = _measured(self.p_value) and self.p_value <= criteria.alpha
        verdict = "significantly better than" if passed else "not significantly better than"
        correction = (
            f"{criteria.correction}-corrected for {self.n_tested} candidates"
            if criteria.correction != "none"
            else "uncorrected"
        )
        return CriterionResult(
            self.name,
            self.p_value,
            criteria.alpha,
            passed,
            f"accuracy {_fmt(accuracy)} vs {_fmt(base_accuracy)} for "
            f"'{criteria.baseline}' {where} ({comparison['wins']} rows won, "
            f"{comparison['losses']} lost): p = {_p(comparison['p_value'])}, "
            f"{correction} p = {_p(self.p_value)}, alpha {_fmt(criteria.alpha)}: "
            f"{verdict} the baseline",
        )


@dataclass(frozen=True)
class BeatsNaiveRules(Criterion):
    """Not worse than a naive rule a user could have used instead, on the pooled
    rows (point estimate) and on the test window (beyond its sampling error)."""

    name = "beats_naive_rules"
    unit = "text"
    advice = (
        "{explanation}: a rule with no parameters does better; do not deploy this model."
    )

    def check(self, e, criteria):
        alpha = criteria.alpha
        behind, beaten, within, compared, tied = [], [], [], [], []
        skipped = None
        for rule, scores in e.baselines.items():
            if rule == e.naive_rule:
                continue
            rule_pooled = scores["oos_accuracy"]
            # beating the baseline on the pooled rows is beats_baseline's test, and
            # passing it means a higher pooled accuracy: not said twice
            judged_by_test = rule == criteria.baseline and criteria.evidence == "pooled"
            if judged_by_test:
                skipped = rule
            else:
                compared.append(f"{_fmt(rule_pooled)} for {rule}")
            # a rule ahead on the pooled rows rejects; a tie does not: the ranking
            # prefers the rule wherever it is accepted itself, and where it is not
            # (it fails a criterion of its own) the model is as good as the rule
            if not judged_by_test and not (
                _measured(e.oos_accuracy) and e.oos_accuracy >= rule_pooled
            ):
                behind.append(
                    f"'{rule}' ({RULE_WORDS.get(rule, rule)}) scores {_fmt(rule_pooled)} "
                    f"on the same {e.n_oos} pooled rows, above its "
                    f"{_fmt(e.oos_accuracy)}"
                )
            elif not judged_by_test and e.oos_accuracy == rule_pooled:
                tied.append(rule)
            test = e.test_comparisons.get(rule)
            if test is not None:
                p = _losing_p_value(test["wins"], test["losses"])
                if p > alpha and test["losses"] > test["wins"]:
                    within.append(
                        f"'{rule}' scores {_fmt(scores['test_accuracy'])} on the "
                        f"{e.n_test}-row test window against its {_fmt(e.test_accuracy)} "
                        f"({test['losses']} rows lost, {test['wins']} won: p = {_p(p)} > "
                        f"alpha {_fmt(alpha)}, within the window's sampling error)"
                    )
                if p <= alpha:
                    beaten.append(
                        f"'{rule}' beats it on the {e.n_test}-row test window "
                        f"({_fmt(scores['test_accuracy'])} vs {_fmt(e.test_accuracy)}, "
                        f"{test['losses']} rows lost, {test['wins']} won: p = {_p(p)} <= "
                        f"alpha {_fmt(alpha)})"
                    )
        failures = behind + beaten
        if failures:
            text = "; ".join(failures)
        else:
            parts = []
            if compared:
                level = "not below" if tied else "above"
                parts.append(
                    f"pooled accuracy {_fmt(e.oos_accuracy)} is {level} every other "
                    f"naive rule's on the same rows ({', '.join(compared)})"
                )
                if tied:
                    names = ", ".join(f"'{rule}'" for rule in tied)
                    # ranked by the pooled accuracy, a tie goes to the rule
                    parts[-1] += (
                        f", tied with {names}, which the ranking prefers wherever it "
                        "is accepted itself"
                        if criteria.rank_evidence == "pooled"
                        else f", tied with {names}; the ranking by the test window "
                        "decides between them"
                    )
            if skipped is not None:
                parts.append(f"against '{skipped}' it is judged by beats_baseline")
            parts.append("no rule beats it on the test window beyond its sampling error")
            text = "; ".join(parts)
            if within:
                text += " (" + "; ".join(within) + ")"
        return CriterionResult(
            self.name,
            "; ".join(
                f"{rule} {_fmt(s['oos_accuracy'])}"
                for rule, s in e.baselines.items()
                if rule != e.naive_rule
            ),
            None,
            not failures,
            text,
        )


@dataclass(frozen=True)
class Trained(Criterion):
    """The candidate trained without raising (a failed one is rejected)."""

    name = "trained"
    unit = "text"

    def check(self, e, criteria):
        error = f"{e.error['type']}: {e.error['message']}"
        return CriterionResult(
            self.name, error, None, False, f"the candidate raised {error}"
        )


@dataclass(frozen=True)
class IsBaseline(Criterion):
    """The candidate is the baseline rule itself: the null hypothesis, never deployed."""

    name = "is_baseline"
    unit = "text"

    def check(self, e, criteria):
        return CriterionResult(
            self.name,
            e.naive_rule,
            None,
            False,
            f"it is the baseline itself ({RULE_WORDS.get(e.naive_rule, e.naive_rule)}, "
            f"{_fmt(e.oos_accuracy)} on the pooled out-of-sample rows), the rule every "
            "other candidate must beat; it is never deployed",
        )


@dataclass(frozen=True)
class EnoughRows(Criterion):
    """The series is long enough to split (the explanation says why it is not).

    Parameters
    ----------
    message : str
        Why the series could not be split.
    """

    name = "enough_rows"
    unit = "text"
    message: str = ""

    def check(self, e, criteria):
        return CriterionResult(self.name, None, None, False, self.message)


@dataclass(frozen=True)
class PanelFDR(Criterion):
    """The false-discovery control across the symbols of a run.

    Parameters
    ----------
    p_value : float
        The candidate's corrected p-value on its own symbol.
    adjusted : float
        The same after ``panel_correction`` across the run's judged symbols.
    n_judged : int
        Number of those symbols.
    """

    name = "panel_fdr"
    unit = "p_value"
    advice = (
        "significant on its own symbol, but not once every symbol of the run is "
        "accounted for (p = {value} > alpha {threshold}): with many symbols some look "
        "good by luck; more history on this symbol would settle it."
    )
    p_value: float = math.nan
    adjusted: float = math.nan
    n_judged: int = 0

    def check(self, e, criteria):
        passed = self.adjusted <= criteria.alpha
        method = criteria.panel_correction.upper()
        return CriterionResult(
            self.name,
            self.adjusted,
            criteria.alpha,
            passed,
            f"false-discovery control across the {self.n_judged} judged symbols of the "
            f"run ({method}): p = {self.p_value:.3g} becomes {self.adjusted:.3g}, "
            f"{'within' if passed else 'above'} alpha {criteria.alpha:g}",
        )


def _economic(e, key):
    figure = (getattr(e, "economics", None) or {}).get(key)
    return figure if _measured(figure) else None


@dataclass(frozen=True)
class MinDeflatedSharpe(Criterion):
    """The deflated Sharpe ratio of the candidate's out-of-sample returns after costs
    is at least ``min_deflated_sharpe``."""

    name = "deflated_sharpe"
    unit = "number"
    advice = (
        "after costs and the {threshold} probability asked for, its Sharpe ratio is "
        "not above what the best of the configurations tried would show by luck "
        "(deflated Sharpe ratio {value}): do not trade on it."
    )

    def check(self, e, criteria):
        value = _economic(e, "deflated_sharpe")
        minimum = criteria.min_deflated_sharpe
        if value is None:
            return CriterionResult(
                self.name,
                None,
                minimum,
                False,
                "the deflated Sharpe ratio was not measured (no returns of its calls)",
            )
        passed = value >= minimum
        sharpe = _economic(e, "sharpe_annualized")
        return CriterionResult(
            self.name,
            value,
            minimum,
            passed,
            f"the returns of its out-of-sample calls after costs have an annualized "
            f"Sharpe ratio of {_fmt(sharpe)}; the probability that it beats the best "
            f"expected by luck from the configurations tried is {_fmt(value)}, "
            f"{'at least' if passed else 'below'} {_fmt(minimum)}",
        )


@dataclass(frozen=True)
class MaxPBO(Criterion):
    """The symbol's probability of backtest overfitting is at most ``max_pbo``."""

    name = "pbo"
    unit = "fraction"
    advice = (
        "the probability of backtest overfitting of this symbol's candidates is "
        "{value} (limit {threshold}): the best candidate in one half of the history "
        "is too often below the median in the other; try fewer candidates or more data."
    )

    def check(self, e, criteria):
        value = _economic(e, "pbo")
        maximum = criteria.max_pbo
        if value is None:
            return CriterionResult(
                self.name,
                None,
                maximum,
                False,
                "the probability of backtest overfitting was not measured (fewer than "
                "two candidates with returns, or too few rows)",
            )
        passed = value <= maximum
        return CriterionResult(
            self.name,
            value,
            maximum,
            passed,
            f"the in-sample best of the symbol's candidates lands at or below the "
            f"out-of-sample median in {_fmt(value)} of the splits, "
            f"{'within' if passed else 'above'} the maximum {_fmt(maximum)}",
        )


@dataclass(frozen=True)
class NoLookAhead(Criterion):
    """The candidate reads no user column that the look-ahead guard flagged.

    ``skfix train`` adds it to a symbol's criteria when
    :func:`skfix.features.check_look_ahead` finds a user column that predicts the
    labels too well to be known at each row's time. A learned model reads every
    feature, so it fails; a naive rule reads none of the user columns and passes.

    Parameters
    ----------
    columns : tuple of (str, float)
        The flagged columns and their AUC against the labels.
    """

    name = "no_look_ahead"
    unit = "text"
    advice = (
        "{explanation}. Check how the column is dated; if it is known at each row's "
        "time, declare it in [features] trusted."
    )
    columns: tuple = ()

    def check(self, e, criteria):
        flagged = ", ".join(f"{c!r} (AUC {auc:.2f})" for c, auc in self.columns)
        if e.naive_rule is not None:
            return CriterionResult(
                self.name,
                "none",
                None,
                True,
                f"a naive rule reads no user column; flagged as probable look-ahead: "
                f"{flagged}",
            )
        return CriterionResult(
            self.name,
            ", ".join(c for c, _ in self.columns),
            None,
            False,
            f"it reads {flagged}, which predicts the next move far better than a real "
            "signal could: probably a value from after the row's time (look-ahead)",
        )


# Every built-in criterion, in the order a decision lists them.
BUILTIN_CRITERIA = (
    EnoughRows,
    Trained,
    IsBaseline,
    MinTestRows,
    TrainValidationGap,
    MinTestScore,
    ValidationTestDifference,
    FoldStd,
    MinDeflatedSharpe,
    MaxPBO,
    BeatsBaseline,
    BeatsNaiveRules,
    PanelFDR,
)
