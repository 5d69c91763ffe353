"""Your own price files: read them, train on them with ``skfix train``, predict.

What it shows
-------------
1. A folder of CSV files in the formats people actually have. Without an argument, the
   script writes one into ``my-prices/``: series of the built-in panel exported with
   other column names and date formats (``AAPL.csv``: an unnamed index column and
   ``YYYYMMDD`` dates; ``BRENT.csv``: ``Jan 15 1990`` dates and a ``Price`` column;
   ``VIX.csv``: ``01/31/2014`` dates and a column named like the symbol), plus
   ``ACME.csv``, a made-up series that turns back after 95 % of its moves, the one
   kind of series on which a model can honestly be deployed. Or pass your own folder.
2. :func:`skfix.datasets.read_prices` on the folder, and what it detected and cleaned
   in each file (date format, price column, rows kept).
3. ``skfix train FOLDER --out DIR --config run.toml`` and
   ``skfix predict --manifest DIR/manifest.json FOLDER --out predictions.csv``, run as
   the real commands, with their exit codes (``skfix train`` exits with 1 when a symbol
   or a model failed, and records why; ``skfix predict`` exits with 2 when no symbol
   has a deployed model).

How to run
----------
::

    python examples/bring_your_own_csv.py                 # example files, all four models
    python examples/bring_your_own_csv.py path/to/prices  # your own folder
    python examples/bring_your_own_csv.py --fast          # small models, seconds
"""

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from skfix.datasets import load_market_panel, read_prices


def write_example_folder(folder):
    """Export built-in series in three different formats, and one made-up series."""
    folder.mkdir(parents=True, exist_ok=True)
    panel = load_market_panel(["AAPL", "BRENT", "VIX"])

    aapl = panel["AAPL"]["close"]
    aapl.index = aapl.index.strftime("%Y%m%d").astype(int)
    aapl.rename("Adj Close").to_frame().rename_axis(None).to_csv(folder / "AAPL.csv")

    brent = panel["BRENT"]
    brent = pd.DataFrame(
        {"Date": brent.index.strftime("%b %d %Y"), "Price": brent["close"]}
    )
    brent.to_csv(folder / "BRENT.csv", index=False)

    vix = pd.DataFrame(
        {"DATE": panel["VIX"].index.strftime("%m/%d/%Y"), "vix": panel["VIX"]["close"]}
    )
    vix.to_csv(folder / "VIX.csv", index=False)

    rng = np.random.default_rng(0)
    turns = np.cumprod(np.where(rng.random(500) < 0.95, -1.0, 1.0))
    close = 100 * np.exp(np.cumsum(turns * 0.01 * (1 + rng.random(500))))
    acme = pd.DataFrame(
        {
            "timestamp": pd.bdate_range("2020-01-01", periods=500).strftime("%Y-%m-%d"),
            "Close": close.round(4),
        }
    )
    acme.to_csv(folder / "ACME.csv", index=False)
    return folder


def skfix_command(*args):
    """Run the ``skfix`` command of this Python, echoing it; return the exit code."""
    print(f"\n$ skfix {' '.join(args)}", flush=True)
    return subprocess.run([sys.executable, "-m", "skfix", *args], check=False).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder", nargs="?", help="folder of price files (default: write example files)"
    )
    parser.add_argument("--out", default="my-run", help="output folder of skfix train")
    parser.add_argument("--fast", action="store_true", help="RandomForest only, 30 trees")
    args = parser.parse_args(argv)

    folder = Path(args.folder) if args.folder else write_example_folder(Path("my-prices"))
    names = sorted(path.name for path in folder.iterdir())
    print(f"Price files in {folder}/: {', '.join(names)}")

    prices, reports = read_prices(folder, return_reports=True)
    print(f"\n{'symbol':<8} {'rows':>5} {'first':>10} {'last':>10}  date format, price")
    for symbol, frame in prices.items():
        report = reports[symbol]
        print(
            f"{symbol:<8} {len(frame):>5} {frame.index[0].date()!s:>10} "
            f"{frame.index[-1].date()!s:>10}  {report.date_format}, "
            f"{report.close_column!r} ({report.close_rule})"
        )

    config = Path("run.toml")
    if args.fast:
        config.write_text('models = ["rf"]\n[model_params.rf]\nn_estimators = 30\n')
    else:
        config.write_text('models = ["logistic", "rf", "xgb", "mlp", "lstm"]\n')
    code = skfix_command("train", str(folder), "--out", args.out, "--config", str(config))
    if code not in (0, 1):
        sys.exit(f"skfix train failed with exit code {code}")
    summary = Path(args.out) / "reports" / "summary.md"
    print(f"(exit code {code}; the summary is in {summary})")

    manifest = Path(args.out) / "manifest.json"
    code = skfix_command(
        "predict", "--manifest", str(manifest), str(folder), "--out", "predictions.csv"
    )
    if code == 2:
        print("No symbol of this folder has a deployed model: nothing to predict.")
        return
    if code != 0:
        sys.exit(f"skfix predict failed with exit code {code}")
    predictions = pd.read_csv("predictions.csv")
    print("\npredictions.csv, the latest row of each symbol:")
    print(predictions.groupby("symbol").tail(1).to_string(index=False))


if __name__ == "__main__":
    main()
