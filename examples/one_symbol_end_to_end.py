"""One symbol end to end: train, read the record, load what was deployed, predict.

What it shows
-------------
1. :func:`skfix.training.train_panel` (what ``skfix train`` calls) on one series of the
   built-in panel with a few models (RandomForest, XGBoost and the MLP by default):
   purged walk-forward evaluation, a held-out test window, the selection rules, every
   model saved as a hashed file, then ``manifest.json``, ``reports/`` and ``plots/``.
2. The outcome per model (decision, gap, test accuracy against the majority baseline)
   read from the manifest, and where the reports and plots are.
3. :func:`skfix.load_deployment`, which checks each selected model file's sha256 before
   loading it, and a prediction on the latest rows of the series with the deployed
   model, with features computed exactly as in training. When no model is deployed (the
   usual, honest outcome on the built-in panel) it says why instead.

How to run
----------
::

    python examples/one_symbol_end_to_end.py                  # BRENT into example-run/
    python examples/one_symbol_end_to_end.py --symbol SP500 --models rf xgb mlp lstm
    python examples/one_symbol_end_to_end.py --fast           # small models, seconds
"""

import argparse
import warnings
from pathlib import Path

import skfix
from skfix.datasets import load_market_panel
from skfix.features import make_features
from skfix.monitoring import TrainingWarning
from skfix.training import TrainConfig, train_panel


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbol", default="BRENT", help="built-in symbol (default BRENT)")
    parser.add_argument(
        "--models", nargs="+", default=["rf", "xgb", "mlp"], help="rf xgb mlp lstm"
    )
    parser.add_argument("--out", default="example-run", help="output folder")
    parser.add_argument("--fast", action="store_true", help="small models, few epochs")
    args = parser.parse_args(argv)
    # Monitor events are recorded in the manifest and the report; not repeated here.
    warnings.simplefilter("ignore", TrainingWarning)

    model_params = {}
    if args.fast:
        small = {
            "rf": {"n_estimators": 30},
            "xgb": {"n_estimators": 30},
            "mlp": {"max_epochs": 5, "hidden_layer_sizes": (32, 16)},
            "lstm": {"max_epochs": 3, "hidden_dim": 16},
        }
        model_params = {name: small[name] for name in args.models}
    config = TrainConfig(models=tuple(args.models), model_params=model_params)
    out = Path(args.out)
    manifest = train_panel(out_dir=out, config=config, symbols=[args.symbol])
    record = manifest["symbols"][args.symbol]

    print(f"{args.symbol}: {record['status']}, {record['data']['n_rows']} rows")
    print(f"{'model':<6} {'decision':<18} {'gap':>6} {'test':>6} {'majority':>9}")
    for candidate in record["candidates"]:
        baselines = candidate.get("baselines") or {}
        decision = candidate.get("decision") or candidate["status"]
        print(
            f"{candidate['name']:<6} {decision:<18} "
            f"{_fmt(candidate.get('gap'))} {_fmt(candidate.get('test_score'))} "
            f"{_fmt(baselines.get('majority'), 9)}"
        )

    print(f"\nManifest:    {out / 'manifest.json'}")
    print(f"Summary:     {out / 'reports' / 'summary.md'}")
    print(f"Report:      {out / 'reports' / (args.symbol + '.md')}")
    print("Plots:")
    for plot in sorted((out / "plots").glob("*.png")):
        print(f"  {plot}")

    predictors = skfix.load_deployment(out / "manifest.json")
    if args.symbol not in predictors:
        print(f"\nNo model deployed for {args.symbol}: {record['why_none']}")
        return
    model = predictors[args.symbol]
    prices = load_market_panel([args.symbol])[args.symbol]
    latest = make_features(prices).dropna().tail(5)
    proba = model.predict_proba(latest)[:, list(model.classes_).index(1)]
    print(f"\nDeployed: {record['selected']['name']} - {record['selected']['reason']}")
    print("Latest rows (1 = up next period):")
    for date, label, p_up in zip(latest.index, model.predict(latest), proba, strict=True):
        print(f"  {date.date()}  prediction {label}  P(up) {p_up:.3f}")


def _fmt(value, width=6):
    """A score with three decimals, or a dash where it was not measured."""
    return f"{value:>{width}.3f}" if isinstance(value, float) else f"{'-':>{width}}"


if __name__ == "__main__":
    main()
