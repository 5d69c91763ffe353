"""The configuration of a run: every bad value refused before training, naming the
file, the table and the key; a good one built through the constructor."""

import dataclasses

import pytest

from skfix.selection import SelectionCriteria
from skfix.training import ConfigError, TrainConfig, config_from_dict, load_config

HGB = "sklearn.ensemble.HistGradientBoostingClassifier"


@pytest.mark.parametrize(
    "tuning, message",
    [
        ({"enabled": "yes"}, "enabled must be true or false"),
        ({"inner_splits": 1}, "inner_splits must be an integer >= 2"),
        ({"grids": {"svm": {}}}, "grids must be a table of model names"),
        ({"grids": {"rf": {"min_samples_leaf": 3}}}, "must be a non-empty list"),
        ({"grids": {"rf": {"min_samples_leaf": [-1]}}}, "grids.rf.min_samples_leaf"),
        ({"grids": {"rf": {"no_such": [1]}}}, "grids.rf.no_such"),
        ({"depth": 3}, "unknown key"),
    ],
)
def test_bad_tuning_tables_name_the_key(tuning, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"tuning": tuning}, source="run.toml")


def test_bad_model_min_rows_is_refused():
    with pytest.raises(ConfigError, match=r"\[model_min_rows\] mlp must be a non-negative"):
        config_from_dict({"model_min_rows": {"mlp": -5}}, source="run.toml")
    with pytest.raises(ConfigError, match=r"\[model_min_rows\] must map model names"):
        config_from_dict({"model_min_rows": {"svm": 5}}, source="run.toml")


def test_augmented_models_from_the_augmentation_table():
    config = config_from_dict({"augmentation": {"models": ["rf"], "noise_std": 0.1}})
    assert config.augmented_models == ("rf",)
    assert config.augmenter("rf").noise_std == 0.1 and config.augmenter("xgb") is None
    assert config.as_dict()["augmented_models"] == ["rf"]
    assert TrainConfig().augmented_models == ("rf", "xgb", "mlp", "lstm")
    for bad in (["svm"], "rf"):
        with pytest.raises(ConfigError, match=r"\[augmentation\] models must be a list"):
            config_from_dict({"augmentation": {"models": bad}}, source="run.toml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, r"\[model_families.hgb\] estimator must be a class path"),
        ({"estimator": "sklearn.ensemble.NoSuchModel"}, "cannot be imported"),
        ({"estimator": HGB, "depth": 3}, r"unknown key\(s\) \['depth'\]"),
        ({"estimator": HGB, "grid": [1]}, "grid must be a table"),
        (
            {"estimator": HGB, "params": {"max_dpth": 3}},
            r"\[model_params.hgb\].*max_dpth",
        ),
    ],
)
def test_a_bad_family_table_names_the_file_and_the_key(table, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(
            {"models": ["hgb"], "model_families": {"hgb": table}}, source="run.toml"
        )


def test_a_family_cannot_take_a_built_in_name():
    with pytest.raises(ConfigError, match=r"run.toml: \[model_families.rf\] would replace"):
        config_from_dict({"model_families": {"rf": {"estimator": HGB}}}, source="run.toml")


def test_a_file_is_read_through_the_constructor_and_named_in_errors(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('models = ["rf"]\nseed = 3\n[criteria]\npanel_correction = "bh"\n')
    config = load_config(path, horizon=2)
    assert config == TrainConfig(
        models=("rf",), seed=3, horizon=2, criteria=SelectionCriteria(panel_correction="bh")
    )
    path.write_text("seed = -1\n")
    with pytest.raises(ConfigError, match=f"{path}: seed must be a non-negative integer"):
        load_config(path)
    with pytest.raises(ConfigError, match="my.toml: horizon must be at least 1"):
        TrainConfig(horizon=0, source="my.toml")


@dataclasses.dataclass(frozen=True)
class StrictCriteria(SelectionCriteria):
    """A user's own criteria: stricter by default."""

    alpha: float = 0.01


def test_the_criteria_class_is_named_in_the_file():
    path = f"{__name__}.StrictCriteria"
    config = config_from_dict({"criteria": {"class": path, "max_gap": 0.1}})
    assert type(config.criteria) is StrictCriteria
    assert (config.criteria.alpha, config.criteria.max_gap) == (0.01, 0.1)
    assert config.as_dict()["criteria"]["class"] == path
    assert "class" not in TrainConfig().as_dict()["criteria"]  # the default: as before
    for bad, message in [
        ("nowhere.Criteria", "cannot be imported"),
        ("skfix.training.TrainConfig", "must be skfix.selection.SelectionCriteria"),
        ("Criteria", "must be a class path"),
    ]:
        with pytest.raises(ConfigError, match=rf"run.toml: \[criteria\] class.*{message}"):
            config_from_dict({"criteria": {"class": bad}}, source="run.toml")
