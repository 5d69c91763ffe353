"""Leak-free data augmentation for small, time-ordered training sets."""

import warnings
from numbers import Integral, Real

import numpy as np
from imblearn.base import BaseSampler
from sklearn.utils import check_random_state

from skfix._compat import Interval, StrOptions

_DTYPES = (np.float64, np.float32)
# Entries per block of synthetic rows: small enough for every temporary to stay in cache.
_BLOCK_ELEMENTS = 2**18


def _standard_normal(rng, shape):
    """Draw float32 standard normals by the Box-Muller transform.

    Exact gaussian draws from float32 uniforms (tails end near 5.8 standard
    deviations); the transform runs on numpy's SIMD loops, two to three times as fast
    as the generator's own ``standard_normal`` for the same float32 output.
    """
    size = int(np.prod(shape))
    half = (size + 1) // 2
    uniform = rng.random(2 * half, dtype=np.float32)
    radius = np.sqrt(-2 * np.log1p(-uniform[:half]))
    angle = uniform[half:] * np.float32(2 * np.pi)
    normal = np.empty(2 * half, dtype=np.float32)
    np.multiply(radius, np.cos(angle), out=normal[:half])
    np.multiply(radius, np.sin(angle), out=normal[half:])
    return normal[:size].reshape(shape)


def _column_moments(X, need_std):
    """Return each column's mean and (population) standard deviation, in float64."""
    mean = X.mean(axis=0, dtype=np.float64)
    if not need_std:
        return mean, np.zeros_like(mean)
    squares = np.zeros_like(mean)
    block = max(1, _BLOCK_ELEMENTS // X.shape[1])
    for start in range(0, X.shape[0], block):
        deviation = X[start : start + block] - mean
        squares += np.einsum("ij,ij->j", deviation, deviation)
    return mean, np.sqrt(squares / X.shape[0])


def _bernoulli_positions(rng, size, probability):
    """Return the sorted flat positions where a Bernoulli(probability) mask is set.

    Draws the gaps between set positions (geometric), about ``size * probability``
    draws instead of one per entry.
    """
    expected = size * probability
    count = int(expected + 6 * np.sqrt(expected)) + 16
    positions = np.cumsum(rng.geometric(probability, size=count)) - 1
    while positions[-1] < size:  # more than six standard deviations above the mean
        more = np.cumsum(rng.geometric(probability, size=count)) + positions[-1]
        positions = np.concatenate([positions, more])
    return positions[: np.searchsorted(positions, size)]


def _shift_within_windows(rows, groups, shift):
    """Shift each lag window of ``rows`` in place: lag_k takes lag_{clip(k + s)}."""
    for columns in groups:
        position = np.clip(np.arange(columns.size) + shift[:, None], 0, columns.size - 1)
        rows[:, columns] = np.take_along_axis(rows[:, columns], position, axis=1)


def _adaptive_factor(n_samples, size_thresholds, size_factors):
    """Return the integer size factor for ``n_samples`` training rows."""
    thresholds = np.asarray(size_thresholds, dtype=float).reshape(-1)
    factors = np.asarray(size_factors).reshape(-1)
    if factors.size != thresholds.size + 1:
        raise ValueError(
            "size_factors must have exactly one more entry than size_thresholds; got "
            f"{factors.size} factors for {thresholds.size} thresholds."
        )
    if np.any(np.diff(thresholds) <= 0) or np.any(thresholds < 0):
        raise ValueError(
            f"size_thresholds must be non-negative and strictly increasing; got "
            f"{tuple(size_thresholds)}."
        )
    if not all(isinstance(f, Integral) and f >= 1 for f in factors.tolist()):
        raise ValueError(
            "size_factors must be integers >= 1 (an integer factor keeps the class "
            f"proportions exact); got {tuple(size_factors)}."
        )
    return int(factors[np.searchsorted(thresholds, n_samples, side="right")])


def _check_lag_groups(lag_groups, n_features):
    """Validate ``lag_groups`` and return them as a list of int arrays."""
    groups = [np.asarray(group, dtype=np.intp).reshape(-1) for group in lag_groups]
    flat = np.concatenate(groups) if groups else np.empty(0, dtype=np.intp)
    if any(group.size == 0 for group in groups):
        raise ValueError("Every entry of lag_groups must list at least one column.")
    if flat.size and (flat.min() < 0 or flat.max() >= n_features):
        raise ValueError(
            f"lag_groups refer to columns outside [0, {n_features}); got {lag_groups!r}."
        )
    if np.unique(flat).size != flat.size:
        raise ValueError(f"A column appears in more than one lag group: {lag_groups!r}.")
    return groups


def _check_class_proportions(y_before, y_after, tolerance, on_violation):
    """Raise or warn when class proportions moved by more than ``tolerance``."""
    classes, before_counts = np.unique(y_before, return_counts=True)
    after_counts = np.array([np.count_nonzero(y_after == c) for c in classes])
    before = before_counts / before_counts.sum()
    after = after_counts / max(after_counts.sum(), 1)
    change = np.abs(after - before)
    if np.all(change <= tolerance + 1e-12):
        return
    labels = classes.tolist()
    before, after = np.round(before, 3).tolist(), np.round(after, 3).tolist()
    message = (
        f"Augmentation changed the class proportions by up to {change.max():.1%}, more "
        f"than max_proportion_change={tolerance:.1%}. "
        f"Before: {dict(zip(labels, before, strict=True))}; "
        f"after: {dict(zip(labels, after, strict=True))}."
    )
    if on_violation == "raise":
        raise ValueError(message)
    warnings.warn(message, UserWarning, stacklevel=3)


class TimeSeriesAugmenter(BaseSampler):
    """Grow a small, time-ordered training set without leaking the future.

    A resampler in the imbalanced-learn sense: :meth:`fit_resample` returns the
    training rows *plus* synthetic copies of them. Inside an
    :class:`imblearn.pipeline.Pipeline` it therefore runs at fit time only, so
    validation, test and predict rows are never augmented.

    Rows must arrive in time order (oldest first), as they do in skfix's
    time-ordered training folds. Each synthetic row is a copy of one *origin* row,
    keeps that row's label, and is built in three steps:

    1. **time-shift** (see ``time_shift`` and ``lag_groups``), never taking a value
       from after the origin row's own time;
    2. **gaussian noise** with standard deviation ``noise_std`` times each
       feature's standard deviation in the data being resampled;
    3. **feature dropout**: each feature is independently replaced, with probability
       ``feature_dropout``, by that feature's mean in the data being resampled (the
       neutral value: zero once the features are standardized).

    Parameters
    ----------
    size_thresholds : tuple of int, default=(200, 300)
        Training-set sizes at which the size factor changes, strictly increasing.
        With ``n`` input rows the factor is ``size_factors[i]`` where ``i`` is the
        number of thresholds ``<= n``.

    size_factors : tuple of int, default=(3, 2, 1)
        Output size as a multiple of the input size, one more entry than
        ``size_thresholds``; each factor is an integer ``>= 1``. The defaults give
        3x for fewer than 200 rows, 2x for 200 to 299 rows and no augmentation from
        300 rows. A factor ``k`` gives every row ``k - 1`` synthetic copies, so the
        class proportions are preserved exactly.

    noise_std : float, default=0.15
        Standard deviation of the gaussian noise, relative to each feature's
        standard deviation in the data being resampled (constant features get no
        noise). ``0`` disables the noise.

    time_shift : int, default=2
        Largest shift, in time steps. Without ``lag_groups`` a synthetic copy of row
        ``i`` takes its (pre-noise) features from row ``i - s``, with ``s`` drawn
        uniformly from ``{0, ..., time_shift}`` and clipped at row 0; it keeps row
        ``i``'s label. The shift is backward only: a forward shift would pair the
        label with features from a later row. ``0`` disables the shift.

    feature_dropout : float, default=0.1
        Probability that a given feature of a synthetic row is replaced by the
        feature's mean in the data being resampled (on average 10 % of the
        features). ``0`` disables dropout.

    lag_groups : list of list of int, default=None
        Column indices of lag windows, each ordered newest to oldest (``lag0,
        lag1, ...``) as a lag-window transformer produces them. When given, the
        shift happens *within* each window instead of across rows: ``s`` is drawn
        uniformly from ``{-time_shift, ..., time_shift}``, once per synthetic row
        and shared by all windows, and ``lag_k`` takes the value of
        ``lag_{clip(k + s, 0, L - 1)}`` of the same row, where ``L`` is the window
        length. A positive ``s`` moves older values in, padding with the oldest; a
        negative ``s`` repeats the newest value ``lag0``. Nothing newer than the
        row's own ``lag0`` can enter the row. Columns outside every window are not
        shifted.

    max_proportion_change : float, default=0.05
        Largest allowed change, as a fraction, of any class proportion between the
        input and the output.

    on_distribution_violation : {"raise", "warn"}, default="raise"
        What to do when ``max_proportion_change`` is exceeded: raise a
        ``ValueError`` or emit a ``UserWarning``; the message gives both
        distributions.

    random_state : int, RandomState instance or None, default=None
        Controls the shift, noise and dropout draws. Pass an int for output that
        is reproducible across calls.

    Attributes
    ----------
    sampling_strategy_ : str
        Always ``"auto"``: the augmenter keeps the class proportions and does not
        balance classes. Kept for compatibility with imbalanced-learn.

    size_factor_ : int
        The size factor used for the last call to :meth:`fit_resample`.

    sample_indices_ : ndarray of shape (n_samples_out,)
        For every output row, the index of its origin row in the input. Originals
        are the output rows where ``is_synthetic_`` is ``False``.

    is_synthetic_ : ndarray of bool of shape (n_samples_out,)
        ``True`` for every synthetic output row.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit_resample`. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    imblearn.over_sampling.RandomOverSampler : Duplicates rows to balance classes.
    imblearn.FunctionSampler : Wraps an arbitrary resampling function.

    Notes
    -----
    **Output order.** The output is time-interleaved: each original row, unchanged,
    immediately followed by its synthetic copies, so the originals keep their
    order and the output stays in time order. An estimator that takes the latest
    positional tail of its training rows as early-stopping validation data
    therefore never trains on a synthetic copy of a validation row (use a gap of at
    least ``time_shift`` rows, as shifted copies reach back that far).

    **Scale statistics.** The noise scale and the dropout value are per-feature
    constants of the data being resampled (the training fold), like the parameters
    of a scaler fitted on that fold; no row's *values* from after a synthetic
    row's origin enter that row.

    **Data types.** Floating inputs keep their dtype. Integer and boolean inputs,
    and the integer and boolean columns of a DataFrame, are augmented in floating
    point and rounded back to the nearest value inside each column's observed range,
    keeping their dtype. A DataFrame comes back as a DataFrame with the same columns
    and dtypes and a fresh ``RangeIndex``. Sparse input is
    not supported (noise would densify it).

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.augment import TimeSeriesAugmenter
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.array([0, 1] * 5)
    >>> augmenter = TimeSeriesAugmenter(random_state=0)
    >>> X_res, y_res = augmenter.fit_resample(X, y)
    >>> X_res.shape, augmenter.size_factor_
    ((30, 2), 3)
    >>> augmenter.sample_indices_[:6]
    array([0, 0, 0, 1, 1, 1])
    >>> bool(np.array_equal(X_res[~augmenter.is_synthetic_], X))
    True
    >>> bool(np.array_equal(y_res, np.repeat(y, 3)))
    True

    In a pipeline the augmenter only runs when the pipeline is fitted:

    >>> from imblearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> model = make_pipeline(TimeSeriesAugmenter(random_state=0), LogisticRegression())
    >>> model.fit(X, y).predict(X).shape
    (10,)
    """

    _sampling_type = "bypass"
    # Not a constructor parameter: the augmenter never balances classes, but
    # imbalanced-learn's base reads this attribute when it validates the input.
    sampling_strategy = "auto"

    _parameter_constraints: dict = {
        "size_thresholds": ["array-like"],
        "size_factors": ["array-like"],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "time_shift": [Interval(Integral, 0, None, closed="left")],
        "feature_dropout": [Interval(Real, 0, 1, closed="left")],
        "lag_groups": [list, None],
        "max_proportion_change": [Interval(Real, 0, 1, closed="both")],
        "on_distribution_violation": [StrOptions({"raise", "warn"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        size_thresholds=(200, 300),
        size_factors=(3, 2, 1),
        noise_std=0.15,
        time_shift=2,
        feature_dropout=0.1,
        lag_groups=None,
        max_proportion_change=0.05,
        on_distribution_violation="raise",
        random_state=None,
    ):
        self.size_thresholds = size_thresholds
        self.size_factors = size_factors
        self.noise_std = noise_std
        self.time_shift = time_shift
        self.feature_dropout = feature_dropout
        self.lag_groups = lag_groups
        self.max_proportion_change = max_proportion_change
        self.on_distribution_violation = on_distribution_violation
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=False):
        # Noise touches every entry, so sparse input would be densified anyway.
        column_dtypes = X.dtypes if hasattr(X, "columns") else None
        X, y, binarize_y = super()._check_X_y(X, y, accept_sparse=accept_sparse)
        # Integer and boolean columns are rounded back, which needs the dtypes that
        # validation may have merged (a DataFrame of int and float columns becomes
        # float64 here and is cast back column by column by imbalanced-learn).
        if column_dtypes is None:
            column_dtypes = [X.dtype] * X.shape[1]
        self._integer_features = np.array(
            [getattr(dtype, "kind", "f") in "biu" for dtype in column_dtypes], dtype=bool
        )
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        n_samples, n_features = X.shape
        factor = _adaptive_factor(n_samples, self.size_thresholds, self.size_factors)
        groups = (
            None
            if self.lag_groups is None
            else _check_lag_groups(self.lag_groups, n_features)
        )
        rng = np.random.default_rng(check_random_state(self.random_state).randint(2**31))

        # Row i of the input becomes rows i * factor (itself) to i * factor + factor - 1
        # (its copies) of the output, so the output stays in time order.
        X_out = np.empty((n_samples, factor, n_features), dtype=X.dtype)
        X_out[:, 0] = X
        if factor > 1:
            self._synthesize(X, X_out[:, 1:], groups, rng)
        X_out = X_out.reshape(n_samples * factor, n_features)
        y_out = np.repeat(y, factor)

        self.size_factor_ = factor
        self.sample_indices_ = np.repeat(np.arange(n_samples), factor)
        self.is_synthetic_ = np.tile(np.arange(factor) > 0, n_samples)
        _check_class_proportions(
            y, y_out, self.max_proportion_change, self.on_distribution_violation
        )
        return X_out, y_out

    def _synthesize(self, X, out, groups, rng):
        """Write ``out[i, c]``, the ``c``-th synthetic copy of row ``i``, in place."""
        n_samples, n_copies, n_features = out.shape
        work_dtype = X.dtype if X.dtype in _DTYPES else np.dtype(np.float64)
        mean, std = _column_moments(X, need_std=bool(self.noise_std))
        scale = (self.noise_std * std).astype(np.float32)
        fill = mean.astype(work_dtype)
        integer = self._integer_features
        if integer.any():
            low, high = X[:, integer].min(axis=0), X[:, integer].max(axis=0)

        # Blocks of rows keep every temporary in cache and the peak memory at the
        # output plus one block; the block size depends on n_features only, so the
        # draws do not depend on the machine.
        block = max(1, _BLOCK_ELEMENTS // n_features)
        for copy in range(n_copies):
            for start in range(0, n_samples, block):
                stop = min(start + block, n_samples)
                origin = np.arange(start, stop)
                if self.time_shift and groups is None:
                    shift = rng.integers(
                        0, self.time_shift, endpoint=True, size=origin.size
                    )
                    origin = np.maximum(origin - shift, 0)
                rows = X[origin].astype(work_dtype, copy=False)
                if self.time_shift and groups is not None:
                    shift = rng.integers(
                        -self.time_shift, self.time_shift, endpoint=True, size=origin.size
                    )
                    _shift_within_windows(rows, groups, shift)
                if self.noise_std:
                    noise = _standard_normal(rng, rows.shape)
                    noise *= scale
                    rows += noise
                if self.feature_dropout:
                    dropped = _bernoulli_positions(rng, rows.size, self.feature_dropout)
                    rows.reshape(-1)[dropped] = fill[dropped % n_features]
                if integer.all():
                    np.clip(np.rint(rows, out=rows), low, high, out=rows)
                elif integer.any():
                    rows[:, integer] = np.clip(np.rint(rows[:, integer]), low, high)
                out[start:stop, copy] = rows

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.sampler_tags.sample_indices = True
        return tags
