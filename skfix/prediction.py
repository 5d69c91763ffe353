"""Predictions from a deployment manifest on new price data."""

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["predict_panel"]


def predict_panel(manifest, data):
    """Predict with the model each symbol of a manifest deploys.

    Every model file is checked against its sha256 before it is loaded
    (:func:`skfix.load_deployment`). Features are computed from ``data`` exactly as in
    training (:func:`skfix.features.make_features`, prices up to each row's own time);
    rows whose features are not yet complete (the first rows of a series) get no
    prediction.

    Parameters
    ----------
    manifest : str or os.PathLike
        Path to the ``manifest.json`` of a ``skfix train`` run.
    data : str or os.PathLike
        Price file or folder, read with :func:`skfix.datasets.read_prices`.

    Returns
    -------
    predictions : pandas.DataFrame
        Columns ``symbol``, ``date``, ``model``, ``prediction`` and one
        ``proba_<class>`` per class, in symbol then date order.
    skipped : dict of str to str
        Symbols of ``data`` without a prediction, and why.

    Raises
    ------
    ValueError
        If the manifest or a model file is refused, or no symbol could be predicted.
    """
    import json

    from .datasets import read_prices
    from .features import make_features
    from .persistence import load_deployment

    manifest_path = Path(manifest)
    record = json.loads(manifest_path.read_text(encoding="utf-8"))
    predictors = load_deployment(manifest_path)
    panel = read_prices(data, min_rows=1)
    tables, skipped = [], {}
    for symbol, prices in panel.items():
        if symbol not in record["symbols"]:
            skipped[symbol] = "not in the manifest"
            continue
        if symbol not in predictors:
            skipped[symbol] = record["symbols"][symbol]["why_none"] or "no model deployed"
            continue
        expected = record["symbols"][symbol]["data"]["feature_names"]
        features = make_features(prices)
        missing = sorted(set(expected) - set(features.columns))
        if missing:
            skipped[symbol] = (
                f"the data lack the columns the model was trained on: {missing}"
            )
            continue
        X = features[expected].dropna()
        if X.empty:
            skipped[symbol] = "too few rows for a complete feature row"
            continue
        model = predictors[symbol]
        proba = model.predict_proba(X)
        table = pd.DataFrame(
            {
                "symbol": symbol,
                "date": X.index,
                "model": record["symbols"][symbol]["selected"]["name"],
                "prediction": model.classes_[np.argmax(proba, axis=1)],
            }
        )
        for column, label in enumerate(model.classes_):
            table[f"proba_{label}"] = proba[:, column]
        tables.append(table)
    if not tables:
        raise ValueError(
            f"no symbol of {data} has a deployed model in {manifest_path}: "
            + "; ".join(f"{s}: {why}" for s, why in skipped.items())
        )
    return pd.concat(tables, ignore_index=True), skipped
