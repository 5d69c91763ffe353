"""Gap-aware tuning: GridSearchCV that prefers models which generalize, not lucky ones.

What it shows
-------------
A ``GridSearchCV`` over an imbalanced-learn ``Pipeline`` of
:class:`skfix.augment.TimeSeriesAugmenter` (which runs at fit time only, so validation
rows are never augmented) and :class:`skfix.estimators.RegularizedRandomForestClassifier`,
on one series of the built-in panel, with

- ``cv=PurgedWalkForwardSplit(...)``: validation always comes after training, with a
  purge of one row, never shuffled;
- ``refit=gap_penalized_refit()``: the parameter set kept maximizes
  ``mean validation - 0.5 * gap - 0.5 * std of validation`` instead of the mean
  validation score alone, so the deepest, most overfitted setting does not win by luck;
- ``return_train_score=True``, which the gap needs.

It prints every parameter set with its validation score, gap and penalized score,
then the set the plain ``refit=True`` would have chosen next to the gap-aware choice,
and the chosen model's accuracy on the held-out last 20 % of the rows against the
majority baseline.

How to run
----------
::

    python examples/grid_search_gap_aware.py                 # BRENT, 200 trees
    python examples/grid_search_gap_aware.py --symbol WTI
    python examples/grid_search_gap_aware.py --fast          # 20 trees, seconds
"""

import argparse
import warnings

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV

from skfix.augment import TimeSeriesAugmenter
from skfix.datasets import load_market_panel
from skfix.estimators import RegularizedRandomForestClassifier
from skfix.features import make_dataset
from skfix.monitoring import TrainingWarning
from skfix.selection import PurgedWalkForwardSplit, gap_penalized_refit, holdout_split

PARAM_GRID = {
    "rf__max_depth": [3, 6, 15],
    "rf__min_samples_leaf": [2, 10, 30],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbol", default="BRENT", help="built-in symbol (default BRENT)")
    parser.add_argument("--fast", action="store_true", help="20 trees instead of 200")
    args = parser.parse_args(argv)
    # Each forest keeps its monitor's events in training_warnings_; a grid of deep,
    # overfitting settings is expected to raise them, so they are not printed here.
    warnings.simplefilter("ignore", TrainingWarning)
    warnings.filterwarnings("ignore", "Some inputs do not have OOB scores")

    prices = load_market_panel([args.symbol])[args.symbol]
    X, y = make_dataset(prices, horizon=1)
    # The last 20 % is a test window no tuning step sees (after a purge of one row).
    selection, test = holdout_split(X, test_size=0.2, gap=1)
    X_sel, y_sel = X.iloc[selection], y.iloc[selection]

    pipeline = Pipeline(
        [
            ("augment", TimeSeriesAugmenter(random_state=0)),
            (
                "rf",
                RegularizedRandomForestClassifier(
                    n_estimators=20 if args.fast else 200, random_state=0
                ),
            ),
        ]
    )
    refit = gap_penalized_refit()
    search = GridSearchCV(
        pipeline,
        PARAM_GRID,
        cv=PurgedWalkForwardSplit(n_splits=5, gap=1),
        refit=refit,
        return_train_score=True,
    ).fit(X_sel, y_sel)

    results = pd.DataFrame(search.cv_results_["params"])
    results.columns = [name.removeprefix("rf__") for name in results.columns]
    results["validation"] = search.cv_results_["mean_test_score"]
    results["gap"] = search.cv_results_["mean_train_score"] - results["validation"]
    results["fold_std"] = search.cv_results_["std_test_score"]
    results["penalized"] = refit.penalized_scores(search.cv_results_)
    plain = int(np.argmax(results["validation"]))
    chosen = search.best_index_

    print(f"{args.symbol}: {len(X_sel)} selection rows, {len(test)} test rows")
    print(f"Grid search over {len(results)} parameter sets, 5 purged walk-forward folds:\n")
    print(results.round(3).to_string())
    for label, index in (("plain best (refit=True)", plain), ("gap-aware choice", chosen)):
        row = results.iloc[index]
        print(
            f"\n{label:<24} {search.cv_results_['params'][index]}\n"
            f"{'':<24} validation {row['validation']:.3f}, gap {row['gap']:.3f}, "
            f"fold std {row['fold_std']:.3f}"
        )
    if chosen == plain:
        print("\nBoth rules pick the same parameter set here.")
    else:
        smaller = results["gap"][plain] - results["gap"][chosen]
        print(f"\nThe gap-aware choice's gap is {smaller:.3f} below the plain best's.")

    test_accuracy = search.best_estimator_.score(X.iloc[test], y.iloc[test])
    majority = max(y.iloc[test].mean(), 1 - y.iloc[test].mean())
    print(
        f"Held-out test accuracy of the chosen model: {test_accuracy:.3f} "
        f"(always predicting the majority class: {majority:.3f})"
    )


if __name__ == "__main__":
    main()
