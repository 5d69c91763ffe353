"""Files that used to abort a whole run: each is now one named failure, and the good
files beside it are read exactly as without it."""

import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skfix.datasets import read_price_files


def _good(folder):
    rows = [f"2015-01-{day:02d},{100 + day}" for day in range(1, 32)]
    (folder / "GOOD.csv").write_text("Date,Close\n" + "\n".join(rows) + "\n")


def _new_york_across_daylight_saving():
    start = datetime.date(2015, 3, 1)
    rows = []
    for i in range(40):
        day = start + datetime.timedelta(days=i)
        offset = "-05:00" if day < datetime.date(2015, 3, 8) else "-04:00"
        rows.append(f"{day}T00:00:00{offset},{100 + i}")
    return rows


def _dates_beside_utc_timestamps():
    return [
        f"2015-01-{day:02d}" + ("T00:00:00Z" if day % 2 else "") + f",{100 + day}"
        for day in range(1, 32)
    ]


def _unquoted_commas_in_dates():
    start = datetime.date(2015, 1, 1)
    return [
        f"{(start + datetime.timedelta(days=i)).strftime('%b %d, %Y')},{100 + i}"
        for i in range(40)
    ]


@pytest.mark.parametrize(
    "rows, words",
    [
        (
            _new_york_across_daylight_saving(),
            ["carry different UTC offsets", "-05:00", "-04:00", "data row 8"],
        ),
        (_dates_beside_utc_timestamps(), ["carry different UTC offsets", "'Z', 'none'"]),
        (
            _unquoted_commas_in_dates(),
            ["more fields than the header", "found 3 fields", "'Jan 01, 2015,100'"],
        ),
    ],
    ids=["utc-offset-changes", "plain-and-Z", "unquoted-comma"],
)
def test_one_bad_file_is_one_named_failure(tmp_path, rows, words):
    _good(tmp_path)
    frames_alone, _ = read_price_files(tmp_path)
    (tmp_path / "ODD.csv").write_text("Date,Close\n" + "\n".join(rows) + "\n")
    frames, failures = read_price_files(tmp_path)
    assert list(frames) == ["GOOD"] and list(failures) == ["ODD.csv"]
    pd.testing.assert_frame_equal(frames["GOOD"], frames_alone["GOOD"])
    message = str(failures["ODD.csv"])
    assert message.startswith("ODD.csv: ")
    for word in words:
        assert word in message


def test_one_utc_offset_throughout_is_read(tmp_path):
    rows = [f"2015-01-{day:02d}T00:00:00+01:00,{100 + day}" for day in range(1, 32)]
    (tmp_path / "CET.csv").write_text("Date,Close\n" + "\n".join(rows) + "\n")
    frames, failures = read_price_files(tmp_path)
    assert not failures and len(frames["CET"]) == 31


def test_us_dates_with_dashes_are_not_taken_for_offsets(tmp_path):
    # "01-05-2015" ends in "-2015", which is not a UTC offset: no time of day before it
    rows = [f"01-{day:02d}-2015,{100 + day}" for day in range(13, 32)]
    rows += [f"02-{day:02d}-2015,{100 + day}" for day in range(13, 29)]
    (tmp_path / "US.csv").write_text("Date,Close\n" + "\n".join(rows) + "\n")
    frames, failures = read_price_files(tmp_path)
    assert not failures and frames["US"].index[0] == pd.Timestamp("2015-01-13")


def test_an_unexpected_error_in_one_file_is_that_files_failure(tmp_path, monkeypatch):
    from skfix.datasets import _read

    _good(tmp_path)
    (tmp_path / "BOOM.csv").write_text((tmp_path / "GOOD.csv").read_text())
    real = _read._read_file

    def explode(path, source, min_rows):
        if source == "BOOM.csv":
            raise KeyError("something skfix did not foresee")
        return real(path, source, min_rows)

    monkeypatch.setattr(_read, "_read_file", explode)
    frames, failures = read_price_files(tmp_path)
    assert list(frames) == ["GOOD"]
    message = str(failures["BOOM.csv"])
    assert message.startswith("BOOM.csv: ") and "KeyError" in message


def test_a_message_never_echoes_a_whole_file(tmp_path):
    import json

    _good(tmp_path)
    rows = [{"date": f"2015-01-{i % 28 + 1:02d}", "close": 100 + i} for i in range(2000)]
    (tmp_path / "JSON.csv").write_text(json.dumps({"data": rows}))
    frames, failures = read_price_files(tmp_path)
    assert list(frames) == ["GOOD"]
    message = str(failures["JSON.csv"])
    assert message.startswith("JSON.csv: ") and len(message) < 1000
    assert "characters in all" in message


def _yahoo(n=300, split_at=150, adjusted=True):
    import numpy as np

    rng = np.random.default_rng(0)
    adj = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    close = adj.copy()
    close[:split_at] *= 4  # a 4:1 split that Close does not adjust for
    frame = pd.DataFrame(
        {
            "Date": pd.bdate_range("2010-01-04", periods=n).strftime("%Y-%m-%d"),
            "High": close * 1.01,
            "Low": close * 0.98,
            "Close": close,
            "Adj Close": adj,
        }
    )
    return frame if adjusted else frame.drop(columns="Adj Close")


def test_a_split_in_close_uses_the_adjusted_close(tmp_path):
    frame = _yahoo()
    frame.to_csv(tmp_path / "SPLIT.csv", index=False)
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    prices = frames["SPLIT"]
    cleaning = reports["SPLIT"].as_dict()
    assert (
        cleaning["close_column"] == "Adj Close" and "Close" in cleaning["columns_ignored"]
    )
    assert (
        "1 split(s)" in cleaning["close_rule"] and "data row 151" in cleaning["close_rule"]
    )
    assert not cleaning["warnings"]
    assert prices["close"].to_numpy() == pytest.approx(frame["Adj Close"].to_numpy())
    # high and low scaled like the close: the range feature sees no split
    assert (prices["high"] / prices["close"]).to_numpy() == pytest.approx(1.01)


def test_a_split_without_an_adjusted_column_is_a_data_warning(tmp_path):
    _yahoo(adjusted=False).to_csv(tmp_path / "SPLIT.csv", index=False)
    frames, _, reports = read_price_files(tmp_path, return_reports=True)
    cleaning = reports["SPLIT"].as_dict()
    assert cleaning["close_column"] == "Close"
    (warning,) = cleaning["warnings"]
    assert "factor of 3 or more" in warning and "stock split" in warning


def _write(folder, name, dates, start=100):
    closes = range(start, start + len(dates))
    pd.DataFrame({"Date": dates, "Close": closes}).to_csv(folder / name, index=False)


@pytest.mark.parametrize("order", [1, -1], ids=["ascending", "descending"])
def test_day_first_monthly_dates_are_read_day_first(tmp_path, order):
    # 01/02/1990 is February 1: read month first it would be twelve January days a year
    months = pd.date_range("1990-01-01", "2014-12-01", freq="MS")[::order]
    _write(tmp_path, "DAY.csv", months.strftime("%d/%m/%Y"))
    _write(tmp_path, "MONTH.csv", months.strftime("%m/%d/%Y"))
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    assert not failures
    for symbol in ("DAY", "MONTH"):
        prices = frames[symbol]
        assert prices.index.equals(pd.DatetimeIndex(months.sort_values(), name="date"))
    assert reports["DAY"].as_dict()["date_format"].startswith("%d/%m/%Y (")
    assert "regular intervals" in reports["DAY"].as_dict()["date_format"]


def test_day_or_month_first_without_a_clue_is_refused(tmp_path):
    _good(tmp_path)
    # distinct dates in no order, every day 12 or less: neither reading is regular
    import numpy as np

    pairs = [(d, m) for d in range(1, 13) for m in range(1, 13) if d != m]
    order = np.random.default_rng(0).permutation(len(pairs))[:40]
    days = [f"{pairs[i][0]:02d}/{pairs[i][1]:02d}/2015" for i in order]
    _write(tmp_path, "ODD.csv", days)
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    assert list(frames) == ["GOOD"]
    message = str(failures["ODD.csv"])
    assert "month first or day first" in message and "do not tell which" in message


def test_two_digit_years_are_never_in_the_future(tmp_path):
    _write(
        tmp_path, "OLD.csv", pd.bdate_range("1966-01-03", periods=40).strftime("%d-%b-%y")
    )
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    prices = frames["OLD"]
    assert prices.index[0] == pd.Timestamp("1966-01-03")
    assert "two-digit years" in reports["OLD"].date_format


def test_a_placeholder_date_is_dropped_and_said(tmp_path):
    dates = list(pd.bdate_range("2001-01-03", periods=40).strftime("%Y-%m-%d"))
    _write(tmp_path, "PH.csv", [*dates, "9999-12-31"])
    frames, _, reports = read_price_files(tmp_path, return_reports=True)
    prices = frames["PH"]
    cleaning = reports["PH"].as_dict()
    assert prices.index[-1] == pd.Timestamp(dates[-1]) and len(prices) == 40
    assert cleaning["dates_after_today"] == {
        "count": 1,
        "first_dates": ["9999-12-31"],
        "action": "dropped",
    }
    assert any("9999-12-31" in w for w in cleaning["warnings"])


def _thousands(value, separator):
    value = int(round(value))
    return f"{value // 1000}{separator}{value % 1000:03d}" if value >= 1000 else str(value)


@pytest.mark.parametrize("separator", [",", "."])
def test_thousands_separators_are_read_from_the_column(tmp_path, separator):
    import numpy as np

    dates = pd.bdate_range("2010-01-04", periods=60).strftime("%Y-%m-%d")
    values = np.linspace(950, 1100, 60)
    rows = [f"{d};{_thousands(v, separator)}" for d, v in zip(dates, values, strict=True)]
    (tmp_path / "TH.csv").write_text("Date;Close\n" + "\n".join(rows) + "\n")
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    assert not failures
    assert frames["TH"]["close"].to_numpy() == pytest.approx(np.round(values))


def test_thousands_or_decimals_without_a_clue_is_refused(tmp_path):
    import numpy as np

    _good(tmp_path)
    dates = pd.bdate_range("2010-01-04", periods=60).strftime("%Y-%m-%d")
    values = np.linspace(2000, 2100, 60)
    rows = [f"{d};{_thousands(v, ',')}" for d, v in zip(dates, values, strict=True)]
    (tmp_path / "TH.csv").write_text("Date;Close\n" + "\n".join(rows) + "\n")
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    assert list(frames) == ["GOOD"]
    message = str(failures["TH.csv"])
    assert "thousands separator or with a decimal mark" in message
    assert "'2,000'" in message and "about 2000 or 2" in message


def test_entries_that_are_not_price_files_are_named_never_opened(tmp_path):
    import os

    _good(tmp_path)
    (tmp_path / ".HIDDEN.csv").write_text((tmp_path / "GOOD.csv").read_text())
    os.mkfifo(tmp_path / "FIFO.csv")  # opening it would block: it must not be opened
    (tmp_path / "BROKEN.csv").symlink_to(tmp_path / "nowhere.csv")
    (tmp_path / "LOOP1.csv").symlink_to(tmp_path / "LOOP2.csv")
    (tmp_path / "LOOP2.csv").symlink_to(tmp_path / "LOOP1.csv")
    (tmp_path / "DIR.csv").mkdir()
    (tmp_path / "notes.txt").write_text("not a price file, by its name: not listed")
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    assert list(frames) == ["GOOD"]
    expected = {
        ".HIDDEN.csv": "a hidden file",
        "BROKEN.csv": "a broken symlink",
        "DIR.csv": "a folder, not a file",
        "FIFO.csv": "a FIFO",
        "LOOP1.csv": "cannot be followed",
        "LOOP2.csv": "cannot be followed",
    }
    assert list(failures) == sorted(expected)
    for name, words in expected.items():
        message = str(failures[name])
        assert message.startswith(f"{name}: skipped, never opened") and words in message


def test_prices_too_large_to_compute_with_are_refused_by_name(tmp_path):
    import numpy as np

    _good(tmp_path)
    dates = pd.bdate_range("2015-01-01", periods=80).strftime("%Y-%m-%d")
    close = 1e307 * np.exp(np.random.default_rng(0).normal(0, 0.05, 80).cumsum())
    pd.DataFrame({"Date": dates, "Close": close}).to_csv(tmp_path / "BIG.csv", index=False)
    frames, failures, reports = read_price_files(tmp_path, return_reports=True)
    assert list(frames) == ["GOOD"]
    message = str(failures["BIG.csv"])
    assert message.startswith("BIG.csv: column 'Close' (used as close) has 80 values above")


_FIELDS = [
    "2015-01-02",
    "01/02/2015",
    "02.01.2015",
    "Jan 02, 2015",
    "2015-01-02T00:00:00-05:00",
    "2015-01-02T00:00:00Z",
    "9999-12-31",
    "03-Jan-66",
    "101.5",
    "101,5",
    "2,000",
    "1.234,5",
    "-3",
    "0",
    "1e308",
    "inf",
    "NaN",
    ".",
    "",
    "abc",
    '"quoted, field"',
    "\u00e9t\u00e9",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    header=st.lists(
        st.sampled_from(["Date", "Close", "Adj Close", "Volume", "High", "x", ""]),
        min_size=1,
        max_size=4,
    ),
    rows=st.lists(
        st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=5), min_size=0, max_size=40
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_any_odd_file_is_read_or_named_and_never_costs_the_good_one(
    tmp_path, header, rows, delimiter
):
    folder = tmp_path / f"case{abs(hash((tuple(header), delimiter, len(rows))))}"
    folder.mkdir(exist_ok=True)
    _good(folder)
    good_alone, _ = read_price_files(folder)
    text = delimiter.join(header) + "\n" + "\n".join(delimiter.join(r) for r in rows)
    (folder / "ODD.csv").write_text(text + "\n", encoding="utf-8")
    frames, failures = read_price_files(folder)  # never raises
    pd.testing.assert_frame_equal(frames["GOOD"], good_alone["GOOD"])
    if "ODD.csv" in failures:
        message = str(failures["ODD.csv"])
        assert message.startswith("ODD.csv: ") and len(message) < 2000
        assert "unexpected error" not in message, message
    else:
        assert any(s != "GOOD" for s in frames)  # read: the symbol is there
