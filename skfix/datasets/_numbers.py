"""Numbers as the files write them: decimal commas, thousands separators, stray text."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._errors import _SHOWN, _error

# Pandas already reads empty cells, "NA", "NaN", "null", ... as missing; FRED-style
# series (WTI, VIX) write "." for a day without a value.
_MISSING_MARKERS = ("", ".")
# A close that moves by this factor or more from one row to the next is reported.
_JUMP_FACTOR = 3.0


def _as_text(series):
    """Strip strings and turn the missing-value markers into missing values."""
    text = series.astype("string").str.strip()
    return text.mask(text.isin(_MISSING_MARKERS))


# A number written with a decimal comma, with dots or nothing between thousands.
_DECIMAL_COMMA = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


def _numbers(text, decimal):
    """Text to float64 (NaN where not a number); ``decimal=","`` reads ``1.234,5``."""
    if decimal == ",":
        comma = text.str.fullmatch(_DECIMAL_COMMA.pattern).fillna(False).astype(bool)
        converted = text.str.replace(".", "", regex=False)
        converted = converted.str.replace(",", ".", regex=False)
        text = converted.where(comma, text.where(~text.str.contains(",", regex=False)))
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _is_numeric(series, decimal="."):
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    text = _as_text(series).dropna()
    return not text.empty and _numbers(text, decimal).notna().all()


def _first_non_number(series, decimal="."):
    """``(data row, text)`` of the first present value that is not a number, or None.

    Data rows count from 1, as in the reader's messages."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return None
    text = _as_text(series)
    bad = (text.notna() & _numbers(text, decimal).isna()).to_numpy()
    if not bad.any():
        return None
    at = int(np.flatnonzero(bad)[0])
    return at + 1, str(text.iloc[at])


def _has_a_number(series, decimal):
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    return bool(_numbers(_as_text(series).dropna(), decimal).notna().any())


def _to_float(series, source, column, decimal=".", *, user=False):
    """The column as float64 (missing values NaN); raise on a non-number or inf.

    ``user=True`` reads a column kept beside the prices (a user column) exactly as
    :func:`_is_numeric` judged it, with the file's decimal mark: its thousands
    separators are not guessed (an ambiguous guess would refuse a file that reads
    fine without that column), and the message says the column is a user column.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        bad = pd.Series(np.isinf(values.to_numpy()), index=series.index)
        text = series.astype("string")
    else:
        text = _as_text(series)
        if not user:
            text = _settle_thousands(text, source, column)
        values = _numbers(text, decimal)
        bad = text.notna() & ~np.isfinite(values.to_numpy())
    if bad.any():
        examples = list(dict.fromkeys(text[bad].astype(str)))[:_SHOWN]
        first_row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        mark = "a decimal comma" if decimal == "," else "a decimal point"
        role = " (a numeric column kept beside the prices)" if user else ""
        raise _error(
            source,
            f"column {str(column)!r}{role} is not numeric",
            f"finite numbers with {mark}, and '.' or an empty cell for a missing value",
            f"{int(bad.sum())} other values such as {examples!r} (first in data row "
            f"{first_row})",
        )
    return values


# one separator followed by exactly three digits: "2,000" or "2.000" is 2000 with a
# thousands separator, or 2.0 with a decimal mark
_THREE_AFTER = re.compile(r"[-+]?\d{1,3}([.,])\d{3}")


def _settle_thousands(text, source, column):
    """Read "2,000" and "2.000" right, from the whole column.

    Where every value that holds a separator holds exactly one, followed by exactly
    three digits, the separator can be a thousands separator or a decimal mark. The
    reading in which the column moves by less than a factor of 3 from one row to the
    next is taken (a price just below 1,000 beside one just above it tells); when
    both readings are smooth, the file is refused. Returns the text, with the
    thousands separators removed when that is the reading.
    """
    present = text.dropna().str.strip()
    marked = present[present.str.contains(r"[.,]", regex=True)]
    if marked.empty or not marked.str.fullmatch(_THREE_AFTER.pattern).all():
        return text
    as_thousands = pd.to_numeric(present.str.replace(r"[.,]", "", regex=True), "coerce")
    as_decimals = pd.to_numeric(present.str.replace(",", ".", regex=False), "coerce")
    smooth = {
        "thousands": _smooth(as_thousands),
        "decimals": _smooth(as_decimals),
    }
    if smooth["thousands"] and not smooth["decimals"]:
        return text.str.replace(r"(?<=\d)[.,](?=\d{3}$)", "", regex=True)
    if smooth["decimals"] and not smooth["thousands"]:
        return text
    raise _error(
        source,
        f"the numbers in column {str(column)!r} can be read with a thousands separator "
        "or with a decimal mark, and the column does not tell which",
        "numbers without a thousands separator, or with a decimal mark followed by "
        "other than three digits (2000 or 2000.00, not 2,000)",
        f"values such as {list(dict.fromkeys(marked))[:_SHOWN]!r}, each either about "
        f"{as_thousands[marked.index[0]]:g} or {as_decimals[marked.index[0]]:g}",
    )


def _smooth(values):
    """No step of a factor of 3 or more between consecutive values."""
    values = values.dropna().to_numpy()
    values = values[values > 0]
    if len(values) < 2:
        return True
    return bool(np.all(np.abs(np.diff(np.log(values))) < np.log(_JUMP_FACTOR)))
