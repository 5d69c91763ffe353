"""A panel of 1,000 simulated symbols through `skfix train`: serial, --n-jobs 2, Dask.

The script writes ``--symbols`` price files (a mix of lengths, 300 to 2,500 rows, and of
processes: noise, AR(1) at phi 0.2 and -0.2, five-day momentum, an up-trend with 55 %
up moves, a switching signal, a nonlinear process) and runs the real command on them
five ways, with the same seed and configuration:

- ``serial``: ``skfix train --n-jobs 1``;
- ``loky``: ``skfix train --n-jobs 2 --backend loky`` (joblib's worker processes,
  each a fresh interpreter that imports the libraries itself);
- ``mp``: ``skfix train --n-jobs 2`` (``--backend multiprocessing``, the command's
  default on Linux and macOS: Python's process pool, its workers forked from a fork
  server that imported the libraries once);
- ``dask``: a Dask cluster of real worker processes on this machine, started as a user
  would (``dask scheduler`` and two ``dask worker --nthreads 1`` processes), with
  ``skfix train --backend dask --scheduler ADDRESS``; the workers train in folders of
  their own and send each symbol's files back (no shared file system);
- ``dask+pre``: the same with the workers started with ``--preload skfix.preload``
  (the scheduler needs none), as a long-lived cluster would be, so that they hold
  skfix's libraries before the run (without it, ``skfix train`` has the workers import
  them when it starts, while it imports them itself).

For each run it prints the wall time, symbols per minute, the speed-up over the serial
run and the efficiency (speed-up per worker), the time to the first finished symbol
(the first resume-state file the driving process writes), the tail (from the last
finished symbol to the end: the panel correction, the manifest and the reports, all
written by the driving process), and peak resident memory: of the driving
``skfix train`` process alone, of its whole process tree, and of the largest Dask
worker (its nanny and worker process). The driver's memory is also read after 10 %
and after all of the symbols have finished, to show how it grows with the symbols
(the records it keeps). It then checks that the five manifests are identical bar the
creation time, and estimates the wall time of the same panel on a 64-worker cluster
from the measured per-symbol cost, the measured efficiency and the measured tail.

Defaults are the fast models (``--models logistic``; plots off, reports on); pass
``--models logistic rf xgb mlp lstm`` for the full set, ``--plots`` to draw the plots.

Run: ``python benchmarks/bench_scale.py`` (about 10 minutes on two cores);
``python benchmarks/bench_scale.py --symbols 6 --rows 1500 --models logistic rf`` for
the six-symbol panel of docs/scaling.md. Linux only (memory
is read from /proc).
"""

import argparse
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _proc import children, rss, tree_rss  # benchmarks/_proc.py, beside this script

import skfix

LENGTHS = (300, 600, 1_000, 1_500, 2_500)
PROCESSES = (
    ("noise", 0.0),
    ("ar1", 0.2),
    ("ar1", -0.2),
    ("momentum", 0.3),
    ("trend", 0.55),
    ("switching", 0.3),
    ("nonlinear", 0.3),
)


def write_panel(folder, n_symbols, rows=None, seed=0):
    """``n_symbols`` CSV price files in ``folder``; returns the total number of rows.

    Each file has ``rows`` rows, or a length drawn from ``LENGTHS`` when None.
    """
    from skfix.datasets import simulate_prices

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    total = 0
    for i in range(n_symbols):
        n_rows = int(rng.choice(LENGTHS)) if rows is None else rows
        process, strength = PROCESSES[i % len(PROCESSES)]
        prices = simulate_prices(n_rows, process, strength, random_state=seed + i)
        prices.to_csv(folder / f"SIM{i:05d}.csv", index_label="date")
        total += n_rows
    return total


class Watch:
    """Peak memory of processes and the arrival of finished symbols, sampled."""

    def __init__(self, driver, state_dir, n_symbols, workers=()):
        self.driver, self.state_dir, self.n_symbols = driver, state_dir, n_symbols
        self.workers = list(workers)
        self.start = time.perf_counter()
        self.driver_peak = self.tree_peak = self.worker_peak = 0
        self.first = self.last = None
        self.driver_at = {}  # share of symbols done -> driver RSS then

    def sample(self):
        tree = children()
        driver = rss(self.driver.pid)
        self.driver_peak = max(self.driver_peak, driver)
        self.tree_peak = max(self.tree_peak, tree_rss(self.driver.pid, tree))
        for worker in self.workers:
            self.worker_peak = max(self.worker_peak, tree_rss(worker.pid, tree))
        try:
            done = sum(1 for _ in self.state_dir.iterdir())
        except OSError:
            done = 0
        now = time.perf_counter() - self.start
        if done and self.first is None:
            self.first = now
        if done >= self.n_symbols and self.last is None:
            self.last = now
        for share in (0.1, 1.0):
            if done >= share * self.n_symbols and share not in self.driver_at:
                self.driver_at[share] = driver


def _records_kb(manifest):
    """Memory of the symbols' records as Python objects, in kB per symbol."""
    import tracemalloc

    text = json.dumps(manifest["symbols"])
    tracemalloc.start()
    records = json.loads(text)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size / len(records) / 1e3


def run_train(data, out, n_symbols, models, plots, *extra, workers=()):
    command = [sys.executable, "-m", "skfix", "train", str(data), "--out", str(out)]
    command += ["--models", *models, "--quiet", *extra]
    if not plots:
        command.append("--no-plots")
    process = subprocess.Popen(command)
    watch = Watch(process, out / ".skfix-state", n_symbols, workers)
    while process.poll() is None:
        watch.sample()
        time.sleep(0.2)
    elapsed = time.perf_counter() - watch.start
    if process.returncode not in (0, 1):
        raise SystemExit(f"skfix train {' '.join(extra)} failed: exit {process.returncode}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("utc_time_created")
    return {"seconds": elapsed, "watch": watch, "manifest": manifest}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_dask(n_workers, folder, preload=False):
    """A scheduler and ``n_workers`` one-thread worker processes, as a user starts them."""
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(folder / "dask.log", "w")  # noqa: SIM115 (closed in stop_dask)
    scheduler = subprocess.Popen(
        [bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--dashboard-address", ":0"],
        stdout=log, stderr=log,
    )  # fmt: skip
    workers = [
        subprocess.Popen(
            [
                bin_dir / "dask",
                "worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--local-directory",
                str(folder / f"worker{i}"),
                "--dashboard-address",
                ":0",
                *(["--preload", "skfix.preload"] if preload else []),
            ],
            stdout=log,
            stderr=log,
        )  # fmt: skip
        for i in range(n_workers)
    ]
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(n_workers, timeout=120)
    return address, scheduler, workers, log


def stop_dask(scheduler, workers, log):
    for process in [*workers, scheduler]:
        process.terminate()
    for process in [*workers, scheduler]:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    log.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=1_000)
    parser.add_argument("--models", nargs="+", default=["logistic"])
    parser.add_argument("--rows", type=int, help="rows of every file (default: a mix)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plots", action="store_true", help="draw every symbol's plots")
    parser.add_argument("--keep", metavar="DIR", help="keep the runs' folders here")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the five runs this many times, one set after the other; the table "
        "shows each run's median repetition and the speed-ups of every repetition",
    )
    args = parser.parse_args(argv)

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="skfix-scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    repeats = []
    try:
        start = time.perf_counter()
        n_rows = write_panel(tmp / "prices", args.symbols, args.rows)
        write_s = time.perf_counter() - start
        for repeat in range(args.repeat):
            out = tmp / f"repeat{repeat}" if args.repeat > 1 else tmp
            out.mkdir(exist_ok=True)
            repeats.append(run_all(args, tmp / "prices", out))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    report(args, repeats, n_rows, write_s)


def run_all(args, prices, tmp):
    """The five runs, one after the other, into folders of ``tmp``."""
    runs = {}
    common = (prices, args.symbols, args.models, args.plots)
    runs["serial"] = run_train(*common[:1], tmp / "serial", *common[1:], "--n-jobs", "1")
    runs["loky"] = run_train(
        *common[:1], tmp / "loky", *common[1:], "--n-jobs", str(args.workers),
        "--backend", "loky",
    )  # fmt: skip
    runs["mp"] = run_train(
        *common[:1], tmp / "mp", *common[1:], "--n-jobs", str(args.workers),
        "--backend", "multiprocessing",
    )  # fmt: skip
    for name, preload in (("dask", False), ("dask+pre", True)):
        address, scheduler, workers, log = start_dask(args.workers, tmp, preload)
        try:
            runs[name] = run_train(
                *common[:1], tmp / name, *common[1:], "--backend", "dask",
                "--scheduler", address, workers=workers,
            )  # fmt: skip
        finally:
            stop_dask(scheduler, workers, log)
    return runs


def report(args, repeats, n_rows, write_s):
    # each run's repetition of median wall time, and every repetition's speed-up over
    # the serial run of the same set (the machine's speed drifts between sets)
    speed_ups = {
        name: sorted(r["serial"]["seconds"] / r[name]["seconds"] for r in repeats)
        for name in repeats[0]
    }
    runs = {
        name: sorted((r[name] for r in repeats), key=lambda run: run["seconds"])[
            (len(repeats) - 1) // 2
        ]
        for name in repeats[0]
    }
    n = args.symbols
    serial = runs["serial"]["seconds"]
    summary = runs["serial"]["manifest"]["summary"]
    sets = f"; {len(repeats)} sets of runs (medians)" if len(repeats) > 1 else ""
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {n:,} simulated symbols, {n_rows:,} rows "
        f"(written in {write_s:.0f} s), models: {' '.join(args.models)} and the naive "
        f"rules; plots {'on' if args.plots else 'off'}; {args.workers} workers in the "
        f"parallel runs{sets}\n"
    )
    header = (
        f"{'run':<8} {'wall s':>8} {'sym/min':>8} {'speed-up':>9} {'effic.':>7} "
        f"{'first s':>8} {'tail s':>7} {'driver MB':>10} {'tree MB':>8} {'worker MB':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, run in runs.items():
        watch, seconds = run["watch"], run["seconds"]
        workers = 1 if name == "serial" else args.workers
        speed_up = speed_ups[name][(len(repeats) - 1) // 2]
        tail = seconds - watch.last if watch.last is not None else float("nan")
        worker = f"{watch.worker_peak / 1e6:>10.0f}" if watch.workers else f"{'':>10}"
        print(
            f"{name:<8} {seconds:>8.1f} {n / seconds * 60:>8.1f} {speed_up:>8.2f}x "
            f"{speed_up / workers:>6.0%} {watch.first or float('nan'):>8.1f} "
            f"{tail:>7.1f} {watch.driver_peak / 1e6:>10.0f} {watch.tree_peak / 1e6:>8.0f} "
            f"{worker}"
        )
    if len(repeats) > 1:
        print(f"\nSpeed-up over the serial run of the same set, {len(repeats)} sets:\n")
        for name, values in speed_ups.items():
            if name != "serial":
                print(f"{name:<8} " + "  ".join(f"{v:.2f}x" for v in values))
    print("\nDriver memory (RSS) when 10 % and 100 % of the symbols had finished:\n")
    for name, run in runs.items():
        at = run["watch"].driver_at
        first, last = at.get(0.1, 0) / 1e6, at.get(1.0, 0) / 1e6
        growth = (last - first) / (0.9 * n) * 1e3
        print(
            f"{name:<8} {first:>7.0f} MB -> {last:>7.0f} MB  "
            f"({growth:+.0f} kB per finished symbol)"
        )
    print(
        f"(the records it keeps, as Python objects: "
        f"{_records_kb(runs['serial']['manifest']):.0f} kB per symbol)"
    )
    identical = all(
        run["manifest"] == runs["serial"]["manifest"] for r in repeats for run in r.values()
    )
    print(
        f"\nManifests identical bar the creation time: {'yes' if identical else 'NO'}; "
        f"{summary['symbols_total']} symbols, {summary['candidates_total']} candidates, "
        f"{summary['deployable_count']} deployed ("
        f"{summary['deployed_naive_rules']} of them a naive rule)."
    )
    # The serial run's state files arrive one per symbol: the time between the first
    # and the last is training; the rest of its wall time (start-up, reading the files,
    # the panel correction, manifest and reports) is the driving process's own work,
    # which more workers do not shorten.
    first, last = runs["serial"]["watch"].first, runs["serial"]["watch"].last
    per_symbol = (last - first) / max(n - 1, 1)
    driver = serial - n * per_symbol
    print(
        f"\nSerial run: {per_symbol:.3f} s of training per symbol; {driver:.1f} s "
        f"({driver / n * 1e3:.0f} ms per symbol) in the driving process alone."
    )
    print("Efficiency of the training part (driving process's time taken out):")
    efficiency = {}
    for name in ("loky", "mp", "dask", "dask+pre"):
        efficiency[name] = (
            n * per_symbol / (args.workers * (runs[name]["seconds"] - driver))
        )
        print(f"  {name:<6} {efficiency[name]:.0%}")
    workers = 64
    for name, e in efficiency.items():
        # a symbol is one task: a worker trains ceil(n / workers) of them
        training = math.ceil(n / workers) * per_symbol / min(e, 1.0)
        total = driver + training
        print(
            f"Estimate for {workers} workers at {name}'s efficiency: {total:.0f} s "
            f"for these {n:,} symbols ({training:.0f} s of training, {driver:.0f} s in the "
            f"driving process), {n / total * 60:.0f} symbols per minute."
        )


if __name__ == "__main__":
    main()
