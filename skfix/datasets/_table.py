"""Reading a file into a table: format sniffing (delimiter, compression, Parquet), the
choice of its date, price and symbol columns, and which other columns are kept."""

from __future__ import annotations

import gzip
import re
import zlib

import pandas as pd

from .._optional import import_pyarrow
from ._errors import _error
from ._numbers import (
    _MISSING_MARKERS,
    _as_text,
    _first_non_number,
    _has_a_number,
    _is_numeric,
)

#: Output columns, in this order, where the source has them.
CANONICAL_COLUMNS = ("open", "high", "low", "close", "volume")


_EXTRA_COLUMNS = ("open", "high", "low", "volume")


# Names that make a column the close, best first.
_CLOSE_NAMES = ("close", "adj close", "adjusted close", "price")


_ADJUSTED_NAMES = ("adj close", "adjusted close")


_DATE_NAMES = ("date", "datetime", "timestamp", "time")


_SYMBOL_NAMES = ("symbol", "ticker")


# Delimiters a CSV file may use, told apart by their count in the header line.
_DELIMITERS = (",", ";", "\t", "|")


# How much of a file is looked at to tell its delimiter and decimal mark.
_SNIFF_BYTES = 1 << 16


def _read_table(path, source, suffix):
    """The file as a table of strings (CSV) or values (Parquet), and its format:
    ``{"delimiter", "decimal"}`` found."""
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
        return table.reset_index(drop=True), {"delimiter": None, "decimal": "."}
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
    return table, {"delimiter": delimiter, "decimal": decimal}


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


def _user_columns(
    table, value_columns, mapping, date_column, symbol_column, file_symbol, decimal="."
):
    """The value columns kept beside the canonical ones, and why the others are not.

    A column is kept (as float64, under ``str(name)``) when it is numeric as
    :func:`_is_numeric` judges it with the file's decimal mark and it is none of: a
    column mapped to a canonical name (``mapping``, after any split adjustment), the
    adjusted close, another column named like a canonical, price, date or symbol column,
    an unnamed column (a written row index), a column without values. Returns
    ``(kept, reasons)``: the kept columns (the table's labels) in file order, and
    ``{str(column): reason}`` for every other column of ``value_columns`` not in
    ``mapping``, in file order.
    """
    used = set(mapping.values())
    close = mapping["close"]
    taken = {str(canonical) for canonical in mapping}
    kept, reasons = [], {}
    for column in value_columns:
        if column in used:
            continue
        name, norm = str(column), _norm(column)
        reason = None
        if norm in _ADJUSTED_NAMES and _norm(close) in _ADJUSTED_NAMES:
            reason = f"a second adjusted close: {str(close)!r} is used as close"
        elif norm in _ADJUSTED_NAMES:
            reason = "the adjusted close: used to detect splits, not a feature"
        elif norm == "close" and _norm(close) in _ADJUSTED_NAMES:
            reason = (
                f"the unadjusted close: {str(close)!r} is used as close, as this column "
                "has a split it does not adjust for"
            )
        elif norm in mapping:
            reason = f"a second {norm!r} column: {str(mapping[norm])!r} is used as {norm}"
        elif norm in _CLOSE_NAMES or (
            file_symbol is not None and norm == _norm(file_symbol)
        ):
            what = "named like the symbol" if norm not in _CLOSE_NAMES else f"{norm!r}"
            reason = (
                f"another price column ({what}): {str(close)!r} is used as close, not "
                "a feature"
            )
        elif norm in _DATE_NAMES:
            reason = f"another date column: {str(date_column)!r} holds the dates"
        elif norm in _SYMBOL_NAMES:
            reason = f"another symbol column: {str(symbol_column)!r} names the symbols"
        elif _is_unnamed(column):
            reason = "no header (an unnamed column, such as a written row index)"
        elif name in taken:
            reason = f"a second column named {name!r}"
        elif _as_text(table[column]).dropna().empty:
            reason = "no values (every cell is missing)"
        elif not _is_numeric(table[column], decimal):
            row, text = _first_non_number(table[column], decimal)
            shown = text if len(text) <= 40 else f"{text[:40]}..."
            reason = f"not numeric (first non-number {shown!r} on data row {row})"
        if reason is None:
            kept.append(column)
            taken.add(name)
        else:
            reasons[name] = reason
    return kept, reasons
