import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from skfix.selection import (
    CandidateEvaluation,
    SelectionCriteria,
    adjust_p_values,
    paired_sign_test,
)


def _evaluation(
    name="model",
    *,
    train=0.70,
    val=0.62,
    test=0.62,
    std=0.03,
    n_test=100,
    p_value=0.001,
    baseline_accuracy=0.52,
    wins=20,
    losses=5,
    n_oos=500,
):
    differences = np.array([1] * wins + [-1] * losses + [0] * (n_oos - wins - losses))
    comparison = {"wins": wins, "losses": losses, "p_value": p_value}
    return CandidateEvaluation(
        name=name,
        scoring="accuracy",
        train_scores=[train] * 5,
        validation_scores=[val] * 5,
        mean_train_score=train,
        mean_validation_score=val,
        gap=train - val,
        validation_std=std,
        validation_variance=std**2,
        test_score=test,
        test_accuracy=test,
        n_test=n_test,
        oos_accuracy=test,
        n_oos=n_oos,
        baselines={
            "majority": {
                "test_accuracy": baseline_accuracy,
                "test_score": baseline_accuracy,
                "oos_accuracy": baseline_accuracy,
            }
        },
        comparisons={"majority": comparison},
        test_comparisons={"majority": comparison},
        differences={"majority": differences},
    )


def _by_name(decision):
    return {c.name: c for c in decision.criteria}


def test_paired_sign_test_matches_binomtest():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    pred = np.where(rng.random(60) < 0.7, y, 1 - y)
    base = np.ones(60, int)
    wins, losses, p = paired_sign_test(y, pred, base)
    assert wins == np.sum((pred == y) & (base != y))
    assert losses == np.sum((pred != y) & (base == y))
    assert p == pytest.approx(binomtest(wins, wins + losses, alternative="greater").pvalue)
    assert paired_sign_test(y, base, base) == (0, 0, 1.0)


def test_adjust_p_values():
    p = [0.01, 0.04, 0.03, np.nan]
    np.testing.assert_allclose(adjust_p_values(p, "holm")[:3], [0.03, 0.06, 0.06])
    np.testing.assert_allclose(adjust_p_values(p, "bonferroni")[:3], [0.03, 0.12, 0.09])
    np.testing.assert_allclose(adjust_p_values(p, "none")[:3], p[:3])
    assert np.isnan(adjust_p_values(p)[3])
    assert adjust_p_values([0.9, 0.8]).max() <= 1.0
    with pytest.raises(ValueError, match="method must be one of"):
        adjust_p_values(p, "fdr")


def _bh_rejections(p, level):
    """Benjamini-Hochberg's step-up, written out: reject the k smallest, k the largest
    index with p_(k) <= k / m * level."""
    order = np.argsort(p, kind="stable")
    below = np.nonzero(p[order] <= level * np.arange(1, len(p) + 1) / len(p))[0]
    rejected = np.zeros(len(p), bool)
    if len(below):
        rejected[order[: below[-1] + 1]] = True
    return rejected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=30),
    st.sampled_from([0.01, 0.05, 0.1]),
)
def test_two_stage_adjusted_p_values_reject_what_the_procedure_rejects(p, alpha):
    # Benjamini, Krieger & Yekutieli (2006), Definition 6, step by step
    p = np.asarray(p)
    q = alpha / (1 + alpha)
    first = _bh_rejections(p, q)
    r = first.sum()
    if r == 0:
        expected = first
    elif r == len(p):
        expected = np.ones(len(p), bool)
    else:
        expected = _bh_rejections(p, q * len(p) / (len(p) - r))
    adjusted = adjust_p_values(p, "bky", alpha=alpha)
    np.testing.assert_array_equal(adjusted <= alpha, expected)
    assert np.all(adjusted <= 1.0)
    # on any panel, it deploys something exactly when BH at alpha / (1 + alpha) does
    assert (adjusted <= alpha).any() == (adjust_p_values(p, "bh") <= q).any()


def test_a_good_candidate_is_accepted_with_every_criterion_listed():
    (decision,) = SelectionCriteria().assess([_evaluation()])
    assert decision.decision == "accept" and decision.accepted and decision.rank == 1
    assert [c.name for c in decision.criteria] == [
        "test_rows",
        "gap",
        "test_score",
        "validation_test_difference",
        "fold_std",
        "beats_baseline",
        "beats_naive_rules",
    ]
    assert all(c.passed for c in decision.criteria)
    assert decision.rank_score == pytest.approx(0.62)  # the pooled accuracy
    legacy = SelectionCriteria(rank_evidence="test")
    (decision,) = legacy.assess([_evaluation()])
    assert decision.rank_score == pytest.approx(0.62 - 0.5 * 0.08)
    json.dumps(decision.as_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "changes, failing",
    [
        ({"train": 0.95}, "gap"),
        (
            {"val": 0.52, "test": 0.52, "train": 0.6, "baseline_accuracy": 0.5},
            "test_score",
        ),
        ({"test": 0.70}, "validation_test_difference"),
        ({"std": 0.15}, "fold_std"),
        ({"p_value": 0.2}, "beats_baseline"),
    ],
)
def test_each_criterion_rejects_on_its_own(changes, failing):
    # Point estimates, as the original spec compares them; the sampling allowance has
    # its own tests below.
    criteria = SelectionCriteria(allow_sampling_error=False)
    (decision,) = criteria.assess([_evaluation(**changes)])
    assert decision.decision == "reject" and decision.rank is None
    assert [c.name for c in decision.criteria if not c.passed] == [failing]
    criterion = _by_name(decision)[failing]
    assert criterion.explanation in decision.reason
    assert "FAIL" in decision.explain()


def test_test_score_below_the_minimum_within_sampling_error_passes():
    # 0.52 on 100 rows: an accuracy of 0.55 scores this low with p = 0.31
    (decision,) = SelectionCriteria().assess([_evaluation(val=0.52, test=0.52)])
    criterion = _by_name(decision)["test_score"]
    assert criterion.passed and "but within the sampling error of 100 rows" in (
        criterion.explanation
    )
    # 0.45 on 400 rows is beyond it: p = 3e-5
    (decision,) = SelectionCriteria().assess(
        [_evaluation(val=0.45, test=0.45, n_test=400, n_oos=2000)]
    )
    criterion = _by_name(decision)["test_score"]
    assert not criterion.passed and "beyond the sampling error" in criterion.explanation


def test_validation_test_difference_within_sampling_error_passes():
    # validation 0.62 on 400 rows, test 0.70 on 100: 0.08 apart, 0.03 beyond the
    # allowed 0.05, with a standard error of 0.053
    (decision,) = SelectionCriteria().assess([_evaluation(test=0.70)])
    criterion = _by_name(decision)["validation_test_difference"]
    assert criterion.passed and "but within the sampling error" in criterion.explanation
    # 0.30 apart on 4000 validation and 1000 test rows is a real break
    (decision,) = SelectionCriteria().assess(
        [_evaluation(val=0.62, test=0.32, n_test=1000, n_oos=5000)]
    )
    criterion = _by_name(decision)["validation_test_difference"]
    assert not criterion.passed and "beyond the sampling error" in criterion.explanation


def test_fold_std_within_sampling_error_passes():
    # std 0.11 across five windows of 20 rows (100 validation rows): one accuracy of
    # 0.62 spreads by 0.11 on such windows by chance alone (chi-square p = 0.27)
    (decision,) = SelectionCriteria().assess([_evaluation(std=0.11, n_oos=200)])
    criterion = _by_name(decision)["fold_std"]
    assert (
        criterion.passed
        and "but within the sampling error of 5 windows of about 20"
        in (criterion.explanation)
    )
    # the same std across windows of 80 rows is more than chance (p = 4e-4)
    (decision,) = SelectionCriteria().assess([_evaluation(std=0.11)])
    criterion = _by_name(decision)["fold_std"]
    assert not criterion.passed and "beyond the sampling error" in criterion.explanation
    assert "unstable over time" in criterion.explanation
    # point estimates, as before the allowance
    (decision,) = SelectionCriteria(allow_sampling_error=False).assess(
        [_evaluation(std=0.11, n_oos=200)]
    )
    assert not _by_name(decision)["fold_std"].passed


def test_too_few_test_rows_is_insufficient_data_not_reject():
    (decision,) = SelectionCriteria().assess([_evaluation(n_test=26, test=0.70, val=0.70)])
    assert decision.decision == "insufficient_data"
    rows = _by_name(decision)["test_rows"]
    assert (rows.value, rows.threshold, rows.passed) == (26, 30, False)
    assert "26 rows" in decision.reason


def test_correction_counts_every_candidate_tried():
    holm = SelectionCriteria(correction="holm")
    alone = holm.assess([_evaluation(p_value=0.03)])
    assert alone[0].accepted
    together = holm.assess([_evaluation("a", p_value=0.03), _evaluation("b", p_value=0.04)])
    assert [d.decision for d in together] == ["reject", "reject"]
    criterion = _by_name(together[0])["beats_baseline"]
    assert criterion.value == pytest.approx(0.06)
    assert "holm-corrected for 2 candidates" in criterion.explanation
    uncorrected = SelectionCriteria(correction="none").assess(
        [_evaluation("a", p_value=0.03), _evaluation("b", p_value=0.04)]
    )
    assert all(d.accepted for d in uncorrected)


def test_maxt_charges_less_for_candidates_that_find_the_same_signal():
    # 60 wins, 35 losses: exact p = 0.007. Two copies of one candidate are one test
    # to max-T, two to Holm; an independent second candidate costs max-T about what
    # it costs Holm.
    same = [_evaluation(name, wins=60, losses=35, p_value=0.0067) for name in "ab"]
    maxt = SelectionCriteria().assess(same, random_state=0)
    holm = SelectionCriteria(correction="holm").assess(same)
    p_maxt = _by_name(maxt[0])["beats_baseline"].value
    p_holm = _by_name(holm[0])["beats_baseline"].value
    assert p_maxt == pytest.approx(0.0067, abs=0.003)
    assert p_holm == pytest.approx(2 * 0.0067)
    assert (
        "maxt-corrected for 2 candidates" in _by_name(maxt[0])["beats_baseline"].explanation
    )
    other = _evaluation("c", wins=60, losses=35, p_value=0.0067)
    other.differences["majority"] = np.roll(other.differences["majority"], 250)
    (p_a, p_c) = SelectionCriteria().adjusted_p_values([same[0], other], random_state=0)[1]
    assert p_a == pytest.approx(0.013, abs=0.004) and p_c == pytest.approx(p_a)


def test_ranking_by_score_then_stability():
    evaluations = [
        _evaluation("worse", test=0.60, val=0.60),
        _evaluation("unstable", std=0.05),
        _evaluation("stable", std=0.01),
    ]
    decisions = SelectionCriteria(correction="none").assess(evaluations)
    assert [d.rank for d in decisions] == [3, 2, 1]


def test_legacy_rules_accept_a_constant_predictor_skfix_rules_do_not():
    always_up = _evaluation(
        train=0.98,
        val=0.98,
        test=0.98,
        std=0.0,
        n_test=20,
        p_value=1.0,
        baseline_accuracy=0.98,
        wins=0,
        losses=0,
    )
    (legacy,) = SelectionCriteria.legacy().assess([always_up])
    assert legacy.accepted
    assert {c.name for c in legacy.criteria} == {
        "test_rows",
        "gap",
        "test_score",
        "validation_test_difference",
    }
    (skfix,) = SelectionCriteria().assess([always_up])
    assert skfix.decision == "insufficient_data"
    (skfix,) = SelectionCriteria(min_test_rows=10).assess([always_up])
    assert skfix.decision == "reject"
    assert not _by_name(skfix)["beats_baseline"].passed


def test_failed_candidate_is_rejected_with_its_error():
    failed = CandidateEvaluation(
        name="x", scoring="accuracy", error={"type": "ValueError", "message": "bad"}
    )
    good = _evaluation("good")
    decisions = SelectionCriteria().assess([failed, good])
    assert decisions[0].decision == "reject" and "ValueError: bad" in decisions[0].reason
    assert math.isnan(decisions[0].rank_score)
    assert decisions[1].accepted  # the failure is not counted as a test
    json.dumps(decisions[0].as_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"baseline": "random"}, "baseline must be one of"),
        ({"correction": "fdr"}, "correction must be one of"),
        ({"alpha": 0}, "alpha must be in"),
        ({"max_gap": float("nan")}, "max_gap must be a finite number"),
        ({"min_test_rows": -1}, "min_test_rows must be an int"),
    ],
)
def test_invalid_criteria(params, match):
    with pytest.raises(ValueError, match=match):
        SelectionCriteria(**params)


def test_with_params_and_as_dict():
    criteria = SelectionCriteria().with_params(max_gap=0.1, min_test_rows=50)
    assert criteria.max_gap == 0.1 and criteria.min_test_rows == 50
    assert json.loads(json.dumps(criteria.as_dict()))["max_gap"] == 0.1
