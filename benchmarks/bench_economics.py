"""Economics study: what the deflated Sharpe ratio says on noise and on real edges.

Simulated series with a known Bayes accuracy (:func:`skfix.datasets.simulate_prices`)
go through the real ``train_panel`` (the logistic regression, the forest and XGBoost,
tuned; the naive rules; the default criteria, under which the economics are measured
but decide nothing), one panel of ten series per process and seed:

- **noise**: random walks of 1,000 rows, nothing to find: a candidate whose deflated
  Sharpe ratio passes 0.95 is a false discovery;
- **signal**: AR(1) at phi 0.3 and -0.3 (mean reversion), five-day momentum and the
  nonlinear process, 1,500 rows each (Bayes 0.59-0.60).

Per series: whether the accuracy test accepts a candidate before the panel's false
discovery control (every criterion but ``panel_fdr`` passed; the naive rules
included, the majority rule never), whether some candidate (the majority rule
excepted) has a deflated Sharpe ratio of at least 0.95 after 5 bp per unit of
turnover, whether a model is deployed with the default criteria, and whether it would
be with ``min_deflated_sharpe = 0.95`` as well (deployed and that candidate's deflated
Sharpe at least 0.95); the deployed model's annualized Sharpe ratio after costs, its
deflated Sharpe ratio, and the symbol's PBO.

Printed: per process the rates, the agreement of the two tests (both or neither), the
false-deploy rates on noise of the deflated Sharpe ratio alone, of the accuracy test
alone (before and after the panel's control) and of the two together, and the
deployed models' Sharpe ratio, deflated Sharpe ratio and PBO.

Run: ``python benchmarks/bench_economics.py`` (4 seeds: 40 noise and 40 series per
signal process, about 15 minutes on two cores); ``--seeds 1`` is a quick look.
"""

import argparse
import platform
import sys
import tempfile
import time

import numpy as np

import skfix
from skfix.datasets import simulate_prices
from skfix.training import TrainConfig, train_panel

THRESHOLD = 0.95
# (name, process, strength, rows)
PROCESSES = (
    ("noise", "noise", 0.0, 1000),
    ("ar1 0.30", "ar1", 0.3, 1500),
    ("mean reversion -0.30", "ar1", -0.3, 1500),
    ("momentum 0.50", "momentum", 0.5, 1500),
    ("nonlinear 0.30", "nonlinear", 0.3, 1500),
)
SERIES_PER_PANEL = 10


def accepted_before_panel(candidate):
    """Every criterion but the run's false-discovery control passed."""
    return bool(candidate["criteria"]) and all(
        c["passed"] for c in candidate["criteria"] if c["name"] != "panel_fdr"
    )


def _dsr(candidate):
    return (candidate.get("economics") or {}).get("deflated_sharpe")


def symbol_row(name, entry):
    candidates = [
        c for c in entry["candidates"] if c["status"] == "ok" and c["name"] != "majority"
    ]
    dsrs = [_dsr(c) for c in candidates if _dsr(c) is not None]
    selected = (entry.get("selected") or {}).get("name")
    deployed = next((c for c in entry["candidates"] if c["name"] == selected), None)
    figures = (deployed or {}).get("economics") or {}
    return {
        "process": name,
        "accuracy": any(accepted_before_panel(c) for c in candidates),
        "dsr": bool(dsrs) and max(dsrs) >= THRESHOLD,
        "deployed": deployed is not None,
        "deployed_dsr": deployed is not None
        and figures.get("deflated_sharpe") is not None
        and figures["deflated_sharpe"] >= THRESHOLD,
        "sharpe": figures.get("sharpe_annualized"),
        "deflated": figures.get("deflated_sharpe"),
        "pbo": figures.get("pbo"),
    }


def run_panel(name, process, strength, rows, seed, config):
    panel = {
        f"S{i}": simulate_prices(rows, process, strength, random_state=1000 * seed + i)
        for i in range(SERIES_PER_PANEL)
    }
    with tempfile.TemporaryDirectory() as out:
        manifest = train_panel(panel, out_dir=out, config=config, plots=False)
    return [symbol_row(name, entry) for entry in manifest["symbols"].values()]


def _share(rows, key):
    return np.mean([r[key] for r in rows]) if rows else float("nan")


def _mean(rows, key):
    values = [r[key] for r in rows if r[key] is not None]
    return f"{np.mean(values):.3f}" if values else "-"


def report(rows, seconds):
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, "
        f"train_panel with logistic, rf, xgb (tuned) and the naive rules, default "
        f"criteria, 5 bp per unit of turnover; {seconds / 60:.0f} min\n"
    )
    print(
        "acc: the accuracy test accepts a candidate (before the panel's FDR control);\n"
        f"DSR: some candidate's deflated Sharpe ratio >= {THRESHOLD}; agree: both or\n"
        "neither; deployed: with the default criteria; +DSR: and its deflated Sharpe\n"
        f">= {THRESHOLD} (min_deflated_sharpe = {THRESHOLD}); Sharpe, DSR, PBO: of the\n"
        "deployed models.\n"
    )
    header = (
        f"{'process':<22}{'n':>4}{'acc':>7}{'DSR':>7}{'agree':>7}{'deployed':>10}"
        f"{'+DSR':>7}{'Sharpe':>8}{'DSR':>7}{'PBO':>7}"
    )
    print(header)
    for name, *_ in PROCESSES:
        group = [r for r in rows if r["process"] == name]
        agree = np.mean([r["accuracy"] == r["dsr"] for r in group])
        print(
            f"{name:<22}{len(group):>4}{_share(group, 'accuracy'):>7.0%}"
            f"{_share(group, 'dsr'):>7.0%}{agree:>7.0%}{_share(group, 'deployed'):>10.0%}"
            f"{_share(group, 'deployed_dsr'):>7.0%}"
            f"{_mean([r for r in group if r['deployed']], 'sharpe'):>8}"
            f"{_mean([r for r in group if r['deployed']], 'deflated'):>7}"
            f"{_mean([r for r in group if r['deployed']], 'pbo'):>7}"
        )
    noise = [r for r in rows if r["process"] == "noise"]
    signal = [r for r in rows if r["process"] != "noise"]
    both = np.mean([r["accuracy"] and r["dsr"] for r in signal])
    dsr, accuracy = _share(noise, "dsr"), _share(noise, "accuracy")
    deployed, both_noise = _share(noise, "deployed"), _share(noise, "deployed_dsr")
    print(
        f"\nOn noise ({len(noise)} series): deflated Sharpe >= {THRESHOLD} alone "
        f"{dsr:.1%}; the accuracy test alone {accuracy:.1%} before the panel's control, "
        f"{deployed:.1%} deployed after it; deployed and deflated Sharpe >= "
        f"{THRESHOLD}: {both_noise:.1%}."
    )
    agree = np.mean([r["accuracy"] == r["dsr"] for r in signal])
    print(
        f"On the signal series ({len(signal)}): the two tests agree on {agree:.1%} "
        f"(both pass on {both:.1%}); deployed {_share(signal, 'deployed'):.1%}, with "
        f"min_deflated_sharpe {_share(signal, 'deployed_dsr'):.1%}."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4, help="panels per process")
    args = parser.parse_args(argv)
    config = TrainConfig(models=("logistic", "rf", "xgb"))
    start = time.perf_counter()
    rows = []
    for seed in range(args.seeds):
        for name, process, strength, n_rows in PROCESSES:
            began = time.perf_counter()
            panel = run_panel(name, process, strength, n_rows, seed, config)
            rows += panel
            print(
                f"[seed {seed}, {name}: {sum(r['deployed'] for r in panel)} deployed, "
                f"{time.perf_counter() - began:.0f} s]",
                file=sys.stderr,
                flush=True,
            )
    report(rows, time.perf_counter() - start)


if __name__ == "__main__":
    main()
