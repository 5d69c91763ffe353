"""PNG plots of a training run, drawn from the manifest with matplotlib's Agg backend."""

import io
from pathlib import Path

from skfix._io import atomic_write
from skfix._json import to_jsonable
from skfix._optional import import_matplotlib_agg

from ._common import (
    equity_curves,
    fold_candidates,
    gaps_by_model,
    max_gap,
    measured,
    plot_names,
    scored_candidates,
)

__all__ = ["write_plots"]

_DPI = 100
_COLORS = {
    "train": "#4C72B0",
    "validation": "#DD8452",
    "test": "#55A868",
    "out-of-sample": "#8172B3",
}
_BASELINE_COLOR = "#333333"
_LIMIT_COLOR = "#C44E52"
_NOTE_STYLE = {"fontsize": 8, "color": "#555555", "ha": "left", "va": "bottom"}


def _text(value):
    # A "$" in a symbol or model name would start matplotlib's mathtext.
    return str(value).replace("$", r"\$")


def _count(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _new_figure(width, height):
    Figure, FigureCanvasAgg = import_matplotlib_agg()
    # A Figure with its own Agg canvas: no pyplot, no global state, no GUI backend,
    # so plots can be drawn from worker threads or processes on a headless server.
    figure = Figure(figsize=(width, height), dpi=_DPI, layout="tight")
    FigureCanvasAgg(figure)
    return figure


def _png(figure):
    buffer = io.BytesIO()
    # Without the Software entry (matplotlib's version) the PNG bytes depend only on
    # the manifest, so the same run gives the same files, and the same hashes.
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _skipped_note(entry, kept):
    kept_names = {c.get("name") for c in kept}
    skipped = [
        c.get("name", "?")
        for c in entry.get("candidates") or []
        if c.get("name") not in kept_names
    ]
    if not skipped:
        return None
    return "not shown (failed or not measured): " + ", ".join(map(_text, skipped))


def _majority_baseline_line(axes, candidates, key="baselines", where="test"):
    """The majority-class baseline on the test window (``key="baselines"``) or on the
    pooled out-of-sample rows (``"baseline_oos_accuracy"``), as a line: the median over
    the candidates, which share the rows; none when it was not measured."""
    values = [
        (c.get(key) or {}).get("majority")
        for c in candidates
        if measured((c.get(key) or {}).get("majority"))
    ]
    if not values:
        return
    baseline = sorted(values)[len(values) // 2]
    axes.axhline(
        baseline,
        color=_BASELINE_COLOR if where == "test" else _COLORS["out-of-sample"],
        linestyle="--" if where == "test" else ":",
        linewidth=1.2,
        label=f"majority-class baseline ({where}) {baseline:.2f}",
    )


def _scores_plot(symbol, entry):
    import numpy as np

    candidates = scored_candidates(entry)
    names = [_text(c.get("name")) for c in candidates]
    series = {
        "train": [c.get("mean_train_score") for c in candidates],
        "validation": [c.get("mean_validation_score") for c in candidates],
        "test": [c.get("test_score") for c in candidates],
        # the evidence the selection reads: every row predicted out of sample
        "out-of-sample": [c.get("oos_accuracy") for c in candidates],
    }
    legend = {
        "train": "train (mean of folds)",
        "validation": "validation (mean of folds)",
        "test": "test",
        "out-of-sample": "out-of-sample (pooled)",
    }
    figure = _new_figure(max(6.0, 1.9 * len(names) + 2), 4.5)
    axes = figure.add_subplot()
    positions = np.arange(len(names))
    width = 0.2
    for offset, (label, values) in zip((-1.5, -0.5, 0.5, 1.5), series.items(), strict=True):
        heights = [v if measured(v) else 0.0 for v in values]
        bars = axes.bar(
            positions + offset * width,
            heights,
            width,
            label=legend[label],
            color=_COLORS[label],
        )
        axes.bar_label(
            bars,
            labels=[f"{v:.2f}" if measured(v) else "n/a" for v in values],
            fontsize=7,
            padding=2,
        )
    _majority_baseline_line(axes, candidates)
    _majority_baseline_line(axes, candidates, "baseline_oos_accuracy", "pooled")
    deployed = (entry.get("selected") or {}).get("name")
    labels = [
        (f"{name}\ngap {100 * c['gap']:.1f} %" if measured(c.get("gap")) else name)
        + ("\n(deployed)" if c.get("name") == deployed else "")
        for name, c in zip(names, candidates, strict=True)
    ]
    axes.set_xticks(positions, labels)
    # Headroom above 1 for the legend; accuracy itself never goes past 1.
    axes.set_ylim(0, 1.3)
    axes.set_yticks(np.linspace(0, 1, 6))
    axes.set_xlabel("model")
    axes.set_ylabel("accuracy")
    axes.set_title(
        f"{_text(symbol)}: train vs validation vs test vs pooled out-of-sample accuracy"
    )
    axes.legend(loc="upper center", ncols=2, fontsize=8, framealpha=0.9)
    axes.grid(axis="y", alpha=0.3)
    note = _skipped_note(entry, candidates)
    if note:
        figure.text(0.01, 0.005, note, **_NOTE_STYLE)
    return _png(figure)


def _folds_plot(symbol, entry):

    candidates = fold_candidates(entry)
    names = [_text(c.get("name")) for c in candidates]
    scores = [
        [s for s in c.get("fold_validation_scores") if measured(s)] for c in candidates
    ]
    figure = _new_figure(max(6.0, 1.4 * len(names) + 2), 4.5)
    axes = figure.add_subplot()
    positions = _box_with_points(
        axes, scores, 0.12, _COLORS["validation"], "validation score of one fold"
    )
    _majority_baseline_line(axes, candidates)
    labels = []
    for name, candidate in zip(names, candidates, strict=True):
        std = candidate.get("validation_std")
        labels.append(f"{name}\nstd {std:.3f}" if measured(std) else name)
    axes.set_xticks(positions, labels)
    axes.set_xlabel("model")
    axes.set_ylabel("validation accuracy per fold")
    axes.set_title(f"{_text(symbol)}: spread of validation accuracy across folds")
    axes.legend(loc="best", fontsize=8, framealpha=0.9)
    axes.grid(axis="y", alpha=0.3)
    note = _skipped_note(entry, candidates)
    if note:
        figure.text(0.01, 0.005, note, **_NOTE_STYLE)
    return _png(figure)


def _box_with_points(axes, groups, half_width, color, label):
    """Draw one box per group with its points on top; return the x positions.

    The points are spread evenly, not randomly, so that the figure is reproducible.
    """
    import numpy as np

    positions = np.arange(1, len(groups) + 1)
    axes.boxplot(groups, positions=positions, widths=0.5, showfliers=False)
    for position, values in zip(positions, groups, strict=True):
        spread = (
            np.linspace(-half_width, half_width, len(values)) if len(values) > 1 else [0.0]
        )
        axes.scatter(
            position + np.asarray(spread),
            values,
            color=color,
            edgecolor="black",
            linewidth=0.5,
            zorder=3,
            label=label if position == positions[0] else None,
        )
    return positions


def _gap_plot(manifest, path):

    gaps = {name: values for name, values in gaps_by_model(manifest).items() if values}
    names = [_text(name) for name in gaps]
    values = [[100 * g for g in per_symbol.values()] for per_symbol in gaps.values()]
    n_symbols = len(manifest.get("symbols") or {})
    figure = _new_figure(max(6.0, 1.4 * len(names) + 2), 4.5)
    axes = figure.add_subplot()
    positions = _box_with_points(axes, values, 0.15, _COLORS["train"], "one symbol")
    limit = max_gap(manifest)
    if limit is not None:
        axes.axhline(
            100 * limit,
            color=_LIMIT_COLOR,
            linestyle="--",
            linewidth=1.2,
            label=f"gap limit {100 * limit:.0f} %",
        )
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set_xticks(
        positions,
        [f"{n}\n({_count(len(v), 'symbol')})" for n, v in zip(names, values, strict=True)],
    )
    axes.set_xlabel("model")
    axes.set_ylabel("train − validation accuracy (percentage points)")
    axes.set_title(f"Train–validation gap per model across {n_symbols} symbols")
    axes.legend(loc="best", fontsize=8, framealpha=0.9)
    axes.grid(axis="y", alpha=0.3)
    missing = [_text(n) for n, v in gaps_by_model(manifest).items() if not v]
    if missing:
        figure.text(0.01, 0.005, "no gap measured: " + ", ".join(missing), **_NOTE_STYLE)
    return atomic_write(path, _png(figure))


def _equity_plot(symbol, entry):
    """Growth of 1 following the out-of-sample calls, costs included."""
    import pandas as pd

    curves, dates = equity_curves(entry)
    economics = entry.get("economics") or {}
    figure = _new_figure(8.0, 4.5)
    axes = figure.add_subplot()
    x = pd.to_datetime(dates) if dates and isinstance(dates[0], str) else dates
    for label, values in curves.items():
        axes.plot(x, values, label=label, linewidth=1.6 if "deployed" in label else 1.0)
    axes.set_yscale("log")
    axes.set_xlabel("date of the pooled out-of-sample rows")
    axes.set_ylabel("growth of 1 (log scale)")
    axes.set_title(
        f"{_text(symbol)}: trading the out-of-sample calls, "
        f"{economics.get('cost_bps', 0):g} bp per unit of turnover"
    )
    axes.legend(loc="best", fontsize=8, framealpha=0.9)
    axes.grid(alpha=0.3)
    return _png(figure)


def write_plots(manifest, out_dir):
    """Draw the plots of a training run as PNG files under ``out_dir/plots/``.

    Everything is read from the manifest, so the plots can be redrawn later from
    ``manifest.json`` alone. Each file is written atomically.

    - ``<SYMBOL>_scores.png``: per symbol, mean train and validation accuracy over the
      folds and test accuracy of each model, side by side, with the majority-class
      baseline on the test window as a dashed line.
    - ``<SYMBOL>_folds.png``: per symbol, the validation accuracy of each fold, per
      model (box and points), to show how stable a model is over time.
    - ``<SYMBOL>_equity.png``: per symbol with economics, the growth of 1 following
      the pooled out-of-sample calls of the deployed model (else the best learned
      one), the naive rules and buy-and-hold, costs included.
    - ``gap_distribution.png``: the train-validation gap of each model over all
      symbols, with the run's gap limit as a dashed line.

    Failed candidates and scores that were not measured are left out, and the figure
    says which models it does not show. A plot with nothing to show is not written.
    Symbol names are turned into safe file names (see ``docs/reports.md``).

    Parameters
    ----------
    manifest : dict
        The run's manifest (see ``docs/manifest.md``).
    out_dir : str or os.PathLike
        The run's output folder; the plots go to its ``plots/`` subfolder.

    Returns
    -------
    paths : list of pathlib.Path
        The files written, symbol by symbol in manifest order, then the gap plot.

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    write_reports : The markdown reports that link these plots.
    """
    return _write_plots(manifest, out_dir)


def _write_plots(manifest, out_dir, drawn=()):
    """:func:`write_plots`, leaving out the per-symbol plots of the symbols in
    ``drawn`` (drawn already, by the worker that trained them)."""
    manifest = to_jsonable(manifest)
    plots_dir = Path(out_dir) / "plots"
    per_symbol, gap_name = plot_names(manifest)
    written = []
    for symbol, entry in (manifest.get("symbols") or {}).items():
        if symbol in drawn:
            continue
        for name, png in symbol_plots(symbol, entry, per_symbol[symbol]).items():
            written.append(atomic_write(plots_dir / name, png))
    if gap_name:
        written.append(_gap_plot(manifest, plots_dir / gap_name))
    return written


def symbol_plots(symbol, entry, names):
    """One symbol's plots as ``{file name: PNG bytes}``.

    ``entry`` is the symbol's manifest entry and ``names`` its plot file names
    (:func:`~skfix.reporting._common.symbol_plot_names`); a plot whose name is None is
    not drawn. The bytes depend on ``entry`` alone.
    """
    draw = {"scores": _scores_plot, "folds": _folds_plot, "equity": _equity_plot}
    return {name: draw[kind](symbol, entry) for kind, name in names.items() if name}
