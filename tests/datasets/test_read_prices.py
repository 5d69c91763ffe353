import gzip
import json
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skfix.datasets import DataFormatError
from skfix.datasets import read_prices as _read_prices

N = 40


def _dates(n=N, freq="B", start="2000-01-03"):
    return pd.date_range(start, periods=n, freq=freq)


def _closes(n=N):
    return [100.0 + i for i in range(n)]


def _write(folder, name, header, rows):
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _simple_rows(dates=None, closes=None, fmt="%Y-%m-%d"):
    dates = _dates() if dates is None else dates
    closes = _closes(len(dates)) if closes is None else closes
    return [f"{d.strftime(fmt)},{c}" for d, c in zip(dates, closes, strict=True)]


def _expected(dates=None, closes=None):
    dates = _dates() if dates is None else dates
    closes = _closes(len(dates)) if closes is None else closes
    index = pd.DatetimeIndex(dates, name="date", freq=None).as_unit("us")
    return pd.DataFrame({"close": np.asarray(closes, dtype="float64")}, index=index)


# id(frame) -> (frame, report): the cleaning report of each frame read in these tests
_REPORTS = {}


def read_prices(path, **kwargs):
    """skfix's reader, asked for its reports every time (kept for ``_report``)."""
    frames, reports = _read_prices(path, return_reports=True, **kwargs)
    for symbol, frame in frames.items():
        _REPORTS[id(frame)] = (frame, reports[symbol])
    return frames


def _report(frame):
    return _REPORTS[id(frame)][1].as_dict()


# --- the shape of what comes back ---------------------------------------------------


def test_single_file_gives_one_symbol_named_after_the_file(tmp_path):
    path = _write(tmp_path, "ACME.csv", "Date,Close", _simple_rows())
    frames = read_prices(path)
    assert list(frames) == ["ACME"]
    pd.testing.assert_frame_equal(frames["ACME"], _expected())
    report = _report(frames["ACME"])
    json.dumps(report)
    assert report["source"] == "ACME.csv"
    assert report["symbol"] == "ACME"
    assert report["rows_read"] == report["rows_kept"] == N
    assert report["close_column"] == "Close"


def test_accepts_str_paths(tmp_path):
    path = _write(tmp_path, "ACME.csv", "Date,Close", _simple_rows())
    pd.testing.assert_frame_equal(read_prices(str(path))["ACME"], _expected())


def test_ohlcv_columns_are_kept_in_canonical_order(tmp_path):
    rows = [
        f"{d:%Y-%m-%d},1000,{c - 1},{c + 0.5},{c},{c + 2},{c - 3}"
        for d, c in zip(_dates(), _closes(), strict=True)
    ]
    path = _write(tmp_path, "X.csv", "Date,Volume,Low,Adj Close,Close,High,Open", rows)
    frame = read_prices(path)["X"]
    assert frame.columns.tolist() == ["open", "high", "low", "close", "volume"]
    assert (frame.dtypes == "float64").all()
    assert frame["close"].tolist() == _closes()
    report = _report(frame)
    assert frame["volume"].eq(1000).all() and frame["open"].tolist()[0] == 97.0
    assert report["columns_ignored"] == ["Adj Close"]
    assert report["ignored_reasons"] == {
        "Adj Close": "the adjusted close: used to detect splits, not a feature"
    }
    assert report["extra_columns"] == []
    assert report["columns"]["open"] == "Open"
    assert report["close_rule"] == "column named 'close'"


@pytest.mark.parametrize(
    ("header", "close_column", "rule"),
    [
        ("Date,Adj Close,Price", "Adj Close", "column named 'adj close'"),
        ("Date,adj_close,price", "adj_close", "column named 'adj close'"),
        ("Date,PRICE,Other", "PRICE", "column named 'price'"),
        ("Date,acme,Other", "acme", "column named like the symbol"),
        ("Date,DCOILWTICO", "DCOILWTICO", "the single numeric column"),
    ],
)
def test_price_column_priority(tmp_path, header, close_column, rule):
    # The first value column holds the closes; any second one holds other numbers.
    others = ",2.5" * (header.count(",") - 1)
    rows = [f"{row}{others}" for row in _simple_rows()]
    frame = read_prices(_write(tmp_path, "ACME.csv", header, rows))["ACME"]
    assert frame["close"].tolist() == _closes()
    assert _report(frame)["close_column"] == close_column
    assert _report(frame)["close_rule"] == rule


def test_single_numeric_column_among_text_columns(tmp_path):
    rows = [f"{d:%Y-%m-%d},note,{c}" for d, c in zip(_dates(), _closes(), strict=True)]
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Comment,Value", rows))["X"]
    assert frame["close"].tolist() == _closes()
    assert _report(frame)["columns_ignored"] == ["Comment"]
    assert _report(frame)["ignored_reasons"] == {
        "Comment": "not numeric (first non-number 'note' on data row 1)"
    }


# --- dates ----------------------------------------------------------------------------


def _us(d):
    return f"{d.month}/{d.day}/{d.year}"


@pytest.mark.parametrize(
    ("write_date", "freq", "detected"),
    [
        (lambda d: d.strftime("%Y-%m-%d"), "B", "%Y-%m-%d"),
        (_us, "B", "%m/%d/%Y"),
        (lambda d: f"{d:%b} {d.day} {d.year}", "MS", "%b %d %Y"),
        (lambda d: d.strftime("%Y-%m-%d %H:%M:%S"), "h", "%Y-%m-%d %H:%M:%S"),
        (lambda d: d.strftime("%Y%m"), "MS", "%Y%m"),
        (lambda d: d.strftime("%Y%m%d"), "B", "%Y%m%d"),
        (lambda d: d.strftime("%d.%m.%Y"), "B", "%d.%m.%Y"),
    ],
    ids=[
        "iso",
        "us-month-first",
        "month-name",
        "iso-datetime",
        "year-month",
        "yyyymmdd",
        "dotted",
    ],
)
def test_date_formats(tmp_path, write_date, freq, detected):
    dates = _dates(freq=freq, start="1999-01-04" if freq != "MS" else "1926-07-01")
    rows = [f"{write_date(d)},{c}" for d, c in zip(dates, _closes(), strict=True)]
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))["X"]
    pd.testing.assert_frame_equal(frame, _expected(dates))
    assert _report(frame)["date_format"] == detected


def test_mixed_date_formats_are_read_where_each_is_unambiguous(tmp_path):
    dates = _dates()
    text = [
        d.strftime("%Y-%m-%d") if i % 2 else f"{d:%b} {d.day} {d.year}"
        for i, d in enumerate(dates)
    ]
    rows = [f"{t},{c}" for t, c in zip(text, _closes(), strict=True)]
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))["X"]
    pd.testing.assert_frame_equal(frame, _expected(dates))
    assert _report(frame)["date_format"] == "mixed, each unambiguous: %b %d %Y, %Y-%m-%d"


def test_day_first_dates_are_used_when_month_first_cannot_parse(tmp_path):
    dates = _dates(start="2000-01-10")
    rows = _simple_rows(dates, fmt="%d/%m/%Y")
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))["X"]
    pd.testing.assert_frame_equal(frame, _expected(dates))
    assert _report(frame)["date_format"] == "%d/%m/%Y"


@pytest.mark.parametrize(
    "header",
    [",close", "Unnamed: 0,close", "timestamp,close", "DATETIME,close", "Time,close"],
)
def test_date_column_names_and_unnamed_index_column(tmp_path, header):
    frame = read_prices(_write(tmp_path, "X.csv", header, _simple_rows()))["X"]
    pd.testing.assert_frame_equal(frame, _expected())


def test_index_written_by_pandas_reads_back(tmp_path):
    _expected().rename_axis(None).to_csv(tmp_path / "X.csv")
    pd.testing.assert_frame_equal(read_prices(tmp_path / "X.csv")["X"], _expected())


# --- long format and folders ------------------------------------------------------------


@pytest.mark.parametrize("symbol_header", ["symbol", "Ticker"])
def test_long_format_gives_one_frame_per_symbol(tmp_path, symbol_header):
    dates = _dates(freq="MS")
    rows = [
        f"{s},{d:%b} {d.day} {d.year},{c * k}"
        for s, k in (("MSFT", 1), ("AAPL", 2))
        for d, c in zip(dates, _closes(), strict=True)
    ]
    frames = read_prices(
        _write(tmp_path, "stocks.csv", f"{symbol_header},date,price", rows)
    )
    assert list(frames) == ["AAPL", "MSFT"]
    pd.testing.assert_frame_equal(frames["MSFT"], _expected(dates))
    pd.testing.assert_frame_equal(
        frames["AAPL"], _expected(dates, [2 * c for c in _closes()])
    )
    report = _report(frames["AAPL"])
    assert report["symbol"] == "AAPL"
    assert report["symbol_column"] == symbol_header
    assert report["rows_read"] == N


def test_folder_unites_files_and_skips_other_files(tmp_path):
    _write(tmp_path, "B.csv", "Date,Close", _simple_rows())
    _write(tmp_path, "A.csv", "Date,Close", _simple_rows())
    (tmp_path / "README.md").write_text("not data")
    frames = read_prices(tmp_path)
    assert list(frames) == ["A", "B"]
    assert _report(frames["B"])["source"] == "B.csv"


def test_folder_with_a_symbol_in_two_files_names_both(tmp_path):
    _write(tmp_path, "AAPL.csv", "Date,Close", _simple_rows())
    rows = [f"AAPL,{row}" for row in _simple_rows()]
    _write(tmp_path, "stocks.csv", "symbol,date,price", rows)
    with pytest.raises(DataFormatError, match=r"stocks\.csv.*'AAPL'.*AAPL\.csv"):
        read_prices(tmp_path)


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataFormatError, match=r"no price files.*\.csv.*notes\.txt"):
        read_prices(tmp_path)


def test_missing_path():
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        read_prices("nowhere.csv")


# --- compressed and parquet files --------------------------------------------------------


def test_gzip_csv_reads_like_the_plain_file(tmp_path):
    plain = _write(tmp_path, "X.csv", "Date,Close", _simple_rows())
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / "X.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    frame = read_prices(tmp_path / "gz" / "X.csv.gz")["X"]
    pd.testing.assert_frame_equal(frame, read_prices(plain)["X"])
    assert _report(frame)["source"] == "X.csv.gz"


def test_parquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow")
    plain = _write(tmp_path, "X.csv", "Date,Close", _simple_rows())
    pd.read_csv(plain).to_parquet(tmp_path / "raw.parquet")
    frame = read_prices(tmp_path / "raw.parquet")["raw"]
    pd.testing.assert_frame_equal(frame, read_prices(plain)["X"])
    read_prices(plain)["X"].to_parquet(tmp_path / "X.parquet")
    pd.testing.assert_frame_equal(read_prices(tmp_path / "X.parquet")["X"], _expected())
    assert _report(read_prices(tmp_path / "X.parquet")["X"])["date_column"] == "date"


def test_parquet_with_unnamed_index(tmp_path):
    pytest.importorskip("pyarrow")
    _expected().rename_axis(None).to_parquet(tmp_path / "X.parquet")
    pd.testing.assert_frame_equal(read_prices(tmp_path / "X.parquet")["X"], _expected())


def test_unreadable_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    (tmp_path / "X.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataFormatError, match=r"^X\.parquet: the file cannot be read as"):
        read_prices(tmp_path / "X.parquet")


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "X.parquet").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r'X\.parquet.*pip install "skfix\[parquet\]"'):
        read_prices(tmp_path / "X.parquet")


# --- cleaning, reported -------------------------------------------------------------------


def test_dot_and_empty_cells_are_missing_and_reported(tmp_path):
    rows = [
        f"{d:%Y-%m-%d},{c},{c},{c},{'' if i == 3 else 100}"
        for i, (d, c) in enumerate(zip(_dates(), _closes(), strict=True))
    ]
    dates = _dates()
    rows[5] = f"{dates[5]:%Y-%m-%d},1,1,.,100"
    rows[7] = f"{dates[7]:%Y-%m-%d},1,1,,100"
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Open,High,Close,Volume", rows))["X"]
    assert len(frame) == N - 2
    assert dates[5] not in frame.index and dates[7] not in frame.index
    assert np.isnan(frame.loc[dates[3], "volume"])
    report = _report(frame)
    assert report["missing_close"] == {
        "count": 2,
        "first_dates": [f"{dates[5]:%Y-%m-%d}", f"{dates[7]:%Y-%m-%d}"],
        "action": "dropped",
    }
    assert report["missing_values"] == {"open": 0, "high": 0, "volume": 1}
    assert report["rows_read"] == N and report["rows_kept"] == N - 2


def test_unsorted_and_duplicated_dates_are_reported(tmp_path):
    rows = _simple_rows()
    dates = _dates()
    shuffled = rows[::-1] + [f"{dates[4]:%Y-%m-%d},999.0"]
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Close", shuffled))["X"]
    closes = _closes()
    closes[4] = 999.0
    pd.testing.assert_frame_equal(frame, _expected(dates, closes))
    report = _report(frame)
    assert report["unsorted"] is True
    assert report["duplicate_dates"] == {
        "count": 1,
        "rows_dropped": 1,
        "first_dates": [f"{dates[4]:%Y-%m-%d}"],
        "action": "kept the last row of each date, in file order",
    }


def test_rows_without_a_date_are_dropped_and_reported(tmp_path):
    rows = [*_simple_rows(), ",123.0"]
    frame = read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))["X"]
    pd.testing.assert_frame_equal(frame, _expected())
    assert _report(frame)["rows_without_date"]["first_rows"] == [N + 1]


def test_clean_input_reports_nothing_cleaned(tmp_path):
    report = _report(
        read_prices(_write(tmp_path, "X.csv", "Date,Close", _simple_rows()))["X"]
    )
    assert report["unsorted"] is False
    assert report["missing_close"]["count"] == 0
    assert report["duplicate_dates"]["count"] == 0
    assert report["rows_without_date"]["count"] == 0


_BASE = _simple_rows()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    order=st.permutations(range(N)),
    repeats=st.lists(st.integers(0, N - 1), max_size=10),
)
def test_any_order_and_duplication_of_rows_gives_the_same_frame(tmp_path, order, repeats):
    rows = [_BASE[i] for i in order] + [_BASE[i] for i in repeats]
    path = _write(tmp_path, "X.csv", "Date,Close", rows)
    frame = read_prices(path)["X"]
    pd.testing.assert_frame_equal(frame, _expected())
    report = _report(frame)
    positions = list(order) + list(repeats)
    assert report["unsorted"] is (positions != sorted(positions))
    assert report["duplicate_dates"]["count"] == len(set(repeats))
    assert report["duplicate_dates"]["rows_dropped"] == len(repeats)
    assert report["rows_read"] == N + len(repeats)


# --- bad input: each error names the file, what was expected and what was found ---


def test_no_date_column(tmp_path):
    path = _write(tmp_path, "X.csv", "Day,Close", _simple_rows())
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: no date column; expected a column named date.*found columns "
        r"\['Day', 'Close'\]",
    ):
        read_prices(path)


def test_dates_that_do_not_parse(tmp_path):
    rows = _simple_rows()
    rows[3] = f"someday,{_closes()[3]}"
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: dates in column 'Date' do not parse; expected one date format "
        r"throughout.*found 1 unreadable values such as \['someday'\]",
    ):
        read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))


def test_year_month_dates_with_a_bad_month(tmp_path):
    rows = [f"1999{m:02d},{c}" for m, c in zip(range(1, N + 1), _closes(), strict=True)]
    with pytest.raises(DataFormatError, match=r"X\.csv.*in the format %Y%m.*'199913'"):
        read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))


def test_no_price_column(tmp_path):
    rows = [f"{row},1000" for row in _simple_rows()]
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: no price column; expected a column named close, adj close or "
        r"price.*found columns \['Date', 'Open', 'Volume'\], of which none could be",
    ):
        read_prices(_write(tmp_path, "X.csv", "Date,Open,Volume", rows))


def test_ambiguous_price_column(tmp_path):
    rows = [f"{d:%Y-%m-%d},{c},{c}" for d, c in zip(_dates(), _closes(), strict=True)]
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: ambiguous price column; expected .*single numeric column.*found "
        r"columns \['Date', 'AAPL', 'MSFT'\], of which 2 numeric",
    ):
        read_prices(_write(tmp_path, "X.csv", "Date,AAPL,MSFT", rows))


def test_non_numeric_prices(tmp_path):
    rows = _simple_rows()
    rows[2] = rows[2].split(",")[0] + ",n/a?"
    rows[9] = rows[9].split(",")[0] + ",1'000"
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: column 'Close' is not numeric; expected finite numbers.*found 2 "
        r"other values such as \['n/a\?', \"1'000\"\] \(first in data row 3\)",
    ):
        read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))


def test_non_positive_prices_look_like_returns(tmp_path):
    returns = [0.01 * (-1) ** i for i in range(N)]
    rows = _simple_rows(closes=returns)
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: column 'ret' \(used as close\) has 20 values <= 0 - it looks like "
        r"returns, not prices; expected prices > 0, found a minimum of -0\.01, first value "
        r"<= 0 on 2000-01-04",
    ):
        read_prices(_write(tmp_path, "X.csv", "Date,ret", rows))


def test_fewer_rows_than_the_feature_window_needs(tmp_path):
    rows = _simple_rows()[:25]
    rows[0] = rows[0].split(",")[0] + ",."
    with pytest.raises(
        DataFormatError,
        match=r"^X\.csv: too few rows for the feature window \(25 read, 0 without a date, "
        r"1 without a price, 0 duplicate dates\); expected at least min_rows=30 usable rows"
        r".*found 24\.$",
    ):
        read_prices(_write(tmp_path, "X.csv", "Date,Close", rows))
    assert len(read_prices(tmp_path / "X.csv", min_rows=24)["X"]) == 24


def test_too_few_rows_in_long_format_names_the_symbol(tmp_path):
    rows = [f"AAPL,{r}" for r in _simple_rows()] + [f"GOOG,{r}" for r in _simple_rows()[:5]]
    with pytest.raises(
        DataFormatError, match=r"^stocks\.csv \(GOOG\): too few rows.*found 5"
    ):
        read_prices(_write(tmp_path, "stocks.csv", "symbol,date,price", rows))


def test_rows_without_a_symbol(tmp_path):
    rows = [f"AAPL,{r}" for r in _simple_rows()]
    rows[4] = "," + rows[4].split(",", 1)[1]
    with pytest.raises(
        DataFormatError,
        match=r"^stocks\.csv: rows without a symbol in column 'symbol'; expected a symbol "
        r"on every row.*found 1 empty cells \(data rows \[5\]\)",
    ):
        read_prices(_write(tmp_path, "stocks.csv", "symbol,date,price", rows))


def test_empty_file(tmp_path):
    (tmp_path / "X.csv").write_text("")
    with pytest.raises(DataFormatError, match=r"^X\.csv: the file is empty"):
        read_prices(tmp_path / "X.csv")


def test_unknown_file_type(tmp_path):
    (tmp_path / "X.xlsx").write_bytes(b"")
    with pytest.raises(DataFormatError, match=r"^X\.xlsx: unknown file type.*'\.xlsx'"):
        read_prices(tmp_path / "X.xlsx")


@pytest.mark.parametrize(
    ("min_rows", "error"), [(0, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_min_rows_is_checked(tmp_path, min_rows, error):
    path = _write(tmp_path, "X.csv", "Date,Close", _simple_rows())
    with pytest.raises(error, match="min_rows"):
        read_prices(path, min_rows=min_rows)
