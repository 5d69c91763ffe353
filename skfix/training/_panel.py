"""``train_panel``: every model on every symbol, honestly, with a record to trust."""

import contextlib
import copy
import hashlib
import json
import logging
import os
import platform
import traceback
import warnings
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from .. import __version__
from .._io import file_stems, sha256_file
from .._json import dump_json, to_jsonable
from .._optional import import_distributed
from ._config import ConfigError, TrainConfig

_LOG = logging.getLogger("skfix.training")
SCHEMA_VERSION = "1.1"
STATE_DIR = ".skfix-state"
MODELS_DIR = "models"
LIBRARIES = (
    "scikit-learn",
    "imbalanced-learn",
    "xgboost",
    "torch",
    "skorch",
    "numpy",
    "pandas",
    "skops",
)


class DataError(ValueError):
    """The data of a run cannot be used at all (no files, unreadable files)."""


def load_panel(data=None, symbols=None):
    """Read the price series of a run; a file that cannot be read is a failed symbol.

    Parameters
    ----------
    data : str, os.PathLike, list of them, or None
        Files or folders of price files (see :func:`skfix.datasets.read_price_files`);
        ``None`` is the built-in panel.
    symbols : list of str, default=None
        Keep only these symbols (in this order).

    Returns
    -------
    panel : dict of str to pandas.DataFrame
        The series that could be read.
    source : str
        Where the data came from, for the manifest.
    failures : dict of str to dict
        The files that could not be read, each under the name of the symbol it would
        have held (the file name without its ending; the whole file name where that
        is taken): the error ``type``, ``message`` (which names the file) and
        ``source`` file.

    Raises
    ------
    DataError
        If a path does not exist or holds no price file, a symbol asked for is not in
        the data, or no file at all can be read.
    """
    from ..datasets import (
        DataFormatError,
        load_market_panel,
        price_file_symbol,
        read_price_files,
    )

    failures = {}
    if data is None:
        panel, source = load_market_panel(), "built-in panel"
    else:
        paths = [Path(p) for p in ([data] if isinstance(data, str | Path) else data)]
        panel = {}
        for path in paths:
            if not path.exists():
                raise DataError(f"{path}: no such file or folder.")
            try:
                # Too-short series are a per-symbol outcome ("insufficient data"),
                # recorded in the manifest, not a reason to stop the whole run.
                found, unreadable = read_price_files(path, min_rows=1)
            except (DataFormatError, OSError) as exc:
                raise DataError(f"cannot read {path}: {exc}") from None
            for symbol in sorted(set(found) & set(panel)):
                source_file = found[symbol].attrs["skfix_cleaning"]["source"]
                unreadable[source_file] = DataFormatError(
                    f"{source_file}: symbol {symbol!r} is also in an earlier path; "
                    f"expected each symbol in one file, found it in {path} too."
                )
                del found[symbol]
            panel.update(found)
            for name, exc in unreadable.items():
                stem = price_file_symbol(name)
                key = stem if stem not in panel and stem not in failures else name
                failures[key] = {
                    "type": type(exc).__name__,
                    "message": str(exc),
                    "traceback": None,
                    "source": name,
                }
        source = ", ".join(str(p) for p in paths)
    if symbols:
        missing = sorted(set(symbols) - set(panel) - set(failures))
        if missing:
            raise DataError(
                f"symbol(s) {missing} not in the data; found {sorted(panel)}"
                + (f" and the unreadable {sorted(failures)}" if failures else "")
                + "."
            )
        failures = {s: failures[s] for s in symbols if s in failures}
        panel = {s: panel[s] for s in symbols if s in panel}
    if not panel:
        reasons = "".join(f"\n  {f['message']}" for f in failures.values())
        raise DataError(
            f"no price series could be read from {source}"
            + (f"; every file failed:{reasons}" if reasons else ".")
        )
    return panel, source, failures


def _unreadable_record(failure):
    """The manifest entry of a file that could not be read."""
    return {
        "status": "failed",
        "error": dict(failure),
        "data": None,
        "candidates": [],
        "selected": None,
        "why_none": f"the file could not be read: {failure['message']}",
        "evidence": None,
    }


def _error_record(exc):
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": traceback.format_exc(),
    }


def _fingerprint(X, y, prices):
    """What identifies the rows a symbol was trained on."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(X.index.asi8).tobytes())
    digest.update(np.ascontiguousarray(X.to_numpy(dtype=np.float64)).tobytes())
    digest.update(np.ascontiguousarray(y.to_numpy(dtype=np.int64)).tobytes())
    classes, counts = np.unique(y.to_numpy(), return_counts=True)
    cleaning = prices.attrs.get("skfix_cleaning", {})
    return {
        "source": cleaning.get("source"),
        "sha256": digest.hexdigest(),
        "n_rows": int(len(y)),
        "start": X.index[0].date().isoformat(),
        "end": X.index[-1].date().isoformat(),
        "class_balance": {
            str(c): float(n) / len(y) for c, n in zip(classes.tolist(), counts, strict=True)
        },
        "n_features": int(X.shape[1]),
        "feature_names": [str(c) for c in X.columns],
        "cleaning": to_jsonable(cleaning),
        "dataset": to_jsonable(X.attrs.get("skfix_dataset", {})),
    }


def build_candidates(config, models=None):
    """The candidate models of one symbol, each with the augmenter where it is safe,
    each tuned over its grid.

    Only ``config.augmented_models`` get the augmenter (all but the logistic
    regression by default). The forest trains on every row it is given, so the
    augmenter is a step of an imblearn pipeline before it (it runs at fit time
    only). XGBoost and the neural nets set aside the latest rows for early stopping
    inside ``fit``: the augmenter is their ``augmenter`` parameter, so that it runs on
    the training part after that split and never copies a validation row. A model
    with a grid (``config.grid``) becomes a
    :class:`~skfix.selection.GapPenalizedGridSearchCV` with an inner purged
    walk-forward split of ``config.inner_splits`` folds; the outer folds refit the
    whole search, so tuning never sees a row it is validated on. ``models`` (default:
    all of ``config.models``) restricts the set.
    """
    from imblearn.pipeline import Pipeline

    from ..selection import GapPenalizedGridSearchCV, PurgedWalkForwardSplit

    candidates = {}
    for model in config.models if models is None else models:
        estimator = config.estimator(model)
        augmenter = config.augmenter(model)
        prefix = ""
        if augmenter is not None:
            if "augmenter" in estimator.get_params():
                estimator.set_params(augmenter=augmenter)
            else:
                estimator = Pipeline([("augment", augmenter), ("model", estimator)])
                prefix = "model__"
        grid = config.grid(model)
        if grid:
            estimator = GapPenalizedGridSearchCV(
                estimator,
                {f"{prefix}{key}": list(values) for key, values in grid.items()},
                scoring="accuracy",
                cv=PurgedWalkForwardSplit(config.inner_splits, gap=config.horizon),
            )
        candidates[model] = estimator
    return candidates


def _final_model(fitted):
    """The model to deploy: the refit of a search, the last step of a pipeline (the
    augmenter is fit-only)."""
    if hasattr(fitted, "best_estimator_"):
        fitted = fitted.best_estimator_
    return fitted.steps[-1][1] if hasattr(fitted, "steps") else fitted


def _log_record(symbol, record):
    """What a symbol's models did, for ``skfix train -v`` (reasons at DEBUG)."""
    if not _LOG.isEnabledFor(logging.INFO):
        return
    outcome = (
        f"selected {record['selected']['name']}"
        if record["selected"]
        else f"{record['status']}, nothing deployed"
    )
    models = ", ".join(
        f"{c['name']} {c['decision'] if c['status'] != 'skipped' else 'skipped'}"
        + (f" (p = {c['p_value']:.3g})" if c["p_value"] is not None else "")
        for c in record["candidates"]
    )
    _LOG.info("%s: %s%s", symbol, outcome, f"; {models}" if models else "")
    for c in record["candidates"]:
        _LOG.debug("%s %s: %s", symbol, c["name"], c["reason"])
    if record["why_none"] and not record["candidates"]:
        _LOG.debug("%s: %s", symbol, record["why_none"])


def _unprefixed(params):
    return {key.split("__")[-1]: value for key, value in (params or {}).items()}


def _candidate_record(name, config, evaluation, decision, model_file, skipped=None):
    """A candidate's manifest entry. Timings (``fit_time``) are left out on purpose, so
    that reruns, resumed runs and parallel runs give identical manifests."""
    from ..estimators import ESTIMATORS

    cls = ESTIMATORS[name] if name in ESTIMATORS else None
    record = {
        "name": name,
        "estimator": f"{cls.__module__.split('._')[0]}.{cls.__name__}" if cls else None,
        "params": to_jsonable(config.estimator_params(name)) if cls else {},
        "status": "failed",
        "error": None,
        "fold_train_scores": [],
        "fold_validation_scores": [],
        "mean_train_score": None,
        "mean_validation_score": None,
        "gap": None,
        "validation_std": None,
        "validation_variance": None,
        "test_score": None,
        "n_test": None,
        "baselines": None,
        "p_value": None,
        "p_value_raw": None,
        "panel_p_value": None,
        "oos_accuracy": None,
        "n_oos": None,
        "tuning": None,
        "alpha": config.criteria.alpha,
        "decision": decision.decision if decision else "failed",
        "reason": decision.reason if decision else None,
        "criteria": decision.as_dict()["criteria"] if decision else [],
        "rank_score": None,
        "rank": decision.rank if decision else None,
        "monitor_events": [],
        "model_file": model_file,
    }
    if skipped is not None:
        record.update(status="skipped", decision="insufficient_data", reason=skipped)
        return to_jsonable(record)
    if evaluation is None:
        record["status"] = "not_evaluated"
        return to_jsonable(record)
    scores = evaluation.as_dict()
    record.update(
        status="failed" if evaluation.failed else "ok",
        error=scores["error"],
        fold_train_scores=scores["train_scores"],
        fold_validation_scores=scores["validation_scores"],
        mean_train_score=scores["mean_train_score"],
        mean_validation_score=scores["mean_validation_score"],
        gap=scores["gap"],
        validation_std=scores["validation_std"],
        validation_variance=scores["validation_variance"],
        test_score=scores["test_score"],
        test_accuracy=scores["test_accuracy"],
        n_test=scores["n_test"],
        oos_accuracy=scores["oos_accuracy"],
        n_oos=scores["n_oos"],
    )
    grid = config.grid(name)
    if grid:
        choices = [_unprefixed(p) for p in scores["fold_params"] or []]
        record["tuning"] = {
            "grid": grid,
            "chosen": choices[-1] if choices else None,
            "fold_choices": choices[:-1],
            # tuned on the walk-forward folds (a search's own tuned_ otherwise)
            "tuned": bool(choices) and bool(getattr(evaluation.estimator, "tuned_", True)),
        }
    if not evaluation.failed:
        record["baselines"] = {
            baseline: values["test_score"]
            for baseline, values in scores["baselines"].items()
        }
        record["baseline_validation_scores"] = {
            baseline: values["mean_validation_score"]
            for baseline, values in scores["baselines"].items()
        }
        record["baseline_oos_accuracy"] = {
            baseline: values["oos_accuracy"]
            for baseline, values in scores["baselines"].items()
        }
        record["comparisons"] = scores["comparisons"]
        record["test_comparisons"] = scores["test_comparisons"]
        record["rank_score"] = decision.as_dict()["rank_score"]
        baseline = [c for c in record["criteria"] if c["name"] == "beats_baseline"]
        record["p_value"] = baseline[0]["value"] if baseline else None
        if config.criteria.baseline is not None:
            evidence = (
                scores["comparisons"]
                if config.criteria.evidence == "pooled"
                else scores["test_comparisons"]
            )
            record["p_value_raw"] = evidence[config.criteria.baseline]["p_value"]
        if evaluation.estimator is not None:
            events = getattr(_final_model(evaluation.estimator), "training_warnings_", [])
            record["monitor_events"] = [event.as_dict() for event in events]
    if evaluation.failed:
        record["decision"] = "failed"
    return to_jsonable(record)


@contextlib.contextmanager
def _one_torch_thread():
    """Train on one torch thread: the same numbers whatever the parallelism.

    skfix parallelizes over symbols; torch's own threads would compete with them, and
    float sums in a different thread order can change the last bits of a result.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_symbol(symbol, prices, config, out_dir, stem):
    """Train, evaluate and select the models of one symbol, and save their files.

    Never raises for a problem of the symbol's own: a failure is recorded with its
    type, message and traceback in the returned record.

    Parameters
    ----------
    symbol : str
        The symbol.
    prices : pandas.DataFrame
        Its price frame.
    config : TrainConfig
        The run configuration.
    out_dir : pathlib.Path
        The run's output folder; model files go to ``models/<stem>/``.
    stem : str
        The symbol's file-name-safe name.

    Returns
    -------
    record : dict
        The symbol's entry of the manifest.
    """
    from ..features import make_dataset
    from ..persistence import save_model
    from ..selection import ModelSelector

    record = {
        "status": "failed",
        "error": None,
        "data": None,
        "candidates": [],
        "selected": None,
        "why_none": None,
        "evidence": None,
    }
    try:
        X, y = make_dataset(prices, horizon=config.horizon)
    except ValueError as exc:
        record.update(
            status="insufficient_data",
            error=_error_record(exc),
            why_none=f"no usable rows: {exc}",
        )
        return record
    record["data"] = _fingerprint(X, y, prices)
    if y.nunique() < 2:
        direction = "goes up" if int(y.iloc[0]) == 0 else "is flat or goes down"
        record.update(
            status="insufficient_data",
            why_none=(
                f"the series never {direction}: all {len(y)} labelled rows are class "
                f"{int(y.iloc[0])} ({'up' if int(y.iloc[0]) else 'flat or down'}), so "
                "there is nothing to classify; a model needs rows of both classes."
            ),
        )
        return record
    tried, skipped = config.models_for(len(y))
    skip_reason = {
        name: (
            f"not tried: {len(y)} labelled rows, fewer than the "
            f"{config.model_min_rows[name]} this model needs to learn anything "
            "(model_min_rows)."
        )
        for name in skipped
    }
    if not tried:
        record["candidates"] = [
            _candidate_record(name, config, None, None, None, skip_reason[name])
            for name in config.models
        ]
        record.update(
            status="insufficient_data",
            why_none="No candidate was tried: " + " ".join(skip_reason.values()),
        )
        return record
    try:
        with warnings.catch_warnings(), _one_torch_thread():
            # Monitor warnings are recorded on each model and in the manifest.
            from ..monitoring import TrainingWarning

            warnings.simplefilter("ignore", TrainingWarning)
            selector = ModelSelector(
                build_candidates(config, tried),
                criteria=config.criteria,
                cv=config.splitter(),
                test_size=config.test_size,
                gap=config.horizon,
                random_state=config.seed,
            ).fit(X, y)
    except Exception as exc:  # one symbol never stops the others
        record["error"] = _error_record(exc)
        record["why_none"] = f"selection failed: {type(exc).__name__}: {exc}"
        return record

    evaluations = {e.name: e for e in selector.evaluations_}
    candidates = []
    for name in config.models:
        evaluation = evaluations.get(name)
        decision = selector.decisions_.get(name)
        model_file = None
        if evaluation is not None and evaluation.estimator is not None:
            try:
                model_file = save_model(
                    _final_model(evaluation.estimator),
                    out_dir / MODELS_DIR / stem,
                    name,
                    relative_to=out_dir,
                )
            except Exception as exc:  # an unsaveable model is a failed candidate
                evaluation.error = _error_record(exc)
        candidates.append(
            _candidate_record(
                name, config, evaluation, decision, model_file, skip_reason.get(name)
            )
        )
    record["candidates"] = candidates
    record["evidence"] = to_jsonable(selector.evidence_)
    all_insufficient = all(c["decision"] == "insufficient_data" for c in candidates)
    record["status"] = "insufficient_data" if all_insufficient else "trained"
    _select(record, selector.why_ if selector.best_name_ else None, selector.why_)
    return record


def _select(record, reason, why_none):
    """Set ``selected`` to the best-ranked accepted candidate, if it was saved."""
    accepted = sorted(
        (c for c in record["candidates"] if c["rank"] is not None),
        key=lambda c: c["rank"],
    )
    record["selected"] = None
    if not accepted:
        record["why_none"] = why_none
        return
    chosen = accepted[0]
    if chosen["model_file"] is None or chosen["status"] != "ok":
        # Nothing is deployed that cannot be loaded back and verified.
        error = chosen["error"] or {"type": "?", "message": "no model file"}
        record["why_none"] = (
            f"{chosen['name']} was selected, but its model file could not be saved "
            f"({error['type']}: {error['message']}), so nothing is deployed."
        )
        return
    record["why_none"] = None
    record["selected"] = {
        "name": chosen["name"],
        "rank_score": chosen["rank_score"],
        "reason": reason,
    }


def _state_path(out_dir, stem):
    return out_dir / STATE_DIR / f"{stem}.json"


def _config_fingerprint(config):
    text = json.dumps(to_jsonable(config.as_dict()), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _train_and_store(symbol, prices, config, out_dir, stem, config_hash):
    """Train one symbol and store its record atomically (the unit of --resume)."""
    record = train_symbol(symbol, prices, config, out_dir, stem)
    dump_json({"config_sha256": config_hash, "record": record}, _state_path(out_dir, stem))
    return symbol, record


def _resumable(out_dir, stem, config_hash):
    """The stored record of a symbol finished by an earlier run, if still valid."""
    path = _state_path(out_dir, stem)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("config_sha256") != config_hash:
        return None
    record = state["record"]
    for candidate in record.get("candidates", []):
        model_file = candidate.get("model_file")
        if model_file is None:
            continue
        file = out_dir / model_file["path"]
        if not file.is_file() or sha256_file(file) != model_file["sha256"]:
            return None
    return record


def _panel_p_values(p_values, method):
    """BH (or BY) adjusted p-values; NaN entries are tests that did not run."""
    from ..selection import adjust_p_values

    return adjust_p_values(p_values, method)


def apply_panel_correction(symbols, criteria):
    """Control the false discovery rate of deployments across the symbols of a run.

    Each symbol that was judged (not insufficient data) is one hypothesis, "a model
    of this symbol beats the baseline", with the smallest candidate-corrected p-value
    of its accepted candidates (1 when none was accepted). Benjamini-Hochberg (or
    -Yekutieli) adjusts these across the symbols; a candidate stays accepted only when
    its own p-value, put in the symbol's place, survives the adjustment at ``alpha``.
    Every judged candidate gets a ``panel_p_value`` and a ``panel_fdr`` criterion; the
    selection is redone among the candidates still accepted.

    Parameters
    ----------
    symbols : dict of str to dict
        Per-symbol records, as :func:`train_symbol` returns them (not modified).
    criteria : SelectionCriteria
        Its ``panel_correction`` and ``alpha`` apply.

    Returns
    -------
    symbols : dict of str to dict
        Corrected copies of the records.
    panel : dict
        ``correction``, ``alpha``, ``symbols_tested`` and ``symbols_significant``.
    """
    symbols = copy.deepcopy(symbols)
    method, alpha = criteria.panel_correction, criteria.alpha
    judged = [
        symbol
        for symbol, record in symbols.items()
        if record["status"] == "trained"
        and any(c["p_value"] is not None for c in record["candidates"])
    ]
    base = np.ones(len(judged))
    for i, symbol in enumerate(judged):
        accepted = [
            c["p_value"]
            for c in symbols[symbol]["candidates"]
            if c["rank"] is not None and c["p_value"] is not None
        ]
        base[i] = min(accepted, default=1.0)
    panel = {
        "correction": method,
        "alpha": alpha,
        "symbols_tested": len(judged),
        "symbols_significant": 0,
    }
    symbol_q = base if method == "none" else _panel_p_values(base, method)
    for i, symbol in enumerate(judged):
        record = symbols[symbol]
        if record.get("evidence") is not None:
            record["evidence"]["panel_p_value"] = float(symbol_q[i])
        for candidate in record["candidates"]:
            p = candidate["p_value"]
            if p is None:
                continue
            if method == "none":
                candidate["panel_p_value"] = p
                continue
            trial = base.copy()
            trial[i] = p
            adjusted = float(_panel_p_values(trial, method)[i])
            candidate["panel_p_value"] = adjusted
            passed = adjusted <= alpha
            candidate["criteria"].append(
                {
                    "name": "panel_fdr",
                    "value": adjusted,
                    "threshold": alpha,
                    "passed": passed,
                    "explanation": (
                        f"false-discovery control across the {len(judged)} judged "
                        f"symbols of the run ({method.upper()}): p = {p:.3g} becomes "
                        f"{adjusted:.3g}, {'within' if passed else 'above'} alpha "
                        f"{alpha:g}"
                    ),
                }
            )
            if candidate["decision"] == "accept" and not passed:
                candidate["decision"] = "reject"
                candidate["reason"] = (
                    f"it meets every criterion on its own symbol, but not the run's "
                    f"false-discovery control across {len(judged)} symbols "
                    f"({method.upper()}-adjusted p = {adjusted:.3g} > alpha {alpha:g})."
                )
        if method != "none":
            _rerank(record)
        panel["symbols_significant"] += record["selected"] is not None
    return symbols, panel


def _rerank(record):
    """Ranks among the candidates still accepted (or selected but unsaved), in the
    order the selector ranked them, and the selection redone."""
    before = record["selected"]
    survivors = sorted(
        (
            c
            for c in record["candidates"]
            if c["rank"] is not None
            and (c["decision"] == "accept" or c["status"] == "failed")
        ),
        key=lambda c: c["rank"],
    )
    for c in record["candidates"]:
        c["rank"] = None
    for rank, c in enumerate(survivors, start=1):
        c["rank"] = rank
    if before is not None and (not survivors or survivors[0]["name"] != before["name"]):
        dropped = next(c for c in record["candidates"] if c["name"] == before["name"])
        reason = (
            None
            if not survivors
            else f"'{survivors[0]['name']}' ranks first of the candidates that pass the "
            "run's false-discovery control."
        )
        _select(record, reason, f"{before['name']}: {dropped['reason']}")


def _summary(symbols):
    candidates = [
        c
        for record in symbols.values()
        for c in record["candidates"]
        if c["status"] != "skipped"
    ]
    scored = [c for c in candidates if c["status"] == "ok"]
    failures = [
        {
            "symbol": symbol,
            "candidate": None,
            "type": r["error"]["type"],
            "message": r["error"]["message"],
        }
        for symbol, r in symbols.items()
        if r["status"] == "failed"
    ] + [
        {
            "symbol": symbol,
            "candidate": c["name"],
            "type": c["error"]["type"],
            "message": c["error"]["message"],
        }
        for symbol, r in symbols.items()
        for c in r["candidates"]
        if c["status"] == "failed"
    ]

    def mean(key):
        values = [c[key] for c in scored if c[key] is not None]
        return float(np.mean(values)) if values else None

    selected_gaps = [
        c["gap"]
        for r in symbols.values()
        if r["selected"]
        for c in r["candidates"]
        if c["name"] == r["selected"]["name"] and c["gap"] is not None
    ]

    return {
        "symbols_total": len(symbols),
        "symbols_trained": sum(r["status"] == "trained" for r in symbols.values()),
        "symbols_failed": sum(r["status"] == "failed" for r in symbols.values()),
        "symbols_insufficient_data": sum(
            r["status"] == "insufficient_data" for r in symbols.values()
        ),
        "candidates_total": len(candidates),
        "candidates_skipped": sum(
            c["status"] == "skipped" for r in symbols.values() for c in r["candidates"]
        ),
        "candidates_succeeded": len(scored),
        "model_success_rate": len(scored) / len(candidates) if candidates else None,
        "average_gap": mean("gap"),
        "average_test_accuracy": mean("test_accuracy"),
        "deployable_count": sum(r["selected"] is not None for r in symbols.values()),
        "selected_average_gap": (float(np.mean(selected_gaps)) if selected_gaps else None),
        "failures": failures,
    }


def _library_versions():
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_manifest(symbols, config, source, created=None):
    """Assemble the manifest of a run from its per-symbol records.

    The records are those of :func:`train_symbol`; the correction across symbols
    (:func:`apply_panel_correction`) is applied here, to copies, so that a resumed run
    corrects over every symbol of the run.
    """
    created = created or datetime.now(timezone.utc)
    symbols, panel = apply_panel_correction(symbols, config.criteria)
    summary = _summary(symbols)
    summary["panel"] = panel
    return {
        "schema_version": SCHEMA_VERSION,
        "utc_time_created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "skfix_version": __version__,
        "python_version": platform.python_version(),
        "library_versions": _library_versions(),
        "run": {"data_source": source, **to_jsonable(config.as_dict())},
        "summary": summary,
        "symbols": symbols,
    }


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
):
    """Train every model on every symbol, select what can be deployed, write it all.

    For each symbol: features and labels (:func:`skfix.features.make_dataset`), the
    candidate models each with the augmenter (:func:`build_candidates`), evaluation
    on purged walk-forward folds and a final test window, acceptance and ranking
    (:class:`skfix.selection.ModelSelector`), and every trained model saved as a safe,
    hashed file. Then ``manifest.json``, ``reports/`` and ``plots/`` are written.
    One symbol or model failing never stops the others: it is recorded.

    Parameters
    ----------
    data : str, os.PathLike, list of them, or None, default=None
        Price files or folders; ``None`` is the built-in panel.
    out_dir : str or os.PathLike, default="skfix-out"
        Output folder.
    config : TrainConfig, default=None
        The run configuration; ``None`` is ``TrainConfig()``.
    symbols : list of str, default=None
        Only these symbols.
    n_jobs : int, default=None
        Symbols trained in parallel (joblib); ``None`` is 1, ``-1`` all cores.
    backend : {"loky", "multiprocessing", "dask"}, default="loky"
        joblib backend; each runs symbols in separate processes. ``"dask"`` needs
        ``skfix[dask]``. (Threads are not offered: torch's random state is global to
        a process, so threads training neural nets at once would not be reproducible.)
    scheduler : str, default=None
        Address of a Dask scheduler (``tcp://host:8786``), or a
        ``distributed.Client``; with ``backend="dask"`` and None, a local cluster.
    resume : bool, default=False
        Reuse the symbols an interrupted run in the same folder with the same
        configuration finished (their model files are checked by sha256).
    progress : callable, default=None
        Called as ``progress(done, total, symbol, record)`` after each symbol.
    plots : bool, default=True
        Draw the plots of ``plots/`` (and link them from the reports). Drawing is a
        good share of a short run; ``False`` skips it and the manifest says so.

    Returns
    -------
    manifest : dict
        The manifest, as written to ``out_dir/manifest.json``.

    Raises
    ------
    DataError, ConfigError
        For data or a configuration that cannot be used at all, before training.
    """
    from joblib import Parallel, delayed, parallel_config

    from ..reporting import validate_manifest, write_plots, write_reports

    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"config must be a TrainConfig; found {type(config).__name__}.")
    panel, source, unreadable = load_panel(data, symbols)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(
            f"the output folder {out_dir} is an existing file; expected a new folder or "
            "the folder of an earlier run."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
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
    jobs = (
        delayed(_train_and_store)(
            symbol, panel[symbol], config, out_dir, stems[symbol], config_hash
        )
        for symbol in todo
    )
    with _backend(backend, scheduler, n_jobs) as (name, workers):
        with parallel_config(backend=name, n_jobs=workers):
            for symbol, record in Parallel(return_as="generator_unordered")(jobs):
                records[symbol] = record
                done += 1
                _log_record(symbol, record)
                if progress is not None:
                    progress(done, len(panel), symbol, record)

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
    validate_manifest(manifest)
    dump_json(manifest, out_dir / "manifest.json")
    if plots:
        write_plots(manifest, out_dir)
    write_reports(manifest, out_dir)
    return manifest


@contextlib.contextmanager
def _backend(backend, scheduler, n_jobs):
    """The joblib backend name and worker count, with a Dask client when asked."""
    if backend != "dask":
        if backend not in ("loky", "multiprocessing"):
            raise ConfigError(
                f"backend must be 'loky', 'multiprocessing' or 'dask'; found {backend!r}."
            )
        yield backend, 1 if n_jobs is None else n_jobs
        return
    distributed = import_distributed()
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if isinstance(scheduler, Client):
        yield "dask", -1 if n_jobs is None else n_jobs
        return
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            # n_jobs -1 (the command's default) is a worker per core, as with joblib
            workers = (os.cpu_count() or 1) if n_jobs == -1 else (n_jobs or 1)
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        del client  # joblib's dask backend finds the current client
        yield "dask", -1 if n_jobs is None else n_jobs
