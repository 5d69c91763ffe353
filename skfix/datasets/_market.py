"""The embedded panel of eleven real market series."""

from importlib import resources

from ._read import _merge, _read_file, _split_reports

__all__ = ["load_market_panel"]

# The shipped files are gzip-compressed, byte-for-byte copies of the originals; their
# sources and licences are in data/PROVENANCE.md, data/LICENSE-* and docs/data.md.
_DATA_SUFFIX = ".csv.gz"


def load_market_panel(symbols=None, *, return_reports=False):
    """Load the eleven real price series shipped with skfix.

    Six series come from the arch 8.0.0 package (NCSA licence) and five monthly stock
    prices from vega_datasets 0.9.0 (MIT licence); they are read from inside the
    installed package, with no network and no repository checkout.

    Parameters
    ----------
    symbols : str or list of str, default=None
        The symbols to return, in this order; ``None`` returns all eleven: ``"AAPL"``,
        ``"AMZN"``, ``"BAA"``, ``"BRENT"``, ``"GOOG"``, ``"IBM"``, ``"MSFT"``,
        ``"NASDAQ"``, ``"SP500"``, ``"VIX"``, ``"WTI"``.
    return_reports : bool, default=False
        Also return what reading and cleaning did, one
        :class:`~skfix.datasets.CleaningReport` per symbol (WTI and VIX have days
        marked missing, which are dropped and reported).

    Returns
    -------
    panel : dict of str to pandas.DataFrame
        Symbol to frame, exactly as :func:`read_prices` reads the original files: a
        sorted, unique ``DatetimeIndex`` named ``date``, float64 columns ``close``
        and, for SP500 and NASDAQ, ``open, high, low, volume``.
    reports : dict of str to CleaningReport
        Only with ``return_reports=True``, for the same symbols.

    Raises
    ------
    ValueError
        If a requested symbol is not in the panel.

    See Also
    --------
    read_prices : Read your own price files the same way.

    Examples
    --------
    >>> from skfix.datasets import load_market_panel
    >>> panel = load_market_panel()
    >>> sorted(panel)
    ['AAPL', 'AMZN', 'BAA', 'BRENT', 'GOOG', 'IBM', 'MSFT', 'NASDAQ', 'SP500', 'VIX', 'WTI']
    >>> panel["SP500"].columns.tolist()
    ['open', 'high', 'low', 'close', 'volume']
    >>> panel, reports = load_market_panel("WTI", return_reports=True)
    >>> len(panel["WTI"]), reports["WTI"].missing_close["count"]
    (8321, 290)
    """
    data = resources.files(__package__) / "data"
    parts = []
    for entry in sorted(data.iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(_DATA_SUFFIX):
            with resources.as_file(entry) as path:
                parts.append((entry.name, _read_file(path, entry.name, min_rows=30)))
    panel = _merge(parts)
    if symbols is not None:
        wanted = [symbols] if isinstance(symbols, str) else list(symbols)
        unknown = [symbol for symbol in wanted if symbol not in panel]
        if unknown:
            raise ValueError(
                f"Unknown symbols {unknown!r}; the panel holds {list(panel)!r}."
            )
        panel = {symbol: panel[symbol] for symbol in wanted}
    return _split_reports(panel, return_reports)
