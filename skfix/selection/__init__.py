"""Honest model selection for small, noisy, time-ordered data.

Walk-forward splitting with a purge (:class:`PurgedWalkForwardSplit`) and a final
hold-out (:func:`holdout_split`); out-of-sample predictions over walk-forward folds
(:func:`walk_forward_predict`) and stacking on them
(:class:`WalkForwardStackingClassifier`); evaluation of candidates on the same windows with
train-validation gap, fold stability and naive baselines (:func:`evaluate_candidates`);
acceptance rules with a significance test against the baseline on the pooled
out-of-sample rows (:class:`SelectionCriteria`, :func:`paired_sign_test`,
:func:`maxt_adjusted_p_values`), each criterion a small class with its check, its unit
and its advice (:class:`Criterion`, :func:`criterion_info`); how much data a test needs
(:func:`minimum_detectable_edge`, :func:`rows_needed`); the choice for one symbol
(:class:`ModelSelector`); and tuning (:class:`GapPenalizedGridSearchCV`,
:func:`gap_penalized_refit`, :data:`excess_accuracy_scorer`).
"""

from ._checks import (
    BeatsBaseline,
    BeatsNaiveRules,
    Criterion,
    EnoughRows,
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
)
from ._criteria import SelectionCriteria
from ._criterion_info import CriterionInfo, criterion_info
from ._decision import CriterionResult, Decision
from ._evaluate import CandidateEvaluation, evaluate_candidates
from ._fold_scores import stability_variance, train_validation_gap
from ._panel import apply_panel_correction, select_deployed
from ._refit import (
    GapPenalizedGridSearchCV,
    GapPenalizedRefit,
    excess_accuracy_score,
    excess_accuracy_scorer,
    gap_penalized_refit,
)
from ._selector import ModelSelector
from ._split import PurgedWalkForwardSplit, holdout_split
from ._stacking import WalkForwardStackingClassifier
from ._stats import (
    adjust_p_values,
    maxt_adjusted_p_values,
    minimum_detectable_edge,
    paired_sign_test,
    rows_needed,
)
from ._walk_forward import walk_forward_predict

__all__ = [
    "BeatsBaseline",
    "BeatsNaiveRules",
    "Criterion",
    "EnoughRows",
    "FoldStd",
    "IsBaseline",
    "MinTestRows",
    "MaxPBO",
    "MinDeflatedSharpe",
    "MinTestScore",
    "NoLookAhead",
    "PanelFDR",
    "Trained",
    "TrainValidationGap",
    "ValidationTestDifference",
    "CandidateEvaluation",
    "CriterionInfo",
    "CriterionResult",
    "Decision",
    "GapPenalizedGridSearchCV",
    "GapPenalizedRefit",
    "ModelSelector",
    "PurgedWalkForwardSplit",
    "SelectionCriteria",
    "WalkForwardStackingClassifier",
    "adjust_p_values",
    "apply_panel_correction",
    "criterion_info",
    "evaluate_candidates",
    "excess_accuracy_score",
    "excess_accuracy_scorer",
    "gap_penalized_refit",
    "holdout_split",
    "maxt_adjusted_p_values",
    "minimum_detectable_edge",
    "paired_sign_test",
    "rows_needed",
    "select_deployed",
    "stability_variance",
    "train_validation_gap",
    "walk_forward_predict",
]
