"""The reader keeps a file's other numeric columns (user columns) and says why it ignores
the rest."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skfix.datasets import CleaningReport, DataFormatError, read_prices

N = 40
DATES = pd.bdate_range("2000-01-03", periods=N)
CLOSES = [100.0 + i for i in range(N)]


def _write(folder, name, header, rows, end="\n"):
    path = folder / name
    path.write_text("\n".join([header, *rows]) + end)
    return path


def _read(path, **kwargs):
    frames, reports = read_prices(path, return_reports=True, **kwargs)
    return frames, {symbol: report.as_dict() for symbol, report in reports.items()}


def test_a_numeric_column_is_kept_after_the_canonical_ones(tmp_path):
    rows = [
        f"{d:%Y-%m-%d},{i / 4},{c},{'' if i == 3 else i},{c + 1},ok"
        for i, (d, c) in enumerate(zip(DATES, CLOSES, strict=True))
    ]
    header = "Date,Signal,Close,Rating,High,Note"
    frames, reports = _read(_write(tmp_path, "X.csv", header, rows))
    frame, report = frames["X"], reports["X"]
    assert frame.columns.tolist() == ["high", "close", "Signal", "Rating"]
    assert (frame.dtypes == "float64").all()
    assert frame["Signal"].tolist() == [i / 4 for i in range(N)]
    assert np.isnan(frame["Rating"].iloc[3])
    assert frame["Rating"].drop(frame.index[3]).tolist() == [
        float(i) for i in range(N) if i != 3
    ]
    assert report["extra_columns"] == ["Signal", "Rating"]
    assert report["missing_values"] == {"high": 0, "Signal": 0, "Rating": 1}
    assert report["columns"] == {"high": "High", "close": "Close"}
    assert report["columns_ignored"] == ["Note"]
    assert report["ignored_reasons"] == {
        "Note": "not numeric (first non-number 'ok' on data row 1)"
    }
    json.dumps(report)


def test_the_report_keeps_its_key_order_and_adds_the_new_fields_last(tmp_path):
    frames, reports = _read(_write(tmp_path, "X.csv", "Date,Close", _rows()))
    keys = list(reports["X"])
    assert keys[-3:] == ["missing_values", "extra_columns", "ignored_reasons"]
    assert [f for f in CleaningReport.__dataclass_fields__][-2:] == keys[-2:]
    assert reports["X"]["extra_columns"] == []
    assert reports["X"]["ignored_reasons"] == {}
    assert frames["X"].columns.tolist() == ["close"]


def _rows(*columns):
    """Date and close rows, then each of ``columns`` (a list of N cells)."""
    cells = zip(DATES, CLOSES, *columns, strict=True)
    return [",".join([f"{d:%Y-%m-%d}", str(c), *map(str, rest)]) for d, c, *rest in cells]


def test_a_text_column_is_ignored_naming_its_first_non_number(tmp_path):
    rating = [str(i) for i in range(N)]
    rating[2] = "abc"
    path = _write(tmp_path, "X.csv", "Date,Close,Rating", _rows(rating))
    frames, reports = _read(path)
    assert frames["X"].columns.tolist() == ["close"]
    assert reports["X"]["columns_ignored"] == ["Rating"]
    assert reports["X"]["ignored_reasons"] == {
        "Rating": "not numeric (first non-number 'abc' on data row 3)"
    }


def test_the_adjusted_close_is_ignored_as_such(tmp_path):
    adj = [c - 1 for c in CLOSES]
    path = _write(tmp_path, "X.csv", "Date,Close,Adj Close,Flow", _rows(adj, [1.5] * N))
    frames, reports = _read(path)
    assert frames["X"].columns.tolist() == ["close", "Flow"]
    assert reports["X"]["columns_ignored"] == ["Adj Close"]
    assert reports["X"]["ignored_reasons"] == {
        "Adj Close": "the adjusted close: used to detect splits, not a feature"
    }


def test_after_a_split_the_unadjusted_close_is_ignored_and_user_columns_not_scaled(
    tmp_path,
):
    adj = np.asarray(CLOSES)
    close = adj.copy()
    close[: N // 2] *= 4  # a 4:1 split that Close does not adjust for
    flow = [float(i) for i in range(N)]
    rows = [
        f"{d:%Y-%m-%d},{c},{a},{f}"
        for d, c, a, f in zip(DATES, close, adj, flow, strict=True)
    ]
    path = _write(tmp_path, "X.csv", "Date,Close,Adj Close,Flow", rows)
    frames, reports = _read(path)
    frame, report = frames["X"], reports["X"]
    assert report["close_column"] == "Adj Close"
    assert frame.columns.tolist() == ["close", "Flow"]
    assert frame["close"].tolist() == pytest.approx(adj.tolist())
    assert frame["Flow"].tolist() == flow
    assert report["columns_ignored"] == ["Close"]
    assert report["ignored_reasons"]["Close"].startswith(
        "the unadjusted close: 'Adj Close' is used as close"
    )


def test_long_format_keeps_user_columns_per_symbol(tmp_path):
    rows = []
    for i, d in enumerate(DATES):
        rows.append(f"{d:%Y-%m-%d},AAA,{100 + i},{i},x")
        rows.append(f"{d:%Y-%m-%d},BBB,{200 + i},{'' if i == 0 else -i},y")
    path = _write(tmp_path, "panel.csv", "date,ticker,price,Sentiment,Comment", rows)
    frames, reports = _read(path)
    assert list(frames) == ["AAA", "BBB"]
    assert frames["AAA"].columns.tolist() == frames["BBB"].columns.tolist()
    assert frames["AAA"].columns.tolist() == ["close", "Sentiment"]
    assert frames["AAA"]["Sentiment"].tolist() == [float(i) for i in range(N)]
    assert np.isnan(frames["BBB"]["Sentiment"].iloc[0])
    assert frames["BBB"]["Sentiment"].iloc[1:].tolist() == [-float(i) for i in range(1, N)]
    assert reports["AAA"]["missing_values"] == {"Sentiment": 0}
    assert reports["BBB"]["missing_values"] == {"Sentiment": 1}
    for report in reports.values():
        assert report["extra_columns"] == ["Sentiment"]
        assert report["columns_ignored"] == ["Comment"]
        assert report["ignored_reasons"]["Comment"].startswith("not numeric")


def test_user_columns_follow_their_rows_through_cleaning(tmp_path):
    rows = _rows([float(i) for i in range(N)])
    shuffled = rows[::-1] + [f"{DATES[4]:%Y-%m-%d},999.0,-1.0", f"{DATES[6]:%Y-%m-%d},.,-2"]
    frames, reports = _read(_write(tmp_path, "X.csv", "Date,Close,Flow", shuffled))
    frame = frames["X"]
    assert frame.index.is_monotonic_increasing and len(frame) == N
    assert frame.loc[DATES[4], "Flow"] == -1.0  # the last row of a duplicated date
    assert frame.loc[DATES[6], "Flow"] == 6.0  # the row without a close is dropped
    assert frame["Flow"].drop([DATES[4]]).tolist() == [float(i) for i in range(N) if i != 4]
    assert reports["X"]["unsorted"] is True


def test_a_decimal_comma_file_reads_its_user_columns(tmp_path):
    rows = [
        f"{d:%Y-%m-%d};{str(c).replace('.', ',')};{i},5;1.234,{i % 10};-0,{i}"
        for i, (d, c) in enumerate(zip(DATES, CLOSES, strict=True))
    ]
    path = _write(tmp_path, "EU.csv", "Date;Close;Rate;Index;Delta", rows)
    frames, reports = _read(path)
    frame = frames["EU"]
    assert reports["EU"]["decimal"] == ","
    assert frame.columns.tolist() == ["close", "Rate", "Index", "Delta"]
    assert frame["close"].tolist() == CLOSES
    assert frame["Rate"].tolist() == [i + 0.5 for i in range(N)]
    assert frame["Index"].tolist() == pytest.approx(
        [1234 + (i % 10) / 10 for i in range(N)]
    )
    assert frame["Delta"].tolist() == pytest.approx([-float(f"0.{i}") for i in range(N)])


def test_three_decimals_in_a_user_column_are_not_taken_for_thousands(tmp_path):
    # "2.000"-like values make a price column ambiguous; a user column is read as the
    # file's decimal mark says, so the file that read before still reads
    values = [f"{(-1) ** i * (0.125 + i / 1000):.3f}" for i in range(N)]
    frames, _ = _read(_write(tmp_path, "X.csv", "Date,Close,Score", _rows(values)))
    assert frames["X"]["Score"].tolist() == [float(v) for v in values]


@pytest.mark.parametrize("bad", ["inf", "-inf", "1e999"])
def test_inf_in_a_user_column_leaves_it_out_with_the_reason(tmp_path, bad):
    # a column nobody may use is no reason to refuse the file; a run that names it
    # fails on that file, naming the column (tests/features/test_transformer.py)
    values = [str(i) for i in range(N)]
    values[6] = bad
    path = _write(tmp_path, "X.csv", "Date,Close,Signal", _rows(values))
    frames, reports = read_prices(path, return_reports=True)
    assert frames["X"].columns.tolist() == ["close"]
    assert reports["X"].extra_columns == []
    reason = reports["X"].ignored_reasons["Signal"]
    assert reason.startswith("not finite numbers: 1 other values such as")
    assert "data row 7" in reason
    assert reports["X"].columns_ignored == ["Signal"]


def test_inf_in_a_price_column_is_refused_the_same_way(tmp_path):
    values = [str(c) for c in CLOSES]
    values[6] = "inf"
    path = _write(
        tmp_path,
        "X.csv",
        "Date,Close",
        [f"{d:%Y-%m-%d},{v}" for d, v in zip(DATES, values, strict=True)],
    )
    with pytest.raises(DataFormatError, match=r"^X\.csv: column 'Close' is not numeric"):
        read_prices(path)


@pytest.mark.parametrize(
    ("header", "cells", "reason"),
    [
        ("Price", CLOSES, "another price column ('price'): 'Close' is used as close"),
        ("x", CLOSES, "another price column (named like the symbol): 'Close' is used"),
        ("close", CLOSES, "a second 'close' column: 'Close' is used as close"),
        ("time", range(N), "another date column: 'Date' holds the dates"),
        ("Unnamed: 3", range(N), "no header (an unnamed column, such as a written row"),
        ("Empty", [""] * N, "no values (every cell is missing)"),
        ("Dots", ["."] * N, "no values (every cell is missing)"),
    ],
)
def test_columns_named_like_others_are_ignored_with_the_reason(
    tmp_path, header, cells, reason
):
    path = _write(tmp_path, "x.csv", f"Date,Close,{header},Flow", _rows(cells, [1] * N))
    frames, reports = _read(path)
    assert frames["x"].columns.tolist() == ["close", "Flow"]
    assert frames["x"]["close"].tolist() == CLOSES
    assert reports["x"]["columns_ignored"] == [header]
    assert reports["x"]["ignored_reasons"][header].startswith(reason)


def test_a_written_row_index_is_not_a_user_column(tmp_path):
    frame = pd.DataFrame({"Date": DATES.strftime("%Y-%m-%d"), "Close": CLOSES, "f": 1.0})
    frame.to_csv(tmp_path / "X.csv")  # writes the RangeIndex as an unnamed column
    frames, reports = _read(tmp_path / "X.csv")
    assert frames["X"].columns.tolist() == ["close", "f"]
    assert reports["X"]["columns_ignored"] == ["Unnamed: 0"]


def test_the_single_numeric_column_is_still_the_close(tmp_path):
    rows = [f"{d:%Y-%m-%d},a,{c},b" for d, c in zip(DATES, CLOSES, strict=True)]
    path = _write(tmp_path, "X.csv", "Date,Comment,Value,Other", rows)
    frames, reports = _read(path)
    assert frames["X"].columns.tolist() == ["close"]
    assert reports["X"]["close_rule"] == "the single numeric column"
    assert reports["X"]["columns_ignored"] == ["Comment", "Other"]
    assert reports["X"]["extra_columns"] == []


def test_two_numeric_columns_without_a_price_name_are_still_ambiguous(tmp_path):
    path = _write(tmp_path, "X.csv", "Date,Value,Signal", _rows([1.5] * N))
    with pytest.raises(DataFormatError, match="ambiguous price column"):
        read_prices(path)


def test_parquet_user_columns(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {
            "date": DATES,
            "close": CLOSES,
            "rate": np.where(np.arange(N) == 2, np.nan, np.arange(N) / 8),
            "count": np.arange(N, dtype="int64"),
            "flag": np.arange(N) % 2 == 0,
            "label": ["a"] * N,
        }
    )
    frame.to_parquet(tmp_path / "PQ.parquet")
    frames, reports = _read(tmp_path / "PQ.parquet")
    read = frames["PQ"]
    assert read.columns.tolist() == ["close", "rate", "count"]
    assert (read.dtypes == "float64").all()
    assert read["count"].tolist() == [float(i) for i in range(N)]
    assert reports["PQ"]["missing_values"] == {"rate": 1, "count": 0}
    assert reports["PQ"]["columns_ignored"] == ["flag", "label"]
    assert reports["PQ"]["ignored_reasons"]["flag"] == (
        "not numeric (first non-number 'True' on data row 1)"
    )


def test_parquet_inf_in_a_user_column_leaves_it_out(tmp_path):
    pytest.importorskip("pyarrow")
    rate = np.arange(N, dtype="float64")
    rate[5] = np.inf
    frame = pd.DataFrame({"date": DATES, "close": CLOSES, "rate": rate})
    frame.to_parquet(tmp_path / "PQ.parquet")
    frames, reports = read_prices(tmp_path / "PQ.parquet", return_reports=True)
    assert "rate" not in frames["PQ"].columns
    assert "data row 6" in reports["PQ"].ignored_reasons["rate"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.floats(allow_nan=False, allow_infinity=False, width=64),
        ),
        min_size=N,
        max_size=N,
    )
)
def test_any_finite_float_column_round_trips(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("roundtrip")
    cells = ["" if v is None else repr(v) for v in values]
    path = _write(folder, "R.csv", "Date,Close,Value", _rows(cells))
    frames, reports = _read(path)
    frame, report = frames["R"], reports["R"]
    if all(v is None for v in values):
        assert frame.columns.tolist() == ["close"]
        assert report["columns_ignored"] == ["Value"]
        return
    expected = np.array([np.nan if v is None else v for v in values], dtype="float64")
    assert frame.columns.tolist() == ["close", "Value"]
    assert frame["Value"].dtype == "float64"
    np.testing.assert_array_equal(frame["Value"].to_numpy(), expected)
    assert report["missing_values"] == {"Value": sum(v is None for v in values)}
