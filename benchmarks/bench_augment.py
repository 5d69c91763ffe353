"""Time skfix's TimeSeriesAugmenter against tsaug and a plain numpy loop.

Every method makes one synthetic copy of every row of the same standardized float64
array (noise std 0.15, 10 % dropout to the feature mean, which is 0 here) and reports
the best wall time over ``--repeats`` runs, input rows per second, the peak memory
traced by ``tracemalloc`` in a separate run (so that tracing does not slow the timed
runs), that peak as a multiple of the method's output size, and the speed relative to
tsaug.

- ``skfix``: ``TimeSeriesAugmenter(size_thresholds=(), size_factors=(2,))``, so the
  output holds every original row followed by its copy (2 n rows), with the default
  time shift of up to 2 rows backward.
- ``tsaug``: ``AddNoise(scale=0.15, normalize=False) + Dropout(p=0.1, fill=0.0)`` on
  the rows seen as n univariate series of length n_features; it returns the n copies
  only and does no time shift. Skipped, with a note, when tsaug is not installed
  (``pip install tsaug``; it is not a skfix dependency).
- ``numpy loop``: the same recipe as skfix written as a Python loop over rows.

Run ``python benchmarks/bench_augment.py`` (about a minute at the default sizes) or
``python benchmarks/bench_augment.py --sizes 1000 10000`` for a quick look.
"""

import argparse
import time
import tracemalloc

import numpy as np

from skfix.augment import TimeSeriesAugmenter

NOISE_STD = 0.15
DROPOUT = 0.1


def run_skfix(X, y):
    augmenter = TimeSeriesAugmenter(
        size_thresholds=(),
        size_factors=(2,),
        noise_std=NOISE_STD,
        feature_dropout=DROPOUT,
        random_state=0,
    )
    return augmenter.fit_resample(X, y)[0]


def make_tsaug():
    try:
        from tsaug import AddNoise, Dropout
    except ImportError:
        return None
    augmenter = AddNoise(scale=NOISE_STD, normalize=False, seed=0) + Dropout(
        p=DROPOUT, fill=0.0, seed=0
    )

    def run_tsaug(X, y):
        return augmenter.augment(X)

    return run_tsaug


def run_numpy_loop(X, y):
    rng = np.random.default_rng(0)
    mean, scale = X.mean(axis=0), NOISE_STD * X.std(axis=0)
    out = np.empty((2 * X.shape[0], X.shape[1]), dtype=X.dtype)
    for i in range(X.shape[0]):
        row = X[max(i - rng.integers(3), 0)] + scale * rng.standard_normal(X.shape[1])
        dropped = rng.random(X.shape[1]) < DROPOUT
        row[dropped] = mean[dropped]
        out[2 * i] = X[i]
        out[2 * i + 1] = row
    return out


def measure(method, X, y, repeats):
    seconds = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        method(X, y)
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    output = method(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, output.nbytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--loop-max-rows",
        type=int,
        default=1_000_000,
        help="largest size the (slow) numpy loop is run on",
    )
    args = parser.parse_args(argv)

    # tsaug first: the other rows are compared with it.
    methods = {"tsaug": make_tsaug(), "skfix": run_skfix, "numpy loop": run_numpy_loop}
    if methods["tsaug"] is None:
        print("note: tsaug is not installed (pip install tsaug); its rows are skipped\n")

    header = (
        f"{'method':<11} {'rows':>9} {'features':>8} {'seconds':>8} {'rows/s':>11} "
        f"{'peak MB':>9} {'x output':>8} {'vs tsaug':>8}"
    )
    print(header)
    print("-" * len(header))
    for n_rows in args.sizes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n_rows, args.features))
        y = np.arange(n_rows) % 2
        tsaug_seconds = None
        for name, method in methods.items():
            if method is None or (name == "numpy loop" and n_rows > args.loop_max_rows):
                continue
            seconds, peak, output_bytes = measure(method, X, y, args.repeats)
            if name == "tsaug":
                tsaug_seconds = seconds
            versus = f"{tsaug_seconds / seconds:.2f}" if tsaug_seconds else "-"
            print(
                f"{name:<11} {n_rows:>9,} {args.features:>8} {seconds:>8.3f} "
                f"{n_rows / seconds:>11,.0f} {peak / 2**20:>9.1f} "
                f"{peak / output_bytes:>8.2f} {versus:>8}"
            )


if __name__ == "__main__":
    main()
