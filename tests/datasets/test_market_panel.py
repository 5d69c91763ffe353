import gzip
import json
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from skfix.datasets import load_market_panel, read_prices

REPO = Path(__file__).resolve().parents[2]
MARKET = REPO.parent / "shared" / "data" / "market"
DATA = resources.files("skfix.datasets") / "data"

needs_shared = pytest.mark.skipif(
    not MARKET.is_dir(), reason="the shared data folder ../shared/data/market is absent"
)

# Rows after cleaning: WTI and VIX mark 290 and 46 days missing with ".".
ROWS = {
    "SP500": 5031,
    "NASDAQ": 5031,
    "WTI": 8611 - 290,
    "VIX": 1305 - 46,
    "BRENT": 393,
    "BAA": 1200,
    "AAPL": 123,
    "AMZN": 123,
    "GOOG": 68,
    "IBM": 123,
    "MSFT": 123,
}
FILES = {
    "SP500.csv": ["SP500"],
    "NASDAQ.csv": ["NASDAQ"],
    "WTI.csv": ["WTI"],
    "VIX.csv": ["VIX"],
    "BRENT.csv": ["BRENT"],
    "BAA.csv": ["BAA"],
    "stocks.csv": ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"],
}


@pytest.fixture(scope="module")
def read():
    return load_market_panel(return_reports=True)


@pytest.fixture(scope="module")
def panel(read):
    return read[0]


@pytest.fixture(scope="module")
def reports(read):
    return read[1]


def test_panel_holds_the_eleven_series(panel, reports):
    assert list(panel) == sorted(ROWS)
    for symbol, frame in panel.items():
        assert len(frame) == ROWS[symbol], symbol
        assert isinstance(frame.index, pd.DatetimeIndex)
        assert frame.index.name == "date"
        assert frame.index.is_monotonic_increasing and frame.index.is_unique
        assert (frame.dtypes == "float64").all()
        assert (frame["close"] > 0).all()
        expected = ["open", "high", "low", "close", "volume"]
        if symbol not in ("SP500", "NASDAQ"):
            expected = ["close"]
        assert frame.columns.tolist() == expected
        report = reports[symbol].as_dict()
        json.dumps(report)
        assert report["rows_kept"] == ROWS[symbol] == reports[symbol].rows_kept
        assert not frame.attrs  # the report is returned beside the frame, not on it


def test_missing_days_are_reported(reports):
    assert reports["WTI"].missing_close["count"] == 290
    assert reports["VIX"].missing_close["count"] == 46
    assert reports["SP500"].columns_ignored == ["Adj Close"]


@needs_shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_each_shared_file_reads_to_the_panel_frames(panel, reports, name):
    frames, read = read_prices(MARKET / name, return_reports=True)
    assert list(frames) == FILES[name]
    for symbol, frame in frames.items():
        pd.testing.assert_frame_equal(frame, panel[symbol])
        report = read[symbol].as_dict()
        shipped = reports[symbol].as_dict()
        assert (report.pop("source"), shipped.pop("source")) == (name, f"{name}.gz")
        assert report == shipped


@needs_shared
def test_shared_folder_reads_to_the_panel(panel):
    frames = read_prices(MARKET)
    assert list(frames) == list(panel)
    for symbol in panel:
        pd.testing.assert_frame_equal(frames[symbol], panel[symbol])


@needs_shared
@pytest.mark.parametrize("name", sorted(FILES))
def test_shipped_files_are_compressed_copies_of_the_originals(name):
    shipped = gzip.decompress((DATA / f"{name}.gz").read_bytes())
    assert shipped == (MARKET / name).read_bytes()


def test_provenance_and_licences_ship_with_the_data():
    names = {entry.name for entry in DATA.iterdir()}
    assert {"PROVENANCE.md", "LICENSE-arch.md", "LICENSE-vega_datasets.txt"} <= names
    assert {f"{name}.gz" for name in FILES} <= names


def test_symbols_selects_in_the_order_asked():
    frames = load_market_panel(["WTI", "AAPL"])
    assert list(frames) == ["WTI", "AAPL"]
    assert list(load_market_panel("GOOG")) == ["GOOG"]


def test_unknown_symbol():
    with pytest.raises(ValueError, match=r"Unknown symbols \['XYZ'\].*'AAPL'"):
        load_market_panel(["SP500", "XYZ"])


def test_each_call_returns_fresh_frames():
    first, reports = load_market_panel("BAA", return_reports=True)
    first["BAA"].iloc[0, 0] = -1.0
    reports["BAA"].as_dict()["missing_close"]["count"] = 99  # a copy
    again, reports = load_market_panel("BAA", return_reports=True)
    assert again["BAA"].iloc[0, 0] == 7.12
    assert reports["BAA"].rows_kept == 1200 and reports["BAA"].missing_close["count"] == 0
