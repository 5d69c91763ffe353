"""Fit-time overhead of skfix's estimators over the libraries they wrap.

Each pair is fit on the same float64 array (``--rows`` x ``--features``, default
5,000 x 11, a weak signal in the first two columns), best wall time of ``--repeats``
fits, and the ratio skfix / raw is printed, measured in the same run:

- ``rf``: :class:`~skfix.estimators.RegularizedRandomForestClassifier` with its
  defaults vs ``sklearn.ensemble.RandomForestClassifier`` with the very same
  parameters (``get_params()`` less ``monitor`` and ``augmenter``, so the out-of-bag
  score is computed by both); skfix adds the class check and the out-of-bag
  overfitting monitor.
- ``xgb``: :class:`~skfix.estimators.RegularizedXGBClassifier` with
  ``early_stopping=False`` vs ``xgboost.XGBClassifier`` with the same parameters
  (one thread, ``hist``); skfix adds input validation, label encoding and the training
  monitor, which scores the training rows after every round.
- ``mlp``: :class:`~skfix.estimators.RegularizedMLPClassifier` with
  ``early_stopping=False`` vs a raw ``skorch.NeuralNetClassifier`` on the same module
  (the same layers, dropout, AdamW, weight decay, learning rate, batch size and
  epochs, the batch size skfix's ``"auto"`` resolves to; standardized inputs;
  ``train_split=None``), as a user would write it: torch's ``DataLoader`` and the
  default AdamW step. skfix adds the scaler, the monitor (gradient norms and loss
  checks every batch) and the per-epoch history, and saves time with its array batches
  and torch's fused AdamW step.

Every model runs on one thread (``torch.set_num_threads(1)``, ``n_jobs=1``), as in
``skfix train``.

The second table is the cost of one default symbol: a simulated 2,500-row AR(1) series
(phi 0.3) through ``skfix train``'s per-symbol step (features, every default model and
naive rule through the purged walk-forward with nested tuning, the selection, the model
files), per model family: the fits made, the seconds spent on the family, the seconds
inside the estimators' own ``fit`` and the share of the family's time spent outside
them (scoring, tests, bookkeeping). It runs twice in the same process, before and
after the change that removed the largest waste found by profiling (the neural nets'
AdamW step as a Python loop over tensors, now torch's fused step,
``skfix.estimators._neural._fused``), best of ``--repeats`` each. The first table's
skfix/raw ratios say what each fit costs against the plain library model.

Run: ``python benchmarks/bench_overhead.py`` (about three minutes on two cores).
"""

import argparse
import platform
import time
import warnings

import numpy as np


def _data(n_rows, n_features):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.standard_normal(n_rows) > 0).astype(int)
    return X, y


def _pair_rf(args):
    from sklearn.ensemble import RandomForestClassifier

    from skfix.estimators import RegularizedRandomForestClassifier

    ours = RegularizedRandomForestClassifier(n_estimators=args.trees, random_state=0)
    params = {
        k: v for k, v in ours.get_params().items() if k not in ("monitor", "augmenter")
    }
    return ours, RandomForestClassifier(**params)


def _pair_xgb(args):
    import xgboost

    from skfix.estimators import RegularizedXGBClassifier

    ours = RegularizedXGBClassifier(
        n_estimators=args.trees, early_stopping=False, n_jobs=1, random_state=0
    )
    shared = (
        "n_estimators learning_rate max_depth min_child_weight subsample "
        "colsample_bytree gamma reg_alpha reg_lambda tree_method n_jobs random_state"
    ).split()
    raw = xgboost.XGBClassifier(**{k: ours.get_params()[k] for k in shared}, device="cpu")
    return ours, raw


def _pair_mlp(args):
    import skorch
    import torch
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skfix.estimators import RegularizedMLPClassifier
    from skfix.estimators._neural import _batch_size
    from skfix.estimators._torch_modules import MLPModule

    ours = RegularizedMLPClassifier(
        max_epochs=args.epochs, early_stopping=False, device="cpu", random_state=0
    )
    p = ours.get_params()
    net = skorch.NeuralNetClassifier(
        MLPModule,
        module__n_features=args.features,
        module__n_classes=2,
        module__hidden_layer_sizes=p["hidden_layer_sizes"],
        module__dropout=p["dropout"],
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=p["weight_decay"],
        lr=p["lr"],
        max_epochs=p["max_epochs"],
        # the batch size skfix's "auto" resolves to for these rows
        batch_size=_batch_size(p["batch_size"], args.rows),
        iterator_train__shuffle=True,
        train_split=None,
        device="cpu",
        verbose=0,
    )
    # torch's layers are float32, as skfix casts its inputs to.
    to_float32 = FunctionTransformer(np.float32)
    return ours, make_pipeline(StandardScaler(), to_float32, net)


PAIRS = {"rf": _pair_rf, "xgb": _pair_xgb, "mlp": _pair_mlp}


def _best_fit_seconds(estimator, X, y, repeats):
    from sklearn.base import clone

    best = np.inf
    for _ in range(repeats):
        fresh = clone(estimator)
        start = time.perf_counter()
        fresh.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best


def _symbol_cost(fused):
    """Seconds per model family of one run of a default 2,500-row symbol."""
    import collections
    import tempfile
    from pathlib import Path
    from unittest import mock

    import skfix.estimators as est
    import skfix.estimators._neural as neural
    from skfix.datasets import simulate_prices
    from skfix.selection import _selector
    from skfix.training import config_from_dict
    from skfix.training._symbol import train_symbol

    classes = {
        "logistic": est.RegularizedLogisticRegression,
        "rf": est.RegularizedRandomForestClassifier,
        "xgb": est.RegularizedXGBClassifier,
        "mlp": est.RegularizedMLPClassifier,
        "lstm": est.RegularizedLSTMClassifier,
    }
    prices = simulate_prices(2_530, "ar1", 0.3, random_state=0)
    config = config_from_dict({})
    family = collections.Counter()
    inside = collections.Counter()
    fits = collections.Counter()

    def timed_evaluate(
        name, *args, _orig=_selector._evaluate_one, _family=family, **kwargs
    ):
        start = time.perf_counter()
        try:
            return _orig(name, *args, **kwargs)
        finally:
            _family[name] += time.perf_counter() - start

    patches = [mock.patch.object(_selector, "_evaluate_one", timed_evaluate)]
    for name, cls in classes.items():

        def timed_fit(
            self, *args, _orig=cls.fit, _name=name, _in=inside, _n=fits, **kwargs
        ):
            start = time.perf_counter()
            try:
                return _orig(self, *args, **kwargs)
            finally:
                _in[_name] += time.perf_counter() - start
                _n[_name] += 1

        patches.append(mock.patch.object(cls, "fit", timed_fit))
    if not fused:
        patches.append(mock.patch.object(neural, "_fused", lambda *a: {}))
    with tempfile.TemporaryDirectory() as out:
        for patch in patches:
            patch.start()
        try:
            start = time.perf_counter()
            train_symbol("SIM", prices, config, Path(out), "SIM")
            total = time.perf_counter() - start
        finally:
            for patch in patches:
                patch.stop()
    return {"total": total, "family": family, "inside": inside, "fits": fits}


def _print_symbol_cost(repeats):
    # Alternated, so that neither version gets the warm process (imports, caches).
    runs = {False: [], True: []}
    for _ in range(repeats):
        for fused in (False, True):
            runs[fused].append(_symbol_cost(fused))
    before, after = (min(runs[fused], key=lambda run: run["total"]) for fused in runs)
    print(
        "\nOne default symbol (2,500 simulated rows, every default model and naive rule), "
        f"best of {repeats}:\n"
    )
    print(
        f"{'family':<12} {'fits':>5} {'before s':>9} {'after s':>9} {'after/before':>13}"
        f" {'in fit s':>9} {'outside fit':>12}"
    )
    print("-" * 76)
    for name, seconds in after["family"].items():
        inside = after["inside"].get(name)
        outside = "" if inside is None else f"{1 - inside / seconds:>11.0%}"
        print(
            f"{name:<12} {after['fits'].get(name, 0):>5} {before['family'][name]:>9.2f} "
            f"{seconds:>9.2f} {seconds / before['family'][name]:>12.2f}x "
            f"{'' if inside is None else f'{inside:.2f}':>9} {outside:>12}"
        )
    rest = [run["total"] - sum(run["family"].values()) for run in (before, after)]
    print(f"{'other':<12} {'':>5} {rest[0]:>9.2f} {rest[1]:>9.2f}")
    print(
        f"{'symbol':<12} {'':>5} {before['total']:>9.2f} {after['total']:>9.2f} "
        f"{after['total'] / before['total']:>12.2f}x"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--features", type=int, default=11)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trees", type=int, default=200, help="RF and XGB trees")
    parser.add_argument("--epochs", type=int, default=10, help="MLP epochs")
    parser.add_argument("--models", nargs="+", choices=sorted(PAIRS), default=list(PAIRS))
    parser.add_argument(
        "--no-symbol", action="store_true", help="skip the one-symbol table"
    )
    args = parser.parse_args(argv)

    import torch

    import skfix
    from skfix.monitoring import TrainingWarning

    torch.set_num_threads(1)
    # The monitors' findings are irrelevant here; only time is measured.
    warnings.simplefilter("ignore", TrainingWarning)
    warnings.filterwarnings("ignore", "Some inputs do not have OOB scores")
    X, y = _data(args.rows, args.features)
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, torch "
        f"{torch.__version__} (1 thread), {args.rows:,} x {args.features} float64, "
        f"best of {args.repeats}; {args.trees} trees, {args.epochs} MLP epochs\n"
    )
    header = f"{'model':<6} {'skfix s':>9} {'raw s':>9} {'skfix/raw':>10}  raw"
    print(header)
    print("-" * 72)
    for name in args.models:
        ours, raw = PAIRS[name](args)
        ours_s = _best_fit_seconds(ours, X, y, args.repeats)
        raw_s = _best_fit_seconds(raw, X, y, args.repeats)
        raw_model = raw[-1] if hasattr(raw, "steps") else raw
        raw_name = f"{type(raw_model).__module__.split('.')[0]}.{type(raw_model).__name__}"
        print(f"{name:<6} {ours_s:>9.3f} {raw_s:>9.3f} {ours_s / raw_s:>9.2f}x  {raw_name}")
    if not args.no_symbol:
        _print_symbol_cost(args.repeats)


if __name__ == "__main__":
    main()
