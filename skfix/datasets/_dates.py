"""Dates as the files write them: formats, day or month first, two-digit years, offsets."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._errors import _SHOWN, _error
from ._numbers import _as_text

# Tried in order; a format is used only if it parses every date of the column. Month
# first comes before day first because that is how US data sources write dates.
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%b %d %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "ISO8601",
)


_DATE_EXAMPLES = (
    "one date format throughout, such as 2000-01-31, 1/31/2000, Jan 31 2000, "
    "2017-04-19 09:00:00 or 200001 (year-month)"
)


# Each format is tried on this many dates before the whole column, to fail fast.
_SAMPLE = 64


_DATE_UNIT = "us"


def _parse_dates(series, source, column):
    """Parse a date column at once; return datetimes (NaT where missing) and the format."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.as_unit(_DATE_UNIT), "datetime (typed column)"
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.dropna()
        if (numbers == numbers.round()).all():
            series = series.astype("Int64")
    text = _as_text(series)
    present = text.dropna()
    if present.empty:
        raise _error(source, f"date column {str(column)!r} is empty", "dates", "no values")
    if present.str.fullmatch(r"\d{6}").all():
        formats = ("%Y%m",)
    elif present.str.fullmatch(r"\d{8}").all():
        formats = ("%Y%m%d",)
    else:
        formats = _DATE_FORMATS
    _refuse_mixed_offsets(present, source, column)
    for date_format in formats:
        sample = pd.to_datetime(present.iloc[:_SAMPLE], format=date_format, errors="coerce")
        if sample.isna().any():
            continue
        parsed = pd.to_datetime(present, format=date_format, errors="coerce")
        if parsed.notna().all():
            parsed, date_format = _day_or_month_first(
                present, parsed, date_format, source, column
            )
            break
    else:
        if len(formats) == 1:
            parsed = pd.to_datetime(present, format=formats[0], errors="coerce")
            _refuse_unparsed(present, parsed, source, column, formats[0])
            date_format = formats[0]
        else:
            parsed, date_format = _parse_mixed(present, source, column)
    parsed, date_format = _two_digit_years(present, parsed, date_format)
    return parsed.dt.as_unit(_DATE_UNIT).reindex(series.index), date_format


def _two_digit_years(present, parsed, date_format):
    """Dates written with two-digit years (``03-Jan-66``) are never in the future:
    a year the parser put after today is read a century earlier, and the format says
    so."""
    if present.str.contains(r"\d{4}", regex=True).any():
        return parsed, date_format
    now = pd.Timestamp.now(tz=parsed.dt.tz).normalize() + pd.Timedelta(days=1)
    future = parsed > now
    if not future.any():
        return parsed, date_format
    parsed = parsed.where(~future, parsed - pd.DateOffset(years=100))
    years = parsed.dt.year
    return parsed, (
        f"{date_format}; two-digit years, {int(future.sum())} of them read a century "
        f"earlier than the parser's guess, which was after today (years "
        f"{int(years.min())}-{int(years.max())})"
    )


# a UTC offset after a time of day: "T09:30:00Z", " 00:00-05:00" (not "01-02-2015")
_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$"


def _refuse_mixed_offsets(present, source, column):
    """Refuse dates whose UTC offsets differ ("...-05:00" beside "...-04:00", or plain
    dates beside "...Z"): which calendar day a row belongs to is then not one rule."""
    offsets = present.str.strip().str.extract(_OFFSET, expand=False)
    if offsets.isna().all():
        return
    kinds = offsets.fillna("none").str.replace(":", "", regex=False)
    kinds = kinds.replace({"Z": "+0000"})
    if kinds.nunique() == 1:
        return
    first = kinds.iloc[0]
    row = int(np.flatnonzero((kinds != first).to_numpy())[0])
    found = list(dict.fromkeys(offsets.fillna("none")))[:_SHOWN]
    raise _error(
        source,
        f"the dates in column {str(column)!r} carry different UTC offsets ({found})",
        "one UTC offset for the whole column (or none): convert the timestamps to one "
        "time zone, or write plain dates",
        f"{present.iloc[0]!r} in data row 1 and {present.iloc[row]!r} in data row "
        f"{row + 1}",
    )


# Formats that read the same text month first and day first.
_SWAPPED = {
    "%m/%d/%Y": "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M",
}


def _day_or_month_first(present, parsed, date_format, source, column):
    """Month first or day first, from the whole column when no date tells.

    Where every day is 12 or less, both readings parse. The one whose dates follow the
    file's order and come at regular intervals is taken (a monthly series read the
    wrong way becomes twelve January days a year); when the spacing does not tell
    them apart either, the file is refused.
    """
    swapped = _SWAPPED.get(date_format)
    if swapped is None:
        return parsed, date_format
    other = pd.to_datetime(present, format=swapped, errors="coerce")
    if other.isna().any() or other.equals(parsed):
        return parsed, date_format
    scores = {date_format: _irregularity(parsed), swapped: _irregularity(other)}
    best, worst = sorted(scores, key=scores.get)
    if np.isfinite(scores[best]) and scores[best] * 4 <= scores[worst]:
        chosen = parsed if best == date_format else other
        return chosen, (
            f"{best} (every day is 12 or less, so {best} and {worst} both read the "
            f"column; {best} gives dates in file order at regular intervals)"
        )
    raise _error(
        source,
        f"the dates in column {str(column)!r} can be read month first or day first "
        "(every day is 12 or less), and their order and spacing do not tell which",
        "dates that settle it: a day above 12, ISO dates (2010-01-05), or month names",
        f"{list(dict.fromkeys(present))[:_SHOWN]!r}",
    )


def _irregularity(dates):
    """How far dates are from coming in file order at regular intervals: the
    coefficient of variation of the gaps between consecutive rows (infinite when
    the file order is neither ascending nor descending)."""
    values = dates.to_numpy().astype("datetime64[s]").astype(np.int64)
    if len(values) < 3:
        return np.inf
    gaps = np.diff(values).astype(float)
    if not ((gaps >= 0).all() or (gaps <= 0).all()):
        return np.inf
    gaps = np.abs(gaps)
    mean = gaps.mean()
    return np.inf if mean == 0 else float(gaps.std() / mean)


def _refuse_unparsed(present, parsed, source, column, date_format=None):
    if parsed.notna().all():
        return
    bad = present[parsed.isna()]
    rows = (np.flatnonzero(parsed.isna().to_numpy()) + 1).tolist()
    raise _error(
        source,
        f"dates in column {str(column)!r} do not parse",
        f"every date in the format {date_format}" if date_format else _DATE_EXAMPLES,
        f"{len(bad)} unreadable values such as {list(dict.fromkeys(bad))[:_SHOWN]!r} "
        f"(data rows {rows[:_SHOWN]})",
    )


def _parse_mixed(present, source, column):
    """Dates written in several formats: accepted only where each one is unambiguous.

    Every date is parsed with every known format (and, for the rest, pandas' parser
    month first and day first). A date that two readings turn into different days,
    such as ``01/05/2010`` (January 5 or May 1), is never guessed: the file is
    refused, with the rows that differ.
    """
    readings = {
        date_format: pd.to_datetime(present, format=date_format, errors="coerce")
        for date_format in _DATE_FORMATS
    }
    known = pd.DataFrame(readings).notna().any(axis=1)
    for dayfirst in (False, True):
        # Only for dates no known format reads: pandas' parser may read 2010-01-04
        # day first, which the ISO format already settles.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            readings[f"pandas' parser, dayfirst={dayfirst}"] = pd.to_datetime(
                present.where(~known), format="mixed", dayfirst=dayfirst, errors="coerce"
            )
    table = pd.DataFrame(readings)
    earliest, latest = table.min(axis=1), table.max(axis=1)
    ambiguous = (earliest != latest) & earliest.notna()
    if ambiguous.any():
        rows = (np.flatnonzero(ambiguous.to_numpy()) + 1).tolist()
        examples = list(dict.fromkeys(present[ambiguous]))[:_SHOWN]
        shapes = _shapes(present)
        raise _error(
            source,
            f"dates in column {str(column)!r} mix formats, and {int(ambiguous.sum())} "
            "of them can be read as two different days",
            "one date format throughout, or several formats each of which leaves no "
            "doubt (2010-01-05, Jan 5 2010)",
            f"ambiguous dates such as {examples!r} (data rows {rows[:_SHOWN]}) "
            f"among the shapes {shapes}",
        )
    _refuse_unparsed(present, earliest, source, column)
    first = table.notna().idxmax(axis=1)
    used = list(dict.fromkeys(name.split(",")[0] for name in first))
    return earliest, "mixed, each unambiguous: " + ", ".join(used)


def _shapes(present):
    """The distinct shapes of some date strings, digits as 9: ``['9999-99-99', ...]``."""
    shapes = present.str.replace(r"\d", "9", regex=True)
    return list(dict.fromkeys(shapes))[:_SHOWN]


def _symbols(series, source, column):
    symbols = _as_text(series)
    if symbols.isna().any():
        rows = (np.flatnonzero(symbols.isna().to_numpy()) + 1).tolist()
        raise _error(
            source,
            f"rows without a symbol in column {str(column)!r}",
            "a symbol on every row of a long-format file",
            f"{len(rows)} empty cells (data rows {rows[:_SHOWN]})",
        )
    return symbols.astype(str)


def _iso(timestamps):
    """Dates as ISO strings, with the time only where there is one."""
    index = pd.DatetimeIndex(timestamps)
    if (index == index.normalize()).all():
        return [stamp.date().isoformat() for stamp in index]
    return [stamp.isoformat() for stamp in index]
