"""The ``skfix`` command: a thin shell over skfix's Python API.

Exit codes: 0 success; 1 the run finished but a symbol, a file or a model failed
(recorded in the manifest and the reports; for predict, the files or symbols that could
not be predicted, while the others were); 2 bad input (no readable data at all, an
invalid configuration or argument), nothing trained; 130 interrupted.
"""

import argparse
import sys
import time

from . import __version__
from ._workers import WorkerLostError

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

_TRAIN_EPILOG = """\
examples:
  skfix train                              the built-in panel of 11 real series
  skfix train prices/ --out run1           your own CSV/Parquet folder
  skfix train --models logistic rf --symbols SP500 WTI --n-jobs 2
  skfix train --config run.toml --resume   finish an interrupted run

what you get in --out:
  manifest.json   every candidate of every symbol: fold scores, gap, stability,
                  test score, baselines, p-value, decision with reasons, model files
                  with sha256; the selected model per symbol, or none and why
  reports/        SYMBOL.md per symbol and summary.md
  plots/          train vs validation, fold-score spread, gap distribution
  models/         safe model files (no pickle), loaded by `skfix predict`

A model is deployed for a symbol only if it beats always predicting the majority
class, significantly, on every row the walk-forward predicted out of sample (the
validation windows and the final test window), after correcting for the candidates
tried and for the symbols of the run, with a small gap.
A file that cannot be read is a failed symbol, with its reason; the other files are
trained as if it were not there.
exit codes: 0 ok, 1 a symbol, file or model failed (see the manifest; the rest was
trained), 2 nothing readable or bad arguments, 130 interrupted.
"""


def _print_summary(manifest, out_dir, stream):
    summary = manifest["summary"]
    rate = summary["model_success_rate"]
    gap, accuracy = summary["average_gap"], summary["average_test_accuracy"]
    lines = [
        ("symbols", f"{summary['symbols_total']}"),
        ("symbols trained", f"{summary['symbols_trained']}"),
        ("insufficient data", f"{summary['symbols_insufficient_data']}"),
        ("symbols failed", f"{summary['symbols_failed']}"),
        (
            "model success rate",
            "n/a"
            if rate is None
            else f"{rate:.0%} ({summary['candidates_succeeded']}/"
            f"{summary['candidates_total']})",
        ),
        ("average gap", "n/a" if gap is None else f"{gap:.1%}"),
        ("average test accuracy", "n/a" if accuracy is None else f"{accuracy:.1%}"),
        ("deployable symbols", f"{summary['deployable_count']}"),
        ("failures", f"{len(summary['failures'])}"),
    ]
    width = max(len(name) for name, _ in lines)
    print("", file=stream)
    for name, value in lines:
        print(f"  {name:<{width}}  {value}", file=stream)
    for failure in summary["failures"]:
        where = failure["symbol"] + (
            f"/{failure['candidate']}" if failure["candidate"] else ""
        )
        print(f"  failed: {where}: {failure['type']}: {failure['message']}", file=stream)
    deployed = [
        f"{symbol}={record['selected']['name']}"
        for symbol, record in manifest["symbols"].items()
        if record["selected"]
    ]
    print(f"  deployed: {', '.join(deployed) if deployed else 'none'}", file=stream)
    print(f"\nmanifest: {out_dir}/manifest.json  reports: {out_dir}/reports/", file=stream)


class _Progress:
    """A tqdm bar over the model fits of a run, with an ETA; off when piped or quiet.

    The bar counts models (every model of every symbol), so that the ETA weighs a
    symbol by the models it trains; it advances as each symbol finishes, by the models
    that symbol tried (models a short series skips come off the total), and shows the
    symbols done and the last symbol's outcome.
    """

    def __init__(self, stream, enabled, n_models):
        self.stream = stream
        self.enabled = enabled
        self.n_models = n_models
        self.bar = None
        self.started = time.time()

    def __call__(self, done, total, symbol, record):
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total * self.n_models,
                unit="model",
                file=self.stream,
                dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} models "
                "[{elapsed}<{remaining}]{postfix}",
            )
            # elapsed time and rate count from the start of the run, not from the
            # first symbol done
            self.bar.start_t = self.started
        # Models tried; a symbol that failed or had no usable rows fitted none.
        tried = sum(c.status != "skipped" for c in record.candidates)
        self.bar.total -= self.n_models - tried
        status = record.selected["name"] if record.selected else record.status
        self.bar.set_postfix_str(f"{done}/{total} symbols, {symbol}: {status}")
        self.bar.update(tried)
        if done == total:
            self.bar.close()


def _logging_beside(progress):
    import contextlib

    if not progress.enabled:
        return contextlib.nullcontext()
    from tqdm.contrib.logging import logging_redirect_tqdm

    return logging_redirect_tqdm()


def _train(args):
    if args.backend is None:
        args.backend = _default_backend()
    parallel = args.n_jobs not in (0, 1)
    early_loky = parallel and args.backend == "loky"
    early_dask = args.backend == "dask" and args.scheduler is not None
    if early_dask:
        # the cluster's workers import the training libraries while this process does
        from ._workers import start_dask_imports

        start_dask_imports(args.scheduler, args.models or None, not args.no_plots)
    elif parallel and args.backend != "dask":
        # the workers (or the fork server) import the training libraries while this
        # process does the same
        from ._workers import start_fork_server, start_loky_workers

        if early_loky:
            # with the families' libraries: every built-in family's unless --models
            start_loky_workers(args.n_jobs, args.models or None, not args.no_plots)
        else:
            start_fork_server(args.models or None, not args.no_plots)
    try:
        manifest = _train_run(args)
    finally:
        if early_loky:
            from ._workers import stop_loky_workers

            stop_loky_workers()  # also when the run stopped early (bad input)
        if early_dask:
            from ._workers import wait_for_dask_imports

            wait_for_dask_imports()
    if not args.quiet:
        _print_summary(manifest, args.out, sys.stdout)
    return EXIT_FAILURES if manifest["summary"]["failures"] else EXIT_OK


def _default_backend():
    """The command's backend when --backend is not given.

    A process pool forked from a preloaded fork server where the platform has one
    (Linux, macOS): its workers import nothing again. loky elsewhere (Windows).
    """
    from ._workers import has_fork_server

    return "multiprocessing" if has_fork_server() else "loky"


def _train_run(args):
    from .training import config_from_dict, load_config, train_panel

    overrides = {"seed": args.seed, "horizon": args.horizon, "preset": args.preset}
    if args.models:
        overrides["models"] = tuple(args.models)
    if args.config:
        config = load_config(args.config, **overrides)
    else:
        config = config_from_dict({}, source="the command line", **overrides)
    progress = _Progress(
        sys.stderr, sys.stderr.isatty() and not args.quiet, len(config.models)
    )
    # log lines go above the bar instead of through it
    with _logging_beside(progress):
        return train_panel(
            args.data or None,
            out_dir=args.out,
            config=config,
            symbols=args.symbols,
            n_jobs=args.n_jobs,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=progress,
            plots=not args.no_plots,
            shared_out=args.shared_out,
        )


def _predict(args):
    from pathlib import Path

    from ._io import atomic_write
    from .prediction import predict_panel

    if Path(args.out).is_dir():
        raise ValueError(
            f"--out {args.out} is a folder; expected the name of the CSV file to write."
        )
    table, skipped, failed = predict_panel(args.manifest, args.data)
    atomic_write(args.out, table.to_csv(index=False, lineterminator="\n"))
    for symbol, why in skipped.items():
        print(f"skfix: {symbol}: no prediction ({why})", file=sys.stderr)
    for why in failed.values():
        print(f"skfix: failed: {why}", file=sys.stderr)
    print(
        f"{len(table)} predictions for {table['symbol'].nunique()} symbol(s) -> {args.out}"
        + (f"; {len(failed)} failed (see above)" if failed else "")
    )
    return EXIT_FAILURES if failed else EXIT_OK


def _add_verbose(parser):
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log each symbol's models and outcome (-vv: with the reasons)",
    )


def build_parser():
    """The argument parser of the ``skfix`` command."""
    parser = argparse.ArgumentParser(
        prog="skfix",
        description=(
            "Train classifiers on small, noisy, time-ordered data without fooling "
            "yourself. Start with `skfix train` on the built-in panel."
        ),
    )
    parser.add_argument("--version", action="version", version=f"skfix {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train_parser(commands)
    _add_predict_parser(commands)
    return parser


# the built-in model families, named here so that building the parser imports no
# scikit-learn (tests/test_cli.py checks them against skfix.estimators.MODEL_FAMILIES)
_BUILTIN_MODELS = ("logistic", "rf", "xgb", "mlp", "lstm")


def _add_train_parser(commands):
    models = list(_BUILTIN_MODELS)
    train = commands.add_parser(
        "train",
        help="train every model on every symbol and write manifest, reports, models",
        description=(
            "Train a logistic regression, RandomForest, XGBoost, an MLP and an LSTM on\n"
            "every symbol, each tuned over a small grid, with augmentation, purged\n"
            "walk-forward validation and a final test window; accept only models that\n"
            "beat the naive baseline significantly on every row they predicted out of\n"
            "sample, with the false discovery rate controlled across the symbols; write\n"
            "a deployment manifest, per-symbol reports, plots and safe model files."
        ),
        epilog=_TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument(
        "data",
        nargs="*",
        metavar="DATA",
        help="price files or folders (CSV, CSV.GZ, Parquet); default: the built-in panel",
    )
    train.add_argument("--out", default="skfix-out", metavar="DIR", help="output folder")
    train.add_argument(
        "--models",
        nargs="+",
        metavar="MODEL",
        help=(
            f"models to train: {' '.join(models)}, or a family the --config file "
            f"declares in [model_families] (default: all {len(models)} built-in)"
        ),
    )
    train.add_argument("--symbols", nargs="+", metavar="SYMBOL", help="only these symbols")
    train.add_argument("--seed", type=int, help="random seed of every model (default: 0)")
    train.add_argument("--horizon", type=int, help="label horizon in rows (default: 1)")
    train.add_argument(
        "--preset", choices=["skfix", "legacy"], help="model parameter set (default: skfix)"
    )
    train.add_argument(
        "--n-jobs",
        type=int,
        default=-1,
        metavar="N",
        help="symbols trained in parallel (default -1: all cores; the manifest is the "
        "same for any N)",
    )
    train.add_argument(
        "--backend",
        choices=["loky", "multiprocessing", "dask"],
        default=None,
        help="parallel backend: multiprocessing (Python's process pool, its workers "
        "forked from a server that imported the libraries once; the default on Linux "
        "and macOS), loky (joblib's worker processes; the default on Windows) or "
        "dask (needs `pip install skfix[dask]`)",
    )
    train.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://host:8786",
    )
    train.add_argument(
        "--shared-out",
        action="store_true",
        help="workers write model files and plots into --out themselves (a folder "
        "every worker can write to); by default they send them back and this process "
        "writes them",
    )
    train.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file: criteria, split, augmentation, model parameters (docs/cli.md)",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="reuse the symbols an interrupted run in --out already finished",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    train.add_argument(
        "--no-plots", action="store_true", help="write no plots (a faster, smaller run)"
    )
    _add_verbose(train)
    train.set_defaults(handler=_train)


def _add_predict_parser(commands):
    predict = commands.add_parser(
        "predict",
        help="predict with the models a manifest deploys",
        description=(
            "Load the selected model of every symbol in MANIFEST (each file checked "
            "by sha256), compute features from the price files in DATA, and write "
            "one row per symbol and date: the prediction and each class probability."
        ),
    )
    predict.add_argument("data", metavar="DATA", help="price file or folder")
    predict.add_argument("--manifest", required=True, metavar="FILE", help="manifest.json")
    predict.add_argument(
        "--out", default="predictions.csv", metavar="FILE", help="CSV file to write"
    )
    _add_verbose(predict)
    predict.set_defaults(handler=_predict)


def _configure_logging(verbosity):
    """``-v``: what each symbol and model did; ``-vv``: also why, in full."""
    import logging

    if verbosity:
        logging.basicConfig(
            level=logging.INFO if verbosity == 1 else logging.DEBUG,
            format="skfix: %(message)s",
            stream=sys.stderr,
        )


def main(argv=None):
    """Run the ``skfix`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # like any argparse tool given no command: usage on stderr, exit code 2
        parser.print_usage(sys.stderr)
        print(
            "skfix: error: a command is required (train or predict); see skfix --help",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    _configure_logging(getattr(args, "verbose", 0))
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("\nskfix: interrupted; rerun with --resume to finish.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkerLostError as exc:
        print(f"skfix: error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    except (ValueError, OSError, ImportError) as exc:
        # Bad input ends with one clear message, not a traceback. Per-symbol and
        # per-model failures never get here: they are recorded in the manifest.
        print(f"skfix: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
