"""Legacy vs skfix defaults on the built-in panel: the spec's before/after table.

For every symbol of the built-in panel, the features and next-period labels are split
60/20/20 in time (one row dropped between parts), RandomForest and XGBoost are fit on
the training part with the legacy values and with skfix's defaults, and the script
prints train, validation and test accuracy and the train-validation gap per symbol,
then the means and the ratio skfix/legacy of the mean gap, measured in the same run.

Run: ``python benchmarks/bench_presets.py`` (about a minute on two cores).
"""

import platform
import time

import pandas as pd
from _holdout import score_panel  # benchmarks/_holdout.py, beside this script

import skfix
from skfix.datasets import load_market_panel

COLUMNS = ["train_accuracy", "valid_accuracy", "test_accuracy", "gap"]


def main():
    panel = load_market_panel()
    start = time.perf_counter()
    scores = pd.concat(
        [
            score_panel(panel, preset=preset, random_state=0)
            for preset in ("legacy", "skfix")
        ]
    )
    elapsed = time.perf_counter() - start
    wide = scores.pivot_table(index=["symbol", "model"], columns="preset", values=COLUMNS)
    wide = wide.reindex(columns=["legacy", "skfix"], level=1)
    means = scores.groupby(["model", "preset"])[COLUMNS + ["majority_test_accuracy"]].mean()
    gaps = means["gap"].unstack("preset")
    ratio = (gaps["skfix"] / gaps["legacy"]).rename("gap ratio skfix/legacy")

    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(
            f"skfix {skfix.__version__}, Python {platform.python_version()}, "
            f"{platform.machine()}, {len(panel)} symbols, {elapsed:.0f} s"
        )
        print("\nPer symbol (60/20/20 split in time):\n")
        print(wide.round(3).to_string())
        print("\nMeans over the panel:\n")
        print(means.round(3).to_string())
        print()
        print(ratio.round(2).to_string())


if __name__ == "__main__":
    main()
