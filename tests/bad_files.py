"""Bad and awkward price files, written for real, one kind per function.

Each writer takes a folder and a name and writes one file there; ``BAD_FILES`` maps a
kind to its writer and to a piece of the message skfix must give for it.
"""

import gzip

import numpy as np
import pandas as pd


def good_frame(n_rows=400, seed=0, start="2000-01-03"):
    """A plausible daily price series: a random walk with some volume."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n_rows)))
    dates = pd.bdate_range(start, periods=n_rows)
    return pd.DataFrame(
        {
            "Date": dates.strftime("%Y-%m-%d"),
            "Close": close.round(4),
            "Volume": rng.integers(1_000, 5_000, n_rows),
        }
    )


def _csv(folder, name, frame, **kwargs):
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False, **kwargs)
    return path


def no_date_column(folder, name):
    return _csv(folder, name, good_frame().rename(columns={"Date": "when"}))


def ambiguous_close(folder, name):
    frame = good_frame().drop(columns="Volume")
    frame = frame.rename(columns={"Close": "a"}).assign(b=frame["Close"] * 2)
    return _csv(folder, name, frame)


def missing_close(folder, name):
    return _csv(folder, name, good_frame()[["Date"]].assign(note="x"))


def returns_not_prices(folder, name):
    frame = good_frame()
    frame["Close"] = np.log(frame["Close"]).diff().fillna(0).round(6)
    return _csv(folder, name, frame)


def negative_prices(folder, name):
    frame = good_frame()
    frame.loc[100, "Close"] = -5.0
    return _csv(folder, name, frame)


def infinite_value(folder, name):
    frame = good_frame().astype({"Close": object})
    frame.loc[50, "Close"] = "inf"
    return _csv(folder, name, frame)


def binary_garbage(folder, name):
    path = folder / f"{name}.csv"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes())
    return path


def empty_file(folder, name):
    path = folder / f"{name}.csv"
    path.write_text("")
    return path


def header_only(folder, name):
    path = folder / f"{name}.csv"
    path.write_text("Date,Close,Volume\n")
    return path


def bad_date_cells(folder, name):
    frame = good_frame()
    frame.loc[[10, 20, 30], "Date"] = "not a date"
    return _csv(folder, name, frame)


def corrupt_gzip(folder, name):
    path = folder / f"{name}.csv.gz"
    data = gzip.compress(good_frame().to_csv(index=False).encode())
    path.write_bytes(data[: len(data) // 2])
    return path


def ambiguous_mixed_dates(folder, name):
    frame = good_frame(n_rows=60)
    dates = pd.to_datetime(frame["Date"])
    frame["Date"] = [
        (d.strftime("%Y-%m-%d"), d.strftime("%m/%d/%Y"), d.strftime("%d.%m.%Y"))[i % 3]
        for i, d in enumerate(dates)
    ]
    return _csv(folder, name, frame)


def negative_volume(folder, name):
    frame = good_frame()
    frame.loc[7, "Volume"] = -100
    return _csv(folder, name, frame)


def duplicate_symbol(folder, name, symbol="GOOD0"):
    """A second file for a symbol another file already holds (long format)."""
    frame = good_frame().assign(Symbol=symbol)
    return _csv(folder, name, frame)


#: kind -> (writer, a piece of the message)
BAD_FILES = {
    "no_date_column": (no_date_column, "no date column"),
    "ambiguous_close": (ambiguous_close, "ambiguous price column"),
    "missing_close": (missing_close, "no price column"),
    "returns_not_prices": (returns_not_prices, "looks like returns"),
    "negative_prices": (negative_prices, "looks like returns"),
    "infinite_value": (infinite_value, "is not numeric"),
    "binary_garbage": (binary_garbage, "binary"),
    "empty_file": (empty_file, "the file is empty"),
    "header_only": (header_only, "no data rows"),
    "bad_date_cells": (bad_date_cells, "do not parse"),
    "corrupt_gzip": (corrupt_gzip, "cannot be read"),
    "ambiguous_mixed_dates": (ambiguous_mixed_dates, "two different days"),
    "negative_volume": (negative_volume, "negative values"),
}


def semicolon_decimal_comma(folder, name, n_rows=400, seed=0):
    """A good series written the European way: semicolons and decimal commas."""
    path = folder / f"{name}.csv"
    good_frame(n_rows, seed).to_csv(path, index=False, sep=";", decimal=",")
    return path
