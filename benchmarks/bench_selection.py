"""Model selection on the built-in market panel: legacy vs skfix, decision by decision.

For every symbol of ``skfix.datasets.load_market_panel()``, RandomForest and XGBoost are
evaluated with the legacy parameters and with skfix's defaults by
:class:`skfix.selection.ModelSelector` (five purged walk-forward folds on the first 80 %
of the rows, the last 20 % as the test window), with the two naive rules competing as
the selector adds them by default. Each candidate's decision is printed
with every criterion, under skfix's rules; its decision under the original spec's
rules alone is printed beside it. The summary gives the original run's four figures
(model success rate, average gap, average test accuracy, deployable symbols) for both
parameter sets side by side.

Run ``python benchmarks/bench_selection.py --help`` for the options.
"""

import argparse
import time
import warnings

import numpy as np
from imblearn.pipeline import Pipeline

from skfix.datasets import load_market_panel
from skfix.estimators import make_estimator
from skfix.features import make_dataset
from skfix.selection import ModelSelector, SelectionCriteria

PRESETS = ("legacy", "skfix")
MODELS = ("rf", "xgb")


def _candidates(preset, augment, random_state):
    candidates = {}
    for model in MODELS:
        estimator = make_estimator(model, preset=preset, random_state=random_state)
        if augment:
            from skfix.augment import TimeSeriesAugmenter

            estimator = Pipeline(
                [
                    ("augment", TimeSeriesAugmenter(random_state=random_state)),
                    (model, estimator),
                ]
            )
        candidates[model] = estimator
    return candidates


def _pct(value):
    return "n/a" if value is None or np.isnan(value) else f"{100 * value:.1f} %"


def _summary(runs, n_symbols):
    """The original run's four figures over the two models, and the deployable count
    under both rule sets; the naive rules compete under skfix's rules only (the
    original spec had none), and are counted apart."""

    def learned(run):
        return [e for e in run["selector"].evaluations_ if not e.naive_rule]

    def learned_decisions(run, rules):
        names = {e.name for e in learned(run)}
        return [d for d in run[rules] if d.name in names]

    evaluations = [e for run in runs for e in learned(run)]
    trained = [e for e in evaluations if not e.failed]
    n_models = sum(len(learned_decisions(run, "skfix")) for run in runs)
    deployable = {
        "original": sum(
            any(d.accepted for d in learned_decisions(run, "original")) for run in runs
        ),
        "skfix": sum(run["selector"].best_name_ is not None for run in runs),
    }
    naive = sum(
        run["selector"].best_name_ is not None
        and run["selector"].best_name_ not in {e.name for e in learned(run)}
        for run in runs
    )
    insufficient = sum(
        all(d.decision == "insufficient_data" for d in learned_decisions(run, "skfix"))
        for run in runs
    )
    selected = [
        e for run in runs for e in learned(run) if e.name == run["selector"].best_name_
    ]
    return {
        "model success rate": f"{len(trained)}/{n_models}",
        "average gap": _pct(np.mean([e.gap for e in trained]) if trained else np.nan),
        "average test accuracy": _pct(
            np.mean([e.test_accuracy for e in trained]) if trained else np.nan
        ),
        "average majority-baseline test accuracy": _pct(
            np.mean([e.baselines["majority"]["test_accuracy"] for e in trained])
            if trained
            else np.nan
        ),
        "deployable symbols, original rules": f"{deployable['original']}/{n_symbols}",
        "deployable symbols, skfix rules": f"{deployable['skfix']}/{n_symbols}",
        "  of which a naive rule": f"{naive}/{deployable['skfix']}",
        "symbols with insufficient data (skfix rules)": f"{insufficient}/{n_symbols}",
        "average gap of the selected models": _pct(
            np.mean([e.gap for e in selected]) if selected else np.nan
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", nargs="*", help="symbols to run (default: all)")
    parser.add_argument(
        "--augment",
        action="store_true",
        help="put skfix's TimeSeriesAugmenter in front of each model (imblearn Pipeline)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    panel = load_market_panel()
    symbols = args.symbols or sorted(panel)
    original_rules = SelectionCriteria.legacy()
    runs = {preset: [] for preset in PRESETS}
    start = time.perf_counter()
    for symbol in symbols:
        X, y = make_dataset(panel[symbol], horizon=1)
        print(f"\n=== {symbol}: {len(X)} rows, {y.mean():.1%} up ===")
        for preset in PRESETS:
            # the max-T correction's sign flips are seeded too: the same output each run
            selector = ModelSelector(
                _candidates(preset, args.augment, args.random_state),
                random_state=args.random_state,
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                selector.fit(X, y)
            original = (
                original_rules.assess(selector.evaluations_, random_state=args.random_state)
                if selector.evaluations_
                else list(selector.decisions_.values())
            )
            runs[preset].append(
                {
                    "selector": selector,
                    "skfix": list(selector.decisions_.values()),
                    "original": original,
                }
            )
            split = selector.split_
            print(
                f"--- {preset} parameters: {split['n_selection']} selection rows in "
                f"{len(split['folds'])} folds, {split['n_test']} test rows"
                + (f", {len(caught)} warning(s)" if caught else "")
            )
            if selector.evaluations_:
                baselines = selector.evaluations_[0].baselines
                print(
                    "    baselines on the test window: majority "
                    f"{baselines['majority']['test_accuracy']:.3f}, persistence "
                    f"{baselines['persistence']['test_accuracy']:.3f}"
                )
            for decision, legacy in zip(
                selector.decisions_.values(), original, strict=True
            ):
                print(decision.explain())
                print(f"    original rules alone: {legacy.decision}")
            print(f"  => {selector.why_ if selector.best_name_ else 'nothing deployed'}")

    summaries = {preset: _summary(runs[preset], len(symbols)) for preset in PRESETS}
    width = max(len(name) for name in summaries["legacy"])
    print(f"\n=== Summary over {len(symbols)} symbols (RandomForest and XGBoost) ===")
    print(f"{'':{width}}  {'legacy params':>15}  {'skfix params':>15}")
    for name in summaries["legacy"]:
        print(
            f"{name:{width}}  {summaries['legacy'][name]:>15}  "
            f"{summaries['skfix'][name]:>15}"
        )
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
