"""`skfix train` tunes each model family over a small grid, nested in the walk-forward."""

from skfix.selection import GapPenalizedGridSearchCV
from skfix.training import TrainConfig, build_candidates
from skfix.training._config import TUNING_GRIDS
from tests.training.conftest import fast_config


def test_every_grid_starts_at_the_model_default():
    config = TrainConfig()
    for model in config.models:
        estimator = config.estimator(model)
        for key, values in config.grid(model).items():
            first = values[0]
            assert estimator.get_params()[key] == (
                tuple(first) if isinstance(first, list) else first
            ), (model, key)


def test_candidates_are_searches_with_the_augmenter_inside():
    candidates = build_candidates(TrainConfig(models=("logistic", "rf", "xgb", "lstm")))
    rf = candidates["rf"]
    assert isinstance(rf, GapPenalizedGridSearchCV)
    # one path: every model takes the augmenter as its parameter, no pipeline
    assert set(rf.param_grid) == {"min_samples_leaf"}
    assert rf.estimator.augmenter is not None
    assert set(candidates["xgb"].param_grid) == {"max_depth", "learning_rate"}
    assert candidates["xgb"].estimator.augmenter is not None
    assert candidates["lstm"].augmenter is not None
    # the logistic regression's penalty regularizes it: no augmenter by default
    assert candidates["logistic"].estimator.augmenter is None
    augmented = build_candidates(
        TrainConfig(models=("logistic", "xgb"), augmented_models=("logistic",))
    )
    assert augmented["logistic"].estimator.augmenter is not None
    assert augmented["xgb"].estimator.augmenter is None
    assert not isinstance(candidates["lstm"], GapPenalizedGridSearchCV)  # no grid
    assert candidates["rf"].cv.gap == 1 and candidates["rf"].cv.n_splits == 3
    untuned = build_candidates(TrainConfig(tuning={"enabled": False}))
    assert not any(isinstance(c, GapPenalizedGridSearchCV) for c in untuned.values())


def test_the_manifest_records_the_grid_and_the_choices(tmp_path):
    from skfix.training import train_panel

    config = fast_config(models=("logistic", "rf"), tuned=True)
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BAA"])
    assert manifest["run"]["tuning"]["grids"]["rf"] == TUNING_GRIDS["rf"]
    for candidate in manifest["symbols"]["BAA"]["candidates"]:
        if candidate["naive_rule"]:  # nothing to tune
            assert candidate["tuning"] is None
            continue
        tuning = candidate["tuning"]
        assert tuning["grid"] == TUNING_GRIDS[candidate["name"]] and tuning["tuned"]
        assert len(tuning["fold_choices"]) == 5
        assert tuning["fold_choices"][0] == {
            key: values[0] for key, values in tuning["grid"].items()
        }
        assert tuning["chosen"] in [
            {key: value} for key, values in tuning["grid"].items() for value in values
        ]
    report = (tmp_path / "reports" / "BAA.md").read_text()
    assert "Tuned parameters" in report and "min_samples_leaf=" in report


def test_nets_are_skipped_on_too_few_rows(tmp_path):
    from skfix.training import train_panel

    config = fast_config(models=("logistic", "mlp"))
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"])
    logistic, mlp, *rules = manifest["symbols"]["BRENT"]["candidates"]
    assert [r["name"] for r in rules] == ["majority", "persistence"]
    assert logistic["status"] == "ok"
    assert mlp["status"] == "skipped" and mlp["decision"] == "insufficient_data"
    assert "372 labelled rows, fewer than the 1000" in mlp["reason"]
    assert manifest["summary"]["model_success_rate"] == 1.0
    assert manifest["summary"]["candidates_skipped"] == 1
