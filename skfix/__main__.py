"""The ``skfix`` command: a thin shell over skfix's Python API."""

import argparse
import sys

from . import __version__

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _quickstart(args):
    import pandas as pd

    from .datasets import load_market_panel
    from .quickstart import score_panel

    panel = load_market_panel(args.symbols)
    scores = score_panel(
        panel, models=args.models, preset=args.preset, random_state=args.seed
    )
    columns = ["train_accuracy", "valid_accuracy", "test_accuracy", "gap"]
    columns.append("majority_test_accuracy")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(scores.drop(columns="preset").round(3).to_string(index=False))
        print()
        print(f"Mean over {len(panel)} symbols ({args.preset} preset):")
        print(scores.groupby("model")[columns].mean().round(3).to_string())
    return EXIT_OK


def build_parser():
    """The argument parser of the ``skfix`` command."""
    parser = argparse.ArgumentParser(
        prog="skfix",
        description=(
            "Train classifiers on small, noisy, time-ordered data without fooling yourself."
        ),
    )
    parser.add_argument("--version", action="version", version=f"skfix {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    quick = commands.add_parser(
        "quickstart",
        help="fit both tree models on the built-in panel and print their accuracy",
        description=(
            "Fit the regularized RandomForest and XGBoost on every series of the "
            "built-in panel with a 60/20/20 split in time, and print train, validation "
            "and test accuracy, the train-validation gap, and the majority-class "
            "baseline on the test part."
        ),
    )
    quick.add_argument(
        "--symbols", nargs="+", metavar="SYMBOL", help="symbols to use (default: all)"
    )
    quick.add_argument(
        "--models",
        nargs="+",
        default=["rf", "xgb"],
        choices=["rf", "xgb"],
        help="models to fit (default: rf xgb)",
    )
    quick.add_argument(
        "--preset",
        default="skfix",
        choices=["skfix", "legacy"],
        help="parameter set: skfix's regularized defaults or the legacy values",
    )
    quick.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    quick.set_defaults(handler=_quickstart)
    return parser


def main(argv=None):
    """Run the ``skfix`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.handler(args)
    except ValueError as exc:
        print(f"skfix: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
