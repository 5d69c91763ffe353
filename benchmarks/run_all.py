"""Run every benchmark of skfix and write the report, ``docs/benchmarks.md``.

Each script in ``benchmarks/`` runs in its own subprocess (the same Python), one after
the other so that they do not compete for cores; its output is captured and written

- to ``docs/benchmarks/<name>.txt``, exactly as printed (the pages of the docs link
  these files), and
- into ``docs/benchmarks.md``: the machine (CPUs, platform), the library versions, the
  date (UTC), and per benchmark what it compares, the command that reproduces it, its
  wall time and its output.

A benchmark that fails is reported with its exit code and the end of its stderr; the
others still run, and ``run_all.py`` exits with 1.

Run::

    python benchmarks/run_all.py                  # all but power: 30 minutes, 2 cores
    python benchmarks/run_all.py --only power     # the power study, about 80 minutes
    python benchmarks/run_all.py --only user_columns  # the user-column study, 35 minutes
    python benchmarks/run_all.py --only economics  # the deflated Sharpe study, 15 minutes
    python benchmarks/run_all.py --only train     # some of them
    python benchmarks/run_all.py --only device    # on a machine with CUDA
    python benchmarks/run_all.py --render        # rewrite benchmarks.md, run nothing
    python benchmarks/run_all.py --smoke          # overhead and presets, about a minute
    python benchmarks/run_all.py --list

Benchmarks not run in a partial run keep their previous ``.txt`` file, and the report
links it instead of repeating it.
"""

import argparse
import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name: (script, arguments, what it compares). In the order of the report.
BENCHMARKS = {
    "presets": (
        "bench_presets.py",
        (),
        "The spec's before/after table: RandomForest and XGBoost with the legacy values vs "
        "skfix's defaults on the built-in panel (60/20/20 split in time), accuracy and "
        "train-validation gap per symbol, and the gap ratio skfix/legacy.",
    ),
    "models": (
        "bench_models.py",
        (),
        "skfix's five models (logistic regression, RandomForest, XGBoost, MLP, LSTM) "
        "with their defaults on the built-in panel: accuracy, gap, majority baseline, "
        "fit time and neural epoch time.",
    ),
    "augment": (
        "bench_augment.py",
        (),
        "skfix's TimeSeriesAugmenter vs tsaug and a plain numpy loop making the same "
        "copies: wall time, rows per second and peak memory, from 1,000 to 1,000,000 rows.",
    ),
    "selection": (
        "bench_selection.py",
        (),
        "Model selection decisions on the built-in panel, legacy vs skfix parameters, "
        "under the original spec's rules and under skfix's rules, candidate by candidate.",
    ),
    "train": (
        "bench_train.py",
        (),
        "`skfix train` on the built-in panel, serial vs `--n-jobs 2`: wall time, speed-up, "
        "peak memory, and whether both manifests are identical.",
    ),
    "power": (
        "bench_power.py",
        ("--seeds", "16"),
        "The power study: simulated panels with a known Bayes accuracy (AR(1) at phi 0.3 "
        "and 0.15 with 600 to 4,000 rows, mean reversion, five-day momentum, a nonlinear "
        "process, a switching signal, drifting series where the majority rule is Bayes, "
        "noise) through `skfix train` over 16 seeds, and 200 all-noise panels: deploy "
        "rate against the Bayes predictor's own pass rate, naive-rule deployments, false "
        "deploys on noise, deployed accuracy on later rows against Bayes and the best "
        "naive rule, and four ranking rules compared. The power curve is "
        "[benchmarks/power.png](benchmarks/power.png).",
    ),
    "user_columns": (
        "bench_user_columns.py",
        ("--seeds", "5"),
        "The user-column study: simulated series whose only signal is a column of the "
        "price files (Bayes 0.597, the prices a random walk), 1,500 rows, five panels "
        "of ten, through `skfix train --config` three times: with `[features] columns "
        '= ["signal"]`, without it, and with a planted look-ahead column (`peek`, the '
        "next return): deploy rates, fresh accuracy against Bayes and the naive rules, "
        "and the look-ahead guard's flags.",
    ),
    "economics": (
        "bench_economics.py",
        ("--seeds", "4"),
        "The deflated Sharpe ratio on simulated series: 40 random walks and 40 series "
        "each of AR(1), mean reversion, momentum and a nonlinear process through "
        "`train_panel` (logistic, rf, xgb, the naive rules, 5 bp per unit of turnover): "
        "how often a deflated Sharpe ratio of 0.95 is reached on noise, how often it "
        "agrees with the accuracy test on real edges, and the deployed models' Sharpe "
        "ratio, deflated Sharpe ratio and PBO.",
    ),
    "overhead": (
        "bench_overhead.py",
        (),
        "Fit-time overhead: skfix's RandomForest, XGBoost and MLP vs the raw scikit-learn, "
        "xgboost and skorch models with the same parameters, on the same 5,000 x 11 array.",
    ),
    "scale": (
        "bench_scale.py",
        (),
        "1,000 simulated symbols through the real `skfix train`: serial vs `--n-jobs 2` "
        "(loky, and forked workers with `--backend multiprocessing`) vs a Dask cluster "
        "of two worker processes started with `dask scheduler` and "
        "`dask worker`: symbols per minute, speed-up per worker, time to the first "
        "finished symbol, peak memory of the driver and of a worker, identical "
        "manifests, and an estimate for 64 workers.",
    ),
    "device": (
        "bench_device.py",
        (),
        "The MLP and the LSTM on the CPU and on CUDA (needs a GPU; run on one NVIDIA "
        "H200): seconds per epoch per 1,000 rows at 2,500 and 20,000 rows, the speed-up, "
        "and a model trained on CUDA saved, read back and predicting on the CPU.",
    ),
}
SMOKE = ("overhead", "presets")
# Run only with --only device, on a machine with CUDA.
NEEDS_CUDA = ("device",)
# Run only when asked for (--only power): about 80 minutes on two cores.
LONG = {"power": 4 * 3600, "user_columns": 2 * 3600, "economics": 2 * 3600}
VERSIONS = (
    "skfix",
    "numpy",
    "pandas",
    "scikit-learn",
    "imbalanced-learn",
    "xgboost",
    "torch",
    "skorch",
    "tsaug",
)


def machine():
    """What the numbers were measured on, as (label, value) pairs."""
    info = [
        ("platform", platform.platform()),
        ("machine", platform.machine()),
        ("CPUs", str(os.cpu_count())),
    ]
    if hasattr(os, "sched_getaffinity"):
        info.append(("CPUs usable by this process", str(len(os.sched_getaffinity(0)))))
    for path, key, label in (
        ("/proc/cpuinfo", "model name", "CPU model"),
        ("/proc/meminfo", "MemTotal", "memory"),
    ):
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        values = [line.split(":", 1)[1].strip() for line in lines if line.startswith(key)]
        if values and key == "MemTotal":  # "24684084 kB"
            values[0] = f"{int(values[0].split()[0]) / 2**20:.1f} GiB"
        if values:
            info.append((label, values[0]))
    return info


def versions():
    """Python and the version of every library the benchmarks use."""
    python = f"{platform.python_version()} ({platform.python_implementation()})"
    found = [("Python", python)]
    for name in VERSIONS:
        try:
            found.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    return found


def run_benchmark(name, timeout):
    """Run one benchmark script; return its outcome as a dict."""
    script, args, _ = BENCHMARKS[name]
    command = [sys.executable, str(Path("benchmarks") / script), *args]
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        returncode, stdout = completed.returncode, completed.stdout
        stderr = completed.stderr
    except subprocess.TimeoutExpired as error:
        returncode = "timeout"
        stdout = error.stdout.decode() if isinstance(error.stdout, bytes) else error.stdout
        stderr = f"killed after {timeout} s"
    return {
        "name": name,
        "command": " ".join(["python", str(Path("benchmarks") / script), *args]),
        "returncode": returncode,
        "seconds": time.perf_counter() - start,
        "stdout": stdout or "",
        "stderr": stderr or "",
    }


def _fence(text):
    """A code fence longer than any run of backticks in ``text``."""
    ticks = 3
    while "`" * ticks in text:
        ticks += 1
    return "`" * ticks


def render(results, kept, started, total_seconds, outputs):
    """The markdown report."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `python benchmarks/run_all.py`, which runs every script in "
        "`benchmarks/` one after the other and records its output here unchanged. Ratios "
        "are measured within one run of one script, so they compare like with like; "
        "absolute times depend on the machine below and on what else it was doing.",
        "",
        (
            f"Date (UTC): {started:%Y-%m-%d %H:%M}; total wall time {total_seconds:.0f} s."
            if results
            else f"Date (UTC): {started:%Y-%m-%d %H:%M}; nothing run, every section below "
            "is the output of an earlier run (`run_all.py --render`)."
        ),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in machine()),
        "",
        "## Versions",
        "",
        "| | |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in versions()),
        "",
    ]
    for name, (script, _, what) in BENCHMARKS.items():
        lines += [f"## {name}", "", what, ""]
        result = results.get(name)
        if result is None:
            if name in kept:
                earlier = (outputs / f"{name}.txt").read_text(encoding="utf-8").rstrip()
                fence = _fence(earlier)
                lines += [
                    f"Not run in this session; the output of an earlier run of "
                    f"`python benchmarks/{script}`, also in "
                    f"[benchmarks/{name}.txt](benchmarks/{name}.txt):",
                    "",
                    f"{fence}text",
                    earlier,
                    fence,
                    "",
                ]
            else:
                lines += [f"Not run yet: `python benchmarks/{script}`.", ""]
            continue
        status = ""
        if result["returncode"] != 0:
            status = f", **failed: exit code {result['returncode']}**"
        lines += [
            "```bash",
            result["command"],
            "```",
            "",
            f"{result['seconds']:.0f} s{status}; also in "
            f"[benchmarks/{name}.txt](benchmarks/{name}.txt).",
            "",
        ]
        output = result["stdout"].rstrip() or "(no output)"
        if result["returncode"] != 0:
            tail = "\n".join(result["stderr"].rstrip().splitlines()[-20:])
            output += f"\n\n--- end of stderr ---\n{tail}"
        fence = _fence(output)
        lines += [f"{fence}text", output, fence, ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--only",
        nargs="+",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only these: {', '.join(BENCHMARKS)}",
    )
    choice.add_argument(
        "--smoke", action="store_true", help=f"only {' and '.join(SMOKE)}, a quick check"
    )
    choice.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    choice.add_argument(
        "--render",
        action="store_true",
        help="run nothing: rewrite benchmarks.md from the benchmarks/<name>.txt files "
        "(after a benchmark was run on its own, such as bench_power.py --seeds 16)",
    )
    parser.add_argument(
        "--docs-dir",
        type=Path,
        default=ROOT / "docs",
        help="where benchmarks.md and benchmarks/<name>.txt go (default: docs/)",
    )
    parser.add_argument(
        "--timeout", type=int, default=1200, help="seconds allowed to one benchmark"
    )
    args = parser.parse_args(argv)

    if args.list:
        for name, (script, _, what) in BENCHMARKS.items():
            print(f"{name:<10} benchmarks/{script}: {what}")
        return 0
    names = (
        []
        if args.render
        else SMOKE
        if args.smoke
        else args.only or [n for n in BENCHMARKS if n not in LONG and n not in NEEDS_CUDA]
    )
    names = [name for name in BENCHMARKS if name in names]

    outputs = args.docs_dir / "benchmarks"
    outputs.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    start = time.perf_counter()
    results = {}
    for number, name in enumerate(names, start=1):
        print(f"[{number}/{len(names)}] {name} ...", end=" ", flush=True)
        result = run_benchmark(name, max(args.timeout, LONG.get(name, 0)))
        results[name] = result
        print(f"{result['seconds']:.0f} s, exit code {result['returncode']}", flush=True)
        if result["returncode"] == 0:
            (outputs / f"{name}.txt").write_text(result["stdout"], encoding="utf-8")
        else:
            print(result["stderr"][-2000:], file=sys.stderr)

    kept = {name for name in BENCHMARKS if (outputs / f"{name}.txt").is_file()}
    report = render(results, kept, started, time.perf_counter() - start, outputs)
    (args.docs_dir / "benchmarks.md").write_text(report, encoding="utf-8")
    print(f"wrote {args.docs_dir / 'benchmarks.md'} and {outputs}/<name>.txt")
    return 0 if all(r["returncode"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
