"""Acceptance criteria: the rules, the corrections and the ranking score."""

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from ._checks import (
    BUILTIN_CRITERIA,
    BeatsBaseline,
    BeatsNaiveRules,
    Criterion,
    FoldStd,
    IsBaseline,
    MaxPBO,
    MinDeflatedSharpe,
    MinTestRows,
    MinTestScore,
    NoLookAhead,
    PanelFDR,
    Trained,
    TrainValidationGap,
    ValidationTestDifference,
    detectable_edge,
)
from ._decision import Decision
from ._evaluate import BASELINES
from ._stats import (
    _CORRECTIONS,
    _PANEL_CORRECTIONS,
    adjust_p_values,
    maxt_adjusted_p_values,
)

EVIDENCE = ("pooled", "test")
RANK_EVIDENCE = ("pooled", "test")


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
        has a higher accuracy on the same pooled out-of-sample rows, or beats it
        on the final test window beyond that window's sampling error (one-sided
        paired sign test at ``alpha``). So a learned model is deployed only where it
        does at least as well as the rule a user could have used instead, and the rule
        itself (a :class:`~skfix.estimators.PersistenceClassifier` candidate) is
        deployed where it is the best thing that survives; a tie goes to the rule
        where the rule is accepted itself (the ranking prefers it), and to the model
        where the rule fails a criterion of its own.
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
    min_deflated_sharpe : float or None, default=None
        Smallest deflated Sharpe ratio (Bailey and López de Prado, 2014) of the
        returns of following the candidate's pooled out-of-sample calls after costs:
        the probability that its Sharpe ratio beats the best one expected by luck
        from the configurations tried on the symbol (0.95 is the papers' level).
        None (the default) leaves it out. Needs the economics
        (:meth:`ModelSelector.fit` with ``returns``; ``skfix train`` always gives
        them).
    max_pbo : float or None, default=None
        Largest probability of backtest overfitting of the symbol's candidates
        (combinatorially symmetric cross-validation over their out-of-sample
        returns): above it, picking the best candidate picks noise too often for any
        of them to be deployed. None (the default) leaves it out.
    extra : tuple of Criterion, default=()
        A user's own criteria (:class:`Criterion` instances), decided on after the
        threshold rules above and before ``beats_baseline``.

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
    min_deflated_sharpe: float | None = None
    max_pbo: float | None = None
    extra: tuple = ()

    def __post_init__(self):
        if isinstance(self.extra, list):
            object.__setattr__(self, "extra", tuple(self.extra))
        if not isinstance(self.extra, tuple) or not all(
            isinstance(c, Criterion) for c in self.extra
        ):
            raise ValueError(
                "extra must be a tuple of skfix.selection.Criterion instances; got "
                f"{self.extra!r}."
            )
        names = [c.name for c in self.extra]
        unnamed = [type(c).__qualname__ for c in self.extra if not c.name]
        if unnamed:
            raise ValueError(
                f'extra criteria need a name (the class attribute name = "..."); '
                f"{unnamed} have none."
            )
        # skfix train adds the look-ahead guard to a symbol's criteria as an extra one
        own = {c.name for c in self.extra if not isinstance(c, NoLookAhead)}
        clashes = sorted(
            {n for n in names if names.count(n) > 1}
            | {c.name for c in (*BUILTIN_CRITERIA, NoLookAhead)} & own
        )
        if clashes:
            raise ValueError(
                f"extra criteria must have names of their own; {clashes} name(s) more "
                "than one criterion."
            )
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
        for name in ("min_deflated_sharpe", "max_pbo"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= 1
            ):
                raise ValueError(
                    f"{name} must be a probability in [0, 1] or None; got {value!r}."
                )
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
        """Return the thresholds as a JSON-serializable dict.

        A user's ``extra`` criteria appear (only when there are any) as a list of
        ``{"class": "module.Name", **fields}``, the shape a TOML file's
        ``[[criteria.extra]]`` tables take.
        """
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        if self.extra:
            values["extra"] = [
                {
                    "class": f"{type(c).__module__}.{type(c).__qualname__}",
                    **{f.name: getattr(c, f.name) for f in fields(c)},
                }
                for c in self.extra
            ]
        return values

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

    def comparison(self, e):
        """The evidence against the baseline that the significance test reads: the
        pooled rows' or the test window's comparison with ``baseline``."""
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
                self.comparison(e)["p_value"] if ok else math.nan
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
        """The criteria between ``test_rows`` and ``beats_baseline``, in order.

        Returns
        -------
        checks : list of Criterion
            ``gap``, ``test_score``, ``validation_test_difference``, ``fold_std``,
            ``deflated_sharpe`` and ``pbo`` (those whose threshold is not None), then
            ``extra``.
        """
        return [
            check
            for check, threshold in (
                (TrainValidationGap(), self.max_gap),
                (MinTestScore(), self.min_test_score),
                (ValidationTestDifference(), self.max_validation_test_diff),
                (FoldStd(), self.max_fold_std),
                (MinDeflatedSharpe(), self.min_deflated_sharpe),
                (MaxPBO(), self.max_pbo),
            )
            if threshold is not None
        ] + list(self.extra)

    def criteria_info(self, names):
        """``{name: {"unit", "advice"}}`` of the criteria `names`, as a manifest
        records them (``run.criteria_info``): the built-in ones and this run's own."""
        from ._criterion_info import criterion_info

        own = {c.name: c.info() for c in self.extra}
        infos = (own.get(name) or criterion_info(name) for name in sorted(names))
        return {info.name: {"unit": info.unit, "advice": info.advice} for info in infos}

    def _decide(self, e, p_raw, p_adjusted, n_tested):
        if e.failed:
            criterion = Trained().check(e, self)
            return Decision(
                e.name, "reject", f"it failed to train ({criterion.value}).", [criterion]
            )
        if self.is_null_rule(e):
            criterion = IsBaseline().check(e, self)
            return Decision(e.name, "reject", criterion.explanation + ".", [criterion])
        checks = [MinTestRows(), *self.threshold_checks()]
        if self.baseline is not None:
            checks.append(BeatsBaseline(p_adjusted, n_tested))
        else:
            p_raw = p_adjusted = math.nan
        if self.beat_naive_rules:
            checks.append(BeatsNaiveRules())
        results = [check.check(e, self) for check in checks]
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
        return detectable_edge(n_oos, self.alpha)

    def panel_fdr(self, p_value, adjusted, n_judged):
        """The criterion of the false-discovery control across the symbols of a run
        (:class:`PanelFDR`), judged at this ``alpha``.

        Returns
        -------
        result : CriterionResult
            Named ``"panel_fdr"``; passed when `adjusted` is at most ``alpha``.
        """
        return PanelFDR(p_value, adjusted, n_judged).check(None, self)
