"""Real price data in: the embedded market panel and a reader for your own files.

``load_market_panel`` returns the eleven real series shipped inside skfix;
``read_prices`` reads your own CSV or Parquet files (or a folder of them) into the
same clean shape, and raises ``DataFormatError`` with a clear message on bad input.
"""

from ._market import load_market_panel
from ._read import DataFormatError, read_prices

__all__ = ["DataFormatError", "load_market_panel", "read_prices"]
