"""Power study: how often `skfix train` finds a signal that is there, and refuses noise.

Simulated panels of price series whose best possible accuracy (Bayes accuracy) is
known (:func:`skfix.datasets.simulate_prices`) go through the real command,
``skfix train FOLDER --seed S``, once per seed, exactly as a user runs it. Two kinds
of panel:

- **mixed**: AR(1) returns at phi 0.3 (Bayes 0.597) with 600, 1,500 and 4,000 rows,
  phi 0.15 (Bayes 0.548), five-day momentum (the signal is in the last week, not the
  last day), a signal that switches on and off every 250 rows, a one-sided series
  that rises 98 % of the time (a price index: "always up" is already the best
  predictor), and pure noise;
- **noise**: ten random walks, nothing to find; a deployment here is a false one.

Each series is simulated 2,000 rows longer than the file given to ``skfix train``;
the deployed model then predicts those later rows, which no part of training saw, for
its real out-of-sample accuracy. Printed: deploy rate per process and length (with the
panel's false-discovery control, the default, and without it, from the per-symbol
decisions), the deployed models' accuracy on the later rows against Bayes, their
train-validation gap, the false-deploy rate on noise per symbol and per all-noise
panel, and any deployed model that always predicts one class. A PNG power curve goes
next to the per-symbol CSV.

Run: ``python benchmarks/bench_power.py`` (16 mixed and 40 all-noise panels, about 60
minutes on two cores; results are appended per panel to the CSV, so an interrupted run
resumes with ``--resume``).
``--seeds 2 --noise-panels 2`` is a quick look; ``--report`` only reprints the table
from the CSV. Targets: at most 5 % of noise symbols and of all-noise panels deployed;
phi 0.3 deployed for at least 80 % of 600-row and 95 % of 1,500+-row symbols;
deployed accuracy within 0.03 of Bayes on average; selected models' gap under 10 %.
"""

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import skfix
from skfix.datasets import simulate_prices
from skfix.features import make_features

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FRESH_ROWS = 2000
# (name, process, strength, rows, copies per mixed panel)
MIXED = (
    ("ar1-0.30", "ar1", 0.30, 600, 3),
    ("ar1-0.30", "ar1", 0.30, 1500, 2),
    ("ar1-0.30", "ar1", 0.30, 4000, 1),
    ("ar1-0.15", "ar1", 0.15, 1500, 1),
    ("momentum-0.5", "momentum", 0.5, 1500, 1),
    ("switching-0.30", "switching", 0.30, 1500, 1),
    ("trend-0.98", "trend", 0.98, 1500, 1),
    ("noise", "noise", 0.0, 600, 1),
    ("noise", "noise", 0.0, 1500, 1),
)
NOISE_PANEL = (("noise", "noise", 0.0, 600, 10),)
FIELDS = (
    "kind",
    "seed",
    "symbol",
    "process",
    "strength",
    "n_rows",
    "bayes",
    "majority_share",
    "edge",
    "status",
    "deployed",
    "deployed_without_panel",
    "model",
    "gap",
    "oos_accuracy",
    "fresh_accuracy",
    "fresh_majority_share",
    "constant",
    "p_value",
    "bh_input",
    "panel_p_value",
    "bayes_predictor_p_value",
    "min_detectable_edge",
)


def process_facts(process, strength):
    """Bayes accuracy and majority share of a process, from one long path."""
    rows = 4000 if process == "trend" else 200_000
    facts = simulate_prices(rows, process, strength, random_state=12345).attrs[
        "skfix_simulation"
    ]
    up = facts["up_share"]
    return facts["bayes_accuracy"], max(up, 1 - up)


def write_panel(folder, kind, seed, design):
    """CSV files of one panel; returns {symbol: (process facts, full prices)}."""
    series = {}
    for i, (name, process, strength, rows, copies) in enumerate(design):
        for copy in range(copies):
            symbol = f"{name}-n{rows}-{copy}"
            state = 1_000_003 * seed + 1009 * i + copy + (7 if kind == "noise" else 0)
            prices = simulate_prices(
                rows + FRESH_ROWS, process, strength, random_state=state
            )
            prices.iloc[:rows].to_csv(folder / f"{symbol}.csv")
            series[symbol] = (name, process, strength, rows, prices)
    return series


def fresh_accuracy(model, prices, rows):
    """Accuracy of a deployed model on the rows after the training file ended."""
    features = make_features(prices)
    up = (prices["close"].shift(-1) > prices["close"]).astype(int)
    later = features.iloc[rows:-1].dropna()
    predictions = model.predict(later)
    truth = up.loc[later.index].to_numpy()
    majority = max(truth.mean(), 1 - truth.mean())
    return (
        float(np.mean(predictions == truth)),
        float(majority),
        bool(len(np.unique(predictions)) == 1),
    )


def bayes_predictor_p_value(prices, process, strength, n_splits=5):
    """The pooled test's p-value for the Bayes predictor itself on the same rows.

    For ``"ar1"`` (phi > 0) the Bayes predictor is "up if the last return was up",
    for ``"momentum"`` "up if the last five days' return was up". It is scored on the
    pooled out-of-sample rows of the same folds ``skfix train`` uses, against the
    training-majority baseline: the power of a model that learned the process
    perfectly, one candidate, no correction. None for the other processes.
    """
    from sklearn.dummy import DummyClassifier

    from skfix.features import make_dataset
    from skfix.selection import (
        PurgedWalkForwardSplit,
        holdout_split,
        paired_sign_test,
        walk_forward_predict,
    )

    feature = {"ar1": "return_1", "momentum": "return_5"}.get(process)
    if feature is None or strength <= 0:
        return None
    X, y = make_dataset(prices, horizon=1)
    y = y.to_numpy()
    selection, test = holdout_split(X, test_size=0.2, gap=1)
    folds = list(PurgedWalkForwardSplit(n_splits, gap=1).split(X.iloc[selection]))
    folds.append((selection, test))
    idx, baseline = walk_forward_predict(DummyClassifier(), X, y, cv=folds)
    bayes = (X[feature].to_numpy()[idx] > 0).astype(y.dtype)
    return paired_sign_test(y[idx], bayes, baseline)[2]


def bh_input(record):
    """What the panel correction reads for a symbol: the smallest corrected p-value
    of its candidates accepted on their own symbol, 1 if none; None if not judged."""
    p_values = [c["p_value"] for c in record["candidates"] if c.get("p_value") is not None]
    if record["status"] != "trained" or not p_values:
        return None
    accepted = [
        c["p_value"]
        for c in record["candidates"]
        if accepted_before_panel(c) and c.get("p_value") is not None
    ]
    return min(accepted, default=1.0)


def resampled_noise_panels(rows, size=10, n_panels=20_000, alpha=0.05, seed=0):
    """Share of all-noise panels of ``size`` in which BH deploys anything, over
    random panels drawn from every noise symbol of the noise panels.

    The symbols of a panel are independent series, so any ``size`` of them form a
    panel as valid as the ones that ran together; drawing many such panels measures
    the false-deploy rate far more precisely than the few panels run.
    """
    from scipy.stats import false_discovery_control

    p = np.array(
        [
            float(r["bh_input"]) if r["bh_input"] not in ("", None) else np.nan
            for r in rows
            if r["kind"] == "noise"
        ]
    )
    p = p[~np.isnan(p)]
    if len(p) < size:
        return None, len(p)
    rng = np.random.default_rng(seed)
    panels = np.array([rng.choice(p, size, replace=False) for _ in range(n_panels)])
    any_deployed = [false_discovery_control(panel).min() <= alpha for panel in panels]
    return float(np.mean(any_deployed)), len(p)


def _relative(path):
    """A path as the project sees it, without this machine's folders."""
    path = Path(path).resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _blank(value):
    return "" if value is None else value


def accepted_before_panel(candidate):
    """Whether a candidate met every criterion of its own symbol."""
    if candidate["status"] != "ok":
        return False
    return all(c["passed"] for c in candidate["criteria"] if c["name"] != "panel_fdr")


def run_panel(kind, seed, design, facts, n_jobs):
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "out"
        data.mkdir()
        series = write_panel(data, kind, seed, design)
        command = [
            sys.executable,
            "-m",
            "skfix",
            "train",
            str(data),
            "--out",
            str(out),
            "--seed",
            str(seed),
            "--n-jobs",
            str(n_jobs),
            "--quiet",
        ]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode not in (0, 1):
            raise SystemExit(f"skfix train failed: {completed.stderr[-2000:]}")
        manifest = json.loads((out / "manifest.json").read_text())
        deployed = skfix.load_deployment(out / "manifest.json")
        for symbol, (name, process, strength, rows, prices) in series.items():
            record = manifest["symbols"][symbol]
            bayes, majority = facts[(process, strength)]
            selected = record["selected"]
            chosen = next(
                (
                    c
                    for c in record["candidates"]
                    if selected and c["name"] == selected["name"]
                ),
                None,
            )
            row = {
                "kind": kind,
                "seed": seed,
                "symbol": symbol,
                "process": name,
                "strength": strength,
                "n_rows": rows,
                "bayes": round(bayes, 4),
                "majority_share": round(majority, 4),
                "edge": round(bayes - majority, 4),
                "status": record["status"],
                "deployed": int(selected is not None),
                "deployed_without_panel": int(
                    any(accepted_before_panel(c) for c in record["candidates"])
                ),
                "model": selected["name"] if selected else "",
                "gap": chosen["gap"] if chosen else "",
                "oos_accuracy": chosen["oos_accuracy"] if chosen else "",
                "p_value": (record.get("evidence") or {}).get("p_value", ""),
                "bh_input": _blank(bh_input(record)),
                "bayes_predictor_p_value": _blank(
                    bayes_predictor_p_value(prices.iloc[:rows], process, strength)
                ),
                "panel_p_value": (record.get("evidence") or {}).get("panel_p_value", ""),
                "min_detectable_edge": (record.get("evidence") or {}).get(
                    "min_detectable_edge", ""
                ),
                "fresh_accuracy": "",
                "fresh_majority_share": "",
                "constant": "",
            }
            if selected:
                accuracy, share, constant = fresh_accuracy(deployed[symbol], prices, rows)
                row.update(
                    fresh_accuracy=round(accuracy, 4),
                    fresh_majority_share=round(share, 4),
                    constant=int(constant),
                )
            rows_out.append(row)
    return rows_out


def _floats(rows, key):
    return np.array([float(r[key]) for r in rows if r[key] not in ("", None)])


def report(rows, seconds=None):
    """Print the tables from the per-symbol rows; return the figures that matter."""
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; `skfix train FOLDER --seed S`, default configuration "
        f"(5 candidates, tuning, max-T correction, BH across each panel)"
        + (f"; {seconds / 60:.0f} min" if seconds else "")
        + "\n"
    )
    groups = {}
    for r in rows:
        key = (r["process"], int(r["n_rows"]))
        groups.setdefault(key, []).append(r)
    header = (
        f"{'process':<15} {'rows':>5} {'n':>4} {'Bayes':>6} {'edge':>6} {'deploy':>7} "
        f"{'no-BH':>6} {'Bayes-p':>7} {'acc new':>8} {'-Bayes':>7} {'gap':>6}  models"
    )
    print(
        "Deploy rate per process and length (signal and noise, all panels); Bayes-p:\n"
        "share of series where the Bayes predictor itself passes the pooled test\n"
        "(one candidate, no correction), the ceiling any learned model works under:\n"
    )
    print(header)
    figures = {}
    for (process, n_rows), group in sorted(groups.items()):
        deployed = [r for r in group if int(r["deployed"])]
        fresh = _floats(deployed, "fresh_accuracy")
        gaps = _floats(deployed, "gap")
        bayes = float(group[0]["bayes"])
        models = {}
        for r in deployed:
            models[r["model"]] = models.get(r["model"], 0) + 1
        rate = len(deployed) / len(group)
        no_bh = np.mean([int(r["deployed_without_panel"]) for r in group])
        oracle = _floats(group, "bayes_predictor_p_value")
        figures[(process, n_rows)] = {
            "n": len(group),
            "rate": rate,
            "rate_without_panel": float(no_bh),
            "bayes_predictor_rate": (
                float(np.mean(oracle <= 0.05)) if oracle.size else None
            ),
            "fresh": float(fresh.mean()) if fresh.size else None,
            "bayes": bayes,
        }
        print(
            f"{process:<15} {n_rows:>5} {len(group):>4} {bayes:>6.3f} "
            f"{float(group[0]['edge']):>6.3f} {rate:>7.0%} {no_bh:>6.0%} "
            + (f"{np.mean(oracle <= 0.05):>7.0%} " if oracle.size else f"{'-':>7} ")
            + (
                f"{fresh.mean():>8.3f} {fresh.mean() - bayes:>+7.3f}"
                if fresh.size
                else f"{'-':>8} {'-':>7}"
            )
            + (f" {gaps.mean():>6.3f}" if gaps.size else f" {'-':>6}")
            + "  "
            + ", ".join(f"{m} {k}" for m, k in sorted(models.items()))
        )
    noise = [r for r in rows if r["process"] == "noise"]
    noise_panels = {}
    for r in rows:
        if r["kind"] == "noise":
            noise_panels.setdefault(r["seed"], []).append(r)
    any_deployed = [any(int(r["deployed"]) for r in p) for p in noise_panels.values()]
    any_without = [
        any(int(r["deployed_without_panel"]) for r in p) for p in noise_panels.values()
    ]
    deployed = [r for r in rows if int(r["deployed"])]
    constant = [r for r in deployed if str(r["constant"]) == "1"]
    signal = [r for r in deployed if r["process"].startswith("ar1-0.30")]
    fresh_gap = _floats(signal, "fresh_accuracy") - _floats(signal, "bayes")
    gaps = _floats(deployed, "gap")
    print("\nNoise (pure random walks, nothing to find):\n")
    print(
        f"  noise symbols deployed, with the panel correction     "
        f"{sum(int(r['deployed']) for r in noise)} of {len(noise)} "
        f"({np.mean([int(r['deployed']) for r in noise]):.1%})"
    )
    print(
        f"  noise symbols accepted on their own (no correction)   "
        f"{sum(int(r['deployed_without_panel']) for r in noise)} of {len(noise)} "
        f"({np.mean([int(r['deployed_without_panel']) for r in noise]):.1%})"
    )
    if any_deployed:
        print(
            f"  all-noise panels deploying anything (BH on)           "
            f"{sum(any_deployed)} of {len(any_deployed)} ({np.mean(any_deployed):.1%})"
        )
        print(
            f"  all-noise panels with an acceptance (BH off)          "
            f"{sum(any_without)} of {len(any_without)} ({np.mean(any_without):.1%})"
        )
    resampled, n_noise = resampled_noise_panels(rows)
    if resampled is not None:
        print(
            f"  all-noise panels deploying anything (BH on), 20,000   {resampled:.1%}\n"
            f"    panels of ten drawn from the {n_noise} noise-panel symbols"
        )
    print("\nDeployed models:\n")
    print(f"  deployed in all                                       {len(deployed)}")
    print(f"  always predicting one class on the later rows         {len(constant)}")
    if fresh_gap.size:
        print(
            "  phi 0.3: accuracy on later rows minus Bayes, mean     "
            f"{fresh_gap.mean():+.3f} (over {fresh_gap.size})"
        )
    if gaps.size:
        print(f"  mean train-validation gap of the selected models      {gaps.mean():.3f}")
    figures.update(
        noise_rate=float(np.mean([int(r["deployed"]) for r in noise])) if noise else None,
        noise_panels=float(np.mean(any_deployed)) if any_deployed else None,
        noise_panels_resampled=resampled,
        constant=len(constant),
        fresh_minus_bayes=float(fresh_gap.mean()) if fresh_gap.size else None,
        selected_gap=float(gaps.mean()) if gaps.size else None,
    )
    return figures


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    by_rows = {}
    for r in rows:
        by_rows.setdefault(int(r["n_rows"]), {}).setdefault(float(r["edge"]), []).append(
            int(r["deployed"])
        )
    for n_rows, by_edge in sorted(by_rows.items()):
        edges = sorted(by_edge)
        left.plot(
            edges,
            [np.mean(by_edge[e]) for e in edges],
            marker="o",
            label=f"{n_rows} rows",
        )
    left.axhline(0.05, color="grey", linestyle=":", linewidth=1)
    left.set_xlabel("edge of the Bayes predictor over the majority class")
    left.set_ylabel("share of symbols deployed")
    left.set_title("Deploy rate against edge and rows")
    left.legend()
    deployed = [r for r in rows if int(r["deployed"]) and r["fresh_accuracy"] != ""]
    bayes = [float(r["bayes"]) for r in deployed]
    fresh = [float(r["fresh_accuracy"]) for r in deployed]
    right.scatter(bayes, fresh, s=12, alpha=0.6)
    low, high = 0.45, 1.0
    right.plot([low, high], [low, high], color="grey", linewidth=1, label="Bayes")
    right.plot(
        [low, high],
        [low - 0.03, high - 0.03],
        color="grey",
        linestyle=":",
        linewidth=1,
        label="Bayes - 0.03",
    )
    right.set_xlim(0.5, 0.62)
    right.set_ylim(0.45, 0.65)
    right.set_xlabel("Bayes accuracy of the process")
    right.set_ylabel("deployed model, accuracy on 2,000 later rows")
    right.set_title("Deployed accuracy against Bayes")
    right.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=16, help="mixed panels (default 16)")
    parser.add_argument(
        "--noise-panels", type=int, default=40, help="all-noise panels of ten (default 40)"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "power.csv")
    parser.add_argument("--resume", action="store_true", help="keep the panels in --out")
    parser.add_argument("--report", action="store_true", help="only print from --out")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if (args.resume or args.report) and args.out.exists():
        with args.out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        done = {(r["kind"], int(r["seed"])) for r in rows}
    else:
        rows = []
        with args.out.open("w", newline="") as handle:
            csv.DictWriter(handle, FIELDS).writeheader()
    start = time.perf_counter()
    if not args.report:
        designs = {"mixed": MIXED, "noise": NOISE_PANEL}
        facts = {
            (process, strength): process_facts(process, strength)
            for design in designs.values()
            for _, process, strength, _, _ in design
        }
        # Interleaved, so that an interrupted run still holds both kinds of panel.
        plan = sorted(
            [("mixed", s, s / args.seeds) for s in range(args.seeds)]
            + [("noise", s, s / args.noise_panels) for s in range(args.noise_panels)],
            key=lambda item: item[2],
        )
        plan = [(kind, seed) for kind, seed, _ in plan]
        for kind, seed in plan:
            if (kind, seed) in done:
                continue
            began = time.perf_counter()
            new = run_panel(kind, seed, designs[kind], facts, args.n_jobs)
            with args.out.open("a", newline="") as handle:
                csv.DictWriter(handle, FIELDS).writerows(new)
            rows += [{key: str(value) for key, value in r.items()} for r in new]
            print(
                f"[{kind} panel, seed {seed}: {len(new)} symbols, "
                f"{sum(int(r['deployed']) for r in new)} deployed, "
                f"{time.perf_counter() - began:.0f} s]",
                file=sys.stderr,
                flush=True,
            )
    figures = report(rows, None if args.report else time.perf_counter() - start)
    png = args.out.with_suffix(".png")
    plot(rows, png)
    shown = [_relative(path) for path in (args.out, png)]
    print(f"\nper-symbol results: {shown[0]}; power curve: {shown[1]}")
    return figures


if __name__ == "__main__":
    main()
