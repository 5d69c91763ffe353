"""Read price files (CSV, gzip-compressed CSV, Parquet, or a folder of them).

Every file becomes one clean frame per symbol: a sorted, unique ``DatetimeIndex`` named
``date`` and float64 columns ``open, high, low, close, volume`` (only those present;
``close`` always). What cleaning did is recorded in ``frame.attrs["skfix_cleaning"]``.
"""

from __future__ import annotations

import copy
import gzip
import os
import re
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import non_regular_kind
from .._optional import import_pyarrow

__all__ = ["DataFormatError", "price_file_symbol", "read_price_files", "read_prices"]

#: Output columns, in this order, where the source has them.
CANONICAL_COLUMNS = ("open", "high", "low", "close", "volume")
_EXTRA_COLUMNS = ("open", "high", "low", "volume")
# Names that make a column the close, best first.
_CLOSE_NAMES = ("close", "adj close", "adjusted close", "price")
_DATE_NAMES = ("date", "datetime", "timestamp", "time")
_SYMBOL_NAMES = ("symbol", "ticker")
_SUFFIXES = (".csv.gz", ".csv", ".parquet")
# Pandas already reads empty cells, "NA", "NaN", "null", ... as missing; FRED-style
# series (WTI, VIX) write "." for a day without a value.
_MISSING_MARKERS = ("", ".")
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
# How many example values or dates a message or report lists.
_SHOWN = 5
_DATE_UNIT = "us"
# Delimiters a CSV file may use, told apart by their count in the header line.
_DELIMITERS = (",", ";", "\t", "|")
# How much of a file is looked at to tell its delimiter and decimal mark.
_SNIFF_BYTES = 1 << 16
# A close that moves by this factor or more from one row to the next is reported.
_JUMP_FACTOR = 3.0
# Larger prices overflow the features' rolling sums (a 20-row mean of 1e307 is inf).
_MAX_PRICE = 1e300


class DataFormatError(ValueError):
    """A price file does not have the shape or content :func:`read_prices` needs.

    The message names the file, says what was expected and what was found.

    Examples
    --------
    >>> from skfix.datasets import DataFormatError
    >>> issubclass(DataFormatError, ValueError)
    True
    """


_FOUND_CHARS = 500


def _error(source, problem, expected, found):
    found = str(found)
    if len(found) > _FOUND_CHARS:  # a whole file echoed by a parser's message
        found = f"{found[:_FOUND_CHARS]}... ({len(found):,} characters in all)"
    return DataFormatError(f"{source}: {problem}; expected {expected}, found {found}.")


def read_prices(path, *, min_rows=30):
    """Read a price file, or a folder of them, into one clean frame per symbol.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.csv.gz`` or ``.parquet`` file, or a folder; in a folder every
        file with one of these endings is read (other files, such as a README, are
        not) and the symbols of all files are united.
    min_rows : int, default=30
        Fewest rows a symbol must keep after cleaning. The default feature window is
        20 periods, and labels need room after it.

    Returns
    -------
    frames : dict of str to pandas.DataFrame
        Symbol to frame, sorted by symbol. A single-series file gives one symbol named
        after the file (``SP500.csv`` and ``SP500.csv.gz`` give ``"SP500"``); a file
        with a ``symbol`` or ``ticker`` column (long format) gives one per symbol.
        Each frame has a sorted, unique ``DatetimeIndex`` named ``date`` and float64
        columns ``open, high, low, close, volume`` (those present; ``close`` always).
        ``frame.attrs["skfix_cleaning"]`` is a JSON-able dict of what was read and
        cleaned: source file, date column and format, the column used as ``close``
        and why, columns ignored, rows read and kept, rows dropped for a missing date
        or price (with the first dates), duplicate dates (the last row of each is
        kept), whether the input was unsorted, and missing values left in the other
        columns.

    Raises
    ------
    DataFormatError
        If a file has no date column, dates that do not parse, no price column or
        several candidates, non-numeric values, non-positive prices (a column of
        returns rather than prices), fewer than ``min_rows`` usable rows, rows without
        a symbol, or a symbol that two files of a folder both hold. The message names
        the file, what was expected and what was found.
    FileNotFoundError
        If ``path`` does not exist.
    ImportError
        If a Parquet file is read and pyarrow is not installed.

    See Also
    --------
    load_market_panel : The eleven real series shipped with skfix, read by this function.

    Notes
    -----
    The date column is the one named ``date``, ``datetime``, ``timestamp`` or ``time``
    (any case), else an unnamed first column (a written index). Dates of six digits
    are read as year-month (``192607``), of eight as ``%Y%m%d``; other dates must all
    follow one of a short list of formats (ISO, ``1/4/1999``, ``Jan 1 2000``,
    ``2017-04-19 09:00:00``, ...), else pandas' mixed-format parser is used. The
    format found is reported.

    The ``close`` column is, in order of preference, the column named ``close``,
    ``adj close``, ``price``, the column named like the symbol, or the single numeric
    column other than ``open``/``high``/``low``/``volume``. Empty cells and ``.`` are
    missing values. Rows without a close are dropped, after which the last row of
    each duplicated date is kept and the rows are sorted by date.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfix.datasets import read_prices
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = [f"2000-01-{day:02d},{100 + day}" for day in range(1, 31)]
    >>> text = "Date,Close\\n" + "\\n".join(["2000-01-05,.", *rows, rows[-1]]) + "\\n"
    >>> _ = (folder / "ACME.csv").write_text(text)
    >>> frames = read_prices(folder / "ACME.csv")
    >>> frame = frames["ACME"]
    >>> frame.columns.tolist(), frame.index.name, str(frame.index[0].date())
    (['close'], 'date', '2000-01-01')
    >>> frame["close"].tolist()[:3]
    [101.0, 102.0, 103.0]
    >>> report = frame.attrs["skfix_cleaning"]
    >>> report["rows_read"], report["rows_kept"], report["date_format"]
    (32, 30, '%Y-%m-%d')
    >>> report["missing_close"]["count"], report["duplicate_dates"]["first_dates"]
    (1, ['2000-01-30'])
    """
    _check_min_rows(min_rows)
    return _merge(
        (entry.name, _read_file(entry, entry.name, min_rows)) for entry in _files(path)
    )


def read_price_files(path, *, min_rows=30):
    """Read every price file of a folder that can be read; say why the others cannot.

    The forgiving counterpart of :func:`read_prices` for a folder of many files, where
    one broken download must not cost the others: each file is read on its own, and a
    file that :func:`read_prices` would refuse is returned with its error instead.

    Parameters
    ----------
    path : str or path-like
        A price file or a folder of them, as for :func:`read_prices`.
    min_rows : int, default=30
        Fewest rows a symbol must keep after cleaning.

    Returns
    -------
    frames : dict of str to pandas.DataFrame
        Symbol to clean frame, sorted by symbol, for every file that could be read.
    failures : dict of str to DataFormatError
        File name to the error that stopped it (the message names the file, what was
        expected and what was found), in file-name order. A file holding a symbol that
        an earlier file (in name order) already holds is a failure too.

    Raises
    ------
    DataFormatError
        If ``path`` is a folder without any price file.
    FileNotFoundError
        If ``path`` does not exist.

    See Also
    --------
    read_prices : The strict reader, which stops at the first file it cannot read.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfix.datasets import read_price_files
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = "\\n".join(f"2000-01-{day:02d},{100 + day}" for day in range(1, 31))
    >>> _ = (folder / "GOOD.csv").write_text("Date,Close\\n" + rows + "\\n")
    >>> _ = (folder / "BAD.csv").write_text("when,Close\\n" + rows + "\\n")
    >>> frames, failures = read_price_files(folder)
    >>> list(frames), list(failures)
    (['GOOD'], ['BAD.csv'])
    >>> print(failures["BAD.csv"])  # doctest: +ELLIPSIS
    BAD.csv: no date column; expected a column named date, ...
    """
    _check_min_rows(min_rows)
    parts, failures = {}, {}
    for entry in _files(path, refused=failures):
        try:
            parts[entry.name] = _read_file(entry, entry.name, min_rows)
        except DataFormatError as exc:
            failures[entry.name] = exc
        except Exception as exc:  # noqa: BLE001 - one file never stops the others
            failures[entry.name] = _error(
                entry.name,
                "the file could not be read (an unexpected error; please report it)",
                "a price file skfix can read",
                f"{type(exc).__name__}: {str(exc)[:300]}",
            )
    # A symbol two files hold belongs to the file named after it, else to the first.
    owners = {}
    for source, part in parts.items():
        for symbol in part:
            owner = owners.get(symbol)
            if owner is None or price_file_symbol(source) == symbol:
                owners[symbol] = source
    frames = {}
    for source, part in parts.items():
        lost = sorted(symbol for symbol in part if owners[symbol] != source)
        if lost:
            failures[source] = _error(
                source,
                f"symbol {lost[0]!r} is also in {owners[lost[0]]}",
                "each symbol in one file of the folder",
                f"{lost[0]!r} in both {owners[lost[0]]} and {source}",
            )
            continue
        frames.update(part)
    failures = {name: failures[name] for name in sorted(failures)}
    return {symbol: frames[symbol] for symbol in sorted(frames)}, failures


def _check_min_rows(min_rows):
    if isinstance(min_rows, bool) or not isinstance(min_rows, int | np.integer):
        raise TypeError(f"min_rows must be an int, got {type(min_rows).__name__}.")
    if min_rows < 1:
        raise ValueError(f"min_rows must be at least 1, got {min_rows}.")


def _files(path, refused=None):
    """The price files of a folder (in name order), or the file itself.

    An entry whose name ends like a price file but that is not a regular file (a
    broken symlink, a symlink loop, a FIFO, a folder named ``X.csv``) or is hidden
    (``.X.csv``) is never opened: with ``refused`` (a dict) it is added there, name to
    error; without it, the first one raises.
    """
    path = Path(os.fspath(path))
    if path.is_dir():
        files = []
        for entry in sorted(path.iterdir()):
            if not _suffix(entry.name):
                continue
            problem = _not_a_price_file(entry)
            if problem is None:
                files.append(entry)
                continue
            error = _error(entry.name, "skipped, never opened", _REGULAR, problem)
            if refused is None:
                raise error
            refused[entry.name] = error
        if not files and not refused:
            found = sorted(entry.name for entry in path.iterdir())
            raise _error(
                f"folder {path.name or path}",
                "no price files",
                "files ending in .csv, .csv.gz or .parquet",
                f"{found[:20]!r}" if found else "an empty folder",
            )
        return files
    if not path.exists():
        if path.is_symlink():
            raise FileNotFoundError(f"The price file '{path}' is a broken symlink.")
        raise FileNotFoundError(f"No such price file or folder: '{path}'.")
    problem = _not_a_price_file(path, hidden_ok=True)
    if problem is not None:
        raise _error(path.name, "never opened", _REGULAR, problem)
    return [path]


_REGULAR = "a regular file of prices"


def _not_a_price_file(entry, hidden_ok=False):
    """Why an entry is not read as a price file, or None."""
    if entry.name.startswith(".") and not hidden_ok:
        return "a hidden file (its name starts with '.')"
    try:
        mode = entry.stat().st_mode  # follows symlinks
    except FileNotFoundError:
        return "a broken symlink (its target does not exist)"
    except OSError as exc:  # ELOOP and the like
        return f"a path that cannot be followed ({exc.strerror or exc})"
    kind = non_regular_kind(mode)
    if kind == "a folder":
        return "a folder, not a file"
    if kind is not None:
        return f"{kind} (a device, socket or pipe is never read)"
    return None


def _suffix(name):
    lower = name.lower()
    return next((suffix for suffix in _SUFFIXES if lower.endswith(suffix)), None)


def price_file_symbol(name):
    """The symbol a price file's name stands for: the name without its ending.

    The endings are those :func:`read_prices` reads (``.csv``, ``.csv.gz``,
    ``.parquet``, in any case); a name without one is returned as it is.

    Parameters
    ----------
    name : str
        A file name, such as an entry of the errors :func:`read_price_files` returns.

    Returns
    -------
    symbol : str

    Examples
    --------
    >>> from skfix.datasets import price_file_symbol
    >>> price_file_symbol("SP500.csv.gz"), price_file_symbol("notes.txt")
    ('SP500', 'notes.txt')
    """
    suffix = _suffix(name)
    return name if suffix is None else name[: -len(suffix)]


def _merge(parts):
    """Unite ``(source, {symbol: frame})`` pairs; a symbol may come from one file only."""
    frames, sources = {}, {}
    for source, part in parts:
        for symbol, frame in part.items():
            if symbol in frames:
                raise _error(
                    source,
                    f"symbol {symbol!r} is also in {sources[symbol]}",
                    "each symbol in one file of the folder",
                    f"{symbol!r} in both {sources[symbol]} and {source}",
                )
            frames[symbol], sources[symbol] = frame, source
    return {symbol: frames[symbol] for symbol in sorted(frames)}


def _read_file(path, source, min_rows):
    """Read one file; ``source`` is the name used in messages, reports and the symbol."""
    suffix = _suffix(source)
    if suffix is None:
        raise _error(
            source,
            "unknown file type",
            "a file ending in .csv, .csv.gz or .parquet",
            f"{Path(source).suffix or 'no ending'!r}",
        )
    table = _read_table(path, source, suffix)
    file_format = table.attrs.get("skfix_format", {"delimiter": None, "decimal": "."})
    decimal = file_format["decimal"]
    columns = list(table.columns)
    if not columns:
        raise _error(source, "no columns", "a date column and a price column", "none")
    date_column = _find_date_column(columns, source)
    symbol_column = next((c for c in columns if _norm(c) in _SYMBOL_NAMES), None)
    file_symbol = None if symbol_column is not None else source[: -len(suffix)]
    value_columns = [c for c in columns if c not in (date_column, symbol_column)]
    mapping, close_rule = _choose_columns(
        table, value_columns, file_symbol, source, decimal
    )
    dates, date_format = _parse_dates(table[date_column], source, date_column)
    data = pd.DataFrame(
        {
            canonical: _to_float(
                table[mapping[canonical]], source, mapping[canonical], decimal
            )
            for canonical in CANONICAL_COLUMNS
            if canonical in mapping
        },
        index=table.index,
    )
    close_rule = _adjust_for_splits(data, table, mapping, close_rule, decimal, source)
    description = {
        "source": source,
        "delimiter": file_format["delimiter"],
        "decimal": decimal,
        "symbol_column": None if symbol_column is None else str(symbol_column),
        "date_column": str(date_column),
        "date_format": date_format,
        "close_column": str(mapping["close"]),
        "close_rule": close_rule,
        "columns": {canonical: str(mapping[canonical]) for canonical in data.columns},
        "columns_ignored": [str(c) for c in value_columns if c not in mapping.values()],
    }
    if symbol_column is None:
        return {file_symbol: _clean(data, dates, file_symbol, description, min_rows)}
    symbols = _symbols(table[symbol_column], source, symbol_column)
    frames = {}
    for symbol in sorted(symbols.unique()):
        rows = (symbols == symbol).to_numpy()
        frames[symbol] = _clean(data[rows], dates[rows], symbol, description, min_rows)
    return frames


def _adjust_for_splits(data, table, mapping, close_rule, decimal, source):
    """Use the adjusted close where ``close`` has a split the adjusted column has not.

    A Yahoo-style file holds both ``Close`` and ``Adj Close``; they differ by a ratio
    that moves a little at each dividend and jumps at a split. Where it jumps by a
    factor of 1.5 or more from one row to the next, ``close`` is read from the adjusted
    column and open, high and low are scaled by the same ratio, so that no feature sees
    the split as a move (``data`` is changed in place). Returns the rule that chose the
    close column, extended to say so.
    """
    if _norm(mapping["close"]) != "close":
        return close_rule
    adjusted = next(
        (c for c in table.columns if _norm(c) in ("adj close", "adjusted close")), None
    )
    if adjusted is None:
        return close_rule
    adj = _to_float(table[adjusted], source, adjusted, decimal)
    ratio = (adj / data["close"]).dropna()
    ratio = ratio[ratio > 0]
    if len(ratio) < 2:
        return close_rule
    steps = np.abs(np.diff(np.log(ratio.to_numpy())))
    jumps = np.flatnonzero(steps >= np.log(1.5))
    if not len(jumps):
        return close_rule
    factor = adj / data["close"]
    for column in ("open", "high", "low"):
        if column in data.columns:
            data[column] = data[column] * factor
    data["close"] = adj
    mapping["close"] = adjusted
    return (
        f"column named {_norm(adjusted)!r}: {str(mapping.get('close'))!r} is used because "
        f"'close' has {len(jumps)} split(s) it does not adjust for, the first at data row "
        f"{int(ratio.index[jumps[0] + 1]) + 1} (close and adjusted close then differ by "
        f"a factor of {float(np.exp(steps[jumps[0]])):.2f} more than the row before); "
        "open, high and low are scaled like it"
    )


def _read_table(path, source, suffix):
    if suffix == ".parquet":
        import_pyarrow(source)
        try:
            table = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise _error(
                source,
                "the file cannot be read as Parquet",
                "a Parquet file with a date column and a price column",
                f"{type(exc).__name__}: {exc}",
            ) from exc
        if not isinstance(table.index, pd.RangeIndex):
            # A frame written with its (date) index; an unnamed one becomes an unnamed
            # first column, read as the date column like a CSV's unnamed index column.
            names = [name if name is not None else "" for name in table.index.names]
            table = table.rename_axis(names).reset_index()
        return table.reset_index(drop=True)
    delimiter, decimal = _sniff(path, source, suffix)
    try:
        table = pd.read_csv(
            path,
            sep=delimiter,
            dtype=str,
            na_values=list(_MISSING_MARKERS),
            skipinitialspace=True,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError as exc:
        raise _error(
            source, "the file is empty", "a header row and rows", "no text"
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _error(
            source,
            "the file cannot be read as CSV",
            f"UTF-8 text separated by {_DELIMITER_NAMES[delimiter]} with one header row",
            f"{type(exc).__name__}: {exc}",
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(source, suffix, exc) from exc
    if not isinstance(table.index, pd.RangeIndex):
        # pandas takes the first field as the index when every row has one more field
        # than the header: an unquoted "Jan 02, 2015" splits a date in two
        raise _error(
            source,
            "the rows have more fields than the header",
            f"{len(table.columns)} fields per row, as the header "
            f"{[str(c) for c in table.columns]!r} names (quote a field holding "
            f"{_DELIMITER_NAMES[delimiter]}, such as a date written 'Jan 02, 2015')",
            f"{len(table.columns) + table.index.nlevels} fields in the first data row: "
            f"{_first_row(path, suffix)!r}",
        )
    if table.empty and len(table.columns):
        raise _error(
            source,
            "no data rows",
            "a header row followed by rows of dates and prices",
            f"only the header {[str(c) for c in table.columns]!r}",
        )
    table.attrs["skfix_format"] = {"delimiter": delimiter, "decimal": decimal}
    return table


_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}


def _first_row(path, suffix):
    """The first data row of a CSV file, as text, for a message."""
    opener = gzip.open if suffix == ".csv.gz" else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
        handle.readline()
        return handle.readline().rstrip("\r\n")[:200]


def _unreadable(source, suffix, exc):
    what = "a gzip-compressed CSV file" if suffix == ".csv.gz" else "a CSV text file"
    return _error(
        source,
        "the file cannot be read (corrupt, truncated or not what its name says)",
        what,
        f"{type(exc).__name__}: {exc}",
    )


def _sniff(path, source, suffix):
    """The delimiter and decimal mark of a CSV file, from its first bytes.

    The delimiter is the one of ``, ; tab |`` the header line holds most of (a comma
    when it holds none). A file separated by anything but commas whose numbers hold a
    comma between digits (``101,5``) writes decimal commas.
    """
    try:
        opener = gzip.open if suffix == ".csv.gz" else open
        with opener(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(source, suffix, exc) from exc
    if b"\x00" in head:
        raise _error(
            source,
            "the file is binary, not text",
            "UTF-8 comma-separated text with one header row",
            f"NUL bytes in the first {min(len(head), _SNIFF_BYTES)} bytes",
        )
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in _DELIMITERS}
    delimiter = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    if counts[delimiter] == 0:
        delimiter = ","
    body = "\n".join(lines[1:])
    decimal = "," if delimiter != "," and re.search(r"\d,\d", body) else "."
    return delimiter, decimal


def _norm(name):
    """Compare column names case-insensitively, with ``_``/``-``/spaces alike."""
    return re.sub(r"[\s_\-]+", " ", str(name).strip().lower())


def _is_unnamed(name):
    text = "" if name is None else str(name).strip()
    return text == "" or re.fullmatch(r"Unnamed: \d+", text) is not None


def _find_date_column(columns, source):
    for wanted in _DATE_NAMES:
        for column in columns:
            if _norm(column) == wanted:
                return column
    if _is_unnamed(columns[0]):
        return columns[0]
    raise _error(
        source,
        "no date column",
        "a column named date, datetime, timestamp or time (any case), or an unnamed "
        "first column holding the dates",
        f"columns {[str(c) for c in columns]!r}",
    )


def _choose_columns(table, value_columns, file_symbol, source, decimal="."):
    """Map canonical names to source columns; say which rule chose ``close``."""
    by_name = {}
    for column in value_columns:
        by_name.setdefault(_norm(column), column)
    mapping = {name: by_name[name] for name in _EXTRA_COLUMNS if name in by_name}
    for name in _CLOSE_NAMES:
        if name in by_name:
            mapping["close"] = by_name[name]
            return mapping, f"column named {name!r}"
    if file_symbol is not None and _norm(file_symbol) in by_name:
        mapping["close"] = by_name[_norm(file_symbol)]
        return mapping, "column named like the symbol"
    candidates = [c for c in value_columns if c not in mapping.values()]
    numeric = [c for c in candidates if _is_numeric(table[c], decimal)]
    if (
        len(numeric) == 1
        or len(candidates) == 1
        and _has_a_number(table[candidates[0]], decimal)
    ):
        # A lone column with some bad values is the close: its message names them.
        mapping["close"] = numeric[0] if numeric else candidates[0]
        return mapping, "the single numeric column"
    like_symbol = f", a column named like the symbol {file_symbol!r}" if file_symbol else ""
    raise _error(
        source,
        "no price column" if not numeric else "ambiguous price column",
        f"a column named close, adj close or price (any case){like_symbol}, or a single "
        "numeric column besides open/high/low/volume",
        f"columns {[str(c) for c in table.columns]!r}, of which "
        + (f"{len(numeric)} numeric: {[str(c) for c in numeric]!r}" if numeric else "none")
        + " could be the price",
    )


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


def _has_a_number(series, decimal):
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    return bool(_numbers(_as_text(series).dropna(), decimal).notna().any())


def _to_float(series, source, column, decimal="."):
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        bad = pd.Series(np.isinf(values.to_numpy()), index=series.index)
        text = series.astype("string")
    else:
        text = _as_text(series)
        text = _settle_thousands(text, source, column)
        values = _numbers(text, decimal)
        bad = text.notna() & ~np.isfinite(values.to_numpy())
    if bad.any():
        examples = list(dict.fromkeys(text[bad].astype(str)))[:_SHOWN]
        first_row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        mark = "a decimal comma" if decimal == "," else "a decimal point"
        raise _error(
            source,
            f"column {str(column)!r} is not numeric",
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


def _clean(data, dates, symbol, description, min_rows):
    """Drop rows without a date or close, keep the last row of each date, sort, check."""
    source = description["source"]
    rows_read = len(data)
    no_date = dates.isna().to_numpy()
    rows_without_date = (data.index[no_date] + 1).tolist()
    data, dates = data[~no_date], dates[~no_date]
    # a price cannot be dated after the file was read: a placeholder such as
    # 9999-12-31 would be sorted last and become the label of the real last row
    now = pd.Timestamp.now(tz=dates.dt.tz) + pd.Timedelta(days=1)
    ahead = (dates > now).to_numpy()
    future_dates = sorted(dates[ahead])
    data, dates = data[~ahead], dates[~ahead]
    no_close = data["close"].isna().to_numpy()
    missing_close = sorted(dates[no_close])
    data = data[~no_close].set_axis(pd.DatetimeIndex(dates[~no_close], name="date"))
    unsorted = not data.index.is_monotonic_increasing
    repeated = data.index[data.index.duplicated(keep=False)].unique().sort_values()
    superseded = data.index.duplicated(keep="last")
    frame = data[~superseded].sort_index(kind="stable")
    where = source if description["symbol_column"] is None else f"{source} ({symbol})"
    not_positive = frame["close"] <= 0
    if not_positive.any():
        first = frame.index[not_positive.to_numpy()][0]
        raise _error(
            where,
            f"column {description['close_column']!r} (used as close) has "
            f"{int(not_positive.sum())} values <= 0 - it looks like returns, not prices",
            "prices > 0",
            f"a minimum of {frame['close'].min():g}, first value <= 0 on "
            f"{_iso([first])[0]}",
        )
    too_large = frame["close"] > _MAX_PRICE
    if too_large.any():
        first = frame.index[too_large.to_numpy()][0]
        raise _error(
            where,
            f"column {description['close_column']!r} (used as close) has "
            f"{int(too_large.sum())} values above {_MAX_PRICE:g}, too large for the "
            "features' sums and ratios",
            f"prices up to {_MAX_PRICE:g} (rescale the column, say to thousands)",
            f"a maximum of {frame['close'].max():g}, first above on {_iso([first])[0]}",
        )
    if "volume" in frame.columns and (frame["volume"] < 0).any():
        negative = frame["volume"] < 0
        raise _error(
            where,
            f"column {description['columns']['volume']!r} (used as volume) has "
            f"{int(negative.sum())} negative values",
            "volumes >= 0 (a traded quantity)",
            f"a minimum of {frame['volume'].min():g}, first on "
            f"{_iso([frame.index[negative.to_numpy()][0]])[0]}",
        )
    if len(frame) < min_rows:
        raise _error(
            where,
            f"too few rows for the feature window ({rows_read} read, "
            f"{len(rows_without_date)} without a date, {len(missing_close)} without a "
            f"price, {int(superseded.sum())} duplicate dates)",
            f"at least min_rows={min_rows} usable rows (the default feature window is 20 "
            "periods plus room for labels; pass a smaller min_rows to read it anyway)",
            f"{len(frame)}",
        )
    frame.attrs["skfix_cleaning"] = {
        "symbol": symbol,
        # Each frame gets its own copy: long-format symbols share one description.
        **copy.deepcopy(description),
        "rows_read": rows_read,
        "rows_kept": len(frame),
        "rows_without_date": {
            "count": len(rows_without_date),
            "first_rows": rows_without_date[:_SHOWN],
            "action": "dropped",
        },
        "missing_close": {
            "count": len(missing_close),
            "first_dates": _iso(missing_close[:_SHOWN]),
            "action": "dropped",
        },
        "duplicate_dates": {
            "count": len(repeated),
            "rows_dropped": int(superseded.sum()),
            "first_dates": _iso(repeated[:_SHOWN]),
            "action": "kept the last row of each date, in file order",
        },
        "dates_after_today": {
            "count": len(future_dates),
            "first_dates": _iso(future_dates[:_SHOWN]),
            "action": "dropped",
        },
        "unsorted": unsorted,
        "warnings": _oddities(frame)
        + (
            [
                f"{len(future_dates)} row(s) dated after today, such as "
                f"{_iso(future_dates[:1])[0]} (a placeholder?), were dropped"
            ]
            if future_dates
            else []
        ),
        "missing_values": {
            column: int(frame[column].isna().sum())
            for column in frame.columns
            if column != "close"
        },
    }
    return frame


def _oddities(frame):
    """What is legal but probably wrong in a clean frame, in plain words."""
    found = []
    close = frame["close"].to_numpy()
    if len(close) > 1:
        ratio = close[1:] / close[:-1]
        jumps = np.flatnonzero((ratio >= _JUMP_FACTOR) | (ratio <= 1 / _JUMP_FACTOR))
        if len(jumps):
            at = jumps[0]
            found.append(
                f"close moves by a factor of {_JUMP_FACTOR:g} or more from one row to "
                f"the next {len(jumps)} time(s), first on "
                f"{_iso([frame.index[at + 1]])[0]} ({close[at]:g} to {close[at + 1]:g}): "
                "a bad value, a stock split or a change of unit?"
            )
        if np.all(close == close[0]):
            found.append(
                f"close never changes ({len(close)} rows at {close[0]:g}): there is "
                "nothing to predict"
            )
    if "volume" in frame.columns:
        volume = frame["volume"].dropna()
        if len(volume) and (volume == 0).all():
            found.append(
                "volume is 0 on every row, so the volume feature (volume_change) "
                "carries nothing"
            )
    return found
