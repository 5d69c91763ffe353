"""The naive rules compete: a learned model that a rule beats is never deployed.

Fixed seeds of simulated series whose best predictor is known, with cheap
candidates, so that each outcome is exact; ``benchmarks/bench_power.py`` measures the
rates over many seeds through ``skfix train``.
"""

import math

import numpy as np
import pytest

from skfix.datasets import load_market_panel, simulate_prices
from skfix.estimators import (
    MajorityClassifier,
    PersistenceClassifier,
    RegularizedLogisticRegression,
)
from skfix.features import make_dataset
from skfix.selection import (
    BeatsNaiveRules,
    CandidateEvaluation,
    ModelSelector,
    SelectionCriteria,
)

CRITERIA = SelectionCriteria(n_resamples=999)


def _select(process, strength, seed, rows=800, **params):
    X, y = make_dataset(simulate_prices(rows, process, strength, random_state=seed))
    selector = ModelSelector(
        {"logistic": RegularizedLogisticRegression(random_state=0)},
        criteria=CRITERIA,
        random_state=0,
        **params,
    )
    return selector.fit(X, y)


def _failed(selector, name):
    return [c.name for c in selector.decisions_[name].criteria if not c.passed]


def test_a_model_that_persistence_beats_is_rejected_and_persistence_deployed():
    # AR(1) at phi 0.3: "same direction as last period" is the Bayes rule
    selector = _select("ar1", 0.3, seed=2)
    evaluations = {e.name: e for e in selector.evaluations_}
    logistic, persistence = evaluations["logistic"], evaluations["persistence"]
    assert logistic.oos_accuracy < persistence.oos_accuracy
    # significant against the majority rule, and still not deployed
    assert _failed(selector, "logistic") == ["beats_naive_rules"]
    assert selector.best_name_ == "persistence"
    assert isinstance(selector.best_estimator_, PersistenceClassifier)
    assert selector.decisions_["persistence"].rank == 1
    explanation = next(
        c.explanation
        for c in selector.decisions_["logistic"].criteria
        if c.name == "beats_naive_rules"
    )
    assert (
        "'persistence'" in explanation and f"{persistence.oos_accuracy:.3f}" in explanation
    )


def test_a_model_that_beats_every_rule_is_deployed():
    selector = _select("ar1", 0.3, seed=1)
    evaluations = {e.name: e for e in selector.evaluations_}
    assert evaluations["logistic"].oos_accuracy > evaluations["persistence"].oos_accuracy
    assert selector.best_name_ == "logistic"


def test_mean_reversion_is_left_to_the_model():
    # phi < 0: the last direction reverses; persistence is the worst rule there is
    selector = _select("ar1", -0.3, seed=0)
    assert selector.best_name_ == "logistic"
    assert selector.decisions_["persistence"].decision == "reject"


def test_the_rules_predict_what_the_baselines_predict():
    """Fitted on each fold's training rows, the rule candidates are the baselines."""
    selector = _select("ar1", 0.3, seed=3)
    evaluations = {e.name: e for e in selector.evaluations_}
    for rule in ("majority", "persistence"):
        e = evaluations[rule]
        assert e.naive_rule == rule
        assert e.comparisons[rule]["wins"] == e.comparisons[rule]["losses"] == 0
        assert e.oos_accuracy == pytest.approx(e.baselines[rule]["oos_accuracy"])
    assert evaluations["logistic"].naive_rule is None


def test_a_drifting_series_deploys_nothing_that_loses_to_the_majority_rule():
    # rises 98 % of the time: "always up" is the Bayes rule, and the null
    selector = _select("trend", 0.98, seed=0)
    assert selector.best_estimator_ is None
    assert selector.decisions_["majority"].decision == "reject"


def test_the_majority_rule_is_the_null_never_tested_or_deployed():
    selector = _select("noise", 0.0, seed=0)
    majority = selector.decisions_["majority"]
    assert majority.decision == "reject"
    assert [c.name for c in majority.criteria] == ["is_baseline"]
    assert math.isnan(majority.p_value)
    beats = next(
        c for c in selector.decisions_["logistic"].criteria if c.name == "beats_baseline"
    )
    assert "maxt-corrected for 2 candidates" in beats.explanation
    assert selector.best_estimator_ is None
    assert selector.why_.startswith("No model beats always predicting")


def test_no_rules_competing_when_asked():
    selector = _select("ar1", 0.3, seed=2, naive_rules=None)
    assert [e.name for e in selector.evaluations_] == ["logistic"]
    assert selector.best_name_ is None  # the rules still judge it


def test_auto_rules_need_the_feature_and_yield_to_a_named_candidate():
    X, y = make_dataset(simulate_prices(400, "ar1", 0.3, random_state=0))
    arrays = ModelSelector(
        {"logistic": RegularizedLogisticRegression()}, criteria=CRITERIA
    ).fit(X.to_numpy(), y.to_numpy())
    assert [e.name for e in arrays.evaluations_] == ["logistic", "majority"]
    mine = ModelSelector(
        {"persistence": PersistenceClassifier(threshold=0.001)}, criteria=CRITERIA
    ).fit(X, y)
    assert [e.name for e in mine.evaluations_] == ["persistence", "majority"]
    assert mine.evaluations_[0].estimator.threshold == 0.001
    explicit = ModelSelector(
        {"logistic": RegularizedLogisticRegression()},
        naive_rules={"always": MajorityClassifier()},
        criteria=CRITERIA,
    ).fit(X, y)
    assert [e.name for e in explicit.evaluations_] == ["logistic", "always"]


def _evaluation(**changes):
    base = dict(
        name="model",
        scoring="accuracy",
        train_scores=[0.6] * 3,
        validation_scores=[0.6] * 3,
        mean_train_score=0.6,
        mean_validation_score=0.6,
        gap=0.0,
        validation_std=0.0,
        validation_variance=0.0,
        test_score=0.6,
        test_accuracy=0.6,
        n_test=200,
        oos_accuracy=0.62,
        n_oos=800,
        baselines={
            "majority": {"oos_accuracy": 0.52, "test_accuracy": 0.55, "test_score": 0.55},
            "persistence": {
                "oos_accuracy": 0.60,
                "test_accuracy": 0.61,
                "test_score": 0.61,
            },
        },
        test_comparisons={
            "majority": {"wins": 30, "losses": 20, "p_value": 0.1},
            "persistence": {"wins": 10, "losses": 12, "p_value": 0.7},
        },
    )
    base.update(changes)
    return CandidateEvaluation(**base)


def test_losing_on_the_test_window_beyond_its_sampling_error_rejects():
    def check(evaluation):
        return BeatsNaiveRules().check(evaluation, SelectionCriteria())

    assert check(_evaluation()).passed  # 2 rows behind on the window: sampling error
    beaten = _evaluation(
        test_comparisons={
            "majority": {"wins": 30, "losses": 20, "p_value": 0.1},
            "persistence": {"wins": 10, "losses": 30, "p_value": 1.0},
        }
    )
    result = check(beaten)
    assert not result.passed
    assert "'persistence' beats it on the 200-row test window" in result.explanation
    # a rule ahead on the pooled rows rejects; a tie does not (the ranking decides)
    behind = check(_evaluation(oos_accuracy=0.59))
    assert (
        not behind.passed
        and "scores 0.600 on the same 800 pooled rows, above its 0.590"
        in (behind.explanation)
    )
    tied = check(_evaluation(oos_accuracy=0.60))
    assert tied.passed
    assert "is not below every other naive rule's" in tied.explanation
    assert "tied with 'persistence', which the ranking prefers" in tied.explanation


def test_legacy_rules_do_not_compare_with_the_naive_rules():
    legacy = SelectionCriteria.legacy()
    assert not legacy.beat_naive_rules and legacy.rank_evidence == "test"
    evaluation = _evaluation(oos_accuracy=0.5)
    assert legacy.rank_score(evaluation) == pytest.approx(0.6)
    assert SelectionCriteria().rank_score(evaluation) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="rank_evidence must be one of"):
        SelectionCriteria(rank_evidence="train")
    with pytest.raises(ValueError, match="beat_naive_rules must be true or false"):
        SelectionCriteria(beat_naive_rules="yes")


def test_ties_go_to_the_rule():
    criteria = SelectionCriteria(max_validation_test_diff=None, min_test_score=None)
    rule = _evaluation(name="persistence", naive_rule="persistence", oos_accuracy=0.62)
    model = _evaluation(name="model", oos_accuracy=0.62)
    for e in (rule, model):
        e.comparisons = {"majority": {"wins": 90, "losses": 10, "p_value": 1e-10}}
        e.differences = {"majority": np.r_[np.ones(90), -np.ones(10)].astype(np.int8)}
        # each compared with the other rule only
        e.baselines = {k: v for k, v in e.baselines.items() if k == "majority"}
    decisions = criteria.assess([model, rule], random_state=0)
    assert [d.rank for d in decisions] == [2, 1]


@pytest.mark.parametrize(
    "rule_test_score, deployed", [(0.61, "persistence"), (0.40, "model")]
)
def test_a_tie_with_a_rule_goes_to_the_rule_where_it_is_accepted_itself(
    rule_test_score, deployed
):
    # a model and persistence right on the same share of the pooled rows: the rule is
    # deployed when it passes its own criteria; when it fails one (here its test
    # window), the model that does as well as it is
    criteria = SelectionCriteria(max_validation_test_diff=None)
    rule = _evaluation(
        name="persistence",
        naive_rule="persistence",
        oos_accuracy=0.60,
        test_score=rule_test_score,
        test_accuracy=rule_test_score,
    )
    model = _evaluation(name="model", oos_accuracy=0.60)
    for e in (rule, model):
        e.comparisons = {"majority": {"wins": 90, "losses": 10, "p_value": 1e-10}}
        e.differences = {"majority": np.r_[np.ones(90), -np.ones(10)].astype(np.int8)}
    model_decision, rule_decision = criteria.assess([model, rule], random_state=0)
    assert model_decision.decision == "accept"
    assert rule_decision.decision == ("accept" if deployed == "persistence" else "reject")
    ranked = {d.name: d.rank for d in (model_decision, rule_decision)}
    assert min(ranked, key=lambda name: ranked[name] or 99) == deployed


def test_the_baseline_rule_is_not_judged_twice_and_a_close_test_window_is_said():
    # on noise, the logistic regression fails beats_baseline; beats_naive_rules leaves
    # the majority rule's pooled comparison to it instead of repeating the failure
    selector = _select("noise", 0.0, seed=4)
    for name in ("logistic", "persistence"):
        criteria = {c.name: c for c in selector.decisions_[name].criteria}
        if criteria["beats_baseline"].passed:
            continue
        text = criteria["beats_naive_rules"].explanation
        assert "'majority' (always predicting" not in text
    # BAA (real): persistence is deployed though the majority rule is ahead of it on
    # the final window, within that window's sampling error, and its pass says so
    X, y = make_dataset(load_market_panel(["BAA"])["BAA"])
    selector = ModelSelector(
        {"logistic": RegularizedLogisticRegression(random_state=0)},
        criteria=CRITERIA,
        random_state=0,
    ).fit(X, y)
    assert selector.best_name_ == "persistence"
    (criterion,) = [
        c
        for c in selector.decisions_["persistence"].criteria
        if c.name == "beats_naive_rules"
    ]
    assert criterion.passed
    assert "against 'majority' it is judged by beats_baseline" in criterion.explanation
    assert (
        "'majority' scores 0.593 on the 236-row test window against its 0.576 (50 rows "
        "lost, 46 won: p = 0.38 > alpha 0.050, within the window's sampling error)"
    ) in criterion.explanation
