"""`skfix train` on the built-in panel: serial vs --n-jobs 2, wall time and peak memory.

Runs the real command twice in subprocesses (the same seed and configuration), checks
that both manifests are identical bar the creation time, and prints wall time, the
speed-up of the parallel run (a ratio measured in the same session) and the peak
memory of the whole process tree (the command and its worker processes, sampled from
/proc every 0.1 s, so Linux only).

Run: ``python benchmarks/bench_train.py`` (about 12 minutes on two cores).
Targets on 2 cores: ``skfix train`` (all cores, the default) under 5 minutes,
--n-jobs 2 at least 1.6x faster than --n-jobs 1, peak memory under 2 GB.
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _proc import tree_rss  # benchmarks/_proc.py, beside this script

import skfix


def run(out_dir, *extra):
    command = [sys.executable, "-m", "skfix", "train", "--out", str(out_dir), "--quiet"]
    start = time.perf_counter()
    process = subprocess.Popen([*command, *extra])
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise SystemExit(f"skfix train failed with exit code {process.returncode}")
    manifest = json.loads((Path(out_dir) / "manifest.json").read_text())
    return elapsed, peak, manifest


def main():
    with tempfile.TemporaryDirectory() as tmp:
        serial_s, serial_peak, serial = run(Path(tmp) / "serial", "--n-jobs", "1")
        parallel_s, parallel_peak, parallel = run(Path(tmp) / "parallel", "--n-jobs", "2")
    for manifest in (serial, parallel):
        manifest.pop("utc_time_created")
    identical = serial == parallel
    summary = serial["summary"]
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, built-in panel ({summary['symbols_total']} symbols, "
        f"{summary['candidates_total']} candidates)\n"
    )
    print(f"{'run':<12} {'wall s':>8} {'speed-up':>9} {'peak MB':>9}")
    print(f"{'serial':<12} {serial_s:>8.1f} {1.0:>8.2f}x {serial_peak / 1e6:>9.0f}")
    print(
        f"{'--n-jobs 2':<12} {parallel_s:>8.1f} {serial_s / parallel_s:>8.2f}x "
        f"{parallel_peak / 1e6:>9.0f}"
    )
    print(f"\nmanifests identical bar creation time: {identical}")
    if not identical:
        raise SystemExit("serial and parallel manifests differ")


if __name__ == "__main__":
    main()
