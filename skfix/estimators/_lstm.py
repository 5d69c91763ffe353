"""LSTM classifier on ordinary 2-D, time-ordered X, one prediction per row."""

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._compat import Interval
from ._neural import BaseNeuralClassifier, check_net_kwargs
from ._neural_docs import inject_docs

__all__ = ["LSTM_PRESETS", "RegularizedLSTMClassifier", "lookback_windows"]

# "legacy" holds the values of the original training run, for before/after comparisons.
LSTM_PRESETS = {
    "skfix": {"hidden_dim": 64, "num_layers": 1, "lookback": 10, "dropout": 0.5},
    "legacy": {"hidden_dim": 128, "num_layers": 2, "lookback": 20, "dropout": 0.3},
}


def lookback_windows(X, lookback):
    """Give every row the window of itself and the ``lookback - 1`` rows before it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows in time order, oldest first.
    lookback : int
        Window length, at least 1.

    Returns
    -------
    windows : ndarray of shape (n_samples, lookback, n_features)
        ``windows[i]`` holds rows ``i - lookback + 1, ..., i``, oldest first; before
        the first row the window is padded with copies of row 0. No window contains
        a row after its own.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.estimators._lstm import lookback_windows
    >>> lookback_windows(np.arange(4.0).reshape(4, 1), 3)[:, :, 0]
    array([[0., 0., 0.],
           [0., 0., 1.],
           [0., 1., 2.],
           [1., 2., 3.]])
    """
    X = np.asarray(X)
    padded = np.concatenate([np.repeat(X[:1], lookback - 1, axis=0), X])
    windows = sliding_window_view(padded, lookback, axis=0)
    return np.ascontiguousarray(windows.transpose(0, 2, 1))


@inject_docs
class RegularizedLSTMClassifier(BaseNeuralClassifier):
    """LSTM (skorch/torch) that reads each row together with the rows before it.

    Takes ordinary 2-D ``X`` **in time order** and returns one prediction per row:
    row ``i`` is classified from the window of rows ``i - lookback + 1 ... i`` of the
    same ``X`` (see :func:`lookback_windows`), never from a later row. The input
    width and the classes are learned in ``fit``; every event of training is kept
    in ``training_warnings_``.

    Parameters
    ----------
    hidden_dim : int, default=64
        Size of the LSTM's hidden state.

    num_layers : int, default=1
        Number of stacked LSTM layers.

    lookback : int, default=10
        Rows per window, the current row included.

    dropout : float, default=0.5
        Dropout on the LSTM's last output, before the linear head (and between
        stacked layers when ``num_layers > 1``). torch's own LSTM dropout acts only
        between layers, so with one layer it alone would do nothing.

    %(neural_parameters)s

    Attributes
    ----------
    %(neural_attributes)s

    See Also
    --------
    RegularizedMLPClassifier : The feed-forward counterpart.
    lookback_windows : How rows become windows.
    LSTM_PRESETS : The skfix defaults and the legacy values, by name.

    Notes
    -----
    **How the LSTM sees time.** Windows are built inside the estimator from the
    ``X`` it is given, in ``fit`` and in ``predict`` alike, so the estimator works
    in any scikit-learn splitter whose folds are contiguous blocks of time
    (``TimeSeriesSplit``, skfix's walk-forward splits, ``KFold`` without
    shuffling). The first ``lookback - 1`` rows of every block look back on copies
    of the block's first row, never on rows of another fold. Shuffled or
    interleaved rows give meaningless windows. The same holds for predictions:
    to predict row ``i`` with full context, pass it together with the rows before
    it. Hence a reordered or split ``X`` changes the predictions; this is the
    design, not a bug.

    **Early stopping never leaks.** The validation part is the latest
    ``validation_fraction`` of the rows. A training label at row ``t`` looks one row
    ahead, and the window of the first validation row ``v`` reaches back to
    ``v - lookback + 1``; the default gap of ``lookback`` rows therefore keeps
    every training row, and its label, out of every validation window.

    **Augmentation.** Use the ``augmenter`` parameter, not a pipeline step: the
    windows are built from the real rows first, then the augmenter runs on the
    flattened windows of the training part (given ``lag_groups``, newest to
    oldest per feature, when it accepts them, so that it time-shifts inside each
    window) and the result is reshaped back. A pipeline step before the LSTM
    would interleave synthetic copies with the real rows and the windows would
    look back on copies instead of on the past.

    Defaults: ``lr=1e-3`` (AdamW), ``max_epochs=100`` with early stopping after 10
    epochs without improvement, ``batch_size="auto"`` (64 rows, more on long
    series: see the parameter).

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.estimators._lstm import RegularizedLSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(150, 2))
    >>> y = (np.convolve(X[:, 0], np.ones(3), mode="full")[:150] > 0).astype(int)
    >>> clf = RegularizedLSTMClassifier(
    ...     hidden_dim=16, lookback=3, max_epochs=30, lr=1e-2, random_state=0
    ... ).fit(X, y)
    >>> clf.predict(X[:5]).shape
    (5,)
    >>> bool(clf.score(X, y) > 0.7)
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralClassifier._parameter_constraints,
        "hidden_dim": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "lookback": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        hidden_dim=64,
        num_layers=1,
        lookback=10,
        dropout=0.5,
        weight_decay=1e-3,
        optimizer="adamw",
        lr=1e-3,
        max_epochs=100,
        batch_size="auto",
        early_stopping=True,
        patience=10,
        validation_fraction=0.2,
        validation_gap=None,
        standardize=True,
        augmenter=None,
        monitor=None,
        net_params=None,
        device="auto",
        random_state=None,
        verbose=0,
        **net_kwargs,
    ):
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.lookback = lookback
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.validation_gap = validation_gap
        self.standardize = standardize
        self.augmenter = augmenter
        self.monitor = monitor
        self.net_params = check_net_kwargs(net_params, net_kwargs)
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @property
    def _lookback(self):
        return self.lookback

    def _make_samples(self, X):
        return lookback_windows(X, self.lookback)

    def _lag_groups(self, n_features):
        # Flattened window column s * n_features + j holds feature j at step s
        # (oldest first); the augmenter wants each feature's columns newest first.
        return [
            [(self.lookback - 1 - lag) * n_features + j for lag in range(self.lookback)]
            for j in range(n_features)
        ]

    def _module_class(self):
        from ._torch_modules import LSTMModule

        return LSTMModule

    def _module_params(self):
        return {
            "hidden_dim": int(self.hidden_dim),
            "num_layers": int(self.num_layers),
            "dropout": float(self.dropout),
        }
