"""Fit-time overhead of skfix's estimators over the libraries they wrap.

Each pair is fit on the same float64 array (``--rows`` x ``--features``, default
5,000 x 11, a weak signal in the first two columns), best wall time of ``--repeats``
fits, and the ratio skfix / raw is printed, measured in the same run:

- ``rf``: :class:`~skfix.estimators.RegularizedRandomForestClassifier` with its
  defaults vs ``sklearn.ensemble.RandomForestClassifier`` with the very same parameters
  (``get_params()`` less ``monitor``, so the out-of-bag score is computed by both);
  skfix adds the class check and the out-of-bag overfitting monitor.
- ``xgb``: :class:`~skfix.estimators.RegularizedXGBClassifier` with
  ``early_stopping=False`` vs ``xgboost.XGBClassifier`` with the same parameters
  (one thread, ``hist``); skfix adds input validation, label encoding and the training
  monitor, which scores the training rows after every round.
- ``mlp``: :class:`~skfix.estimators.RegularizedMLPClassifier` with
  ``early_stopping=False`` vs a raw ``skorch.NeuralNetClassifier`` on the same module
  (the same layers, dropout, AdamW, weight decay, learning rate, batch size and
  epochs; standardized inputs; ``train_split=None``); skfix adds the scaler, the
  monitor (gradient norms and loss checks every batch) and the per-epoch history.

Every model runs on one thread (``torch.set_num_threads(1)``, ``n_jobs=1``), as in
``skfix train``.

Run: ``python benchmarks/bench_overhead.py`` (about a minute on two cores).
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
    params = {k: v for k, v in ours.get_params().items() if k != "monitor"}
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
        batch_size=p["batch_size"],
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--features", type=int, default=11)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trees", type=int, default=200, help="RF and XGB trees")
    parser.add_argument("--epochs", type=int, default=10, help="MLP epochs")
    parser.add_argument("--models", nargs="+", choices=sorted(PAIRS), default=list(PAIRS))
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


if __name__ == "__main__":
    main()
