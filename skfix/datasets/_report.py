"""What reading and cleaning one symbol's price file did, as a typed report."""

import copy
from dataclasses import dataclass, fields

__all__ = ["CleaningReport"]


@dataclass(frozen=True)
class CleaningReport:
    """What reading and cleaning one symbol's price file did.

    Returned beside the clean frame by :func:`read_prices`,
    :func:`read_price_files` and :func:`load_market_panel` with
    ``return_reports=True``; ``skfix train`` records :meth:`as_dict` in the manifest
    (``symbols.<symbol>.data.cleaning``) and its reports.

    Attributes
    ----------
    symbol, source : str
        The symbol and the file it was read from.
    delimiter : str or None
        The CSV delimiter found (None for Parquet).
    decimal : str
        The decimal mark found (``"."`` or ``","``).
    symbol_column : str or None
        The column naming the symbol of each row (long format), if any.
    date_column, date_format : str
        The date column and the format its dates follow.
    close_column, close_rule : str
        The column used as ``close``, and the rule that chose it.
    columns : dict
        Each canonical column (``open``, ..., ``close``) and the file's column it is.
    columns_ignored : list of str
        The file's columns not in the frame (besides the date and symbol columns), in
        file order; ``ignored_reasons`` says why each is not.
    rows_read, rows_kept : int
        Rows in the file (for this symbol) and rows left after cleaning.
    rows_without_date, missing_close, duplicate_dates, dates_after_today : dict
        Each: ``count``, the first rows or dates concerned, and the ``action`` taken.
    unsorted : bool
        Whether the rows were out of date order (they are sorted).
    warnings : list of str
        What is legal but probably wrong (a price jump, a flat stretch).
    missing_values : dict
        Missing values left in each column other than ``close`` (user columns too).
    extra_columns : list of str
        The user columns kept in the frame after the canonical ones, in file order:
        the file's other numeric columns, under their own names, for use as features.
    ignored_reasons : dict
        Each column of ``columns_ignored`` (same order) and why it is not in the
        frame, in plain words: ``"not numeric (first non-number 'abc' on data row
        3)"``, ``"the adjusted close: used to detect splits, not a feature"``, ...
    """

    symbol: str
    source: str
    delimiter: str | None
    decimal: str
    symbol_column: str | None
    date_column: str
    date_format: str
    close_column: str
    close_rule: str
    columns: dict
    columns_ignored: list
    rows_read: int
    rows_kept: int
    rows_without_date: dict
    missing_close: dict
    duplicate_dates: dict
    dates_after_today: dict
    unsorted: bool
    warnings: list
    missing_values: dict
    extra_columns: list
    ignored_reasons: dict

    def as_dict(self):
        """The report as JSON data (a copy), in the order of the attributes."""
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
