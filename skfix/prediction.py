"""Predictions from a deployment manifest on new price data."""

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["predict_panel"]


def predict_panel(manifest, data):
    """Predict with the model each symbol of a manifest deploys.

    Every model file is checked against its sha256 before it is loaded
    (:func:`skfix.load_deployment`). A model file holds the fitted pipeline of
    features and model, so the features are computed from ``data`` exactly as in
    training (the pipeline's :class:`~skfix.features.PriceFeatures` step, with the
    run's ``[features]`` settings, prices and user columns up to each row's own time);
    a file that lacks an input column the pipeline requires is refused, naming the
    column. Rows whose features are not yet complete (the first rows of a series, the
    warm-up) get no prediction. A later row with an incomplete feature (a missing
    volume, say) gets none either, and its symbol is listed in ``failed`` with the
    date and the missing features; its other rows are predicted.

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
        Symbols of ``data`` without a prediction by design (not in the manifest, no
        model deployed), and why.
    failed : dict of str to str
        Symbols (or files) that should have been predicted but could not be: a file
        that cannot be read, too few rows for a complete feature row, missing
        columns. Each message names the symbol and its file.

    Raises
    ------
    ValueError
        If the manifest or a model file is refused, or no symbol could be predicted.
    """
    from sklearn.pipeline import Pipeline

    from .datasets import DataFormatError, read_price_files
    from .features import make_features
    from .manifest import read_manifest
    from .persistence import load_deployment

    manifest_path = Path(manifest)
    try:
        record = read_manifest(manifest_path)
    except FileNotFoundError:
        raise ValueError(
            f"no manifest at {manifest_path}; expected the manifest.json a `skfix "
            "train` run writes in its --out folder."
        ) from None
    except OSError as exc:
        raise ValueError(f"cannot read the manifest {manifest_path}: {exc}.") from None
    # the manifest read once: its checks and model files as from the path
    predictors = load_deployment(record, base_dir=manifest_path.parent)
    try:
        panel, unreadable, reports = read_price_files(data, min_rows=1, return_reports=True)
    except DataFormatError as exc:
        raise ValueError(str(exc)) from None
    failed = {name: str(exc) for name, exc in unreadable.items()}
    tables, skipped = [], {}
    for symbol, prices in panel.items():
        source = reports[symbol].source
        if symbol not in record["symbols"]:
            skipped[symbol] = "not in the manifest"
            continue
        if symbol not in predictors:
            # the first sentence: the symbol's report has the rest
            why = (record["symbols"][symbol]["why_none"] or "").split(". ")[0].rstrip(".")
            skipped[symbol] = f"no model deployed: {why}" if why else "no model deployed"
            continue
        model = predictors[symbol]
        if isinstance(model, Pipeline):
            # the saved pipeline's own feature step: exactly what training computed
            steps, model = model[:-1], model[-1]
            try:
                features = steps.transform(prices)
            except ValueError as exc:
                failed[symbol] = f"{symbol} ({source}): {exc}"
                continue
            expected = list(features.columns)
        else:  # a model file of an older skfix: the default price features
            expected = _feature_names(record["symbols"][symbol], symbol, manifest_path)
            try:
                features = make_features(prices)
            except ValueError as exc:
                failed[symbol] = f"{symbol} ({source}): {exc}"
                continue
        missing = sorted(set(expected) - set(features.columns))
        if missing:
            failed[symbol] = (
                f"{symbol} ({source}): the data lack the columns the model was trained "
                f"on: {missing}"
            )
            continue
        complete = features[expected].notna().all(axis=1).to_numpy()
        X = features[expected][complete]
        if X.empty:
            failed[symbol] = (
                f"{symbol} ({source}): too few rows for a complete feature row "
                f"({len(prices)} rows)"
            )
            continue
        # rows before the first complete one are the warm-up; a later incomplete row
        # (a missing volume, say) gets no prediction, and that is said
        gaps = np.flatnonzero(~complete[np.argmax(complete) :]) + np.argmax(complete)
        if len(gaps):
            failed[symbol] = _gap_message(symbol, source, features[expected], gaps)
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
        reasons = [f"{s}: {why}" for s, why in skipped.items()] + list(failed.values())
        raise ValueError(
            f"no symbol of {data} could be predicted with {manifest_path}: "
            + "; ".join(reasons)
        )
    return pd.concat(tables, ignore_index=True), skipped, failed


def _gap_message(symbol, source, features, gaps):
    """Which rows after the warm-up have no prediction, and which features they lack."""
    newest = gaps[-1] == len(features) - 1
    row = features.iloc[gaps[-1]]
    lacking = [str(c) for c in features.columns[row.isna().to_numpy()]]
    date = features.index[gaps[-1]]
    when = f"{date:%Y-%m-%d}" if hasattr(date, "strftime") else str(date)
    return (
        f"{symbol} ({source}): {len(gaps)} row(s) after the warm-up have incomplete "
        f"features and get no prediction, "
        + ("including the newest, " if newest else "the last of them ")
        + f"{when} (missing {', '.join(lacking)}); the other rows are predicted"
    )


def _feature_names(entry, symbol, manifest_path):
    """The features a symbol's model was trained on, as its manifest entry records."""
    data = entry.get("data") if isinstance(entry, dict) else None
    names = data.get("feature_names") if isinstance(data, dict) else None
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) for n in names)
    ):
        found = f"{names!r}" if isinstance(data, dict) else f"data: {data!r}"
        raise ValueError(
            f"{manifest_path}: symbol {symbol!r} has a deployed model but no list of the "
            f"features it was trained on; expected symbols.{symbol}.data.feature_names, "
            f"a list of column names, found {found}."
        )
    return names
