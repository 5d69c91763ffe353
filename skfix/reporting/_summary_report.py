"""The run's summary report: success against the original spec, outcomes, failures,
overfitting."""

import statistics

from ._common import (
    gaps_by_model,
    max_gap,
    measured,
    number,
    percent,
)
from ._markdown import (
    _AVERAGE_GAP_TARGET,
    _SELECTED_GAP_TARGET,
    _error_text,
    _escape,
    _table,
)
from ._symbol_report import _data_warnings

# The panel corrections in words, for the summary.
_PANEL_WORDS = {
    "bky": "the adaptive Benjamini-Krieger-Yekutieli step-up",
    "bh": "Benjamini-Hochberg",
    "by": "Benjamini-Yekutieli",
}


def _selected_gap(summary):
    gap = summary.get("selected_average_gap")
    if gap is None and summary.get("deployed_naive_rules"):
        return "n/a: only naive rules deployed, and a rule learns nothing to overfit"
    return percent(gap)


def _met(value):
    return "yes" if value else "no"


def _data_warnings_section(manifest):
    items = [
        f"{_escape(symbol)}: {_escape(warning)}"
        for symbol, entry in (manifest.get("symbols") or {}).items()
        for warning in _data_warnings(entry)
    ]
    lines = ["## Data warnings", ""]
    lines += [f"- {item}" for item in items] if items else ["None."]
    return "\n".join(lines)


def _success_section(manifest):
    summary = manifest.get("summary") or {}
    symbols = manifest.get("symbols") or {}
    total = summary.get("symbols_total", len(symbols))
    rate = summary.get("model_success_rate")
    average_gap = summary.get("average_gap")
    deployable = summary.get("deployable_count")
    majorities = [
        (c.get("baselines") or {}).get("majority")
        for entry in symbols.values()
        for c in entry.get("candidates") or []
        if c.get("status") == "ok" and measured((c.get("baselines") or {}).get("majority"))
    ]
    majority = statistics.fmean(majorities) if majorities else None
    rows = [
        (
            "Model success rate",
            f"{percent(rate)} ({number(summary.get('candidates_succeeded'))} of "
            f"{number(summary.get('candidates_total'))} candidates)",
            "every model trains and saves (100 %)",
            _met(measured(rate) and rate >= 1),
        ),
        (
            "Average train-validation gap",
            percent(average_gap),
            f"under {percent(_AVERAGE_GAP_TARGET, 0)}",
            _met(measured(average_gap) and average_gap < _AVERAGE_GAP_TARGET),
        ),
        (
            "Average test accuracy",
            number(summary.get("average_test_accuracy")),
            f"above the majority baseline ({number(majority)} on average)",
            _met(
                measured(summary.get("average_test_accuracy"))
                and majority is not None
                and summary["average_test_accuracy"] > majority
            ),
        ),
        (
            "Mean gap of the deployed models",
            _selected_gap(summary),
            f"under {percent(_SELECTED_GAP_TARGET, 0)} (skfix's rule 3)",
            _met(
                measured(summary.get("selected_average_gap"))
                and summary["selected_average_gap"] < _SELECTED_GAP_TARGET
            )
            if summary.get("selected_average_gap") is not None
            or not summary.get("deployed_naive_rules")
            else "n/a",
        ),
        (
            "Symbols with a deployable model",
            f"{number(deployable)} of {number(total)}",
            "most symbols",
            _met(measured(deployable) and measured(total) and deployable > total / 2),
        ),
        (
            "Every symbol's outcome recorded",
            f"{len(symbols)} of {number(total)} in the manifest "
            f"({number(summary.get('symbols_trained'))} trained, "
            f"{number(summary.get('symbols_failed'))} failed)",
            "all",
            _met(len(symbols) == total),
        ),
    ]
    panel = summary.get("panel") or {}
    notes = []
    if panel.get("correction") not in (None, "none"):
        notes = [
            "",
            f"Deployments are under false-discovery control across the run "
            f"({_PANEL_WORDS.get(panel['correction'], _escape(str(panel['correction'])))} "
            "at alpha "
            f"{number(panel.get('alpha'))}): {number(panel.get('symbols_tested'))} symbols "
            f'were judged, {number(panel.get("symbols_significant"))} deployed. "Most '
            "symbols\" is the original spec's hope; a symbol without a signal its data can "
            "show should not get a model.",
        ]
    return "\n".join(
        [
            "## Success figures",
            "",
            "The figures the original training spec measured success by, and skfix's "
            "gap target for the deployed models.",
            "",
            _table(["Figure", "Value", "Target", "Met"], rows),
            *notes,
        ]
    )


def _outcomes_section(manifest, stems):
    rows = []
    for symbol, entry in (manifest.get("symbols") or {}).items():
        selected = entry.get("selected")
        rows.append(
            (
                f"[{_escape(symbol)}]({stems[symbol]}.md)",
                _escape(entry.get("status")),
                f"**{_escape(selected.get('name'))}**" if selected else "none",
                _escape(
                    _first_sentence(
                        (selected or {}).get("reason")
                        or entry.get("why_none")
                        or _error_text(entry.get("error"))
                    )
                ),
            )
        )
    lines = ["## Outcome per symbol", ""]
    lines.append(
        _table(["Symbol", "Status", "Deployed model", "Why"], rows)
        if rows
        else "No symbols."
    )
    rules = [
        f"{_escape(symbol)} ({_escape(entry['selected'].get('name'))})"
        for symbol, entry in (manifest.get("symbols") or {}).items()
        if entry.get("selected") and _is_naive(entry)
    ]
    lines += [
        "",
        f"Symbols whose best model is a naive rule: {len(rules)}"
        + (f" ({', '.join(rules)})" if rules else "")
        + ". A naive rule is deployed where no learned model does better than it on "
        "the same out-of-sample rows; each symbol's report has every candidate's "
        "reasons.",
    ]
    return "\n".join(lines)


def _is_naive(entry):
    name = entry["selected"].get("name")
    return any(
        c.get("naive_rule") and c.get("name") == name for c in entry.get("candidates") or []
    )


def _first_sentence(text):
    """The first sentence of a reason: the table says what, the report says why."""
    text = text or ""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def _failures_section(manifest):
    items = []
    for failure in (manifest.get("summary") or {}).get("failures") or []:
        if isinstance(failure, dict):
            items.append(
                ", ".join(
                    f"{_escape(k)}: {_escape(v)}"
                    for k, v in failure.items()
                    if v is not None
                )
            )
        else:
            items.append(_escape(failure))
    lines = ["## Failures", ""]
    lines += [f"- {item}" for item in items] if items else ["None."]
    return "\n".join(lines)


def _overfitting_section(manifest, gap_plot):
    gaps = gaps_by_model(manifest)
    limit = max_gap(manifest)
    symbols = list(manifest.get("symbols") or {})
    models = list(gaps)
    lines = [
        "## Overfitting analysis",
        "",
        "The gap is mean train accuracy minus mean validation accuracy over the folds: "
        "how much better a model does on rows it learned from than on rows it did not. "
        + (
            f"The run's limit for a candidate (max_gap) is {percent(limit, 0)}; gaps "
            "above it are in bold. "
            if limit is not None
            else "The run set no gap limit. "
        )
        + f"The success figures above use two other targets: the original spec's "
        f"{percent(_AVERAGE_GAP_TARGET, 0)} for the average gap, and skfix's "
        f"{percent(_SELECTED_GAP_TARGET, 0)} for a deployed model. Gaps are shown for "
        "every symbol with scores, also where the data were too short to judge; the "
        "naive rules learn nothing and are left out. A dash means the gap was not "
        "measured (failed candidate).",
        "",
    ]
    if not models or not symbols:
        lines.append("No gap was measured.")
        return "\n".join(lines)

    def cell(gap):
        if not measured(gap):
            return "—"
        text = percent(gap)
        return f"**{text}**" if limit is not None and gap > limit else text

    rows = [
        (_escape(symbol), *(cell(gaps[m].get(symbol)) for m in models))
        for symbol in symbols
    ]
    lines += [
        _table(["Symbol", *(_escape(m) for m in models)], rows),
        "",
        "### Per model",
        "",
    ]
    stats_rows = []
    for model in models:
        values = list(gaps[model].values())
        if not values:
            stats_rows.append((_escape(model), "0", "n/a", "n/a", "n/a", "n/a", "n/a"))
            continue
        above = sum(v > limit for v in values) if limit is not None else None
        stats_rows.append(
            (
                _escape(model),
                str(len(values)),
                percent(statistics.fmean(values)),
                percent(statistics.median(values)),
                percent(max(values)),
                percent(statistics.pstdev(values)),
                "n/a" if above is None else f"{above} of {len(values)}",
            )
        )
    lines.append(
        _table(
            ["Model", "Symbols", "Mean gap", "Median gap", "Max gap", "Std", "Above limit"],
            stats_rows,
        )
    )
    if limit is not None:
        every_gap = [v for per_symbol in gaps.values() for v in per_symbol.values()]
        above = sum(v > limit for v in every_gap)
        lines += [
            "",
            f"{above} of {len(every_gap)} measured gaps are above the "
            f"{percent(limit, 0)} limit.",
        ]
    if gap_plot:
        lines += ["", f"![Gap distribution per model](../plots/{gap_plot})"]
    return "\n".join(lines)


def _economics_section(manifest):
    """The deployed models traded: Sharpe after costs, deflated on the symbol and
    across the run, the symbol's probability of backtest overfitting."""
    economics = (manifest.get("summary") or {}).get("economics")
    if not economics:
        return ""
    cost = ((manifest.get("run") or {}).get("economics") or {}).get("cost_bps")
    lines = [
        "## Economics of the deployed models",
        "",
        "Trading each deployed model's pooled out-of-sample calls, "
        f"{cost:g} bp per unit of turnover (skfix's docs/economics.md explains the "
        "figures). The deflated Sharpe ratio is the probability that the Sharpe ratio "
        "beats the best expected by luck from the configurations tried: on the symbol, and "
        f"across the run ({economics['n_trials']} configurations in all); 0.95 "
        "is the usual bar. PBO: the symbol's probability of backtest overfitting. The "
        "returns are each close's own: trading earns them only where the close is a "
        "price you can trade (not a yield or an index that is not itself traded).",
        "",
    ]
    deployed = economics.get("deployed") or {}
    if not deployed:
        lines.append("No model deployed.")
        return "\n".join(lines)

    def fmt(value, spec):
        return format(value, spec) if measured(value) else "n/a"

    rows = [
        (
            _escape(symbol),
            _escape(d["model"]),
            fmt(d.get("sharpe_annualized"), ".2f"),
            fmt(d.get("buy_and_hold_sharpe_annualized"), ".2f"),
            fmt(d.get("break_even_cost_bps"), ".0f"),
            fmt(d.get("deflated_sharpe"), ".3f"),
            fmt(d.get("panel_deflated_sharpe"), ".3f"),
            fmt(d.get("pbo"), ".3f"),
        )
        for symbol, d in deployed.items()
    ]
    lines.append(
        _table(
            [
                "Symbol",
                "Model",
                "Sharpe (ann.) after costs",
                "Buy and hold",
                "Break-even (bp)",
                "Deflated Sharpe",
                "Deflated Sharpe, run",
                "PBO",
            ],
            rows,
        )
    )
    return "\n".join(lines)


def _summary_report(manifest, stems, gap_plot):
    run = manifest.get("run") or {}
    intro = "\n".join(
        [
            "# Training summary",
            "",
            f"Run of {_escape(manifest.get('utc_time_created', 'unknown time'))} on "
            f"{_escape(run.get('data_source', 'unknown data'))}: models "
            f"{', '.join(_escape(m) for m in run.get('models') or []) or 'none'}, seed "
            f"{number(run.get('seed'))}, horizon {number(run.get('horizon'))}; skfix "
            f"{_escape(manifest.get('skfix_version', '?'))}, Python "
            f"{_escape(manifest.get('python_version', '?'))}, manifest schema "
            f"{_escape(manifest.get('schema_version', '?'))}.",
        ]
    )
    sections = [
        intro,
        _success_section(manifest),
        _outcomes_section(manifest, stems),
        _economics_section(manifest),
        _failures_section(manifest),
        _data_warnings_section(manifest),
        _overfitting_section(manifest, gap_plot),
    ]
    return "\n\n".join(sections) + "\n"
