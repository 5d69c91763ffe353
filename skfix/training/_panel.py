"""``train_panel``: every model on every symbol, honestly, with a record to trust."""

import contextlib
import logging
from concurrent.futures.process import BrokenProcessPool
from numbers import Integral
from pathlib import Path

from .._io import atomic_write, file_stems
from ..manifest import read_manifest, write_manifest
from ..persistence._model_file import MODEL_SUFFIX
from ._backend import WorkerLostError, _as_finished, _backend
from ._config import ConfigError, TrainConfig
from ._load import _unreadable_record, load_panel
from ._manifest import build_manifest
from ._resume import _config_fingerprint, _resumable, _store, _train_and_store
from ._symbol import MODELS_DIR

_LOG = logging.getLogger("skfix.training")


def _log_record(symbol, record):
    """What a symbol's models did, for ``skfix train -v`` (reasons at DEBUG)."""
    if not _LOG.isEnabledFor(logging.INFO):
        return
    outcome = (
        f"selected {record.selected['name']}"
        if record.selected
        else f"{record.status}, nothing deployed"
    )
    models = ", ".join(
        f"{c.name} {c.decision if c.status != 'skipped' else 'skipped'}"
        + (f" (p = {c.p_value:.3g})" if c.p_value is not None else "")
        for c in record.candidates
    )
    _LOG.info("%s: %s%s", symbol, outcome, f"; {models}" if models else "")
    for c in record.candidates:
        _LOG.debug("%s %s: %s", symbol, c.name, c.reason)
    if record.why_none and not record.candidates:
        _LOG.debug("%s: %s", symbol, record.why_none)


def train_panel(
    data=None,
    *,
    out_dir="skfix-out",
    config=None,
    symbols=None,
    n_jobs=None,
    backend="loky",
    scheduler=None,
    resume=False,
    progress=None,
    plots=True,
    shared_out=False,
):
    """Train every model on every symbol, select what can be deployed, write it all.

    For each symbol: features and labels (:func:`skfix.features.make_dataset` with the
    :class:`~skfix.features.PriceFeatures` of ``config.features``), the
    candidate models each with the augmenter (:func:`build_candidates`), evaluation
    on purged walk-forward folds and a final test window, acceptance and ranking
    (:class:`skfix.selection.ModelSelector`), and every trained model saved as a safe,
    hashed file. Then ``manifest.json``, ``reports/`` and ``plots/`` are written.
    One symbol or model failing never stops the others: it is recorded.

    Parameters
    ----------
    data : str, os.PathLike, list of them, mapping, or None, default=None
        Price files or folders (their extra numeric columns can be features: see
        ``config.features``); a mapping of symbol to price frame
        (:func:`skfix.datasets.read_prices`' shape: a sorted ``DatetimeIndex``, a
        positive ``close``, optional prices and user columns); ``None`` is the
        built-in panel.
    out_dir : str or os.PathLike, default="skfix-out"
        Output folder.
    config : TrainConfig, default=None
        The run configuration; ``None`` is ``TrainConfig()``.
    symbols : list of str, default=None
        Only these symbols.
    n_jobs : int, default=None
        Symbols trained in parallel; ``None`` is 1, ``-1`` all cores. With
        ``backend="dask"``: the workers of the local cluster started when ``scheduler``
        is None; a cluster of your own runs a symbol on each of its worker threads.
    backend : {"loky", "multiprocessing", "dask"}, default="loky"
        Where the symbols run, each in a worker process: joblib's loky workers,
        Python's process pool (forked from a fork server that imported the training
        libraries once, where the platform has one), or a Dask cluster, one task per
        symbol (needs ``skfix[dask]``). (Threads are not offered: torch's random state
        is global to a process, so threads training neural nets at once would not be
        reproducible.)
    scheduler : str, default=None
        Address of a Dask scheduler (``tcp://host:8786``), or a
        ``distributed.Client``; with ``backend="dask"`` and None, a local cluster.
    resume : bool, default=False
        Reuse the symbols an interrupted run in the same folder with the same
        configuration finished (their model files are checked by sha256).
    progress : callable, default=None
        Called as ``progress(done, total, symbol, record)`` after each symbol, with
        the symbol's :class:`skfix.manifest.SymbolRecord`.
    plots : bool, default=True
        Draw the plots of ``plots/`` (and link them from the reports). Each worker
        draws the plots of the symbols it trains; this process draws the gap plot, and
        again any symbol's plots that the correction across symbols changed. Drawing
        is a good share of a short run; ``False`` skips it and the manifest says so.
    shared_out : bool, default=False
        Where a symbol's model files and plots are written. ``False``: each worker
        sends them back with its record and this process writes them, so Dask workers
        need no access to ``out_dir``. ``True``: each worker writes them into
        ``out_dir`` itself (a folder every worker can write to), which saves sending
        the files.

    Returns
    -------
    manifest : dict
        The manifest, as written to ``out_dir/manifest.json``.

    Raises
    ------
    DataError, ConfigError
        For data or a configuration that cannot be used at all, before training.
    WorkerLostError
        When a worker process of a parallel run ends while it trains a symbol (killed
        for lack of memory, or crashed). The symbols finished before it are kept:
        ``resume=True`` trains the rest.
    """
    from ..reporting import write_reports
    from ..reporting._plots import _write_plots

    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"config must be a TrainConfig; found {type(config).__name__}.")
    _check_parallel(n_jobs, backend, scheduler)
    panel, cleaning, source, unreadable = load_panel(data, symbols)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(
            f"the output folder {out_dir} is an existing file; expected a new folder or "
            "the folder of an earlier run."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with _lock(out_dir):
        _remove_temporaries(out_dir)  # what a killed run was writing
        previous_models = _model_paths(_read_previous(out_dir))
        stems = file_stems(list(panel))
        config_hash = _config_fingerprint(config)

        records, todo = {}, []
        for symbol in panel:
            record = _resumable(out_dir, stems[symbol], config_hash) if resume else None
            if record is None:
                todo.append(symbol)
            else:
                records[symbol] = record
        done = len(records)
        if progress is not None:
            for symbol, record in records.items():
                progress(len(records), len(panel), symbol, record)

        # Longest series first: in parallel, a long series started last would leave the
        # other workers idle at the end. Records are keyed, so order changes nothing else.
        todo.sort(key=lambda symbol: len(panel[symbol]), reverse=True)
        calls = [
            (
                symbol,
                panel[symbol],
                config,
                out_dir,
                stems[symbol],
                config_hash,
                shared_out,
                None if cleaning[symbol] is None else cleaning[symbol].as_dict(),
                plots,
            )
            for symbol in todo
        ]
        # symbol: (what its plots, drawn by its worker, show; their file names)
        drawn = {}
        with _backend(backend, scheduler, n_jobs) as (name, workers, client):
            try:
                for symbol, record, files, plotted in _as_finished(
                    _train_and_store, calls, name, workers, client
                ):
                    if not shared_out:  # the worker sent its files: written here
                        _store(out_dir, stems[symbol], config_hash, record, files)
                    if plotted is not None and _keep_plots(out_dir, plotted[1]):
                        drawn[symbol] = plotted[0], set(plotted[1])
                    records[symbol] = record
                    done += 1
                    _log_record(symbol, record)
                    if progress is not None:
                        progress(done, len(panel), symbol, record)
            except BrokenProcessPool as exc:
                raise WorkerLostError(
                    "a worker process ended while it trained a symbol: killed (often "
                    "by the system, for lack of memory) or crashed. "
                    f"The {done} of {len(panel)} symbols finished before it are kept "
                    f"in {out_dir}: rerun with --resume (resume=True) to train the rest, "
                    "with fewer workers (--n-jobs) if memory ran out."
                ) from exc

        ordered = {symbol: records[symbol] for symbol in panel}
        ordered.update({name: _unreadable_record(f) for name, f in unreadable.items()})
        manifest = build_manifest(ordered, config, source)
        deployed = [s for s, r in manifest["symbols"].items() if r.get("selected")]
        _LOG.info(
            "after the run's false-discovery control: %d of %d symbols deployed%s",
            len(deployed),
            len(manifest["symbols"]),
            f" ({', '.join(deployed)})" if deployed else "",
        )
        if not plots:
            manifest["run"]["plots"] = False
        write_manifest(manifest, out_dir / "manifest.json")
        # the files of the previous manifest stay one run longer: a deployment job that
        # read it just before the switch still finds them
        _remove_unreferenced_models(out_dir, _model_paths(manifest) | previous_models)
        if plots:
            # the plots the workers drew stay where they show what the manifest says
            _write_plots(manifest, out_dir, _still_true(drawn, manifest))
        write_reports(manifest, out_dir)
        return manifest


def _keep_plots(out_dir, pngs):
    """Write the plots a worker drew and sent (a worker that wrote them itself sent
    None for each); whether they are all there. A file that cannot be written is
    left for the end of the run, which draws that symbol's plots again."""
    try:
        for name, png in pngs.items():
            if png is not None:
                atomic_write(out_dir / "plots" / name, png)
    except OSError:
        return False
    return True


def _still_true(drawn, manifest):
    """The symbols whose plots, drawn by their worker before the run's correction
    across symbols, are those of the final manifest: the same file names, and the
    same deployed model and equity curves (:func:`plot_dependencies`)."""
    from ..reporting._common import plot_dependencies, plot_names

    names, _ = plot_names(manifest)
    entries = manifest["symbols"]
    return {
        symbol
        for symbol, (dependencies, files) in drawn.items()
        if plot_dependencies(entries[symbol]) == dependencies
        and files == {name for name in names[symbol].values() if name}
    }


def _check_parallel(n_jobs, backend, scheduler):
    """Refuse parallel settings that cannot work, before any folder is made."""
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs == 0
    ):
        raise ConfigError(
            f"n_jobs (--n-jobs) must be a non-zero integer: the number of symbols "
            f"trained at once, or -1 for one per core; found {n_jobs!r}."
        )
    if scheduler is not None and backend != "dask":
        raise ConfigError(
            f"a Dask scheduler ({scheduler!r}) was given with backend {backend!r}; it is "
            "used only with backend 'dask' (--backend dask)."
        )


LOCK_FILE = ".skfix-lock"


@contextlib.contextmanager
def _lock(out_dir):
    """Hold ``out_dir`` for one run: a second ``skfix train`` into it is refused."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    path = out_dir / LOCK_FILE
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ConfigError(
            f"another `skfix train` is writing into {out_dir} (it holds the lock "
            f"{path}); wait for it to finish, or choose another --out."
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _remove_temporaries(out_dir):
    """Delete the temporary files of atomic writes a killed run left in ``out_dir``
    (``.manifest.json.<random>.tmp``); only called while holding the folder's lock."""
    for path in out_dir.rglob(".*.tmp"):
        if path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()


def _read_previous(out_dir):
    """The manifest an earlier run left in ``out_dir``, or {}."""
    try:
        return read_manifest(out_dir / "manifest.json")
    except (OSError, ValueError):
        return {}


def _model_paths(manifest):
    """The model files a manifest points to, relative to its folder."""
    paths = set()
    for entry in (manifest.get("symbols") or {}).values():
        for candidate in (entry or {}).get("candidates") or []:
            record = candidate.get("model_file") if isinstance(candidate, dict) else None
            if isinstance(record, dict) and isinstance(record.get("path"), str):
                paths.add(record["path"])
    return paths


def _remove_unreferenced_models(out_dir, keep):
    """Delete the model files under ``models/`` that no manifest in ``keep`` needs."""
    models = out_dir / MODELS_DIR
    if not models.is_dir():
        return
    for path in models.rglob(f"*{MODEL_SUFFIX}"):
        if path.relative_to(out_dir).as_posix() not in keep:
            with contextlib.suppress(OSError):
                path.unlink()
