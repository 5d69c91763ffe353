"""The 60/20/20-in-time measurement of the spec's before/after table (benchmarks only).

skfix itself selects models one way (``skfix train``: purged walk-forward folds, a final
test window, the significance test); this module keeps the original run's simpler
measurement, so that ``bench_presets.py`` and ``bench_models.py`` can compare legacy and
skfix parameters exactly as that run did: for each symbol, the
features and next-period labels are split in time into a training, a validation and a
test part (in that order, with ``horizon`` rows dropped between parts so that no label
reaches into the next part), each model is fit on the training part, and its accuracy
on all three parts is reported beside the naive baseline (the training part's majority
class).
"""

import time

import numpy as np
import pandas as pd
from sklearn.base import clone

from skfix.estimators import make_estimator
from skfix.features import make_dataset

__all__ = ["score_panel", "time_split_60_20_20"]


def time_split_60_20_20(n_samples, *, fractions=(0.6, 0.2, 0.2), gap=1):
    """Positions of a training, validation and test part, in time order.

    Parameters
    ----------
    n_samples : int
        Number of rows, oldest first.
    fractions : tuple of three floats, default=(0.6, 0.2, 0.2)
        Shares of the rows in each part, before the gaps are removed.
    gap : int, default=1
        Rows dropped at the start of the validation and test parts; at least the
        label horizon, so that the last training label never looks into them.

    Returns
    -------
    train, valid, test : ndarray of int
        Row positions of each part.

    Examples
    --------
    >>> from _holdout import time_split_60_20_20
    >>> train, valid, test = time_split_60_20_20(10, gap=1)
    >>> train.tolist(), valid.tolist(), test.tolist()
    ([0, 1, 2, 3, 4, 5], [7], [9])
    """
    if len(fractions) != 3 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three shares that sum to 1; got {fractions}.")
    ends = np.round(np.cumsum(fractions) * n_samples).astype(int)
    train = np.arange(0, ends[0])
    valid = np.arange(ends[0] + gap, ends[1])
    test = np.arange(ends[1] + gap, n_samples)
    if min(train.size, valid.size, test.size) == 0:
        raise ValueError(
            f"{n_samples} rows are too few for a {fractions} split with gap={gap}: "
            "each part needs at least one row."
        )
    return train, valid, test


def score_panel(
    panel, *, models=("rf", "xgb"), preset="skfix", horizon=1, random_state=0, **params
):
    """Accuracy on the training, validation and test parts of every symbol.

    Parameters
    ----------
    panel : dict of str to pandas.DataFrame
        Symbol to price frame, as :func:`skfix.datasets.load_market_panel` returns.
    models : sequence of str, default=("rf", "xgb")
        Short names of the models, as :func:`skfix.estimators.make_estimator` takes
        (``"rf"``, ``"xgb"``, ``"mlp"``, ``"lstm"``).
    preset : str, default="skfix"
        Parameter set: ``"skfix"`` (regularized defaults) or ``"legacy"``.
    horizon : int, default=1
        Label horizon in rows; also the gap between the parts.
    random_state : int, default=0
        Seed of every model.
    **params : dict
        Parameters passed to every model, such as ``n_estimators``.

    Returns
    -------
    scores : pandas.DataFrame
        One row per symbol and model with ``n_train``, ``n_valid``, ``n_test``,
        ``train_accuracy``, ``valid_accuracy``, ``test_accuracy``, ``gap`` (train minus
        validation accuracy), ``majority_test_accuracy``, ``fit_seconds`` and, for the
        neural nets, ``n_epochs`` (epochs run before early stopping).

    Examples
    --------
    >>> from skfix.datasets import load_market_panel
    >>> from _holdout import score_panel
    >>> panel = load_market_panel(["IBM"])
    >>> scores = score_panel(panel, models=["rf"], n_estimators=10)
    >>> scores[["symbol", "model", "n_train", "n_test"]].to_dict("records")
    [{'symbol': 'IBM', 'model': 'rf', 'n_train': 61, 'n_test': 19}]
    """
    rows = []
    for symbol, prices in panel.items():
        X, y = make_dataset(prices, horizon=horizon)
        train, valid, test = time_split_60_20_20(len(y), gap=horizon)
        y_values = y.to_numpy()
        majority = pd.Series(y_values[train]).mode().iloc[0]
        for model in models:
            estimator = make_estimator(
                model, preset=preset, random_state=random_state, **params
            )
            start = time.perf_counter()
            fitted = clone(estimator).fit(X.iloc[train], y_values[train])
            fit_seconds = time.perf_counter() - start
            accuracy = {
                part: float(fitted.score(X.iloc[index], y_values[index]))
                for part, index in (("train", train), ("valid", valid), ("test", test))
            }
            rows.append(
                {
                    "symbol": symbol,
                    "model": model,
                    "preset": preset,
                    "n_train": train.size,
                    "n_valid": valid.size,
                    "n_test": test.size,
                    "train_accuracy": accuracy["train"],
                    "valid_accuracy": accuracy["valid"],
                    "test_accuracy": accuracy["test"],
                    "gap": accuracy["train"] - accuracy["valid"],
                    "majority_test_accuracy": float(np.mean(y_values[test] == majority)),
                    "fit_seconds": fit_seconds,
                    "n_epochs": getattr(fitted, "n_epochs_", None),
                }
            )
    return pd.DataFrame(rows)
