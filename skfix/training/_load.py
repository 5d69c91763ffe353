"""Price files in, for a run: every readable symbol, and a record for each file that
is not."""

from collections.abc import Mapping
from pathlib import Path

from ..manifest import error_record


class DataError(ValueError):
    """The data of a run cannot be used at all (no files, unreadable files)."""


def load_panel(data=None, symbols=None):
    """Read the price series of a run; a file that cannot be read is a failed symbol.

    Parameters
    ----------
    data : str, os.PathLike, list of them, mapping, or None
        Files or folders of price files (see :func:`skfix.datasets.read_price_files`);
        a mapping of symbol to price frame (checked when its symbol trains); ``None``
        is the built-in panel.
    symbols : list of str, default=None
        Keep only these symbols (in this order).

    Returns
    -------
    panel : dict of str to pandas.DataFrame
        The series that could be read.
    reports : dict of str to skfix.datasets.CleaningReport or None
        What reading and cleaning did, for each of them (None for a frame given in
        Python).
    source : str
        Where the data came from, for the manifest.
    failures : dict of str to dict
        The files that could not be read, each under the name of the symbol it would
        have held (the file name without its ending; the whole file name where that
        is taken): the error ``type``, ``message`` (which names the file) and
        ``source`` file.

    Raises
    ------
    DataError
        If a path does not exist or holds no price file, a symbol asked for is not in
        the data, or no file at all can be read.
    """
    from ..datasets import (
        DataFormatError,
        load_market_panel,
        price_file_symbol,
        read_price_files,
    )

    failures = {}
    if isinstance(data, Mapping):
        import pandas as pd

        bad = [s for s in data if not isinstance(s, str) or not s]
        if bad:
            raise DataError(
                f"the symbols of a mapping of frames must be non-empty strings; found "
                f"{bad[0]!r}."
            )
        panel = {}
        for symbol, frame in data.items():
            if isinstance(frame, pd.DataFrame):
                panel[symbol] = frame
            else:
                failures[symbol] = {
                    "type": "TypeError",
                    "message": f"the value for symbol {symbol!r} is a "
                    f"{type(frame).__name__}; expected a pandas DataFrame of prices.",
                    "source": None,
                }
        reports = dict.fromkeys(panel)
        source = f"{len(data)} frame(s) given in Python"
    elif data is None:
        panel, reports = load_market_panel(return_reports=True)
        source = "built-in panel"
    else:
        paths = [Path(p) for p in ([data] if isinstance(data, str | Path) else data)]
        panel, reports = {}, {}
        for path in paths:
            if not path.exists():
                raise DataError(f"{path}: no such file or folder.")
            try:
                # Too-short series are a per-symbol outcome ("insufficient data"),
                # recorded in the manifest, not a reason to stop the whole run.
                found, unreadable, cleaning = read_price_files(
                    path, min_rows=1, return_reports=True
                )
            except (DataFormatError, OSError) as exc:
                raise DataError(f"cannot read {path}: {exc}") from None
            for symbol in sorted(set(found) & set(panel)):
                source_file = cleaning[symbol].source
                unreadable[source_file] = DataFormatError(
                    f"{source_file}: symbol {symbol!r} is also in an earlier path; "
                    f"expected each symbol in one file, found it in {path} too."
                )
                del found[symbol]
            panel.update(found)
            reports.update((symbol, cleaning[symbol]) for symbol in found)
            for name, exc in unreadable.items():
                stem = price_file_symbol(name)
                key = stem if stem not in panel and stem not in failures else name
                failures[key] = error_record(exc, with_traceback=False, source=name)
        source = ", ".join(str(p) for p in paths)
    if symbols:
        missing = sorted(set(symbols) - set(panel) - set(failures))
        if missing:
            raise DataError(
                f"symbol(s) {missing} not in the data; found {sorted(panel)}"
                + (f" and the unreadable {sorted(failures)}" if failures else "")
                + "."
            )
        failures = {s: failures[s] for s in symbols if s in failures}
        panel = {s: panel[s] for s in symbols if s in panel}
    reports = {s: reports[s] for s in panel}
    if not panel:
        reasons = "".join(f"\n  {f['message']}" for f in failures.values())
        raise DataError(
            f"no price series could be read from {source}"
            + (f"; every file failed:{reasons}" if reasons else ".")
        )
    return panel, reports, source, failures


def _unreadable_record(failure):
    """The manifest entry of a file that could not be read."""
    from ..manifest import SymbolRecord

    return SymbolRecord(
        status="failed",
        error=dict(failure),
        why_none=f"the file could not be read: {failure['message']}",
    )
