"""The features of a price frame as a fitted scikit-learn transformer: the built-in price
features and the user's own columns, leak-free, with the settings that made them."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions, _fit_context
from ._price_features import (
    _DEFAULT_MA_WINDOWS,
    _DEFAULT_RETURN_WINDOWS,
    _DEFAULT_RSI_WINDOW,
    _DEFAULT_VOLATILITY_WINDOWS,
    _builtin_features,
    _check_feature_params,
    _compute_features,
)
from ._validation import _PRICE_COLUMNS, _check_prices, _float_column

__all__ = ["FeatureInputError", "PriceFeatures"]


class FeatureInputError(ValueError):
    """A price frame lacks a column the features need, or holds one they cannot use.

    The message names the column, what was expected and what was found.
    """


def _column_name(column, lag):
    return str(column) if lag == 0 else f"{column}_lag{lag}"


class PriceFeatures(TransformerMixin, BaseEstimator):
    """Turn a price frame into features that never look ahead: built-in and your own.

    The built-in features are those of :func:`make_features` (log returns,
    volatilities, distances to moving averages, RSI, the high-low range, the volume
    change), each computed at row ``t`` from rows at or before ``t``. A user column
    (an analyst signal, a rate, another market's return: any numeric column of the
    frame other than the prices) is taken as known at its row's time, or ``lag`` rows
    later when it is published after the close. Nothing is estimated from the rows
    :meth:`fit` sees: fitting fixes which features there are and which input columns
    they need (``required_columns_``), so that a saved pipeline computes exactly the
    features it was trained on, and refuses a frame that lacks an input.

    Every output row has the input row's index. The first rows of a series cannot
    have their long-window features yet (the warm-up, ``min_history_`` rows); they are
    kept with NaN, as a scikit-learn transformer keeps every row, and are dropped
    together with their labels by :func:`make_dataset`, by ``skfix train`` and by
    ``skfix predict``; a model that accepts NaN may also be given them.

    Parameters
    ----------
    builtin : "all" or list of str, default="all"
        The built-in features to compute, by name (``"return_5"``, ``"hl_range"``,
        ...; the names the windows below define). ``"all"``: every one of them,
        ``hl_range`` and ``volume_change`` where the frame :meth:`fit` sees has
        ``high``/``low`` and ``volume`` values. An empty list: only user columns.
    return_windows : tuple of int, default=(1, 5, 10, 20)
        Look-backs, in rows, of the log returns.
    volatility_windows : tuple of int, default=(10, 20)
        Windows, in rows (at least 2), of the rolling volatilities.
    ma_windows : tuple of int, default=(10, 20)
        Windows, in rows (at least 2), of the moving averages.
    rsi_window : int or None, default=14
        Smoothing window of the relative strength index; None leaves it out.
    columns : "all" or list of str, default=()
        User columns of the frame to use as features. ``"all"``: every numeric
        column other than ``open``, ``high``, ``low``, ``close`` and ``volume`` that
        has a value in the frame :meth:`fit` sees.
    lag : dict of str to int, default=None
        Rows by which to delay a user column: ``{"rate": 1}`` uses at row ``t`` the
        value of row ``t - 1`` (a figure published after the close). A column
        without a lag is used at its own row. With ``columns="all"``, a lag applies
        where its column is in the frame.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
        The output columns: the built-in features, then the user columns (a lagged
        column named ``<column>_lag<k>``).
    features_ : list of dict
        One record per output column: ``name``, ``source`` (``"builtin"`` or
        ``"column"``), ``column`` (the user column, None for a built-in feature),
        ``inputs`` (the input columns it reads), ``window`` (rows, None where there is
        none) and ``lag`` (rows).
    required_columns_ : list of str
        The input columns :meth:`transform` needs.
    min_history_ : int
        Warm-up rows: the first row at which every feature can have a value.
    n_features_in_ : int
        Number of columns of the frame seen during fit.
    feature_names_in_ : ndarray of str
        Columns of the frame seen during fit. Only ``required_columns_`` must be
        present at :meth:`transform`; other columns may differ.

    See Also
    --------
    make_features : The built-in features as a function.
    make_dataset : Features and labels aligned, warm-up rows dropped and counted.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skfix.features import PriceFeatures
    >>> index = pd.date_range("2024-01-01", periods=30, freq="D", name="date")
    >>> rng = np.random.default_rng(0)
    >>> prices = pd.DataFrame(
    ...     {"close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 30))),
    ...      "rate": rng.normal(size=30)},
    ...     index=index,
    ... )
    >>> features = PriceFeatures(builtin=["return_1", "volatility_10"],
    ...                          columns=["rate"], lag={"rate": 1}).fit(prices)
    >>> features.get_feature_names_out().tolist()
    ['return_1', 'volatility_10', 'rate_lag1']
    >>> features.required_columns_, features.min_history_
    (['close', 'rate'], 10)
    >>> X = features.transform(prices)
    >>> bool(X.iloc[10:].notna().all().all()), bool(X.iloc[:10].isna().any(axis=1).all())
    (True, True)
    """

    _parameter_constraints = {
        "builtin": [StrOptions({"all"}), list, tuple],
        "return_windows": [list, tuple],
        "volatility_windows": [list, tuple],
        "ma_windows": [list, tuple],
        "rsi_window": [Interval(Integral, 2, None, closed="left"), None],
        "columns": [StrOptions({"all"}), list, tuple],
        "lag": [dict, None],
    }

    def __init__(
        self,
        *,
        builtin="all",
        return_windows=_DEFAULT_RETURN_WINDOWS,
        volatility_windows=_DEFAULT_VOLATILITY_WINDOWS,
        ma_windows=_DEFAULT_MA_WINDOWS,
        rsi_window=_DEFAULT_RSI_WINDOW,
        columns=(),
        lag=None,
    ):
        self.builtin = builtin
        self.return_windows = return_windows
        self.volatility_windows = volatility_windows
        self.ma_windows = ma_windows
        self.rsi_window = rsi_window
        self.columns = columns
        self.lag = lag

    def window_params(self):
        """The four window parameters, validated, as :func:`make_features` takes them."""
        return _check_feature_params(
            return_windows=self.return_windows,
            volatility_windows=self.volatility_windows,
            ma_windows=self.ma_windows,
            rsi_window=self.rsi_window,
        )

    def _check_params(self):
        """The window parameters, the lags, and the builtin and column names, checked
        (what :meth:`fit` checks before it reads any row)."""
        params = self.window_params()
        known = _builtin_features(params)
        if self.builtin != "all":
            unknown = [n for n in self.builtin if n not in known]
            if unknown or len(set(self.builtin)) != len(self.builtin):
                raise ValueError(
                    f"builtin must be 'all' or a list of distinct built-in feature names; "
                    f"{unknown or 'a repeated name'} is not one of those the windows "
                    f"define: {list(known)}."
                )
        if self.columns != "all" and (
            not all(isinstance(c, str) and c for c in self.columns)
            or len(set(self.columns)) != len(self.columns)
        ):
            raise ValueError(
                "columns must be 'all' or a list of distinct column names; found "
                f"{self.columns!r}."
            )
        lag = {} if self.lag is None else dict(self.lag)
        for column, rows in lag.items():
            if isinstance(rows, bool) or not isinstance(rows, Integral) or rows < 0:
                raise ValueError(
                    f"lag[{column!r}] must be a whole number of rows >= 0; found {rows!r}."
                )
        if self.columns != "all":
            unlisted = sorted(set(lag) - set(self.columns))
            if unlisted:
                raise ValueError(
                    f"lag names {unlisted}, which columns does not list; lag applies "
                    f"to user columns only (columns = {list(self.columns)})."
                )
        return params, known, {column: int(rows) for column, rows in lag.items()}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fix the features and the input columns they need; nothing is estimated.

        Parameters
        ----------
        X : pandas.DataFrame
            A price frame (:func:`skfix.datasets.read_prices`): a sorted, unique
            ``DatetimeIndex``, a positive ``close``, optional ``open``, ``high``,
            ``low``, ``volume`` and user columns.
        y : None
            Ignored.

        Returns
        -------
        self : PriceFeatures

        Raises
        ------
        FeatureInputError
            If ``X`` is not a price frame, or lacks a column the features need (the
            message names it).
        ValueError
            If a parameter is invalid, or no feature is left.
        """
        params, known, lag = self._check_params()
        _check_price_frame(X, min_rows=1)
        present = {
            name: name in X.columns and X[name].notna().any() for name in _PRICE_COLUMNS
        }
        if self.builtin == "all":
            builtin = [
                name
                for name, (inputs, _, _) in known.items()
                if all(present[i] for i in inputs)
            ]
        else:
            builtin = list(self.builtin)
            for name in builtin:
                lacking = [i for i in known[name][0] if not present[i]]
                if lacking:
                    raise FeatureInputError(
                        f"the feature {name!r} needs the column(s) {lacking}, which the "
                        "frame lacks or holds only missing values in; found columns "
                        f"{[str(c) for c in X.columns]}."
                    )
        if self.columns == "all":
            columns = [
                str(c)
                for c in X.columns
                if str(c) not in _PRICE_COLUMNS
                and pd.api.types.is_numeric_dtype(X[c])
                and X[c].notna().any()  # a long file's column another symbol fills
            ]
            # a lag applies where its column is: one file of a folder may lack it
        else:
            columns = list(self.columns)
        for column in columns:
            _user_column(X, column)  # refuses a missing or unusable column now
        records = [
            {
                "name": name,
                "source": "builtin",
                "column": None,
                "inputs": list(known[name][0]),
                "window": known[name][1],
                "lag": 0,
            }
            for name in builtin
        ]
        records += [
            {
                "name": _column_name(column, lag.get(column, 0)),
                "source": "column",
                "column": column,
                "inputs": [column],
                "window": None,
                "lag": lag.get(column, 0),
            }
            for column in columns
        ]
        names = [r["name"] for r in records]
        if not names:
            raise ValueError(
                "no features: builtin is empty and no user column is chosen; name some "
                "built-in features or columns."
            )
        clash = sorted({n for n in names if names.count(n) > 1})
        if clash:
            raise ValueError(
                f"user column(s) {clash} would have the name of another feature; rename "
                "the column in the file."
            )
        first = [known[n][2] for n in builtin] + [lag.get(c, 0) for c in columns]
        self.features_ = records
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.required_columns_ = list(
            dict.fromkeys(["close", *(i for r in records for i in r["inputs"])])
        )
        self.min_history_ = max(first)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return self

    def transform(self, X):
        """The features of every row of a price frame; warm-up rows are NaN.

        Parameters
        ----------
        X : pandas.DataFrame
            A price frame with at least the columns ``required_columns_``.

        Returns
        -------
        features : pandas.DataFrame
            float64 columns ``feature_names_out_``, the index of ``X``. The value at
            row ``t`` depends on rows at or before ``t`` only.

        Raises
        ------
        FeatureInputError
            If ``X`` is not a price frame or lacks a required column (named).
        """
        check_is_fitted(self)
        params = self.window_params()
        price_columns = _check_price_frame(X, min_rows=0)
        missing = [c for c in self.required_columns_ if c not in X.columns]
        if missing:
            raise FeatureInputError(
                f"the data lack the column(s) {missing} the features need (required "
                f"columns {self.required_columns_}); found columns "
                f"{[str(c) for c in X.columns]}."
            )
        out = {}
        builtin = [r["name"] for r in self.features_ if r["source"] == "builtin"]
        if builtin:
            computed = _compute_features(price_columns, params, X.index)
            for name in builtin:
                out[name] = (
                    computed[name]
                    if name in computed.columns
                    else pd.Series(np.nan, index=X.index)
                )
        for record in self.features_:
            if record["source"] == "column":
                values = _user_column(X, record["column"])
                out[record["name"]] = values.shift(record["lag"])
        return pd.DataFrame(out, index=X.index, columns=list(self.feature_names_out_))

    def get_feature_names_out(self, input_features=None):
        """The output column names.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; the output names depend on the parameters and the columns seen in
            :meth:`fit`.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


def _check_price_frame(X, *, min_rows):
    """The price columns of ``X`` as float64 Series, or a FeatureInputError."""
    try:
        return _check_prices(X, min_rows=min_rows, purpose="features")
    except ValueError as exc:
        raise FeatureInputError(str(exc)) from None


def _user_column(X, column):
    """A user column of a price frame as float64, or a FeatureInputError naming it."""
    if column not in X.columns:
        raise FeatureInputError(
            f"the data lack the user column {column!r}; found columns "
            f"{[str(c) for c in X.columns]}."
        )
    try:
        return _float_column(X, column, f"the user column {column!r}")
    except ValueError as exc:
        raise FeatureInputError(str(exc)) from None


# A real predictor of the next move rarely reaches an AUC of 0.6; one that reaches this
# most likely reads the future (the next close under another name).
LEAK_AUC = 0.75


def _leak_scores(values, y, close):
    """The strongest AUC of a column, its change and its log ratio to close, against
    the labels (``max(auc, 1 - auc)``)."""
    from sklearn.metrics import roc_auc_score

    transforms = [values, values.diff()]
    if close is not None and (values.dropna() > 0).all():
        transforms.append(np.log(values / close))
    best = 0.5
    for series in transforms:
        ok = np.isfinite(series.to_numpy(dtype=float))
        labels = y.to_numpy()[ok]
        if ok.sum() < 10 or len(np.unique(labels)) < 2:
            continue
        auc = float(roc_auc_score(labels, series.to_numpy(dtype=float)[ok]))
        best = max(best, auc, 1.0 - auc)
    return best


def check_look_ahead(features, X, y, prices=None, *, trusted=(), threshold=LEAK_AUC):
    """Flag the user columns that predict the labels too well to be real.

    A column known at each row's time can carry a signal, but daily and monthly
    directions are hard to predict: a real signal rarely reaches an AUC of 0.6. A
    column that separates the next move's direction with an AUC of ``threshold`` or
    more, on its own, as its change from the row before, or as its log ratio to the
    close (a future price under another name), most likely holds information from
    after the row's time.

    Parameters
    ----------
    features : PriceFeatures
        Fitted; its user-column features are checked.
    X : pandas.DataFrame
        Its output on the training rows.
    y : pandas.Series
        The labels of the same rows.
    prices : pandas.DataFrame, default=None
        The price frame, for the log ratio of a positive column to the close.
    trusted : sequence of str, default=()
        Columns the user declares known at each row's time: checked and reported,
        never flagged.
    threshold : float, default=0.75
        The AUC (``max(auc, 1 - auc)``) from which a column is a probable leak.

    Returns
    -------
    checks : dict of str to dict
        Per user column: ``auc`` (the strongest of the three), ``probable_leak``
        and ``trusted``.
    """
    checks = {}
    close = None if prices is None else prices["close"].reindex(X.index)
    for record in features.features_:
        if record["source"] != "column":
            continue
        auc = _leak_scores(X[record["name"]], y, close)
        column = record["column"]
        checks[column] = {
            "auc": round(auc, 6),
            "probable_leak": auc >= threshold and column not in trusted,
            "trusted": column in trusted,
        }
    return checks
