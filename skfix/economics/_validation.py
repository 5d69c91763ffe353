"""Checks shared by the economic statistics: one value per period, finite numbers."""

import math
import numbers

import numpy as np


def as_series(values, name, *, min_length=1):
    """``values`` as a 1-D float array of finite numbers, one per period."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be numbers, one per period; could not convert: {error}."
        ) from None
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D, one value per period; got shape {array.shape}."
        )
    if len(array) < min_length:
        raise ValueError(
            f"{name} must hold at least {min_length} period(s); got {len(array)}."
        )
    _check_finite(array, name)
    return array


def as_matrix(values, name):
    """``values`` as a 2-D float array of finite numbers (periods x candidates)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers; could not convert: {error}.") from None
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_periods, n_strategies), one column per strategy; "
            f"got shape {array.shape}."
        )
    _check_finite(array, name)
    return array


def _check_finite(array, name):
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)
        first = tuple(int(i) for i in where[0])
        position = first[0] if len(first) == 1 else first
        more = f" (and {len(where) - 1} more)" if len(where) > 1 else ""
        raise ValueError(
            f"{name} must be finite; found {array[bad][0]} at index {position}{more}."
        )


def same_length(first, first_name, second, second_name):
    """Raise unless two per-period arrays cover the same periods."""
    if len(first) != len(second):
        raise ValueError(
            f"{first_name} and {second_name} must have one value per period each; got "
            f"{len(first)} {first_name} and {len(second)} {second_name}."
        )


def check_real(value, name, *, minimum=None, strict=False):
    """``value`` as a finite float, at least (or above, ``strict``) ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be {relation} {minimum}; got {value!r}.")
    return value


def check_integer(value, name, *, minimum):
    """``value`` as an int of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}.")
    return int(value)
