"""Features and labels aligned into a training set, with every dropped row accounted for."""

from sklearn.base import clone

from ._labels import make_labels
from ._price_features import _FEATURE_PARAMS
from ._transformer import PriceFeatures
from ._validation import _check_prices, _check_window


def make_dataset(prices, *, horizon=1, features=None, **feature_params):
    """Build a feature matrix ``X`` and label vector ``y`` from a price frame.

    ``X`` is :func:`make_features` and ``y`` is :func:`make_labels`, restricted to the rows
    where both are complete. Rows are dropped for three reasons, counted separately and
    reported on ``X.attrs["skfix_dataset"]``; no row is dropped without being counted:

    1. warm-up: the first ``min_history(**feature_params)`` rows, whose long-window
       features cannot be computed yet;
    2. unlabelled: the last ``horizon`` rows, which have no future close;
    3. missing features: any other row with a missing feature, which happens only where an
       input value is missing (a NaN ``high``, ``low`` or ``volume``).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price frame as returned by :func:`skfix.datasets.read_prices`.
    horizon : int, default=1
        Rows ahead the label looks, as in :func:`make_labels`.
    features : PriceFeatures, default=None
        The feature transformer, fitted (used as it is) or not (a clone is fitted on
        ``prices``); None is ``PriceFeatures(**feature_params)``, the built-in price
        features. Its ``min_history_`` rows are the warm-up.
    **feature_params
        ``return_windows``, ``volatility_windows``, ``ma_windows`` and ``rsi_window``,
        passed to :class:`PriceFeatures` when ``features`` is None.

    Returns
    -------
    X : pandas.DataFrame
        The complete feature rows, with the index of ``prices``.
        ``X.attrs["skfix_dataset"]`` is a JSON-serializable dict with keys ``rows_in``,
        ``warmup_rows_dropped``, ``unlabeled_rows_dropped``,
        ``missing_feature_rows_dropped``, ``rows_out``,
        ``missing_features_by_column`` (column name to the number of dropped rows where it
        was missing), ``feature_names``, ``horizon``, ``min_history`` and
        ``feature_params``.
    y : pandas.Series
        The labels of the same rows, int64 0/1, named ``"label"``.

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price frame, has fewer than
        ``min_history(**feature_params) + horizon + 1`` rows, or no row survives.
    TypeError
        If a keyword is not a feature parameter, or both ``features`` and feature
        parameters are given.
    FeatureInputError
        If ``prices`` lacks a column ``features`` needs (the message names it).

    See Also
    --------
    make_features, make_labels, min_history

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skfix.features import make_dataset
    >>> index = pd.date_range("2024-01-01", periods=40, freq="D", name="date")
    >>> close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 40)))
    >>> prices = pd.DataFrame({"close": close}, index=index)
    >>> X, y = make_dataset(prices)
    >>> X.shape, y.shape
    ((19, 9), (19,))
    >>> report = X.attrs["skfix_dataset"]
    >>> report["rows_in"], report["warmup_rows_dropped"], report["unlabeled_rows_dropped"]
    (40, 20, 1)
    """
    unknown = sorted(set(feature_params) - set(_FEATURE_PARAMS))
    if unknown:
        raise TypeError(
            f"make_dataset() got unexpected feature parameters {unknown}; "
            f"the feature parameters are {list(_FEATURE_PARAMS)}."
        )
    if features is not None and feature_params:
        raise TypeError(
            "make_dataset() takes either features (a PriceFeatures) or feature "
            f"parameters, not both; found {sorted(feature_params)} beside features."
        )
    if features is None:
        features = PriceFeatures(**feature_params)
    horizon = _check_window(horizon, "horizon", minimum=1)
    params = features.window_params()
    if not hasattr(features, "features_"):
        features = clone(features).fit(prices)
    warmup = features.min_history_
    _check_prices(
        prices,
        min_rows=warmup + horizon + 1,
        purpose=f"a dataset (min_history {warmup} + horizon {horizon} + 1)",
    )
    rows_in = len(prices)
    features = features.transform(prices)
    labels = make_labels(prices, horizon=horizon)

    kept = features.iloc[warmup : rows_in - horizon]
    incomplete = kept.isna().any(axis=1)
    X = kept.loc[~incomplete]
    y = labels.loc[X.index].astype("int64")
    report = {
        "rows_in": rows_in,
        "warmup_rows_dropped": warmup,
        "unlabeled_rows_dropped": horizon,
        "missing_feature_rows_dropped": int(incomplete.sum()),
        "rows_out": len(X),
        "missing_features_by_column": {
            name: int(count) for name, count in kept.isna().sum().items() if count
        },
        "feature_names": list(features.columns),
        "horizon": horizon,
        "min_history": warmup,
        "feature_params": {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in params.items()
        },
    }
    if X.empty:
        raise ValueError(
            "no complete rows are left after dropping warm-up, unlabelled and incomplete "
            f"rows: {report}."
        )
    X.attrs["skfix_dataset"] = report
    return X, y
