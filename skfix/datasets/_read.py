"""Read price files (CSV, gzip-compressed CSV, Parquet, or a folder of them).

Every file becomes one clean frame per symbol: a sorted, unique ``DatetimeIndex`` named
``date``, float64 columns ``open, high, low, close, volume`` (only those present;
``close`` always), then the file's other numeric columns (user columns, such as an
analyst signal or a rate) as float64 under their own names, in file order, so that they
can be used as features. What cleaning did, which columns were kept and why the others
were not is a :class:`CleaningReport` per symbol, returned beside the frames on request
(``return_reports=True``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._clean import _adjust_for_splits, _clean
from ._dates import _parse_dates, _symbols
from ._discover import _files, _suffix, price_file_symbol
from ._errors import DataFormatError, _error
from ._numbers import _to_float
from ._table import (
    _SYMBOL_NAMES,
    CANONICAL_COLUMNS,
    _choose_columns,
    _find_date_column,
    _norm,
    _read_table,
    _user_columns,
)

__all__ = ["DataFormatError", "price_file_symbol", "read_price_files", "read_prices"]


def read_prices(path, *, min_rows=30, return_reports=False):
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
    return_reports : bool, default=False
        Also return what reading and cleaning did, one :class:`CleaningReport` per
        symbol.

    Returns
    -------
    frames : dict of str to pandas.DataFrame
        Symbol to frame, sorted by symbol. A single-series file gives one symbol named
        after the file (``SP500.csv`` and ``SP500.csv.gz`` give ``"SP500"``); a file
        with a ``symbol`` or ``ticker`` column (long format) gives one per symbol.
        Each frame has a sorted, unique ``DatetimeIndex`` named ``date``, float64
        columns ``open, high, low, close, volume`` (those present; ``close`` always),
        then the file's other numeric columns (user columns) as float64 under their
        own names (``str(name)``), in file order; a long-format file gives each symbol
        its rows of them.
    reports : dict of str to CleaningReport
        Only with ``return_reports=True``: symbol to what was read and cleaned (source
        file, date column and format, the column used as ``close`` and why, the user
        columns kept, the columns ignored and why, rows read and kept, rows dropped for
        a missing date or price with the first dates, duplicate dates (the last row of
        each is kept), whether the input was unsorted, and missing values left in the
        other columns).

    Raises
    ------
    DataFormatError
        If a file has no date column, dates that do not parse, no price column or
        several candidates, non-numeric values in a price column, inf in a price or
        user column, non-positive prices (a column of returns rather than prices),
        fewer than ``min_rows`` usable rows, rows without a symbol, or a symbol that
        two files of a folder both hold. The message names the file (and column), what
        was expected and what was found.
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

    Every other column whose present values are all numbers (read with the file's
    decimal mark) is kept as a user column; its missing values stay NaN and are
    counted in the report's ``missing_values``. Not kept, with the reason in the
    report's ``ignored_reasons``: text columns, empty and unnamed columns (a written
    row index), the adjusted close (used to detect splits) and any other column named
    like a price, date, symbol or canonical column.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfix.datasets import read_prices
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = [f"2000-01-{day:02d},{100 + day}" for day in range(1, 31)]
    >>> text = "Date,Close\\n" + "\\n".join(["2000-01-05,.", *rows, rows[-1]]) + "\\n"
    >>> _ = (folder / "ACME.csv").write_text(text)
    >>> frames, reports = read_prices(folder / "ACME.csv", return_reports=True)
    >>> frame = frames["ACME"]
    >>> frame.columns.tolist(), frame.index.name, str(frame.index[0].date())
    (['close'], 'date', '2000-01-01')
    >>> frame["close"].tolist()[:3]
    [101.0, 102.0, 103.0]
    >>> report = reports["ACME"]
    >>> report.rows_read, report.rows_kept, report.date_format
    (32, 30, '%Y-%m-%d')
    >>> report.missing_close["count"], report.duplicate_dates["first_dates"]
    (1, ['2000-01-30'])

    A numeric column besides the prices is kept; a text column is not:

    >>> rows = [f"2000-01-{day:02d},{100 + day},{day / 10},ok" for day in range(1, 31)]
    >>> text = "Date,Close,Signal,Note\\n" + "\\n".join(rows) + "\\n"
    >>> _ = (folder / "ACME.csv").write_text(text)
    >>> frames, reports = read_prices(folder / "ACME.csv", return_reports=True)
    >>> frames["ACME"].columns.tolist(), reports["ACME"].extra_columns
    (['close', 'Signal'], ['Signal'])
    >>> reports["ACME"].ignored_reasons
    {'Note': "not numeric (first non-number 'ok' on data row 1)"}
    """
    _check_min_rows(min_rows)
    pairs = _merge(
        (entry.name, _read_file(entry, entry.name, min_rows)) for entry in _files(path)
    )
    return _split_reports(pairs, return_reports)


def read_price_files(path, *, min_rows=30, return_reports=False):
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
    return_reports : bool, default=False
        Also return a :class:`CleaningReport` per symbol read.

    Returns
    -------
    frames : dict of str to pandas.DataFrame
        Symbol to clean frame, sorted by symbol, for every file that could be read.
    failures : dict of str to DataFormatError
        File name to the error that stopped it (the message names the file, what was
        expected and what was found), in file-name order. A file holding a symbol that
        an earlier file (in name order) already holds is a failure too.
    reports : dict of str to CleaningReport
        Only with ``return_reports=True``: what reading and cleaning did, per symbol.

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
    pairs = {symbol: frames[symbol] for symbol in sorted(frames)}
    frames, reports = _split_reports(pairs, True)
    return (frames, failures, reports) if return_reports else (frames, failures)


def _check_min_rows(min_rows):
    if isinstance(min_rows, bool) or not isinstance(min_rows, int | np.integer):
        raise TypeError(f"min_rows must be an int, got {type(min_rows).__name__}.")
    if min_rows < 1:
        raise ValueError(f"min_rows must be at least 1, got {min_rows}.")


def _split_reports(pairs, return_reports):
    """``{symbol: (frame, report)}`` as frames, and reports when asked for."""
    frames = {symbol: frame for symbol, (frame, _) in pairs.items()}
    if not return_reports:
        return frames
    return frames, {symbol: report for symbol, (_, report) in pairs.items()}


def _merge(parts):
    """Unite ``(source, {symbol: (frame, report)})`` pairs; a symbol may come from one
    file only."""
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
    """Read one file; ``source`` is the name used in messages, reports and the symbol.

    Returns ``{symbol: (frame, CleaningReport)}``."""
    suffix = _suffix(source)
    if suffix is None:
        raise _error(
            source,
            "unknown file type",
            "a file ending in .csv, .csv.gz or .parquet",
            f"{Path(source).suffix or 'no ending'!r}",
        )
    table, file_format = _read_table(path, source, suffix)
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
    canonical_columns = list(data.columns)
    user, reasons = _user_columns(
        table, value_columns, mapping, date_column, symbol_column, file_symbol, decimal
    )
    extra = {}
    for column in user:
        try:
            extra[str(column)] = _to_float(
                table[column], source, column, decimal, user=True
            )
        except DataFormatError as exc:
            # an unusable column nobody may use is no reason to refuse the file: it is
            # left out, and the reason says what was found
            found = str(exc).rsplit(", found ", 1)[-1].rstrip(".")
            reasons[str(column)] = f"not finite numbers: {found}"
    # the reasons in file order, whichever check left a column out
    order = {str(c): i for i, c in enumerate(value_columns)}
    reasons = dict(sorted(reasons.items(), key=lambda item: order[item[0]]))
    user = [column for column in user if str(column) in extra]
    if extra:
        data = pd.concat([data, pd.DataFrame(extra, index=table.index)], axis=1)
    description = {
        "source": source,
        "delimiter": file_format["delimiter"],
        "decimal": decimal,
        "symbol_column": None if symbol_column is None else str(symbol_column),
        "date_column": str(date_column),
        "date_format": date_format,
        "close_column": str(mapping["close"]),
        "close_rule": close_rule,
        "columns": {canonical: str(mapping[canonical]) for canonical in canonical_columns},
        "columns_ignored": list(reasons),
        "extra_columns": [str(column) for column in user],
        "ignored_reasons": reasons,
    }
    if symbol_column is None:
        return {file_symbol: _clean(data, dates, file_symbol, description, min_rows)}
    symbols = _symbols(table[symbol_column], source, symbol_column)
    frames = {}
    for symbol in sorted(symbols.unique()):
        rows = (symbols == symbol).to_numpy()
        frames[symbol] = _clean(data[rows], dates[rows], symbol, description, min_rows)
    return frames
