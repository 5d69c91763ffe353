"""Honest model selection for small, noisy, time-ordered data.

Walk-forward splitting with a purge (:class:`PurgedWalkForwardSplit`) and a final
hold-out (:func:`holdout_split`); evaluation of candidates on the same windows with
train-validation gap, fold stability and naive baselines (:func:`evaluate_candidates`);
acceptance rules with a significance test against the baseline
(:class:`SelectionCriteria`); the choice for one symbol (:class:`ModelSelector`); and
GridSearchCV helpers (:func:`gap_penalized_refit`, :data:`excess_accuracy_scorer`).
"""

from ._criteria import CriterionResult, Decision, SelectionCriteria
from ._evaluate import CandidateEvaluation, evaluate_candidates
from ._refit import (
    GapPenalizedRefit,
    excess_accuracy_score,
    excess_accuracy_scorer,
    gap_penalized_refit,
)
from ._selector import ModelSelector
from ._split import PurgedWalkForwardSplit, holdout_split
from ._stats import adjust_p_values, paired_sign_test

__all__ = [
    "CandidateEvaluation",
    "CriterionResult",
    "Decision",
    "GapPenalizedRefit",
    "ModelSelector",
    "PurgedWalkForwardSplit",
    "SelectionCriteria",
    "adjust_p_values",
    "evaluate_candidates",
    "excess_accuracy_score",
    "excess_accuracy_scorer",
    "gap_penalized_refit",
    "holdout_split",
    "paired_sign_test",
]
