"""A user's own cross_validate with skfix's splitter gives the fold scores, gap and
stability a manifest records."""

import numpy as np
import pytest
from sklearn.model_selection import cross_validate

from skfix.datasets import load_market_panel
from skfix.features import make_dataset
from skfix.selection import holdout_split, stability_variance, train_validation_gap
from skfix.training import train_panel
from tests.training.conftest import fast_config


@pytest.mark.parametrize("model", ["logistic", "rf"])
def test_cross_validate_reproduces_the_manifest(tmp_path, model):
    config = fast_config(models=(model,))
    manifest = train_panel(out_dir=tmp_path, config=config, symbols=["BRENT"], plots=False)
    (candidate,) = [
        c for c in manifest["symbols"]["BRENT"]["candidates"] if c["name"] == model
    ]
    prices = load_market_panel(["BRENT"])["BRENT"]
    X, y = make_dataset(prices, horizon=config.horizon)
    selection, _ = holdout_split(X, test_size=config.test_size, gap=config.horizon)
    estimator = config.estimator(model)
    if config.augmenter(model) is not None:
        estimator.set_params(augmenter=config.augmenter(model))
    results = cross_validate(
        estimator,
        X.iloc[selection],
        y.iloc[selection],
        cv=config.splitter(),
        scoring="accuracy",
        return_train_score=True,
    )
    np.testing.assert_array_equal(results["train_score"], candidate["fold_train_scores"])
    np.testing.assert_array_equal(
        results["test_score"], candidate["fold_validation_scores"]
    )
    assert train_validation_gap(results) == candidate["gap"]
    assert stability_variance(results) == candidate["validation_variance"]
    assert np.sqrt(stability_variance(results)) == candidate["validation_std"]


def test_the_figures_name_what_is_missing():
    with pytest.raises(KeyError, match="return_train_score=True"):
        train_validation_gap({"test_score": [0.5]})
    with pytest.raises(ValueError, match="non-empty"):
        stability_variance({"test_score": []})
    results = {"train_acc": [0.9, 0.7], "test_acc": [0.6, 0.6]}
    assert train_validation_gap(results, metric="acc") == pytest.approx(0.2)
    assert stability_variance(results, metric="acc") == 0.0
