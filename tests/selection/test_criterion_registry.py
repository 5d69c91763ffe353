"""A criterion is one place in skfix.selection: its check, its unit and its advice.

The test adds a criterion the way a user would, with a subclass of
SelectionCriteria and ``register_criterion``, and follows it through a training
run: decided on, written to the manifest, shown in the report in its unit, with
its advice. Nothing outside skfix.selection is told about it.
"""

import re
from dataclasses import dataclass

import pytest

from skfix.selection import (
    CriterionInfo,
    CriterionResult,
    SelectionCriteria,
    _criterion_info,
    criterion_info,
    register_criterion,
)
from skfix.training import train_panel
from tests.training.conftest import fast_config


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Registrations made by a test are forgotten after it."""
    monkeypatch.setattr(
        _criterion_info, "_CRITERION_INFO", dict(_criterion_info._CRITERION_INFO)
    )


def _with_pooled_accuracy(advice):
    @dataclass(frozen=True)
    class WithPooledAccuracy(SelectionCriteria):
        min_oos_accuracy: float = 0.99

        def threshold_checks(self):
            return [*super().threshold_checks(), self._oos_accuracy]

        @register_criterion("oos_accuracy", unit="fraction", advice=advice)
        def _oos_accuracy(self, e):
            passed = e.oos_accuracy >= self.min_oos_accuracy
            return CriterionResult(
                "oos_accuracy",
                e.oos_accuracy,
                self.min_oos_accuracy,
                passed,
                f"pooled out-of-sample accuracy {e.oos_accuracy:.3f}",
            )

    return WithPooledAccuracy()


def _run(tmp_path, criteria):
    config = fast_config(models=("logistic",), criteria=criteria)
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BAA"], n_jobs=1)
    report = (tmp_path / "reports" / "BAA.md").read_text(encoding="utf-8")
    return manifest["symbols"]["BAA"]["candidates"][0], report


def test_a_new_criterion_reaches_manifest_and_report(tmp_path):
    criteria = _with_pooled_accuracy(
        "pooled accuracy {value} is below {rounded_threshold}: collect more history."
    )
    candidate, report = _run(tmp_path, criteria)

    names = [c["name"] for c in candidate["criteria"]]
    assert names.index("oos_accuracy") == names.index("fold_std") + 1
    result = candidate["criteria"][names.index("oos_accuracy")]
    assert result["value"] == candidate["oos_accuracy"] and result["threshold"] == 0.99
    assert not result["passed"] and candidate["decision"] == "reject"
    assert "pooled out-of-sample accuracy" in candidate["reason"]

    shown = f"{100 * result['value']:.1f} %"
    assert f"| **logistic** | oos_accuracy | {shown} | 99.0 % | ✗ fail |" in report
    advice = f"**logistic**: pooled accuracy {shown} is below 99 %: collect more history."
    assert advice in report


def test_a_report_redrawn_from_the_manifest_alone_keeps_the_criterion(
    tmp_path, monkeypatch
):
    import json

    from skfix.reporting import write_reports

    advice = "pooled accuracy {value} is below {rounded_threshold}: collect more history."
    candidate, report = _run(tmp_path, _with_pooled_accuracy(advice))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["run"]["criteria_info"]["oos_accuracy"] == {
        "unit": "fraction",
        "advice": advice,
    }
    # a new process: the run's own criterion class was never imported here
    builtin = dict(_criterion_info._CRITERION_INFO)
    del builtin["oos_accuracy"]
    monkeypatch.setattr(_criterion_info, "_CRITERION_INFO", builtin)
    assert criterion_info("oos_accuracy").advice is None
    write_reports(manifest, tmp_path / "redrawn")
    redrawn = (tmp_path / "redrawn" / "reports" / "BAA.md").read_text(encoding="utf-8")
    assert redrawn == report


def test_a_criterion_without_advice_repeats_its_explanation(tmp_path):
    candidate, report = _run(tmp_path, _with_pooled_accuracy(advice=None))
    assert re.search(
        r"\*\*logistic\*\*: criterion oos_accuracy failed: pooled out-of-sample "
        r"accuracy 0\.\d{3}\.",
        report,
    )


def test_unregistered_names_are_plain_numbers():
    assert criterion_info("no_such_criterion") == CriterionInfo("no_such_criterion")
    assert criterion_info("gap").unit == "fraction"
    assert criterion_info("beats_baseline").unit == "p_value"
    assert criterion_info("test_rows").unit == "count"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit": "percent"}, "unit of criterion 'x' must be one of"),
        ({"advice": "{value} vs {limit}"}, r"unknown field\(s\) \['limit'\]"),
    ],
)
def test_register_criterion_refuses_unknown_units_and_fields(kwargs, message):
    with pytest.raises(ValueError, match=message):
        register_criterion("x", **kwargs)
