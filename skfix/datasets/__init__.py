"""Real price data in: the embedded market panel and a reader for your own files.

``load_market_panel`` returns the eleven real series shipped inside skfix;
``read_prices`` reads your own CSV or Parquet files (or a folder of them) into the
same clean shape, and raises ``DataFormatError`` with a clear message on bad input
(``read_price_files`` reads every file of a folder that can be read and returns the
errors of the others);
``simulate_prices`` makes series whose best possible accuracy is known, for power
studies, and ``bayes_direction`` gives the predictions that reach it.
"""

from ._market import load_market_panel
from ._read import DataFormatError, price_file_symbol, read_price_files, read_prices
from ._report import CleaningReport
from ._simulate import PROCESSES, bayes_direction, simulate_prices

__all__ = [
    "PROCESSES",
    "CleaningReport",
    "DataFormatError",
    "bayes_direction",
    "load_market_panel",
    "price_file_symbol",
    "read_price_files",
    "read_prices",
    "simulate_prices",
]
