"""The run's manifest: the panel's false-discovery control, the summary, the record of
the run."""

import copy
import platform
from datetime import datetime, timezone
from importlib import metadata

import numpy as np

from .. import __version__
from .._json import to_jsonable
from ..reporting import SCHEMA_VERSION
from ..selection._criteria import criteria_info
from ._symbol import _select

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


def _panel_p_values(p_values, method, alpha):
    """BKY (or BH, BY) adjusted p-values; NaN entries are tests that did not run."""
    from ..selection import adjust_p_values

    return adjust_p_values(p_values, method, alpha=alpha)


def apply_panel_correction(symbols, criteria):
    """Control the false discovery rate of deployments across the symbols of a run.

    Each symbol that was judged (not insufficient data) is one hypothesis, "a model
    of this symbol beats the baseline", with the smallest candidate-corrected p-value
    of its accepted candidates (1 when none was accepted). The two-stage adaptive
    step-up of Benjamini, Krieger and Yekutieli (or Benjamini-Hochberg, or
    -Yekutieli) adjusts these across the symbols; a candidate stays accepted only when
    its own p-value, put in the symbol's place, survives the adjustment at ``alpha``.
    Every judged candidate gets a ``panel_p_value``, never below its own p-value
    (the adaptive correction's adjusted value can be); those that beat the baseline on
    their own symbol also get a ``panel_fdr`` criterion (for the others it has nothing
    to add). The selection is redone among the candidates still accepted.

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
    symbol_q = base if method == "none" else _panel_p_values(base, method, alpha)
    for i, symbol in enumerate(judged):
        record = symbols[symbol]
        evidence = record.get("evidence")
        if evidence is not None:
            own = evidence.get("p_value")
            # the adaptive correction can go below a symbol's own p-value; a symbol
            # must pass both, so the panel figure is never shown as the smaller
            evidence["panel_p_value"] = max(float(symbol_q[i]), own or 0.0)
        for candidate in record["candidates"]:
            p = candidate["p_value"]
            if p is None:
                continue
            if method == "none":
                candidate["panel_p_value"] = p
                continue
            trial = base.copy()
            trial[i] = p
            adjusted = max(float(_panel_p_values(trial, method, alpha)[i]), p)
            candidate["panel_p_value"] = adjusted
            if not _beat_baseline(candidate):
                # no evidence on its own symbol: the run's control has nothing to add
                continue
            criterion = criteria.panel_fdr(p, adjusted, len(judged))
            candidate["criteria"].append(criterion.as_dict())
            if candidate["decision"] == "accept" and not criterion.passed:
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


def _beat_baseline(candidate):
    """Whether the candidate passed ``beats_baseline`` on its own symbol (or was not
    judged by it)."""
    return all(c["passed"] for c in candidate["criteria"] if c["name"] == "beats_baseline")


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
        _select(
            record,
            reason,
            "No model survives the run's false-discovery control. "
            f"{before['name']}: {dropped['reason']}",
        )


def _summary(symbols):
    # the models' figures: a naive rule learns nothing, cannot fail to train, and its
    # "gap" is not overfitting
    candidates = [
        c
        for record in symbols.values()
        for c in record["candidates"]
        if c["status"] != "skipped" and not c["naive_rule"]
    ]
    scored = models = [c for c in candidates if c["status"] == "ok"]
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
        values = [c[key] for c in models if c[key] is not None]
        return float(np.mean(values)) if values else None

    selected_gaps = [
        c["gap"]
        for r in symbols.values()
        if r["selected"]
        for c in r["candidates"]
        if c["name"] == r["selected"]["name"]
        and c["gap"] is not None
        and not c["naive_rule"]
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
            c["status"] == "skipped" and not c["naive_rule"]
            for r in symbols.values()
            for c in r["candidates"]
        ),
        "candidates_succeeded": len(scored),
        "model_success_rate": len(scored) / len(candidates) if candidates else None,
        "average_gap": mean("gap"),
        "average_test_accuracy": mean("test_accuracy"),
        "deployable_count": sum(r["selected"] is not None for r in symbols.values()),
        "deployed_naive_rules": sum(
            c["naive_rule"]
            for r in symbols.values()
            if r["selected"]
            for c in r["candidates"]
            if c["name"] == r["selected"]["name"]
        ),
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
        "run": {
            "data_source": source,
            **to_jsonable(config.as_dict()),
            # how reports show each criterion judged here, so that a report redrawn
            # from this manifest alone shows a user's own criteria as the run did
            "criteria_info": criteria_info(
                {
                    criterion["name"]
                    for record in symbols.values()
                    for candidate in record["candidates"]
                    for criterion in candidate["criteria"]
                }
            ),
        },
        "summary": summary,
        "symbols": symbols,
    }
