"""The typed run record: JSON once, read back exactly, nothing unknown accepted."""

import json
import math

import numpy as np
import pytest

from skfix.datasets import load_market_panel
from skfix.manifest import (
    ABSENT,
    CandidateRecord,
    ManifestError,
    RunRecord,
    SymbolRecord,
    validate_manifest,
)
from skfix.selection import CriterionResult
from skfix.training import train_symbol
from tests.training.conftest import fast_config


@pytest.fixture(scope="module")
def baa(tmp_path_factory):
    prices = load_market_panel(["BAA"])["BAA"]
    out = tmp_path_factory.mktemp("records")
    return train_symbol("BAA", prices, fast_config(("logistic",)), out, "BAA")


def test_a_symbol_record_is_typed_until_it_is_written(baa):
    assert isinstance(baa, SymbolRecord)
    assert all(isinstance(c, CandidateRecord) for c in baa.candidates)
    assert all(isinstance(r, CriterionResult) for c in baa.candidates for r in c.criteria)
    data = baa.to_json()
    text = json.dumps(data, allow_nan=False)  # strict JSON, in one conversion
    assert json.loads(text) == data


def test_from_json_reads_back_what_to_json_wrote(baa):
    data = baa.to_json()
    again = SymbolRecord.from_json(json.loads(json.dumps(data)))
    assert again.to_json() == data
    assert [c.name for c in again.candidates] == [c.name for c in baa.candidates]
    assert again.candidate("logistic").criteria[0].name == "test_rows"


def test_fields_of_a_candidate_never_evaluated_are_left_out():
    record = CandidateRecord("rf", "skfix.estimators.X", {}, False, status="skipped")
    data = record.to_json()
    assert record.test_accuracy is ABSENT and "test_accuracy" not in data
    assert list(data)[:4] == ["name", "estimator", "params", "naive_rule"]
    assert list(data)[-1] == "model_file"
    evaluated = CandidateRecord("rf", "e", {}, False, test_accuracy=np.float64(0.5))
    assert evaluated.to_json()["test_accuracy"] == 0.5
    assert CandidateRecord("rf", "e", {}, False, gap=math.nan).to_json()["gap"] is None


def test_an_unknown_key_is_refused_by_name():
    with pytest.raises(
        ManifestError, match=r"candidate record has unknown key\(s\) \['x'\]"
    ):
        CandidateRecord.from_json({"name": "rf", "x": 1})
    with pytest.raises(ManifestError, match=r"symbol record has unknown key\(s\) \['y'\]"):
        SymbolRecord.from_json({"y": 1})


def test_a_run_record_is_the_manifest(baa):
    run = RunRecord(
        schema_version="1.2",
        utc_time_created="2026-01-01T00:00:00Z",
        skfix_version="0",
        python_version="3",
        library_versions={},
        run={"data_source": "built-in"},
        summary={},
        symbols={"BAA": baa},
    )
    data = run.to_json()
    assert data["symbols"]["BAA"] == baa.to_json()
    assert list(data) == [
        "schema_version",
        "utc_time_created",
        "skfix_version",
        "python_version",
        "library_versions",
        "run",
        "summary",
        "symbols",
    ]
    with pytest.raises(ManifestError):  # an incomplete run is not a manifest
        validate_manifest(data)
