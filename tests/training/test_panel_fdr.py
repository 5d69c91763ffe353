"""False-discovery control across the symbols of a run."""

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from skfix.manifest import CandidateRecord, SymbolRecord
from skfix.selection import CriterionResult, SelectionCriteria, select_deployed
from skfix.training import apply_panel_correction as _apply_panel_correction
from skfix.training import train_panel
from tests.training.conftest import fast_config


def _candidate(name, p, rank):
    return CandidateRecord(
        name=name,
        estimator="skfix.estimators.X",
        params={},
        naive_rule=False,
        status="ok",
        p_value=p,
        rank=rank,
        rank_score=0.5,
        decision="accept" if rank is not None else "reject",
        reason="it meets every criterion." if rank is not None else "it failed.",
        criteria=[CriterionResult("beats_baseline", p, 0.05, p <= 0.05, "p")],
        model_file={"path": f"models/{name}.zip"},
    )


def _symbol(*candidates):
    record = SymbolRecord(
        status="trained",
        candidates=list(candidates),
        evidence={"p_value": min(c.p_value for c in candidates)},
        why_none="none accepted",
    )
    select_deployed(record, "ranked first", "none accepted")
    return record


def apply_panel_correction(symbols, criteria):
    """The correction on typed records, with the records read back as the manifest
    writes them."""
    corrected, panel = _apply_panel_correction(symbols, criteria)
    return {s: r.to_json() for s, r in corrected.items()}, panel


def test_benjamini_hochberg_withdraws_what_the_panel_cannot_support():
    symbols = {
        "A": _symbol(_candidate("logistic", 0.001, 1)),
        "B": _symbol(_candidate("logistic", 0.030, 1), _candidate("rf", 0.004, 2)),
        "C": _symbol(_candidate("logistic", 0.040, 1)),
        "D": _symbol(_candidate("logistic", 0.600, None)),
    }
    corrected, panel = apply_panel_correction(
        symbols, SelectionCriteria(panel_correction="bh")
    )
    assert symbols["C"].selected is not None  # the input is not modified
    # symbol p-values 0.001, 0.004 (B's best accepted), 0.04, 1: BH keeps A and B
    q = false_discovery_control([0.001, 0.004, 0.04, 1.0])
    assert corrected["A"]["evidence"]["panel_p_value"] == pytest.approx(q[0])
    assert corrected["C"]["evidence"]["panel_p_value"] == pytest.approx(q[2])
    assert corrected["A"]["selected"]["name"] == "logistic"
    assert corrected["C"]["selected"] is None
    (c,) = corrected["C"]["candidates"]
    assert c["decision"] == "reject" and "false-discovery control across 4" in c["reason"]
    assert c["criteria"][-1]["name"] == "panel_fdr" and not c["criteria"][-1]["passed"]
    assert "logistic:" in corrected["C"]["why_none"]
    # B's first-ranked logistic (0.03 in the symbol's place: 0.053) is withdrawn, its
    # rf (0.004) stays and is deployed instead
    logistic, rf = corrected["B"]["candidates"]
    assert logistic["panel_p_value"] > 0.05 and logistic["decision"] == "reject"
    assert rf["panel_p_value"] <= 0.05 and rf["rank"] == 1
    assert corrected["B"]["selected"]["name"] == "rf"
    assert panel == {
        "correction": "bh",
        "alpha": 0.05,
        "symbols_tested": 4,
        "symbols_significant": 2,
    }


def test_the_adaptive_default_charges_only_for_the_symbols_without_signal():
    symbols = {
        "A": _symbol(_candidate("logistic", 0.001, 1)),
        "B": _symbol(_candidate("logistic", 0.030, 1), _candidate("rf", 0.004, 2)),
        "C": _symbol(_candidate("logistic", 0.040, 1)),
        "D": _symbol(_candidate("logistic", 0.600, None)),
    }
    corrected, panel = apply_panel_correction(symbols, SelectionCriteria())
    assert panel["correction"] == "bky" and panel["symbols_significant"] == 3
    # stage one (BH at 0.05 / 1.05) rejects A and B: m0 = 2 of 4, so stage two is BH
    # at 0.0952 and C's 0.04 (BH 0.053, which BH alone withdraws) survives
    q = false_discovery_control([0.001, 0.004, 0.04, 1.0]) * 1.05 * 2 / 4
    assert q[2] == pytest.approx(0.028)
    # ... and the figure shown is never below the symbol's own p-value
    assert corrected["C"]["evidence"]["panel_p_value"] == pytest.approx(0.04)
    assert corrected["C"]["selected"]["name"] == "logistic"
    assert corrected["B"]["selected"]["name"] == "logistic"
    # one signal among noise: stage one rejects nothing and nothing is deployed
    symbols = {s: _symbol(_candidate("logistic", 0.5, None)) for s in "ABCDEFG"}
    symbols["H"] = _symbol(_candidate("logistic", 0.04, 1))
    corrected, _ = apply_panel_correction(symbols, SelectionCriteria())
    assert not any(r["selected"] for r in corrected.values())


def test_correction_none_keeps_every_symbol_decision():
    symbols = {s: _symbol(_candidate("logistic", 0.04, 1)) for s in "ABCDEFGH"}
    corrected, panel = apply_panel_correction(
        symbols, SelectionCriteria(panel_correction="none")
    )
    assert all(r["selected"] for r in corrected.values())
    assert all(
        c["panel_p_value"] == c["p_value"]
        for r in corrected.values()
        for c in r["candidates"]
    )
    bh = SelectionCriteria(panel_correction="bh")
    corrected, _ = apply_panel_correction(symbols, bh)
    assert all(r["selected"] for r in corrected.values())  # eight at 0.04: eight finds
    assert all(
        c["panel_p_value"] == pytest.approx(0.04)
        for r in corrected.values()
        for c in r["candidates"]
    )
    symbols = {s: _symbol(_candidate("logistic", 0.5, None)) for s in "ABCDEFG"}
    symbols["H"] = _symbol(_candidate("logistic", 0.04, 1))
    corrected, _ = apply_panel_correction(symbols, bh)
    assert not any(r["selected"] for r in corrected.values())  # one in eight: 0.32
    assert corrected["H"]["candidates"][0]["panel_p_value"] == pytest.approx(0.32)


def test_benjamini_yekutieli_is_stricter():
    symbols = {
        "A": _symbol(_candidate("logistic", 0.001, 1)),
        "B": _symbol(_candidate("logistic", 0.04, 1)),
    }
    bh, _ = apply_panel_correction(symbols, SelectionCriteria(panel_correction="bh"))
    by, _ = apply_panel_correction(symbols, SelectionCriteria(panel_correction="by"))
    assert bh["B"]["selected"] and not by["B"]["selected"]
    assert by["B"]["evidence"]["panel_p_value"] == pytest.approx(
        false_discovery_control([0.001, 0.04], method="by")[1]
    )


def test_a_run_records_the_panel_correction(tmp_path):
    config = fast_config(models=("logistic", "rf"))
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BAA", "BRENT", "IBM"])
    assert manifest["summary"]["panel"]["correction"] == "bky"
    assert manifest["summary"]["panel"]["symbols_tested"] == 2  # IBM: insufficient data
    judged = [manifest["symbols"][s] for s in ("BAA", "BRENT")]
    for record in judged:
        assert record["evidence"]["panel_p_value"] >= record["evidence"]["p_value"]
        for candidate in record["candidates"]:
            if candidate["p_value"] is None:  # the majority rule: the baseline itself
                assert candidate["naive_rule"] and candidate["decision"] == "reject"
                continue
            names = [c["name"] for c in candidate["criteria"]]
            beat = next(c for c in candidate["criteria"] if c["name"] == "beats_baseline")
            # the run's control is judged only where the symbol's own test passed
            assert ("panel_fdr" in names) == beat["passed"]
            assert (
                candidate["panel_p_value"]
                >= candidate["p_value"]
                >= candidate["p_value_raw"]
            )
    assert np.isfinite(manifest["symbols"]["IBM"]["evidence"]["min_detectable_edge"])
    report = (tmp_path / "reports" / "BRENT.md").read_text()
    assert "## Evidence" in report and "false-discovery control" in report
