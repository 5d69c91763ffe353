import json
import sys

import jsonschema
import numpy as np
import pytest

from skfix import dump_json, to_jsonable
from skfix.persistence import ManifestError
from skfix.reporting import SCHEMA_VERSION, load_schema, validate_manifest


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_requires_the_top_level_fields():
    assert load_schema()["required"] == [
        "schema_version",
        "utc_time_created",
        "skfix_version",
        "python_version",
        "library_versions",
        "run",
        "summary",
        "symbols",
    ]


def test_load_schema_returns_a_fresh_copy():
    load_schema()["required"].clear()
    assert load_schema()["required"]


def test_fixture_manifest_is_valid(manifest):
    jsonschema.validate(manifest, load_schema(), cls=jsonschema.Draft202012Validator)
    assert validate_manifest(manifest) is None
    assert manifest["schema_version"] == SCHEMA_VERSION


def test_manifest_read_back_from_json_is_valid(manifest, tmp_path):
    path = dump_json(manifest, tmp_path / "manifest.json")
    validate_manifest(json.loads(path.read_text(encoding="utf-8")))


def test_numpy_values_and_nan_are_checked_as_they_will_be_written(manifest):
    manifest["symbols"]["SP500"]["data"]["n_rows"] = np.int64(5010)
    manifest["symbols"]["SP500"]["candidates"][0]["gap"] = np.float64("nan")
    manifest["summary"]["average_gap"] = np.float32(0.17)
    validate_manifest(manifest)


def test_manifest_error_is_a_value_error():
    assert issubclass(ManifestError, ValueError)


def test_missing_schema_version_is_rejected(manifest):
    del manifest["schema_version"]
    with pytest.raises(ManifestError, match="'schema_version' is a required property"):
        validate_manifest(manifest)


def test_wrong_type_for_n_rows_names_the_field(manifest):
    manifest["symbols"]["SP500"]["data"]["n_rows"] = "5010"
    with pytest.raises(ManifestError) as info:
        validate_manifest(manifest)
    assert "manifest.symbols.SP500.data.n_rows: '5010' is not of type 'integer'" in str(
        info.value
    )


def test_bad_decision_value_names_the_candidate(manifest):
    manifest["symbols"]["EUR/USD"]["candidates"][1]["decision"] = "deploy"
    with pytest.raises(ManifestError) as info:
        validate_manifest(manifest)
    assert "manifest.symbols['EUR/USD'].candidates[1].decision: 'deploy'" in str(info.value)


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        (("symbols", "SP500"), "status", "done"),
        (("symbols", "SP500", "data"), "sha256", "not-a-hash"),
        (("symbols", "SP500", "candidates", 1, "model_file"), "sha256", "B" * 64),
        (("symbols", "SP500", "candidates", 1, "model_file"), "path", "../../x.skops"),
        (("symbols", "SP500", "candidates", 1, "model_file"), "path", "/tmp/x.skops"),
        (("symbols", "SP500", "candidates", 0), "fold_validation_scores", ["0.5"]),
        (("summary",), "model_success_rate", 1.5),
        (("run",), "horizon", 0),
        ((), "utc_time_created", "2026-11-25 23:59:59"),
    ],
)
def test_other_bad_values_are_rejected(manifest, where, key, value):
    target = manifest
    for part in where:
        target = target[part]
    target[key] = value
    with pytest.raises(ManifestError, match=key):
        validate_manifest(manifest)


def test_missing_candidate_field_is_rejected(manifest):
    del manifest["symbols"]["SP500"]["candidates"][0]["p_value"]
    with pytest.raises(ManifestError, match=r"candidates\[0\]: 'p_value' is a required"):
        validate_manifest(manifest)


def test_newer_major_version_is_rejected(manifest):
    manifest["schema_version"] = "2.0"
    with pytest.raises(ManifestError, match="schema_version"):
        validate_manifest(manifest)


def test_minor_versions_and_extra_nested_fields_are_accepted(manifest):
    manifest["schema_version"] = "1.3"
    manifest["symbols"]["SP500"]["candidates"][0]["calibration"] = {"brier": 0.24}
    manifest["run"]["features"] = {"window": 10}
    validate_manifest(manifest)


def test_selected_model_must_be_an_accepted_candidate(manifest):
    manifest["symbols"]["SP500"]["selected"]["name"] = "rf"
    with pytest.raises(ManifestError, match="'rf' was selected although its decision"):
        validate_manifest(manifest)
    manifest["symbols"]["SP500"]["selected"]["name"] = "svm"
    with pytest.raises(ManifestError, match="'svm' is not one of the symbol's candidates"):
        validate_manifest(manifest)


def test_candidate_names_are_unique_within_a_symbol(manifest):
    manifest["symbols"]["SP500"]["candidates"][2]["name"] = "rf"
    with pytest.raises(ManifestError, match="'rf' is used by more than one candidate"):
        validate_manifest(manifest)


def test_long_error_lists_are_cut(manifest):
    # 4 bad decisions, 3 bad statuses and the selected "xgb" no longer accepted: the
    # first 5 are listed, the other 3 counted.
    for candidate in manifest["symbols"]["SP500"]["candidates"]:
        candidate["decision"] = "maybe"
    for symbol in manifest["symbols"].values():
        symbol["status"] = "unknown"
    with pytest.raises(ManifestError, match=r"\.\.\. and 3 more"):
        validate_manifest(manifest)


def test_without_jsonschema_a_minimal_check_still_runs(manifest, monkeypatch):
    # A None entry in sys.modules makes `import jsonschema` raise ImportError.
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    validate_manifest(manifest)
    manifest["symbols"]["SP500"]["data"]["n_rows"] = "many"
    validate_manifest(manifest)
    del manifest["summary"]
    with pytest.raises(ManifestError, match="'summary' is missing"):
        validate_manifest(manifest)
    manifest["summary"] = {}
    manifest["schema_version"] = "2.0"
    with pytest.raises(ManifestError, match="schema_version"):
        validate_manifest(manifest)
    with pytest.raises(ManifestError, match="expected a JSON object"):
        validate_manifest([manifest])


def test_one_manifest_error_for_validation_and_deployment():
    from skfix.persistence import ManifestError as DeploymentManifestError

    assert ManifestError is DeploymentManifestError


def test_every_field_the_selection_objects_emit_is_in_the_schema_and_docs():
    # The candidate fields come from CandidateEvaluation and Decision themselves; the
    # schema and docs/manifest.md must know each of them.
    from pathlib import Path

    from sklearn.linear_model import LogisticRegression

    from skfix.selection import SelectionCriteria, evaluate_candidates

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    evaluations = evaluate_candidates({"logistic": LogisticRegression()}, X, y)
    (decision,) = SelectionCriteria(n_resamples=99).assess(evaluations, random_state=0)
    fields = {**evaluations[0].manifest_fields(), **decision.as_dict()}
    del fields["name"]

    declared = load_schema()["$defs"]["candidate"]["properties"]
    assert sorted(set(fields) - set(declared)) == []
    docs = (Path(__file__).parents[2] / "docs" / "manifest.md").read_text("utf-8")
    assert [name for name in fields if f"`{name}`" not in docs] == []
    schema = load_schema()
    candidate = {name: None for name in schema["$defs"]["candidate"]["required"]}
    candidate.update(name="logistic", estimator="x", params={}, alpha=0.05)
    candidate.update(fields)
    jsonschema.validate(
        to_jsonable(candidate), {"$defs": schema["$defs"], "$ref": "#/$defs/candidate"}
    )


def _with_equity(manifest, curve):
    manifest["symbols"]["SP500"]["economics"] = {
        "n_trials": 2,
        "buy_and_hold": {},
        "backtest_overfitting": None,
        "equity": {"dates": ["2020-01-01", "2020-01-02", "2020-01-03"], "curves": curve},
    }
    return manifest


@pytest.mark.parametrize(
    "curve, message",
    [
        ({"rf": [1.0, 1.01, 0.99], "majority": [1, 1, 1]}, None),
        ({"rf": [1.0, "x", 0.99]}, r"curves\.rf\[1\]: 'x' is not of type 'number'"),
        ({"rf": [1.0, 1.0, True]}, r"curves\.rf\[2\]: True is not of type 'number'"),
        ({"rf": [1.0, None]}, r"curves\.rf\[1\]: None is not of type 'number'"),
        ({"rf": "1.0, 1.01"}, r"curves\.rf: '1.0, 1.01' is not of type 'array'"),
    ],
)
def test_equity_curves_are_checked_as_the_schema_says(manifest, curve, message):
    # the curves are checked in one pass each, not value by value through jsonschema:
    # the same verdict as jsonschema's on the whole manifest
    manifest = _with_equity(manifest, curve)
    plain = list(
        jsonschema.Draft202012Validator(load_schema()).iter_errors(to_jsonable(manifest))
    )
    if message is None:
        assert plain == []
        assert validate_manifest(manifest) is None
        return
    assert len(plain) == 1
    with pytest.raises(ManifestError, match=message):
        validate_manifest(manifest)
    assert manifest["symbols"]["SP500"]["economics"]["equity"]["curves"] == curve
