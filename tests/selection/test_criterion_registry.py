"""A criterion is one class: its check, its unit and its advice.

The test adds a criterion the way a user would, a subclass of
``skfix.selection.Criterion`` given to ``SelectionCriteria(extra=...)`` (or named in
a TOML file), and follows it through a training run: decided on, written to the
manifest, shown in the report in its unit, with its advice. Nothing outside the class
is told about it.
"""

import re
import sys
from dataclasses import dataclass

import pytest

from skfix.selection import (
    Criterion,
    CriterionInfo,
    CriterionResult,
    SelectionCriteria,
    criterion_info,
)
from skfix.training import ConfigError, config_from_dict, train_panel
from tests.training.conftest import fast_config


@dataclass(frozen=True)
class MinPooledAccuracy(Criterion):
    """The test's criterion: the pooled out-of-sample accuracy at least `threshold`."""

    name = "oos_accuracy"
    unit = "fraction"
    advice = "pooled accuracy {value} is below {rounded_threshold}: collect more history."
    threshold: float = 0.99

    def check(self, e, criteria):
        passed = e.oos_accuracy >= self.threshold
        return CriterionResult(
            self.name,
            e.oos_accuracy,
            self.threshold,
            passed,
            f"pooled out-of-sample accuracy {e.oos_accuracy:.3f}",
        )


@dataclass(frozen=True)
class WithoutAdvice(MinPooledAccuracy):
    advice = None


def _with_pooled_accuracy(advice):
    criterion = MinPooledAccuracy() if advice else WithoutAdvice()
    return SelectionCriteria(extra=(criterion,))


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


def test_a_report_redrawn_from_the_manifest_alone_keeps_the_criterion(tmp_path):
    import json

    from skfix.reporting import write_reports

    advice = "pooled accuracy {value} is below {rounded_threshold}: collect more history."
    candidate, report = _run(tmp_path, _with_pooled_accuracy(advice))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["run"]["criteria_info"]["oos_accuracy"] == {
        "unit": "fraction",
        "advice": advice,
    }
    # only the manifest knows the criterion: nothing registers it in this process
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
    ("attributes", "message"),
    [
        ({"unit": "percent"}, "unit of criterion 'x' .* must be one of"),
        ({"advice": "{value} vs {limit}"}, r"unknown field\(s\) \['limit'\]"),
    ],
)
def test_a_criterion_class_with_an_unknown_unit_or_field_is_refused(attributes, message):
    with pytest.raises(ValueError, match=message):
        type("Bad", (Criterion,), {"name": "x", **attributes})


def test_extra_criteria_are_criterion_instances_with_names_of_their_own():
    with pytest.raises(ValueError, match="tuple of skfix.selection.Criterion"):
        SelectionCriteria(extra=(lambda e: None,))
    with pytest.raises(ValueError, match=r"\['oos_accuracy'\] name"):
        SelectionCriteria(extra=(MinPooledAccuracy(), WithoutAdvice()))

    @dataclass(frozen=True)
    class Gap(MinPooledAccuracy):
        name = "gap"

    with pytest.raises(ValueError, match=r"\['gap'\] name"):
        SelectionCriteria(extra=(Gap(),))

    @dataclass(frozen=True)
    class Unnamed(Criterion):
        pass

    with pytest.raises(ValueError, match=r"need a name .*\['.*Unnamed'\]"):
        SelectionCriteria(extra=(Unnamed(),))


def test_the_toml_file_names_a_criterion_by_its_path(tmp_path):
    path = f"{__name__}.MinPooledAccuracy"
    raw = {"criteria": {"alpha": 0.01, "extra": [{"class": path, "threshold": 0.6}]}}
    config = config_from_dict(raw, source="run.toml")
    assert config.criteria.extra == (MinPooledAccuracy(0.6),)
    assert config.as_dict()["criteria"]["extra"] == [{"class": path, "threshold": 0.6}]
    assert "extra" not in SelectionCriteria().as_dict()  # the default: as before
    assert sys.modules[__name__].MinPooledAccuracy is MinPooledAccuracy


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([{"class": "tests.no_such_module.X"}], "cannot be imported"),
        ([{"class": "skfix.selection.SelectionCriteria"}], "subclass of skfix.selection"),
        ([{"threshold": 0.6}], "found None"),
        ([{"class": f"{__name__}.MinPooledAccuracy", "limit": 1}], r"\['limit'\]"),
        ({"class": "x"}, "must be tables"),
    ],
)
def test_a_bad_criterion_table_names_the_file_and_the_key(extra, message):
    with pytest.raises(ConfigError, match=rf"run.toml: \[\[criteria.extra\]\].*{message}"):
        config_from_dict({"criteria": {"extra": extra}}, source="run.toml")
