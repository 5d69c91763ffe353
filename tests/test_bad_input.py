"""One bad file never costs the good ones; every input fault gets skfix's own words.

Every file here is written for real by the test (``tests/bad_files.py``) and read
through the ``skfix`` command, as a user with a folder of downloads would.
"""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from skfix.__main__ import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK, main
from skfix.datasets import read_price_files, read_prices, simulate_prices

from .bad_files import (
    BAD_FILES,
    duplicate_symbol,
    good_frame,
    semicolon_decimal_comma,
)

FAST_TOML = 'models = ["logistic"]\n[tuning]\nenabled = false\n'


@pytest.fixture
def fast_toml(tmp_path):
    path = tmp_path / "fast.toml"
    path.write_text(FAST_TOML)
    return path


def _write_good(folder, n_rows=1500, names=("SIGNAL", "NOISE")):
    """A series with a planted AR(1) signal and a random walk, as price CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        process = "ar1" if i % 2 == 0 else "noise"
        prices = simulate_prices(n_rows, process, 0.3, random_state=i)
        prices.rename_axis("Date").to_csv(folder / f"{name}.csv")


def _train(data, out, config, capsys, *extra):
    code = main(
        ["train", str(data), "--out", str(out), "--config", str(config)]
        + ["--n-jobs", "1", "--no-plots", "--quiet", *extra]
    )
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    manifest = json.loads((out / "manifest.json").read_text()) if code != 2 else None
    return code, manifest, printed


def _outcome(record):
    """What must not change for a good symbol when a bad file sits beside it."""
    return {
        "status": record["status"],
        "selected": (record["selected"] or {}).get("name"),
        "sha256": record["data"]["sha256"],
        "candidates": [
            (c["name"], c["decision"], c["test_accuracy"], c["p_value"], c["panel_p_value"])
            for c in record["candidates"]
        ],
    }


def test_every_bad_file_is_a_failed_symbol_and_the_good_ones_train_as_without_it(
    tmp_path, fast_toml, capsys
):
    good, mixed = tmp_path / "good", tmp_path / "mixed"
    _write_good(good)
    shutil.copytree(good, mixed)
    for kind, (write, _) in BAD_FILES.items():
        write(mixed, kind.upper())
    duplicate_symbol(mixed, "DUPLICATE", symbol="SIGNAL")

    code_good, alone, _ = _train(good, tmp_path / "o1", fast_toml, capsys)
    code, beside, printed = _train(mixed, tmp_path / "o2", fast_toml, capsys)

    assert code_good == EXIT_OK and code == EXIT_FAILURES
    assert alone["symbols"]["SIGNAL"]["selected"] is not None  # something to keep
    for symbol in ("SIGNAL", "NOISE"):
        assert _outcome(beside["symbols"][symbol]) == _outcome(alone["symbols"][symbol])
    for kind, (_, reason) in BAD_FILES.items():
        record = beside["symbols"][kind.upper()]
        assert record["status"] == "failed"
        assert reason in record["error"]["message"]
        assert record["error"]["source"].startswith(kind.upper() + ".csv")
        assert record["why_none"].startswith("the file could not be read")
    assert "also in" in beside["symbols"]["DUPLICATE"]["error"]["message"]
    summary = beside["summary"]
    assert summary["symbols_failed"] == len(BAD_FILES) + 1
    assert summary["deployable_count"] == alone["summary"]["deployable_count"]
    assert {f["symbol"] for f in summary["failures"]} == {
        *(k.upper() for k in BAD_FILES),
        "DUPLICATE",
    }
    report = (tmp_path / "o2" / "reports" / "NO_DATE_COLUMN.md").read_text()
    assert "could not be read" in report and "no date column" in report


def test_nothing_readable_exits_2_with_every_reason(tmp_path, fast_toml, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    for kind in ("no_date_column", "corrupt_gzip"):
        BAD_FILES[kind][0](folder, kind.upper())
    code, _, printed = _train(folder, tmp_path / "o", fast_toml, capsys)
    assert code == EXIT_BAD_INPUT
    assert "no price series could be read" in printed.err
    assert "NO_DATE_COLUMN.csv: no date column" in printed.err
    assert "CORRUPT_GZIP.csv.gz: the file cannot be read" in printed.err


def test_thirty_files_a_third_broken_lose_nothing_readable(tmp_path, fast_toml, capsys):
    """Fault injection: 20 good files and 10 broken in different ways."""
    good, mixed = tmp_path / "good", tmp_path / "mixed"
    names = [f"S{i:02d}" for i in range(20)]
    _write_good(good, n_rows=300, names=names)
    shutil.copytree(good, mixed)
    kinds = list(BAD_FILES)[:10]
    for i, kind in enumerate(kinds):
        BAD_FILES[kind][0](mixed, f"BROKEN{i}")
    assert len(list(mixed.iterdir())) == 30

    _, alone, _ = _train(good, tmp_path / "o1", fast_toml, capsys)
    code, beside, _ = _train(mixed, tmp_path / "o2", fast_toml, capsys)

    assert code == EXIT_FAILURES
    assert sorted(beside["symbols"]) == sorted([*names, *(f"BROKEN{i}" for i in range(10))])
    for name in names:
        assert beside["symbols"][name]["status"] == "trained"
        assert _outcome(beside["symbols"][name]) == _outcome(alone["symbols"][name])
    for i, kind in enumerate(kinds):
        record = beside["symbols"][f"BROKEN{i}"]
        assert record["status"] == "failed"
        assert BAD_FILES[kind][1] in record["error"]["message"]


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_each_bad_file_alone_names_the_file_and_the_fault(tmp_path, kind):
    write, reason = BAD_FILES[kind]
    path = write(tmp_path, "X")
    good_frame().to_csv(tmp_path / "GOOD.csv", index=False)
    frames, failures = read_price_files(tmp_path, min_rows=1)
    assert list(frames) == ["GOOD"]
    assert list(failures) == [path.name]
    message = str(failures[path.name])
    assert message.startswith(f"{path.name}: ") and reason in message
    assert "expected" in message and "found" in message
    with pytest.raises(ValueError, match=reason):  # the strict reader stops there
        read_prices(path, min_rows=1)


def test_a_corrupt_gzip_is_a_clear_error_not_a_traceback(tmp_path, fast_toml, capsys):
    BAD_FILES["corrupt_gzip"][0](tmp_path, "X")
    code = main(["train", str(tmp_path / "X.csv.gz"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "X.csv.gz: the file cannot be read" in err and "EOFError" in err
    assert "Traceback" not in err


def test_mixed_date_formats_are_refused_where_a_date_reads_two_ways(tmp_path):
    path = BAD_FILES["ambiguous_mixed_dates"][0](tmp_path, "X")
    with pytest.raises(ValueError, match=r"two different days") as caught:
        read_prices(path, min_rows=1)
    assert "01/04/2000" in str(caught.value) and "data rows [2," in str(caught.value)


def test_mixed_date_formats_each_unambiguous_are_read_exactly(tmp_path):
    frame = good_frame(n_rows=60)
    dates = pd.to_datetime(frame["Date"])
    frame["Date"] = [
        (d.strftime("%Y-%m-%d"), d.strftime("%d.%m.%Y"), d.strftime("%b %d %Y"))[i % 3]
        for i, d in enumerate(dates)
    ]
    frame.to_csv(tmp_path / "X.csv", index=False)
    frames, reports = read_prices(tmp_path / "X.csv", min_rows=1, return_reports=True)
    assert list(frames["X"].index) == list(dates)  # no day read as a month, none dropped
    assert reports["X"].date_format.startswith("mixed, each unambiguous")


def test_negative_volume_is_a_failure_not_insufficient_data(tmp_path, fast_toml, capsys):
    _write_good(tmp_path / "data", n_rows=300, names=("GOOD",))
    BAD_FILES["negative_volume"][0](tmp_path / "data", "NEGVOL")
    code, manifest, _ = _train(tmp_path / "data", tmp_path / "o", fast_toml, capsys)
    assert code == EXIT_FAILURES
    record = manifest["symbols"]["NEGVOL"]
    assert record["status"] == "failed" and "negative values" in record["error"]["message"]
    assert manifest["summary"]["symbols_failed"] == 1


def test_oddities_are_warned_in_the_cleaning_report_and_the_reports(
    tmp_path, fast_toml, capsys
):
    data = tmp_path / "data"
    _write_good(data, n_rows=300, names=("GOOD",))
    spike = good_frame(300, seed=1)
    spike.loc[150, "Close"] = 1e300
    spike["Volume"] = 0
    spike.to_csv(data / "SPIKE.csv", index=False)
    good_frame(300, seed=2).assign(Close=50.0).to_csv(data / "FLAT.csv", index=False)
    rising = good_frame(300, seed=3).assign(Close=np.arange(300) + 100.0)
    rising.to_csv(data / "RISING.csv", index=False)

    _, reports = read_prices(data / "SPIKE.csv", min_rows=1, return_reports=True)
    assert any("factor of 3" in w for w in reports["SPIKE"].warnings)
    assert any("volume is 0 on every row" in w for w in reports["SPIKE"].warnings)

    code, manifest, _ = _train(data, tmp_path / "o", fast_toml, capsys)
    assert code == EXIT_OK
    flat, rising = manifest["symbols"]["FLAT"], manifest["symbols"]["RISING"]
    assert flat["status"] == rising["status"] == "insufficient_data"
    assert "never goes up" in flat["why_none"]
    assert "never is flat or goes down" in rising["why_none"]
    assert "needs more than 1 class" not in json.dumps(manifest)
    summary = (tmp_path / "o" / "reports" / "summary.md").read_text()
    assert "## Data warnings" in summary and "SPIKE: close moves by a factor" in summary
    assert "### Data warnings" in (tmp_path / "o" / "reports" / "SPIKE.md").read_text()


def test_semicolons_and_decimal_commas_are_read_like_commas(tmp_path):
    semicolon_decimal_comma(tmp_path, "EURO", seed=4)
    good_frame(seed=4).to_csv(tmp_path / "PLAIN.csv", index=False)
    frames, reports = read_prices(tmp_path, min_rows=1, return_reports=True)
    pd.testing.assert_frame_equal(frames["EURO"], frames["PLAIN"], check_like=True)
    assert (reports["EURO"].delimiter, reports["EURO"].decimal) == (";", ",")


def test_thousands_dots_with_decimal_commas(tmp_path):
    rows = [f"2000-01-{d:02d};1.{200 + d},5" for d in range(1, 31)]
    (tmp_path / "X.csv").write_text("Date;Close\n" + "\n".join(rows) + "\n")
    close = read_prices(tmp_path / "X.csv")["X"]["close"]
    assert close.iloc[0] == 1201.5 and close.iloc[-1] == 1230.5


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[criteria]\nmax_gap = "big"\n', "[criteria] max_gap must be a number; got 'big'"),
        ("[criteria]\nmax_gapp = 0.1\n", "[criteria] has unknown key(s) ['max_gapp']"),
        ("criteria = 3\n", "criteria must be a table"),
        ('models = "rf"\n', "models must be a list of model names"),
    ],
)
def test_config_errors_in_skfix_words(tmp_path, capsys, toml, message):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    code = main(["train", "--config", str(config), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert f"skfix: error: {config}: {message}" in err
    assert "unexpected keyword" not in err and "ufunc" not in err


def test_out_onto_a_file_and_a_missing_manifest_are_clear(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("x")
    assert main(["train", "--out", str(taken)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"the output folder {taken} is an existing file" in err and "Errno" not in err
    _write_good(tmp_path / "data", n_rows=300, names=("GOOD",))
    missing = tmp_path / "nowhere" / "manifest.json"
    code = main(["predict", str(tmp_path / "data"), "--manifest", str(missing)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert f"no manifest at {missing}" in err and "Errno" not in err


def test_predict_goes_on_past_a_bad_or_short_file(tmp_path, fast_toml, capsys):
    data = tmp_path / "data"
    _write_good(data)
    code, manifest, _ = _train(data, tmp_path / "o", fast_toml, capsys)
    assert manifest["symbols"]["SIGNAL"]["selected"] is not None
    new = tmp_path / "new"
    _write_good(new)
    short = pd.read_csv(new / "SIGNAL.csv").head(14)
    BAD_FILES["no_date_column"][0](new, "BROKEN")
    (new / "SHORT").mkdir()
    short.to_csv(new / "SHORT" / "SIGNAL.csv", index=False)
    out = tmp_path / "p.csv"
    code = main(
        ["predict", str(new), "--manifest", str(tmp_path / "o" / "manifest.json")]
        + ["--out", str(out)]
    )
    printed = capsys.readouterr()
    assert code == EXIT_FAILURES
    assert "failed: BROKEN.csv: no date column" in printed.err
    assert set(pd.read_csv(out)["symbol"]) == {"SIGNAL"}
    code = main(
        ["predict", str(new / "SHORT"), "--manifest", str(tmp_path / "o" / "manifest.json")]
        + ["--out", str(tmp_path / "q.csv")]
    )
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "SIGNAL (SIGNAL.csv)" in err and "too few rows" in err
