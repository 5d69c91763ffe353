"""Power study: how often `skfix train` finds a signal that is there, and refuses noise.

Simulated panels of price series whose best possible accuracy (Bayes accuracy) is
known (:func:`skfix.datasets.simulate_prices`) go through the real command,
``skfix train FOLDER --seed S --no-plots`` (the plots change no decision), once per
seed, exactly as a user runs it. Two kinds of panel:

- **mixed** (15 series): AR(1) returns at phi 0.3 (Bayes 0.597) with 600 (three
  copies), 1,500 and 4,000 rows, and at phi 0.15 (Bayes 0.548); mean reversion, AR(1)
  at phi -0.3 (Bayes 0.597, "the same direction as last period" at 0.403), with 600
  and 1,500 rows; five-day momentum (the signal is in the last week, not the last
  day); a nonlinear process where small moves persist and large ones reverse (Bayes
  0.597, persistence 0.48: no rule linear in the last return comes near); a signal
  that switches on and off every 250 rows; a series that rises 55 % of the time and
  one that rises 98 % of the time (a price index), where "always up", the majority
  rule, is already the best predictor; and two random walks, of 600 and 1,500 rows;
- **noise**: two 600-row random walks per panel (``--noise-panel-size``), nothing to
  find; a deployment here is a false one, and each panel is an all-noise panel.

Each series is simulated 2,000 rows longer than the file given to ``skfix train``;
every candidate with a model file then predicts those later rows, which no part of
training saw, for its real out-of-sample ("fresh") accuracy (:func:`predict_fresh`: a
model file that loads as a ``Pipeline`` computes its own features from the whole
frame; an older one, a bare estimator, is given
:func:`skfix.features.make_features` of the prices), next to the naive rules
on the same rows (the majority class of the training file's labelled rows, and
persistence, "up iff the last period was up") and the Bayes predictor itself
(:func:`skfix.datasets.bayes_direction`).

Written, appended panel by panel (so an interrupted run resumes with ``--resume``):

- ``power.csv``, one row per symbol: whether it was deployed (with the panel's
  false-discovery control, the default, and without it, from the per-symbol
  decisions), whether the deployment is a naive rule (``naive``), the selected model's
  gap, pooled out-of-sample and fresh accuracy, the fresh accuracy of the majority
  rule, persistence, the best of the two and the Bayes predictor, and the p-value the
  pooled test gives the Bayes predictor on the same rows (the ceiling any learned model
  works under; None for noise);
- ``power_candidates.csv``, one row per candidate with a model file: its
  ``oos_accuracy``, ``test_score``, ``gap``, ``decision``, ``rank``, ``naive_rule`` and
  fresh accuracy, to compare ranking rules after the fact;
- ``power.png``: deploy rate per process and length, with the Bayes predictor's pass
  rate, and the deployed models' fresh accuracy against Bayes.

Printed: per process and length the deploy rate, the Bayes predictor's own pass rate
and the ratio of the two, the share of deployments that are naive rules, the deployed
models' fresh accuracy against Bayes and against the best naive rule, and their gap;
the false-deploy rate on noise per symbol and per all-noise panel (and over 20,000
panels of ten drawn from the noise-panel symbols); the targets, met or not; and the
fresh accuracy that four ranking rules would have deployed among the accepted
candidates of each symbol (rank 1 as recorded, max test_score - 0.5 gap,
max oos_accuracy - 0.5 gap, max oos_accuracy).

Targets: at least 90 % of the 600-row phi-0.3 series on which the Bayes predictor
passes deployed; at least 95 % deployed at 1,500+ rows for the processes with a
strong signal (edge over the majority class of at least 0.07: AR(1) phi 0.3, mean
reversion, momentum, nonlinear); for every process the deployed models' fresh accuracy
at least the best naive rule's, and within 0.03 of Bayes at 1,500+ rows; at most 5 %
of noise symbols and at most 5 % of all-noise panels deploying.

Run: ``python benchmarks/bench_power.py``: 8 mixed and 200 all-noise panels, about 60
minutes on two cores (a mixed panel about 150 s, an all-noise panel about 12 s, much
of it starting ``skfix train`` and its workers; loading and scoring every candidate's
model file adds about 0.6 s per mixed-panel symbol, 0.3 s per noise symbol).
``--seeds 16`` doubles the signal series, for about 75 minutes.
``--seeds 1 --noise-panels 1`` is a quick look (about 3 minutes); ``--report`` only
reprints the tables from the CSVs.

``benchmarks/bench_user_columns.py`` runs the same command, with ``--config``, on a
process whose only signal is a column of the price files, and reuses the functions
here.
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
import pandas as pd

import skfix
from skfix.datasets import bayes_direction, simulate_prices
from skfix.features import make_dataset, make_features

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FRESH_ROWS = 2000
# The columns of a price frame that the built-in features read (an older model file,
# a bare estimator, was trained on make_features of these).
PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
# (name, process, strength, rows, copies per mixed panel)
MIXED = (
    ("ar1-0.30", "ar1", 0.30, 600, 3),
    ("ar1-0.30", "ar1", 0.30, 1500, 1),
    ("ar1-0.30", "ar1", 0.30, 4000, 1),
    ("ar1-0.15", "ar1", 0.15, 1500, 1),
    ("reversion-0.30", "ar1", -0.30, 600, 1),
    ("reversion-0.30", "ar1", -0.30, 1500, 1),
    ("momentum-0.5", "momentum", 0.5, 1500, 1),
    ("nonlinear-0.30", "nonlinear", 0.30, 1500, 1),
    ("switching-0.30", "switching", 0.30, 1500, 1),
    ("trend-0.55", "trend", 0.55, 1500, 1),
    ("trend-0.98", "trend", 0.98, 1500, 1),
    ("noise", "noise", 0.0, 600, 1),
    ("noise", "noise", 0.0, 1500, 1),
)
NOISE_ROWS = 600
# The naive rules of `skfix train`, for manifests that predate the naive_rule field.
NAIVE_RULES = ("majority", "persistence")
# A process whose Bayes predictor beats the majority class by this much has a strong
# signal: the deploy-rate target of 95 % at 1,500+ rows applies to it.
STRONG_EDGE = 0.07
ALPHA = 0.05
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
    "naive",
    "gap",
    "oos_accuracy",
    "fresh_accuracy",
    "fresh_majority_share",
    "fresh_majority",
    "fresh_persistence",
    "fresh_best_naive",
    "fresh_bayes",
    "constant",
    "p_value",
    "bh_input",
    "panel_p_value",
    "bayes_predictor_p_value",
    "min_detectable_edge",
)
CANDIDATE_FIELDS = (
    "kind",
    "seed",
    "symbol",
    "process",
    "n_rows",
    "bayes",
    "candidate",
    "naive_rule",
    "status",
    "decision",
    "rank",
    "selected",
    "accepted_before_panel",
    "oos_accuracy",
    "test_score",
    "gap",
    "fresh_accuracy",
    "constant",
    "persistence_wins",
    "persistence_losses",
    "persistence_p_value",
    "failed_criteria",
)
# How each ranking rule scores an accepted candidate; the highest score is deployed.
RANKING_RULES = {
    "rank 1": lambda c: -_number(c["rank"]),
    "test-gap/2": lambda c: _number(c["test_score"]) - 0.5 * _number(c["gap"]),
    "oos-gap/2": lambda c: _number(c["oos_accuracy"]) - 0.5 * _number(c["gap"]),
    "oos": lambda c: _number(c["oos_accuracy"]),
}


def candidates_path(out):
    """The per-candidate CSV next to the per-symbol one."""
    return out.with_name(f"{out.stem}_candidates{out.suffix}")


def process_facts(process, strength):
    """Bayes accuracy and majority share of a process, from one long path."""
    if process == "trend":
        # always up is the Bayes predictor, right with probability `strength`
        return strength, strength
    facts = simulate_prices(200_000, process, strength, random_state=12345).attrs[
        "skfix_simulation"
    ]
    up = facts["up_share"]
    return facts["bayes_accuracy"], max(up, 1 - up)


def write_panel(folder, kind, seed, design):
    """CSV files of one panel; returns {symbol: (name, process, strength, rows, prices)}."""
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


def bayes_predictions(prices, process, fallback):
    """The Bayes predictor's 0/1 for every row of a simulated frame; None for noise.

    Where the process carries no signal (the quiet regimes of ``"switching"``) every
    guess is as good as any other, and the predictor says ``fallback`` (the
    baseline's class): the paired test then counts only the rows where it knows more.
    For ``"trend"`` it is always up, which cannot beat the majority rule.
    """
    if process == "noise":
        return None
    direction = bayes_direction(prices).to_numpy()
    if process == "switching":
        length = prices.attrs["skfix_simulation"]["regime_length"]
        quiet = (np.arange(len(prices)) // length) % 2 == 1
        direction = np.where(quiet, fallback, direction)
    return direction


def bayes_predictor_p_value(prices, process, n_splits=5):
    """The pooled test's p-value for the Bayes predictor itself on the same rows.

    The Bayes predictor (:func:`bayes_predictions`) is scored on the pooled
    out-of-sample rows of the same folds ``skfix train`` uses, against the
    training-majority baseline: the power of a model that learned the process
    perfectly, one candidate, no correction. None for noise, where there is nothing to
    learn.
    """
    from sklearn.dummy import DummyClassifier

    from skfix.selection import (
        PurgedWalkForwardSplit,
        holdout_split,
        paired_sign_test,
        walk_forward_predict,
    )

    if process == "noise":
        return None
    X, y = make_dataset(prices, horizon=1)
    y = y.to_numpy()
    selection, test = holdout_split(X, test_size=0.2, gap=1)
    folds = list(PurgedWalkForwardSplit(n_splits, gap=1).split(X.iloc[selection]))
    folds.append((selection, test))
    idx, baseline = walk_forward_predict(DummyClassifier(), X, y, cv=folds)
    rows = prices.index.get_indexer(X.index)[idx]
    full = np.zeros(len(prices), dtype=baseline.dtype)
    full[rows] = baseline
    bayes = bayes_predictions(prices, process, full)[rows].astype(y.dtype)
    return paired_sign_test(y[idx], bayes, baseline)[2]


def _up(prices):
    """The label of every row: 1 if the next close is higher (the last row: 0, unused)."""
    return (prices["close"].shift(-1) > prices["close"]).astype(int)


def price_only(prices):
    """The price columns of a frame, without its user columns."""
    return prices[[c for c in prices.columns if c in PRICE_COLUMNS]]


def fresh_rows(prices, rows):
    """Built-in features and labels of the rows after the training file ended."""
    features = make_features(price_only(prices))
    later = features.iloc[rows:-1].dropna()
    return later, _up(prices).loc[later.index].to_numpy()


def predict_fresh(model, prices, rows):
    """A loaded model file's 0/1 predictions and the labels of the rows after the first
    ``rows`` (but the last, which has no label) whose features are complete.

    A model file that loads as a scikit-learn ``Pipeline`` (a ``features`` step, then
    the model) computes its own features from the whole frame, user columns included:
    ``pipe[:-1].transform(prices)``; an older file, a bare estimator, was trained on
    :func:`skfix.features.make_features` of the prices.
    """
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        features = model[:-1].transform(prices)
        if not isinstance(features, pd.DataFrame):
            features = pd.DataFrame(np.asarray(features), index=prices.index)
        later = features.reindex(prices.index[rows:-1]).dropna()
        predictions = model[-1].predict(later)
    else:
        later, _ = fresh_rows(prices, rows)
        predictions = model.predict(later)
    return np.asarray(predictions), _up(prices).loc[later.index].to_numpy()


def naive_fresh(prices, rows, process, later, truth):
    """Fresh accuracy of the majority rule, persistence and the Bayes predictor.

    The majority rule predicts the most frequent class of the labelled rows that
    ``skfix train`` fits its final models on; persistence says "up" iff the last
    return was up.
    """
    trained = make_dataset(prices.iloc[:rows])[1].to_numpy(dtype=int)
    # the first of the most frequent classes on a tie, as MajorityClassifier
    majority = int(trained.mean() > 0.5)
    persistence = (later["return_1"].to_numpy() > 0).astype(int)
    bayes = bayes_predictions(prices, process, majority)
    accuracy = {
        "fresh_majority": float(np.mean(truth == majority)),
        "fresh_persistence": float(np.mean(truth == persistence)),
    }
    accuracy["fresh_best_naive"] = max(accuracy.values())
    accuracy["fresh_bayes"] = (
        None
        if bayes is None
        else float(np.mean(truth == bayes[prices.index.get_indexer(later.index)]))
    )
    return accuracy


def candidate_rows(record, out, prices, rows):
    """Each candidate with a model file, loaded, verified and scored on the fresh rows
    (the rows of `prices` after the first `rows`)."""
    from skfix.persistence import load_model

    scored = []
    for candidate in record["candidates"]:
        if candidate.get("model_file") is None:
            continue
        model = load_model(candidate["model_file"], out)
        predictions, truth = predict_fresh(model, prices, rows)
        scored.append(
            {
                "candidate": candidate["name"],
                "naive_rule": int(is_naive(candidate)),
                "status": candidate["status"],
                "decision": candidate["decision"],
                "rank": _blank(candidate.get("rank")),
                "selected": int(
                    bool(record["selected"])
                    and record["selected"]["name"] == candidate["name"]
                ),
                "accepted_before_panel": int(accepted_before_panel(candidate)),
                "oos_accuracy": _blank(candidate.get("oos_accuracy")),
                "test_score": _blank(candidate.get("test_score")),
                "gap": _blank(candidate.get("gap")),
                "fresh_accuracy": round(float(np.mean(predictions == truth)), 4),
                "constant": int(len(np.unique(predictions)) == 1),
                **_against_persistence(candidate),
                "failed_criteria": " ".join(
                    c["name"] for c in candidate.get("criteria") or [] if not c["passed"]
                ),
            }
        )
    return scored


def _against_persistence(candidate):
    """A candidate's pooled out-of-sample comparison with persistence: the rows only it
    (wins) or only persistence (losses) got right, and the one-sided sign test's
    p-value; blanks for persistence itself and for a run without the rule."""
    comparison = (candidate.get("comparisons") or {}).get("persistence") or {}
    return {
        f"persistence_{key}": _blank(comparison.get(key))
        for key in ("wins", "losses", "p_value")
    }


def is_naive(candidate):
    """Whether a candidate is one of the naive rules rather than a learned model."""
    return bool(candidate.get("naive_rule", candidate["name"] in NAIVE_RULES))


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


def resampled_noise_panels(rows, size=10, n_panels=20_000, alpha=ALPHA, seed=0):
    """Share of all-noise panels of ``size`` in which the default panel correction
    (the adaptive BKY step-up) deploys anything, over random panels drawn from every
    noise symbol of the noise panels.

    The symbols of a panel are independent series, so any ``size`` of them form a
    panel as valid as the ones that ran together; drawing many such panels measures
    the false-deploy rate of larger panels than the ones run, and more precisely.
    """
    from skfix.selection import SelectionCriteria, adjust_p_values

    method = SelectionCriteria().panel_correction
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
    any_deployed = [
        adjust_p_values(panel, method, alpha=alpha).min() <= alpha for panel in panels
    ]
    return float(np.mean(any_deployed)), len(p)


def _relative(path):
    """A path as the project sees it, without this machine's folders."""
    path = Path(path).resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _blank(value):
    return "" if value is None else value


def _number(value):
    """A CSV cell as a float; NaN when empty."""
    return float(value) if value not in ("", None) else np.nan


def accepted_before_panel(candidate):
    """Whether a candidate met every criterion of its own symbol."""
    if candidate["status"] != "ok":
        return False
    return all(c["passed"] for c in candidate["criteria"] if c["name"] != "panel_fdr")


def run_skfix_train(data, out, seed, n_jobs, config=None):
    """``skfix train DATA --out OUT --seed S --n-jobs N --quiet --no-plots`` (and
    ``--config CONFIG``), as a user runs it; returns the manifest."""
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
        "--no-plots",
    ]
    if config is not None:
        command += ["--config", str(config)]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode not in (0, 1):
        raise SystemExit(
            f"skfix train failed (exit {completed.returncode}): "
            f"{(completed.stderr or completed.stdout)[-2000:]}"
        )
    return json.loads((Path(out) / "manifest.json").read_text())


def run_panel(kind, seed, design, facts, n_jobs):
    """Train one panel; returns its per-symbol rows, its per-candidate rows and the
    seconds spent loading and scoring the candidates' model files."""
    rows_out, candidates_out, loading = [], [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "out"
        data.mkdir()
        series = write_panel(data, kind, seed, design)
        manifest = run_skfix_train(data, out, seed, n_jobs)
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
            later, truth = fresh_rows(prices, rows)
            began = time.perf_counter()
            scored = candidate_rows(record, out, prices, rows)
            loading += time.perf_counter() - began
            evidence = record.get("evidence") or {}
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
                "naive": int(is_naive(chosen)) if chosen else "",
                "gap": _blank(chosen["gap"]) if chosen else "",
                "oos_accuracy": _blank(chosen["oos_accuracy"]) if chosen else "",
                "fresh_accuracy": "",
                "fresh_majority_share": round(max(truth.mean(), 1 - truth.mean()), 4),
                "constant": "",
                "p_value": _blank(evidence.get("p_value")),
                "bh_input": _blank(bh_input(record)),
                "bayes_predictor_p_value": _blank(
                    bayes_predictor_p_value(prices.iloc[:rows], process)
                ),
                "panel_p_value": _blank(evidence.get("panel_p_value")),
                "min_detectable_edge": _blank(evidence.get("min_detectable_edge")),
            }
            row.update(
                {
                    key: _blank(None if value is None else round(value, 4))
                    for key, value in naive_fresh(
                        prices, rows, process, later, truth
                    ).items()
                }
            )
            deployed = next((c for c in scored if c["selected"]), None)
            if deployed:
                row.update(
                    fresh_accuracy=deployed["fresh_accuracy"],
                    constant=deployed["constant"],
                )
            rows_out.append(row)
            keys = {"kind": kind, "seed": seed, "symbol": symbol, "process": name}
            candidates_out += [
                {**keys, "n_rows": rows, "bayes": round(bayes, 4), **c} for c in scored
            ]
    return rows_out, candidates_out, loading


def _floats(rows, key):
    return np.array([float(r[key]) for r in rows if r.get(key) not in ("", None)])


def _differences(rows, key, minus):
    """``key - minus`` over the rows that have both."""
    both = [
        r for r in rows if r.get(key) not in ("", None) and r.get(minus) not in ("", None)
    ]
    return _floats(both, key) - _floats(both, minus)


def _share(flags):
    return f"{sum(flags)} of {len(flags)} ({np.mean(flags):.1%})" if flags else "-"


def _cell(value, spec, width):
    return (format(value, spec) if value is not None else "-").rjust(width)


def report(rows, candidates=None, seconds=None):
    """Print the tables from the per-symbol (and per-candidate) rows; return the
    figures that matter."""
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; `skfix train FOLDER --seed S --no-plots`, default "
        f"configuration (every default candidate, tuning, max-T correction, the adaptive "
        f"BKY false-discovery control across each panel)"
        + (f"; {seconds / 60:.0f} min" if seconds else "")
        + "\n"
    )
    groups = {}
    for r in rows:
        groups.setdefault((r["process"], int(r["n_rows"])), []).append(r)
    print(
        "Per process and length. deploy: share deployed (no-FDR: accepted on its own\n"
        "symbol, before the panel's FDR control); B-pass: share of series where the\n"
        "Bayes predictor itself passes the pooled test (one candidate, no correction),\n"
        "the ceiling any learned model works under; dep/B: deploy / B-pass; naive:\n"
        "share of deployments that are naive rules; acc new: deployed models' mean\n"
        "accuracy on the 2,000 later rows, minus Bayes, minus the process's best naive\n"
        "rule's on the same rows (-rule: the rule with the higher mean over the\n"
        "process's series, the one a user could have used instead) and minus the\n"
        "better of the two rules on each series (-max: picked on the later rows\n"
        "themselves, an oracle no rule chosen beforehand reaches); gap: their mean\n"
        "train-validation gap.\n"
    )
    print(
        f"{'process':<15} {'rows':>5} {'n':>4} {'Bayes':>6} {'deploy':>6} {'no-FDR':>6} "
        f"{'B-pass':>6} {'dep/B':>5} {'naive':>6} {'acc new':>7} {'-Bayes':>7} "
        f"{'-rule':>7} {'-max':>7} {'gap':>6}  models"
    )
    figures = {}
    for (process, n_rows), group in sorted(groups.items()):
        deployed = [r for r in group if int(r["deployed"])]
        fresh = _floats(deployed, "fresh_accuracy")
        over_naive = _differences(deployed, "fresh_accuracy", "fresh_best_naive")
        rule = best_rule(group)
        over_rule = _differences(deployed, "fresh_accuracy", f"fresh_{rule}")
        gaps = _floats(deployed, "gap")
        bayes = float(group[0]["bayes"])
        models = {}
        for r in deployed:
            models[r["model"]] = models.get(r["model"], 0) + 1
        rate = len(deployed) / len(group)
        no_bh = float(np.mean([int(r["deployed_without_panel"]) for r in group]))
        oracle = _floats(group, "bayes_predictor_p_value")
        oracle_rate = float(np.mean(oracle <= ALPHA)) if oracle.size else None
        naive = [int(r["naive"]) for r in deployed if r.get("naive") not in ("", None)]
        passing = [r for r in group if _number(r["bayes_predictor_p_value"]) <= ALPHA]
        figures[(process, n_rows)] = {
            "n": len(group),
            "bayes": bayes,
            "edge": float(group[0]["edge"]),
            "rate": rate,
            "rate_without_panel": no_bh,
            "bayes_predictor_rate": oracle_rate,
            "rate_given_bayes_passes": (
                float(np.mean([int(r["deployed"]) for r in passing])) if passing else None
            ),
            "naive_share": float(np.mean(naive)) if naive else None,
            "fresh": float(fresh.mean()) if fresh.size else None,
            "fresh_minus_naive": float(over_naive.mean()) if over_naive.size else None,
            "best_rule": rule,
            "fresh_minus_rule": float(over_rule.mean()) if over_rule.size else None,
            "gap": float(gaps.mean()) if gaps.size else None,
        }
        print(
            f"{process:<15} {n_rows:>5} {len(group):>4} {bayes:>6.3f} {rate:>6.0%} "
            f"{no_bh:>6.0%} "
            + _cell(oracle_rate, ".0%", 6)
            + " "
            + _cell(rate / oracle_rate if oracle_rate else None, ".2f", 5)
            + " "
            + _cell(np.mean(naive) if naive else None, ".0%", 6)
            + " "
            + _cell(fresh.mean() if fresh.size else None, ".3f", 7)
            + " "
            + _cell(fresh.mean() - bayes if fresh.size else None, "+.3f", 7)
            + " "
            + _cell(over_rule.mean() if over_rule.size else None, "+.3f", 7)
            + " "
            + _cell(over_naive.mean() if over_naive.size else None, "+.3f", 7)
            + " "
            + _cell(gaps.mean() if gaps.size else None, ".3f", 6)
            + "  "
            + ", ".join(f"{m} {k}" for m, k in sorted(models.items()))
        )
    figures.update(_report_noise(rows))
    figures.update(_report_deployed(rows))
    figures["targets"] = _report_targets(figures)
    if candidates:
        figures["ranking"] = _report_ranking(candidates)
    return figures


def best_rule(group):
    """The naive rule with the higher mean accuracy on the later rows over a process's
    series (majority on a tie): the rule a user could have used instead of skfix."""
    means = {
        rule: _floats(group, f"fresh_{rule}").mean() for rule in ("majority", "persistence")
    }
    return max(means, key=lambda rule: (means[rule], rule == "majority"))


def _report_noise(rows):
    noise = [r for r in rows if r["process"] == "noise"]
    panels = {}
    for r in rows:
        if r["kind"] == "noise":
            panels.setdefault(r["seed"], []).append(r)
    any_deployed = [any(int(r["deployed"]) for r in p) for p in panels.values()]
    any_without = [
        any(int(r["deployed_without_panel"]) for r in p) for p in panels.values()
    ]
    deployed = [int(r["deployed"]) for r in noise]
    naive = [r for r in noise if int(r["deployed"]) and str(r.get("naive")) == "1"]
    sizes = "/".join(str(size) for size in sorted({len(p) for p in panels.values()}))
    without = [int(r["deployed_without_panel"]) for r in noise]
    print("\nNoise (pure random walks, nothing to find):\n")
    for label, value in (
        ("noise symbols deployed, with the panel correction", _share(deployed)),
        ("  of which naive rules", len(naive)),
        ("noise symbols accepted on their own (no correction)", _share(without)),
        (f"all-noise panels of {sizes} deploying anything (FDR on)", _share(any_deployed)),
        ("all-noise panels with an acceptance (FDR off)", _share(any_without)),
    ):
        print(f"  {label:<54}{value}")
    resampled, n_noise = resampled_noise_panels(rows)
    if resampled is not None:
        print(
            f"  {'all-noise panels of ten deploying anything (FDR on)':<54}"
            f"{resampled:.1%}\n"
            f"    over 20,000 panels drawn from the {n_noise} noise-panel symbols"
        )
    return {
        "noise_rate": float(np.mean(deployed)) if deployed else None,
        "noise_panels": float(np.mean(any_deployed)) if any_deployed else None,
        "noise_panels_resampled": resampled,
    }


def _report_deployed(rows):
    deployed = [r for r in rows if int(r["deployed"])]
    learned = [r for r in deployed if str(r.get("naive")) != "1"]
    constant = [r for r in learned if str(r["constant"]) == "1"]
    fresh_gap = _differences(deployed, "fresh_accuracy", "bayes")
    gaps = _floats(deployed, "gap")
    print("\nDeployed models:\n")
    naive = len(deployed) - len(learned)
    print(f"  deployed in all                                       {len(deployed)}")
    print(f"    naive rules among them                              {naive}")
    print(f"  learned models always predicting one class (later)    {len(constant)}")
    if fresh_gap.size:
        print(
            "  accuracy on later rows minus Bayes, mean              "
            f"{fresh_gap.mean():+.3f} (over {fresh_gap.size})"
        )
    if gaps.size:
        print(f"  mean train-validation gap of the selected models      {gaps.mean():.3f}")
    return {
        "constant": len(constant),
        "fresh_minus_bayes": float(fresh_gap.mean()) if fresh_gap.size else None,
        "selected_gap": float(gaps.mean()) if gaps.size else None,
    }


def _report_targets(figures):
    """Print each target with what was measured; return {target: met (or None)}."""
    groups = {k: v for k, v in figures.items() if isinstance(k, tuple)}

    def check(label, value, spec, met):
        verdict = "-" if met is None else ("met" if met else "NOT met")
        print(f"  {label:<66} {_cell(value, spec, 7)}  {verdict}")
        return met

    print("\nTargets:\n")
    met = {}
    short = groups.get(("ar1-0.30", 600), {}).get("rate_given_bayes_passes")
    met["ar1_600_given_bayes"] = check(
        "phi 0.3, 600 rows: deployed where the Bayes predictor passes >= 90 %",
        short,
        ".0%",
        None if short is None else short >= 0.90,
    )
    strong = {
        key: g
        for key, g in groups.items()
        if key[1] >= 1500 and g["edge"] >= STRONG_EDGE and key[0] != "noise"
    }
    for (process, n_rows), g in sorted(strong.items()):
        met[f"{process}_{n_rows}_rate"] = check(
            f"{process}, {n_rows} rows: deployed >= 95 %",
            g["rate"],
            ".0%",
            g["rate"] >= 0.95,
        )
    for (process, n_rows), g in sorted(groups.items()):
        above = g.get("fresh_minus_rule")
        if above is not None:
            met[f"{process}_{n_rows}_naive"] = check(
                f"{process}, {n_rows} rows: deployed fresh >= {g['best_rule']}'s",
                above,
                "+.3f",
                above >= 0,
            )
        above = g["fresh_minus_naive"]
        if above is not None:
            met[f"{process}_{n_rows}_max"] = check(
                f"{process}, {n_rows} rows: deployed fresh >= the better rule (oracle)",
                above,
                "+.3f",
                above >= 0,
            )
        if n_rows >= 1500 and g["fresh"] is not None:
            below = g["fresh"] - g["bayes"]
            met[f"{process}_{n_rows}_bayes"] = check(
                f"{process}, {n_rows} rows: deployed fresh within 0.03 of Bayes",
                below,
                "+.3f",
                below >= -0.03,
            )
    for key, label in (
        ("noise_rate", "noise symbols deploying <= 5 %"),
        ("noise_panels", "all-noise panels deploying <= 5 %"),
    ):
        value = figures.get(key)
        met[key] = check(label, value, ".1%", None if value is None else value <= 0.05)
    return met


def rank_picks(candidates):
    """{(kind, seed, symbol): {rule: the chosen candidate row}} over the symbols with at
    least one accepted, ranked candidate; "best" is the best fresh accuracy among
    them, known only afterwards."""
    symbols = {}
    for c in candidates:
        if c["decision"] == "accept" and c["rank"] not in ("", None):
            symbols.setdefault((c["kind"], str(c["seed"]), c["symbol"]), []).append(c)
    picks = {}
    for key, accepted in symbols.items():
        chosen = {}
        for rule, score in {
            **RANKING_RULES,
            "best": lambda c: _number(c["fresh_accuracy"]),
        }.items():
            scores = np.array([score(c) for c in accepted])
            if not np.isnan(scores).all():
                # the first of the highest, in the manifest's candidate order
                chosen[rule] = accepted[int(np.nanargmax(scores))]
        picks[key] = chosen
    return picks


def _report_ranking(candidates):
    """Print the mean fresh accuracy each ranking rule would have deployed."""
    picks = rank_picks(candidates)
    process_of = {}
    for c in candidates:
        process_of[(c["kind"], str(c["seed"]), c["symbol"])] = (
            c["process"],
            int(c["n_rows"]),
            float(c["bayes"]),
        )
    rules = [*RANKING_RULES, "best"]
    print(
        "\nRanking rules compared: mean accuracy on the later rows of the candidate each\n"
        "rule deploys among a symbol's accepted candidates (best: the best of them,\n"
        "known only afterwards), over the symbols with at least one:\n"
    )
    print(
        f"{'process':<15} {'rows':>5} {'n':>4} {'Bayes':>6} "
        + " ".join(f"{rule:>10}" for rule in rules)
    )
    by_group = {}
    for key, chosen in picks.items():
        by_group.setdefault(process_of[key], []).append(chosen)
    means = {}
    for (process, n_rows, bayes), group in sorted(by_group.items()):
        row = {
            rule: [float(ch[rule]["fresh_accuracy"]) for ch in group if rule in ch]
            for rule in rules
        }
        means[(process, n_rows)] = {
            rule: float(np.mean(v)) if v else None for rule, v in row.items()
        }
        print(
            f"{process:<15} {n_rows:>5} {len(group):>4} {bayes:>6.3f} "
            + " ".join(_cell(np.mean(v) if v else None, ".3f", 10) for v in row.values())
        )
    return means


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {}
    for r in rows:
        groups.setdefault((r["process"], int(r["n_rows"])), []).append(r)
    keys = sorted(groups, reverse=True)  # the table's order, top to bottom
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(4.2, 0.32 * len(keys) + 1.2)))
    # Bars per process, not a curve over the edge: processes of the same edge (AR(1)
    # either way, nonlinear) differ in how hard they are to learn.
    where = np.arange(len(keys))
    left.barh(
        where,
        [np.mean([int(r["deployed"]) for r in groups[k]]) for k in keys],
        color="tab:blue",
        label="deployed",
    )
    passing = [_floats(groups[k], "bayes_predictor_p_value") for k in keys]
    shown = [i for i, p in enumerate(passing) if p.size]
    left.scatter(
        [np.mean(passing[i] <= ALPHA) for i in shown],
        where[shown],
        marker="D",
        color="black",
        zorder=3,
        label="Bayes predictor passes",
    )
    left.set_yticks(where, [f"{p}, {n} rows" for p, n in keys], fontsize=8)
    left.axvline(ALPHA, color="grey", linestyle=":", linewidth=1)
    left.set_xlim(0, 1.02)
    left.set_xlabel("share of symbols")
    left.set_title("Deploy rate per process and length")
    left.legend(loc="lower right", fontsize=8)
    deployed = [r for r in rows if int(r["deployed"]) and r["fresh_accuracy"] != ""]
    for naive, marker, label in ((False, "o", "learned model"), (True, "x", "naive rule")):
        shown = [r for r in deployed if (str(r.get("naive")) == "1") == naive]
        if shown:
            right.scatter(
                [float(r["bayes"]) for r in shown],
                [float(r["fresh_accuracy"]) for r in shown],
                s=14,
                alpha=0.6,
                marker=marker,
                label=label,
            )
    fresh = np.array([float(r["fresh_accuracy"]) for r in deployed] or [0.5])
    bayes = np.array([float(r["bayes"]) for r in deployed] or [0.5])
    # every deployed process's Bayes accuracy, down to noise's 0.5
    low, high = 0.48, max(0.62, bayes.max() + 0.02)
    right.plot([low, high], [low, high], color="grey", linewidth=1, label="Bayes")
    right.plot(
        [low, high],
        [low - 0.03, high - 0.03],
        color="grey",
        linestyle=":",
        linewidth=1,
        label="Bayes - 0.03",
    )
    right.set_xlim(low, high)
    right.set_ylim(min(0.45, fresh.min() - 0.02), max(0.65, fresh.max() + 0.02))
    right.set_xlabel("Bayes accuracy of the process")
    right.set_ylabel("deployed model, accuracy on 2,000 later rows")
    right.set_title("Deployed accuracy against Bayes")
    right.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _read(path, fields, strict=True):
    """The rows of a CSV this script wrote; refuses one with other columns, unless
    only reading it for the report (older columns then show as missing)."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    if strict and tuple(reader.fieldnames or ()) != tuple(fields):
        raise SystemExit(
            f"{path} has other columns than this version of the study writes; "
            "rerun without --resume or with another --out."
        )
    return rows


def _write(path, fields, rows, mode):
    with path.open(mode, newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        if mode == "w":
            writer.writeheader()
        writer.writerows(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=8, help="mixed panels (default 8)")
    parser.add_argument(
        "--noise-panels", type=int, default=200, help="all-noise panels (default 200)"
    )
    parser.add_argument(
        "--noise-panel-size",
        type=int,
        default=2,
        help=f"{NOISE_ROWS}-row random walks per all-noise panel (default 2)",
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "power.csv")
    parser.add_argument("--resume", action="store_true", help="keep the panels in --out")
    parser.add_argument("--report", action="store_true", help="only print from --out")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    per_candidate = candidates_path(args.out)
    done = set()
    rows, candidates = [], []
    if (args.resume or args.report) and args.out.exists():
        rows = _read(args.out, FIELDS, strict=not args.report)
        done = {(r["kind"], int(r["seed"])) for r in rows}
        if per_candidate.exists():
            candidates = _read(per_candidate, CANDIDATE_FIELDS, strict=not args.report)
    elif args.report:
        raise SystemExit(f"--report: {args.out} does not exist")
    if not args.report:
        # A panel interrupted between the two files is in the candidates only: it runs
        # again, so its candidate rows go.
        candidates = [c for c in candidates if (c["kind"], int(c["seed"])) in done]
        _write(per_candidate, CANDIDATE_FIELDS, candidates, "w")
        if not done:
            _write(args.out, FIELDS, [], "w")
    start = time.perf_counter()
    if not args.report:
        designs = {
            "mixed": MIXED,
            "noise": (("noise", "noise", 0.0, NOISE_ROWS, args.noise_panel_size),),
        }
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
        for kind, seed, _ in plan:
            if (kind, seed) in done:
                continue
            began = time.perf_counter()
            new, new_candidates, loading = run_panel(
                kind, seed, designs[kind], facts, args.n_jobs
            )
            # candidates first: a panel is done once it is in the per-symbol file
            _write(per_candidate, CANDIDATE_FIELDS, new_candidates, "a")
            _write(args.out, FIELDS, new, "a")
            rows += [{key: str(value) for key, value in r.items()} for r in new]
            candidates += [{k: str(v) for k, v in c.items()} for c in new_candidates]
            print(
                f"[{kind} panel, seed {seed}: {len(new)} symbols, "
                f"{sum(int(r['deployed']) for r in new)} deployed, "
                f"{time.perf_counter() - began:.0f} s, of which {loading:.1f} s loading "
                f"and scoring {len(new_candidates)} model files]",
                file=sys.stderr,
                flush=True,
            )
    figures = report(rows, candidates, None if args.report else time.perf_counter() - start)
    png = args.out.with_suffix(".png")
    plot(rows, png)
    shown = [_relative(path) for path in (args.out, per_candidate, png)]
    print(
        f"\nper-symbol results: {shown[0]}; per candidate: {shown[1]}; "
        f"power curve: {shown[2]}"
    )
    return figures


if __name__ == "__main__":
    main()
