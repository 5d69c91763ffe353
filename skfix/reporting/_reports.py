"""Markdown reports of a training run, written from the manifest alone."""

from pathlib import Path

from skfix._io import atomic_write, file_stems
from skfix._json import to_jsonable

from ._common import (
    plot_names,
)
from ._summary_report import _summary_report
from ._symbol_report import _symbol_report

__all__ = ["write_reports"]


def write_reports(manifest, out_dir):
    """Write the markdown reports of a training run under ``out_dir/reports/``.

    Everything is read from the manifest, so the reports can be rewritten later from
    ``manifest.json`` alone. Each file is written atomically.

    - ``<SYMBOL>.md`` for every symbol, with model-card-like sections: Data;
      Candidates (scores, and every criterion with its value, threshold and verdict);
      Selected model, or "No model deployed" and why; Monitor events; Recommendations
      in plain words derived from the numbers; and Errors when the symbol failed.
    - ``summary.md``: the original spec's success figures, the outcome of every
      symbol, the failures, and an overfitting analysis (gap per model and symbol,
      and per-model statistics).

    The reports link the plots of :func:`write_plots` with relative paths
    (``../plots/...``), so the output folder can be moved or published as a whole.
    A symbol whose name is not a safe file name (``"EUR/USD"``) gets a sanitized name
    with a short hash (``EUR_USD-9105c84a.md``); ``summary.md`` links every report.

    Parameters
    ----------
    manifest : dict
        The run's manifest (see ``docs/manifest.md``).
    out_dir : str or os.PathLike
        The run's output folder; the reports go to its ``reports/`` subfolder.

    Returns
    -------
    paths : list of pathlib.Path
        The files written: one per symbol, in manifest order, then ``summary.md``.

    See Also
    --------
    write_plots : The plots these reports link.
    validate_manifest : Check the manifest first.
    """
    manifest = to_jsonable(manifest)
    reports_dir = Path(out_dir) / "reports"
    symbols = manifest.get("symbols") or {}
    stems = file_stems(symbols)
    plots, gap_plot = plot_names(manifest)
    written = [
        atomic_write(
            reports_dir / f"{stems[symbol]}.md",
            _symbol_report(symbol, entry, manifest, plots[symbol]),
        )
        for symbol, entry in symbols.items()
    ]
    written.append(
        atomic_write(reports_dir / "summary.md", _summary_report(manifest, stems, gap_plot))
    )
    return written
