"""Finished symbols stored atomically with the configuration's fingerprint, so that an
interrupted run resumes where it stopped (``--resume``)."""

import hashlib
import json

from .._io import atomic_write, sha256_file
from .._json import dump_json, to_jsonable
from .._workers import roomy_malloc
from ..manifest import SymbolRecord
from ._symbol import _error_record, train_symbol

STATE_DIR = ".skfix-state"


def _state_path(out_dir, stem):
    return out_dir / STATE_DIR / f"{stem}.json"


def _config_fingerprint(config):
    text = json.dumps(to_jsonable(config.as_dict()), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _train_and_store(
    symbol,
    prices,
    config,
    out_dir,
    stem,
    config_hash,
    shared_out=False,
    cleaning=None,
    plots=False,
):
    """Train one symbol: the unit of work of a run, and of ``--resume``.

    Everything inside runs sequentially in the worker that runs the symbol: without
    this, a forest's own ``Parallel`` would inherit the run's backend, and on Dask
    ship its trees to the cluster one task each (a symbol is the unit of work). BLAS
    and OpenMP get one thread too (``threadpoolctl``): on these small problems their
    threads cost more than they give, in a serial run (40 symbols of 300 to 2,445 rows
    with the logistic regression: 0.27 s of wall time and 0.39 s of CPU each with two
    threads, 0.25 s and 0.25 s with one) and still more in parallel, where a forked
    worker keeps its parent's thread pools and N workers ran N * N threads on N cores.

    With ``shared_out=False`` (the default) the worker never touches ``out_dir``: it
    saves the symbol's model files in a folder of its own and returns their bytes with
    the record, for :func:`_store` to write where the run is driven, so a cluster
    needs no shared file system. With ``shared_out=True`` the worker writes the files
    and the resume state into ``out_dir`` itself, which must then be a folder every
    worker can write to.

    ``cleaning`` is the symbol's cleaning report (:meth:`CleaningReport.as_dict`),
    recorded with its data.

    With ``plots=True`` the worker also draws the symbol's plots from its record
    (:func:`_draw_plots`), so that a parallel run draws them in parallel, not one after
    the other in the process that drives the run once every symbol is done.

    Returns
    -------
    symbol, record, files, drawn
        ``files`` maps each model file's path relative to ``out_dir`` to its bytes
        (empty when ``shared_out``). ``drawn`` is None, or the symbol's plots as
        :func:`_draw_plots` returns them.
    """
    import shutil
    import tempfile
    from pathlib import Path

    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    work_dir = out_dir if shared_out else Path(tempfile.mkdtemp(prefix="skfix-symbol-"))
    try:
        with (
            parallel_config(backend="sequential"),
            threadpool_limits(1),
            roomy_malloc(),
        ):
            record = train_symbol(symbol, prices, config, work_dir, stem, cleaning)
        files = {}
        if shared_out:
            _store(out_dir, stem, config_hash, record, files)
        else:
            for path in sorted((work_dir / "models").rglob("*")):
                if path.is_file():
                    files[path.relative_to(work_dir).as_posix()] = path.read_bytes()
    finally:
        if not shared_out:
            shutil.rmtree(work_dir, ignore_errors=True)
    drawn = (
        _draw_plots(symbol, record, stem, out_dir if shared_out else None)
        if plots
        else None
    )
    return symbol, record, files, drawn


def _draw_plots(symbol, record, stem, out_dir=None):
    """A symbol's plots, drawn from its record where it was trained.

    Returns ``(dependencies, pngs)``: what the plots show that the run's correction
    across symbols may change (:func:`skfix.reporting._common.plot_dependencies`) and
    ``{file name: PNG bytes}``; with ``out_dir`` the files are written to its
    ``plots/`` folder instead and ``pngs`` holds None for each. None when the plots
    could not be drawn: the process that drives the run then draws them itself, and
    reports what went wrong there, as a run without this step would.
    """
    from ..reporting._common import plot_dependencies, symbol_plot_names
    from ..reporting._plots import symbol_plots

    try:
        entry = record.to_json()
        pngs = symbol_plots(symbol, entry, symbol_plot_names(entry, stem))
        if out_dir is not None:
            for name, png in pngs.items():
                atomic_write(out_dir / "plots" / name, png)
            pngs = dict.fromkeys(pngs)
    except Exception:  # noqa: BLE001 - drawn again, and reported, where the run is driven
        return None
    return plot_dependencies(entry), pngs


def _store(out_dir, stem, config_hash, record, files):
    """Write a finished symbol's model files, then its resume state (atomically).

    A file that cannot be written (a full disk) fails the symbol, transiently: its
    record says so, nothing is deployed from it, and ``--resume`` trains it again.
    """
    try:
        for relative, data in files.items():
            atomic_write(out_dir / relative, data)
    except OSError as exc:
        error = _error_record(exc)
        record.status, record.error, record.selected = "failed", error, None
        record.why_none = f"its model files could not be written: {error['message']}"
        return
    if not _transient(record):
        # a failure of the disk, not of the model, is not kept: --resume retries it
        dump_json(
            {"config_sha256": config_hash, "record": record.to_json()},
            _state_path(out_dir, stem),
        )


def _transient(record):
    errors = [record.error] + [c.error for c in record.candidates]
    return any(isinstance(e, dict) and e.get("transient") for e in errors)


def _resumable(out_dir, stem, config_hash):
    """The stored record of a symbol finished by an earlier run, if still valid."""
    path = _state_path(out_dir, stem)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("config_sha256") != config_hash:
        return None
    try:
        record = SymbolRecord.from_json(state["record"])
    except (KeyError, TypeError, ValueError):
        return None  # written by another version of skfix: trained again
    for candidate in record.candidates:
        model_file = candidate.model_file
        if model_file is None:
            continue
        file = out_dir / model_file["path"]
        if not file.is_file() or sha256_file(file) != model_file["sha256"]:
            return None
    return record
