"""The run's manifest: the panel's false-discovery control, the summary, the record of
the run."""

import platform
from datetime import datetime, timezone
from importlib import metadata

import numpy as np

from .. import __version__
from ..manifest import SCHEMA_VERSION, RunRecord
from ..selection import apply_panel_correction

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


def _reads_the_future(candidate):
    """Whether the look-ahead guard rejected the candidate (``no_look_ahead`` failed)."""
    for criterion in candidate.criteria or []:
        name, passed = (
            (criterion.get("name"), criterion.get("passed"))
            if isinstance(criterion, dict)
            else (criterion.name, criterion.passed)
        )
        if name == "no_look_ahead" and not passed:
            return True
    return False


def _summary(symbols):
    # the models' figures: a naive rule learns nothing, cannot fail to train, and its
    # "gap" is not overfitting
    candidates = [
        c
        for record in symbols.values()
        for c in record.candidates
        if c.status != "skipped" and not c.naive_rule
    ]
    models = [c for c in candidates if c.status == "ok"]
    failures = [
        {
            "symbol": symbol,
            "candidate": None,
            "type": r.error["type"],
            "message": r.error["message"],
        }
        for symbol, r in symbols.items()
        if r.status == "failed"
    ] + [
        {
            "symbol": symbol,
            "candidate": c.name,
            "type": c.error["type"],
            "message": c.error["message"],
        }
        for symbol, r in symbols.items()
        for c in r.candidates
        if c.status == "failed"
    ]

    # a model that reads a probable look-ahead column scores what it read, not skill
    scored = [c for c in models if not _reads_the_future(c)]

    def mean(key):
        values = [getattr(c, key) for c in scored if getattr(c, key) is not None]
        return float(np.mean(values)) if values else None

    deployed = [r.candidate(r.selected["name"]) for r in symbols.values() if r.selected]
    selected_gaps = [c.gap for c in deployed if c.gap is not None and not c.naive_rule]

    return {
        "symbols_total": len(symbols),
        "symbols_trained": sum(r.status == "trained" for r in symbols.values()),
        "symbols_failed": sum(r.status == "failed" for r in symbols.values()),
        "symbols_insufficient_data": sum(
            r.status == "insufficient_data" for r in symbols.values()
        ),
        "candidates_total": len(candidates),
        "candidates_skipped": sum(
            c.status == "skipped" and not c.naive_rule
            for r in symbols.values()
            for c in r.candidates
        ),
        "candidates_succeeded": len(models),
        "model_success_rate": len(models) / len(candidates) if candidates else None,
        "average_gap": mean("gap"),
        "average_test_accuracy": mean("test_accuracy"),
        "deployable_count": len(deployed),
        "deployed_naive_rules": sum(c.naive_rule for c in deployed),
        "selected_average_gap": (float(np.mean(selected_gaps)) if selected_gaps else None),
        "failures": failures,
        "economics": _panel_economics(symbols),
    }


def _panel_economics(symbols):
    """The deployed models' economics, and each one's deflated Sharpe ratio against
    every configuration tried across the run's symbols (the panel figure; the null
    variance of its Sharpe ratio, as on the symbol)."""
    from ..economics import deflated_sharpe_ratio

    measured = {symbol: r for symbol, r in symbols.items() if isinstance(r.economics, dict)}
    from ..selection._economics import null_variance

    n_trials = sum(r.economics["n_trials"] for r in measured.values())
    deployed = {}
    for symbol, r in measured.items():
        if not r.selected:
            continue
        figures = r.candidate(r.selected["name"]).economics
        if not isinstance(figures, dict):
            continue
        panel = None
        if figures.get("sharpe") is not None and figures.get("kurtosis") is not None:
            panel = float(
                deflated_sharpe_ratio(
                    figures["sharpe"],
                    figures["n_periods"],
                    n_trials=max(n_trials, 1),
                    variance_of_sharpes=null_variance(figures["n_periods"]),
                    skewness=figures["skewness"],
                    kurtosis=figures["kurtosis"],
                )
            )
        deployed[symbol] = {
            "model": r.selected["name"],
            "sharpe_annualized": figures.get("sharpe_annualized"),
            "mean_return": figures.get("mean_return"),
            "turnover": figures.get("turnover"),
            "break_even_cost_bps": figures.get("break_even_cost_bps"),
            "deflated_sharpe": figures.get("deflated_sharpe"),
            "panel_deflated_sharpe": panel,
            "pbo": figures.get("pbo"),
            "buy_and_hold_sharpe_annualized": r.economics["buy_and_hold"].get(
                "sharpe_annualized"
            ),
        }
    return {"n_trials": n_trials, "deployed": deployed}


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

    The records are those of :func:`train_symbol` (:class:`skfix.manifest.SymbolRecord`);
    the correction across symbols (:func:`apply_panel_correction`) is applied here, to
    copies, so that a resumed run corrects over every symbol of the run. The run's
    :class:`skfix.manifest.RunRecord` is turned into JSON here, once.

    Returns
    -------
    manifest : dict
        The manifest, as strict JSON data.
    """
    created = created or datetime.now(timezone.utc)
    symbols, panel = apply_panel_correction(symbols, config.criteria)
    summary = _summary(symbols)
    summary["panel"] = panel
    record = RunRecord(
        schema_version=SCHEMA_VERSION,
        utc_time_created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        skfix_version=__version__,
        python_version=platform.python_version(),
        library_versions=_library_versions(),
        run={
            "data_source": source,
            **config.as_dict(),
            # how reports show each criterion judged here, so that a report redrawn
            # from this manifest alone shows a user's own criteria as the run did
            "criteria_info": config.criteria.criteria_info(
                {
                    criterion.name
                    for record in symbols.values()
                    for candidate in record.candidates
                    for criterion in candidate.criteria
                }
            ),
        },
        summary=summary,
        symbols=symbols,
    )
    return record.to_json()
