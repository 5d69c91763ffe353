"""Time-ordered splitters: purged walk-forward cross-validation and a final hold-out."""

import numbers

import numpy as np
from sklearn.model_selection import BaseCrossValidator

_WINDOWS = ("expanding", "rolling")


class _TooFewSamplesError(ValueError):
    """The data are too short for the requested split; the message says how many rows."""


def _n_rows(X):
    if hasattr(X, "shape"):
        return X.shape[0]
    if hasattr(X, "__len__"):
        return len(X)
    return np.asarray(X).shape[0]


def _check_int(name, value, *, minimum, allow_none=False):
    if value is None and allow_none:
        return None
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        allowed = f"an int >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}; got {value!r}.")
    return int(value)


class PurgedWalkForwardSplit(BaseCrossValidator):
    """Walk-forward cross-validator with a purge gap and an embargo between windows.

    Rows are assumed to be in time order. Each fold validates on a contiguous window of
    ``test_size`` rows and trains only on rows that end ``gap`` rows before that window
    starts, so no training label can overlap the validation period. Validation windows
    are laid out back from the last row, in time order, and consecutive windows are
    ``embargo`` rows apart. The training window either grows from the first row
    (``window="expanding"``) or keeps a fixed length (``window="rolling"``).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    test_size : int, default=None
        Rows in each validation window. ``None`` is ``n_samples // (n_splits + 1)``, as
        in scikit-learn's ``TimeSeriesSplit`` (the gap comes out of the first fold's
        training rows), less the embargoes' share when ``embargo > 0``; with
        ``min_train_size`` set, the rows after it, the gap and the embargoes are
        divided into ``n_splits`` windows.
    min_train_size : int, default=None
        Fewest training rows the first fold may have. ``None`` means 1 when ``test_size``
        is set.
    gap : int, default=1
        Rows purged between the end of training and the start of validation. Set it to at
        least the label horizon: a label looking ``h`` rows ahead is only known ``h`` rows
        later, so the last ``h`` rows before a window would otherwise leak into it.
    embargo : int, default=0
        Rows skipped between one validation window and the next. Walk-forward training
        never follows validation, so these rows still train later folds; the embargo
        keeps serially correlated rows out of two validation windows, which makes the
        spread of fold scores an honest measure of stability.
    window : {"expanding", "rolling"}, default="expanding"
        ``"expanding"`` trains each fold on every row up to the purge; ``"rolling"``
        trains on the last ``max_train_size`` rows before it (the first fold's training
        size when ``max_train_size`` is None).
    max_train_size : int, default=None
        Most training rows a fold may have, for either window.

    See Also
    --------
    holdout_split : The final test window that no selection step sees.
    sklearn.model_selection.TimeSeriesSplit : The same folds for the same
        ``n_splits``, ``test_size``, ``gap`` and ``max_train_size`` when
        ``embargo=0``; the embargo, the rolling window and ``min_train_size`` are
        skfix's additions.

    Notes
    -----
    The splitter needs ``first_train + gap + n_splits * test_size + (n_splits - 1) *
    embargo`` rows; with fewer, :meth:`split` raises a ``ValueError`` that states the
    number needed and found. ``groups`` is accepted for scikit-learn compatibility and
    ignored.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.selection import PurgedWalkForwardSplit
    >>> cv = PurgedWalkForwardSplit(n_splits=3, test_size=2, gap=1, embargo=1)
    >>> for train, val in cv.split(np.zeros((12, 1))):
    ...     print(train, val)
    [0 1 2] [4 5]
    [0 1 2 3 4 5] [7 8]
    [0 1 2 3 4 5 6 7 8] [10 11]
    """

    def __init__(
        self,
        n_splits=5,
        *,
        test_size=None,
        min_train_size=None,
        gap=1,
        embargo=0,
        window="expanding",
        max_train_size=None,
    ):
        self.n_splits = n_splits
        self.test_size = test_size
        self.min_train_size = min_train_size
        self.gap = gap
        self.embargo = embargo
        self.window = window
        self.max_train_size = max_train_size

    def _checked_params(self):
        n_splits = _check_int("n_splits", self.n_splits, minimum=2)
        test_size = _check_int("test_size", self.test_size, minimum=1, allow_none=True)
        min_train = _check_int(
            "min_train_size", self.min_train_size, minimum=1, allow_none=True
        )
        gap = _check_int("gap", self.gap, minimum=0)
        embargo = _check_int("embargo", self.embargo, minimum=0)
        max_train = _check_int(
            "max_train_size", self.max_train_size, minimum=1, allow_none=True
        )
        if self.window not in _WINDOWS:
            raise ValueError(f"window must be one of {_WINDOWS}; got {self.window!r}.")
        return n_splits, test_size, min_train, gap, embargo, max_train

    def _windows(self, n_samples):
        """Return ``(train_start, train_end, val_start, val_end)`` for each fold."""
        n_splits, test_size, min_train, gap, embargo, max_train = self._checked_params()
        purged = gap + (n_splits - 1) * embargo
        if test_size is None and min_train is None:
            # As TimeSeriesSplit: n_samples // (n_splits + 1) rows a window, the gap
            # taken from the training rows; only the embargoes are taken from the
            # windows, so that with embargo=0 the folds are TimeSeriesSplit's.
            test_size = max((n_samples - (n_splits - 1) * embargo) // (n_splits + 1), 1)
        elif test_size is None:
            test_size = max((n_samples - purged - min_train) // n_splits, 1)
        first_train = min_train or 1
        needed = first_train + purged + n_splits * test_size
        if n_samples < needed:
            raise _TooFewSamplesError(
                f"{type(self).__name__} with n_splits={n_splits}, test_size={test_size}, "
                f"gap={gap}, embargo={embargo} and at least {first_train} training "
                f"row(s) needs at least {needed} samples; found {n_samples}. Use fewer "
                "splits, a smaller test_size, or more data."
            )
        val_starts = [
            n_samples - (n_splits - i) * test_size - (n_splits - 1 - i) * embargo
            for i in range(n_splits)
        ]
        train_length = max_train
        if self.window == "rolling" and train_length is None:
            train_length = val_starts[0] - gap
        folds = []
        for start in val_starts:
            train_end = start - gap
            train_start = 0 if train_length is None else max(train_end - train_length, 0)
            folds.append((train_start, train_end, start, start + test_size))
        return folds

    def split(self, X, y=None, groups=None):
        """Generate training and validation indices, in time order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order; only their number is used.
        y : array-like of shape (n_samples,), default=None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Ignored.

        Yields
        ------
        train : ndarray of int
            Training row positions, all before ``val[0] - gap``.
        val : ndarray of int
            Validation row positions, one contiguous window.
        """
        for train_start, train_end, val_start, val_end in self._windows(_n_rows(X)):
            yield np.arange(train_start, train_end), np.arange(val_start, val_end)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of folds.

        Parameters
        ----------
        X, y, groups : object, default=None
            Ignored, for scikit-learn compatibility.

        Returns
        -------
        n_splits : int
        """
        return self.n_splits


def holdout_split(X, *, test_size=0.2, gap=1):
    """Split rows in time order into a selection part and a final test window.

    The test window is the last ``test_size`` rows; the selection part ends ``gap`` rows
    before it, so a label looking ``gap`` rows ahead cannot reach into the test window.
    Everything that selects a model (cross-validation, tuning, acceptance thresholds)
    should see only the selection part.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Rows in time order; only their number is used.
    test_size : float or int, default=0.2
        A float in (0, 1) is the share of rows in the test window (rounded up); an int is
        the number of rows.
    gap : int, default=1
        Rows dropped between the selection part and the test window; at least the label
        horizon.

    Returns
    -------
    selection : ndarray of int
        Row positions ``0 .. n_samples - n_test - gap - 1``.
    test : ndarray of int
        Row positions of the last ``n_test`` rows.

    Raises
    ------
    ValueError
        If ``test_size`` or ``gap`` is invalid, or leaves no row to select on.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.selection import holdout_split
    >>> selection, test = holdout_split(np.zeros((10, 2)), test_size=0.3, gap=1)
    >>> selection, test
    (array([0, 1, 2, 3, 4, 5]), array([7, 8, 9]))
    """
    n_samples = _n_rows(X)
    gap = _check_int("gap", gap, minimum=0)
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = _check_int("test_size", test_size, minimum=1)
    elif isinstance(test_size, numbers.Real) and 0 < test_size < 1:
        n_test = int(np.ceil(test_size * n_samples))
    else:
        raise ValueError(
            f"test_size must be a float in (0, 1) or an int >= 1; got {test_size!r}."
        )
    n_selection = n_samples - n_test - gap
    if n_selection < 1:
        raise _TooFewSamplesError(
            f"A hold-out of {n_test} test rows after a gap of {gap} needs more than "
            f"{n_test + gap} samples; found {n_samples}."
        )
    return np.arange(n_selection), np.arange(n_samples - n_test, n_samples)
