"""User-column study: `skfix train` uses a signal that lives in a column of the price
files when told to, ignores it otherwise, and refuses a column that looks ahead.

Panels of the ``"column"`` process of :func:`skfix.datasets.simulate_prices` at
strength 0.3: a column ``signal``, ``s[t]`` known at row ``t``, correlated 0.3 with the
next return (Bayes accuracy 0.597), while the prices alone are a random walk. Each
panel (10 series of 1,500 rows, ``--series-per-panel``) goes three times through the
real command, ``skfix train FOLDER --config FILE --seed S --no-plots``, exactly as a
user runs it:

- **column**: ``[features] columns = ["signal"]``, the signal is a feature; a
  deployment is a success (target: at least 80 % of the series deployed);
- **prices**: no ``[features]`` table; the files still hold ``signal``, but skfix
  sees only the prices, a random walk to it: a deployment is a false one (target:
  at most about 5 %, as the noise symbols of ``bench_power.py``, whose rate is
  printed beside when ``benchmarks/results/power.csv`` is there);
- **peek**: the files also hold ``peek``, the next row's log return (known only after
  the row), and ``[features] columns = ["signal", "peek"]``: the look-ahead guard
  should flag ``peek`` on every series (``data.leak_check.peek.probable_leak``;
  target 100 %), never the real signal, and no deployed model should read ``peek``
  (target 0).

Each series is simulated 2,000 rows (``bench_power.FRESH_ROWS``) longer than its file;
the deployed model, its model file loaded, predicts those later rows for its fresh
accuracy (``bench_power.predict_fresh``: a ``Pipeline`` computes its own features from
the whole frame, ``peek`` included in the peek run), next to the Bayes predictor, the
majority rule and persistence on the same rows, as in ``bench_power.py``, whose
functions this script reuses.

Written, appended run by run (``--resume`` goes on after an interruption):
``user_columns.csv``, one row per panel, run and symbol: deployed (with the panel's
false-discovery control and without it), the deployed model and whether it is a naive
rule, its pooled out-of-sample and fresh accuracy, the fresh accuracy of the Bayes
predictor, the majority rule and persistence, the Bayes predictor's own p-value in the
pooled test, the user columns among the features, the guard's AUC and flag of
``signal`` and ``peek``, and whether the deployed model reads ``signal`` or ``peek``.

Printed: per run the deploy rate, the share of naive-rule deployments, the deployed
models' fresh accuracy against Bayes and the best naive rule; the guard's flags; the
targets, met or not.

Run: ``python benchmarks/bench_user_columns.py``: 4 panels of 10 series, three runs of
``skfix train`` each, about 6 minutes a panel on two cores (about 2 minutes a run of
10 series of 1,500 rows, from ``bench_power.py``'s timings), 25 minutes in all.
``--seeds 1 --series-per-panel 4`` is a quick look (about 3 minutes); ``--report``
only reprints the tables from the CSV.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_power import (  # benchmarks/bench_power.py, beside this script
    ALPHA,
    FRESH_ROWS,
    RESULTS,
    _blank,
    _cell,
    _differences,
    _floats,
    _read,
    _relative,
    _share,
    _write,
    accepted_before_panel,
    bayes_predictor_p_value,
    fresh_rows,
    is_naive,
    naive_fresh,
    predict_fresh,
    process_facts,
    run_skfix_train,
)

import skfix
from skfix.datasets import simulate_prices

PROCESS = "column"
STRENGTH = 0.3
ROWS = 1500
SERIES_PER_PANEL = 10
SIGNAL, PEEK = "signal", "peek"
# run: (the configuration file, the user columns of its price files)
RUNS = {
    "column": ('[features]\ncolumns = ["signal"]\n', (SIGNAL,)),
    "prices": ("# no [features] table: the prices only\n", (SIGNAL,)),
    "peek": ('[features]\ncolumns = ["signal", "peek"]\n', (SIGNAL, PEEK)),
}
LABELS = {
    "column": 'columns = ["signal"]',
    "prices": "no [features]",
    "peek": 'columns = ["signal", "peek"]',
}
# Targets: deploy rate with the signal, false deploys without it.
MIN_DEPLOYED = 0.80
MAX_FALSE = 0.05
MAX_BELOW_BAYES = 0.03
FIELDS = (
    "seed",
    "run",
    "symbol",
    "strength",
    "n_rows",
    "bayes",
    "majority_share",
    "status",
    "deployed",
    "deployed_without_panel",
    "model",
    "naive",
    "gap",
    "oos_accuracy",
    "fresh_accuracy",
    "fresh_majority",
    "fresh_persistence",
    "fresh_best_naive",
    "fresh_bayes",
    "bayes_predictor_p_value",
    "user_features",
    "signal_auc",
    "signal_flagged",
    "peek_auc",
    "peek_flagged",
    "peek_trusted",
    "uses_signal",
    "uses_peek",
)


def simulate_panel(seed, size, rows=ROWS):
    """{symbol: prices}: ``size`` series of the "column" process, ``rows`` +
    ``FRESH_ROWS`` long, with ``signal`` and ``peek``, the next row's log return (NaN
    on the last row, which has no next one)."""
    series = {}
    for i in range(size):
        prices = simulate_prices(
            rows + FRESH_ROWS,
            PROCESS,
            STRENGTH,
            random_state=1_000_003 * seed + 1009 * i + 31,
        )
        prices[PEEK] = np.log(prices["close"]).diff().shift(-1)
        series[f"column-{i:02d}"] = prices
    return series


def run_frame(prices, run):
    """The columns of a series that the price files of `run` hold."""
    return prices[["close", "volume", *RUNS[run][1]]]


def write_run(folder, series, run, rows=ROWS):
    """The price files of one run (the first `rows` rows, as bench_power writes them)
    and its configuration file, beside the folder; returns the configuration's path."""
    folder.mkdir(parents=True)
    for symbol, prices in series.items():
        run_frame(prices, run).iloc[:rows].to_csv(folder / f"{symbol}.csv")
    config = folder.with_name(f"{folder.name}.toml")
    config.write_text(RUNS[run][0], encoding="utf-8")
    return config


def _feature_records(model, record):
    """The feature records of a loaded model: its features step's ``features_`` when
    it is a Pipeline that has them, else the manifest's ``data.features``."""
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        for _, step in model.steps[:-1]:
            if getattr(step, "features_", None) is not None:
                return step.features_
    return (record.get("data") or {}).get("features") or []


def user_columns(features):
    """The user columns that feature records read, sorted."""
    return sorted({f["column"] for f in features if f.get("source") == "column"})


def guard(record, column):
    """(AUC, probable leak, trusted) of a column in the manifest's leak check, blanks
    where it was not checked."""
    check = ((record.get("data") or {}).get("leak_check") or {}).get(column)
    if not check:
        return "", "", ""
    return (
        _blank(None if check.get("auc") is None else round(float(check["auc"]), 4)),
        int(bool(check.get("probable_leak"))),
        int(bool(check.get("trusted"))),
    )


def shared_facts(prices, rows=ROWS):
    """What does not depend on the run: the naive rules' and the Bayes predictor's fresh
    accuracy, and the Bayes predictor's p-value in the pooled test."""
    later, truth = fresh_rows(prices, rows)
    facts = {
        key: _blank(None if value is None else round(value, 4))
        for key, value in naive_fresh(prices, rows, PROCESS, later, truth).items()
    }
    facts["bayes_predictor_p_value"] = _blank(
        bayes_predictor_p_value(prices.iloc[:rows], PROCESS)
    )
    return facts


def score_symbol(record, out, prices, run, rows=ROWS):
    """The per-symbol fields of one run that come from its manifest record and its
    deployed model file."""
    from skfix.persistence import load_model

    selected = record.get("selected")
    chosen = next(
        (
            c
            for c in record.get("candidates", [])
            if selected and c["name"] == selected["name"]
        ),
        None,
    )
    manifest_features = (record.get("data") or {}).get("features") or []
    row = {
        "status": record["status"],
        "deployed": int(selected is not None),
        "deployed_without_panel": int(
            any(accepted_before_panel(c) for c in record.get("candidates", []))
        ),
        "model": selected["name"] if selected else "",
        "naive": int(is_naive(chosen)) if chosen else "",
        "gap": _blank(chosen.get("gap")) if chosen else "",
        "oos_accuracy": _blank(chosen.get("oos_accuracy")) if chosen else "",
        "fresh_accuracy": "",
        "user_features": ";".join(user_columns(manifest_features)),
        "uses_signal": "",
        "uses_peek": "",
    }
    for column in (SIGNAL, PEEK):
        auc, flagged, trusted = guard(record, column)
        row[f"{column}_auc"] = auc
        row[f"{column}_flagged"] = flagged
        if column == PEEK:
            row["peek_trusted"] = trusted
    if chosen is not None and chosen.get("model_file") is not None:
        model = load_model(chosen["model_file"], out)
        predictions, truth = predict_fresh(model, run_frame(prices, run), rows)
        row["fresh_accuracy"] = round(float(np.mean(predictions == truth)), 4)
        # a naive rule reads no feature; a learned model, those of its features step
        read = [] if is_naive(chosen) else user_columns(_feature_records(model, record))
        row["uses_signal"] = int(SIGNAL in read)
        row["uses_peek"] = int(PEEK in read)
    return row


def run_one(seed, run, series, shared, facts, n_jobs, config_text=None, rows=ROWS):
    """One run of ``skfix train`` on one panel; returns its per-symbol rows.
    `config_text` replaces the run's configuration (for a quick test only)."""
    bayes, majority = facts
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "out"
        config = write_run(data, series, run, rows)
        if config_text is not None:
            config.write_text(config_text, encoding="utf-8")
        manifest = run_skfix_train(data, out, seed, n_jobs, config=config)
        found = []
        for symbol, prices in series.items():
            row = {
                "seed": seed,
                "run": run,
                "symbol": symbol,
                "strength": STRENGTH,
                "n_rows": rows,
                "bayes": round(bayes, 4),
                "majority_share": round(majority, 4),
                **shared[symbol],
            }
            row.update(score_symbol(manifest["symbols"][symbol], out, prices, run, rows))
            found.append({key: row.get(key, "") for key in FIELDS})
    return found


def noise_reference(path=RESULTS / "power.csv"):
    """bench_power's noise symbols, deployed or not, from its CSV; [] without one."""
    if not path.exists():
        return []
    return [
        int(r["deployed"]) for r in _read(path, (), strict=False) if r["process"] == "noise"
    ]


def _flags(rows, key):
    return [int(r[key]) for r in rows if r.get(key) not in ("", None)]


def report(rows, seconds=None, noise=None):
    """Print the tables from the per-symbol rows; return the figures that matter."""
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; `skfix train FOLDER --config FILE --seed S --no-plots` "
        f'on panels of the "{PROCESS}" process at strength {STRENGTH} (a user column '
        "signal, Bayes 0.597; the prices alone a random walk), otherwise the default "
        "configuration" + (f"; {seconds / 60:.0f} min" if seconds else "") + "\n"
    )
    print(
        "Per run. deploy: share deployed (no-FDR: accepted on its own symbol, before\n"
        "the panel's FDR control); B-pass: share of series where the Bayes predictor\n"
        "itself passes the pooled test; naive: share of deployments that are naive\n"
        "rules; oos: the deployed models' pooled out-of-sample accuracy; acc new:\n"
        f"their mean accuracy on the {FRESH_ROWS:,} later rows, minus Bayes and minus\n"
        "the best naive rule's on the same rows.\n"
    )
    print(
        f"{'run':<7} {'features':<29} {'n':>4} {'Bayes':>6} {'deploy':>6} {'no-FDR':>6} "
        f"{'B-pass':>6} {'naive':>6} {'oos':>6} {'acc new':>7} {'-Bayes':>7} "
        f"{'-naive':>7}  models"
    )
    figures = {}
    for run in [r for r in RUNS if any(row["run"] == r for row in rows)]:
        group = [r for r in rows if r["run"] == run]
        deployed = [r for r in group if int(r["deployed"])]
        fresh = _floats(deployed, "fresh_accuracy")
        below_bayes = _differences(deployed, "fresh_accuracy", "fresh_bayes")
        over_naive = _differences(deployed, "fresh_accuracy", "fresh_best_naive")
        oos = _floats(deployed, "oos_accuracy")
        oracle = _floats(group, "bayes_predictor_p_value")
        naive = [int(r["naive"]) for r in deployed if r.get("naive") not in ("", None)]
        models = {}
        for r in deployed:
            models[r["model"]] = models.get(r["model"], 0) + 1
        figures[run] = {
            "n": len(group),
            "rate": len(deployed) / len(group),
            "rate_without_panel": float(
                np.mean([int(r["deployed_without_panel"]) for r in group])
            ),
            "bayes_predictor_rate": float(np.mean(oracle <= ALPHA))
            if oracle.size
            else None,
            "naive_share": float(np.mean(naive)) if naive else None,
            "fresh": float(fresh.mean()) if fresh.size else None,
            "fresh_minus_bayes": float(below_bayes.mean()) if below_bayes.size else None,
            "fresh_minus_naive": float(over_naive.mean()) if over_naive.size else None,
        }
        f = figures[run]
        print(
            f"{run:<7} {LABELS[run]:<29} {len(group):>4} {float(group[0]['bayes']):>6.3f} "
            f"{f['rate']:>6.0%} {f['rate_without_panel']:>6.0%} "
            + _cell(f["bayes_predictor_rate"], ".0%", 6)
            + " "
            + _cell(f["naive_share"], ".0%", 6)
            + " "
            + _cell(oos.mean() if oos.size else None, ".3f", 6)
            + " "
            + _cell(f["fresh"], ".3f", 7)
            + " "
            + _cell(f["fresh_minus_bayes"], "+.3f", 7)
            + " "
            + _cell(f["fresh_minus_naive"], "+.3f", 7)
            + "  "
            + ", ".join(f"{m} {k}" for m, k in sorted(models.items()))
        )
    figures.update(_report_guard(rows))
    figures["targets"] = _report_targets(figures, noise)
    return figures


def _report_guard(rows):
    """Print what the look-ahead guard flagged; return its figures."""
    peek_runs = [r for r in rows if r["run"] == "peek"]
    peek = _flags(peek_runs, "peek_flagged")
    signal = _flags(rows, "signal_flagged")
    signal_auc = _floats(rows, "signal_auc")
    peek_auc = _floats(peek_runs, "peek_auc")
    deployed = [r for r in peek_runs if int(r["deployed"])]
    reading = _flags(deployed, "uses_peek")
    print("\nLook-ahead guard:\n")
    for label, value in (
        ("peek flagged as a probable leak (peek run)", _share(peek)),
        ("  series where peek was not checked", len(peek_runs) - len(peek)),
        ("signal flagged as a probable leak (column and peek runs)", _share(signal)),
        (
            "mean AUC of signal / of peek",
            f"{_cell(signal_auc.mean() if signal_auc.size else None, '.3f', 0)} / "
            f"{_cell(peek_auc.mean() if peek_auc.size else None, '.3f', 0)}",
        ),
        ("peek run: deployed", _share([int(r["deployed"]) for r in peek_runs])),
        (
            "  of which naive rules",
            sum(str(r.get("naive")) == "1" for r in deployed) if peek_runs else "-",
        ),
        ("  deployed models reading peek", sum(reading) if peek_runs else "-"),
    ):
        print(f"  {label:<58}{value}")
    return {
        "peek_flagged": float(np.mean(peek)) if peek else None,
        "peek_unchecked": len(peek_runs) - len(peek),
        "signal_flagged": float(np.mean(signal)) if signal else None,
        "deployed_reading_peek": sum(reading) if peek_runs else None,
    }


def _report_targets(figures, noise=None):
    """Print each target with what was measured; return {target: met (or None)}."""

    def check(label, value, spec, met):
        verdict = "-" if met is None else ("met" if met else "NOT met")
        print(f"  {label:<62} {_cell(value, spec, 7)}  {verdict}")
        return met

    def run_figure(run, key):
        return (figures.get(run) or {}).get(key)

    print("\nTargets:\n")
    met = {}
    rate = run_figure("column", "rate")
    met["column_rate"] = check(
        f"signal used: deployed >= {MIN_DEPLOYED:.0%}",
        rate,
        ".0%",
        None if rate is None else rate >= MIN_DEPLOYED,
    )
    above = run_figure("column", "fresh_minus_naive")
    met["column_naive"] = check(
        "signal used: deployed fresh >= best naive rule's",
        above,
        "+.3f",
        None if above is None else above >= 0,
    )
    below = run_figure("column", "fresh_minus_bayes")
    met["column_bayes"] = check(
        f"signal used: deployed fresh within {MAX_BELOW_BAYES} of Bayes",
        below,
        "+.3f",
        None if below is None else below >= -MAX_BELOW_BAYES,
    )
    false = run_figure("prices", "rate")
    met["prices_rate"] = check(
        f"signal ignored (prices only): deployed <= {MAX_FALSE:.0%}",
        false,
        ".1%",
        None if false is None else false <= MAX_FALSE,
    )
    if noise:
        print(
            f"  {'  bench_power noise symbols deployed, for comparison':<62} "
            f"{_share(noise)}"
        )
    flagged = figures.get("peek_flagged")
    met["peek_flagged"] = check(
        "peek flagged as a probable leak on every series",
        flagged,
        ".0%",
        None if flagged is None else flagged == 1.0 and not figures["peek_unchecked"],
    )
    reading = figures.get("deployed_reading_peek")
    met["peek_deployed"] = check(
        "deployed models reading peek: 0",
        reading,
        "d",
        None if reading is None else reading == 0,
    )
    signal = figures.get("signal_flagged")
    met["signal_flagged"] = check(
        "the real signal never flagged",
        signal,
        ".0%",
        None if signal is None else signal == 0,
    )
    return met


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=int, default=4, help="panels, each trained three times (default 4)"
    )
    parser.add_argument(
        "--series-per-panel",
        type=int,
        default=SERIES_PER_PANEL,
        help=f"{ROWS}-row series per panel (default {SERIES_PER_PANEL})",
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "user_columns.csv")
    parser.add_argument("--resume", action="store_true", help="keep the runs in --out")
    parser.add_argument("--report", action="store_true", help="only print from --out")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows, done = [], set()
    if (args.resume or args.report) and args.out.exists():
        rows = _read(args.out, FIELDS, strict=not args.report)
        done = {(int(r["seed"]), r["run"]) for r in rows}
    elif args.report:
        raise SystemExit(f"--report: {args.out} does not exist")
    if not args.report and not done:
        _write(args.out, FIELDS, [], "w")
    start = time.perf_counter()
    if not args.report:
        facts = process_facts(PROCESS, STRENGTH)
        for seed in range(args.seeds):
            if all((seed, run) in done for run in RUNS):
                continue
            series = simulate_panel(seed, args.series_per_panel)
            shared = {symbol: shared_facts(prices) for symbol, prices in series.items()}
            for run in RUNS:
                if (seed, run) in done:
                    continue
                began = time.perf_counter()
                new = run_one(seed, run, series, shared, facts, args.n_jobs)
                _write(args.out, FIELDS, new, "a")
                rows += [{key: str(value) for key, value in r.items()} for r in new]
                print(
                    f"[panel {seed}, run {run}: {len(new)} symbols, "
                    f"{sum(int(r['deployed']) for r in new)} deployed, "
                    f"{time.perf_counter() - began:.0f} s]",
                    file=sys.stderr,
                    flush=True,
                )
    figures = report(
        rows, None if args.report else time.perf_counter() - start, noise_reference()
    )
    print(f"\nper-symbol results: {_relative(args.out)}")
    return figures


if __name__ == "__main__":
    main()
