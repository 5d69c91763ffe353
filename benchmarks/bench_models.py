"""All five skfix models on the built-in panel: accuracy, gap and neural epoch time.

For every symbol the features and next-period labels are split 60/20/20 in time (one
row dropped between parts); RandomForest, XGBoost, the MLP and the LSTM are fit on the
training part with skfix's defaults, and the script prints train, validation and test
accuracy, the train-validation gap, the majority baseline, the fit time, and for the
neural nets the epochs run and the seconds per epoch per 1,000 training rows (the
epoch time includes scoring the early-stopping validation part).

Run: ``python benchmarks/bench_models.py`` (a few minutes on two cores).
"""

import platform
import time
import warnings

import pandas as pd
import torch
from _holdout import score_panel  # benchmarks/_holdout.py, beside this script

import skfix
from skfix.datasets import load_market_panel
from skfix.monitoring import TrainingWarning

MODELS = ("logistic", "rf", "xgb", "mlp", "lstm")


def main():
    torch.set_num_threads(1)
    # Each model keeps its monitor's events in training_warnings_; not printed here.
    warnings.simplefilter("ignore", TrainingWarning)
    panel = load_market_panel()
    start = time.perf_counter()
    scores = score_panel(panel, models=MODELS, random_state=0)
    elapsed = time.perf_counter() - start
    neural = scores["n_epochs"].notna()
    scores.loc[neural, "epoch_s_per_1000_rows"] = scores.loc[neural, "fit_seconds"] / (
        scores.loc[neural, "n_epochs"].astype(float) * scores.loc[neural, "n_train"] / 1000
    )
    columns = [
        "train_accuracy",
        "valid_accuracy",
        "test_accuracy",
        "gap",
        "majority_test_accuracy",
        "fit_seconds",
    ]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(
            f"skfix {skfix.__version__}, Python {platform.python_version()}, torch "
            f"{torch.__version__} on CPU (1 thread), {len(panel)} symbols, "
            f"{elapsed:.0f} s"
        )
        print("\nPer symbol and model (60/20/20 split in time):\n")
        table = scores.drop(columns=["preset"]).round(3)
        print(table.to_string(index=False))
        print("\nMeans over the panel:\n")
        print(scores.groupby("model")[columns].mean().reindex(MODELS).round(3).to_string())
        print("\nNeural nets, seconds per epoch per 1,000 training rows (median):\n")
        per_epoch = scores[neural].groupby("model")["epoch_s_per_1000_rows"].median()
        print(per_epoch.round(3).to_string())


if __name__ == "__main__":
    main()
