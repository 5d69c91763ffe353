"""The report of one symbol: data, candidates, evidence, the selected model, advice."""

from skfix.selection import criterion_info
from skfix.selection._checks import RULE_WORDS

from ._common import (
    criterion_value,
    max_gap,
    measured,
    number,
    p_value,
    percent,
)
from ._markdown import (
    _SELECTED_GAP_TARGET,
    _code,
    _code_block,
    _error_text,
    _escape,
    _table,
)

# Advice for a model whose gap is too large, when its family gives none.
_DEFAULT_HINT = "stronger regularization (min_samples_leaf / max_depth)"


_EVENT_ADVICE = {
    "overfitting": "the training and validation curves drift apart: stop earlier "
    "(early stopping with less patience) or regularize more",
    "nan_loss": "the loss became NaN: check the features for missing or infinite "
    "values and lower the learning rate",
    "divergence": "the loss diverged: lower the learning rate",
    "exploding_gradient": "gradients exploded: lower the learning rate or clip gradients",
    "no_early_stopping": "training ran to the last epoch without early stopping: "
    "turn early stopping on so the best epoch is kept",
    "not_converged": "the solver stopped before converging: raise max_iter",
}


def _regularization_hint(candidate, families=None):
    """What regularizes the candidate's family: a user family's own ``hint`` (as the
    manifest's ``run.model_families`` records it), a built-in family's from the model
    registry."""
    from ..estimators import MODEL_FAMILIES

    name = candidate.get("name")
    own = (families or {}).get(name) or {}
    family = MODEL_FAMILIES.get(name)
    return own.get("hint") or (family.hint if family else None) or _DEFAULT_HINT


def _header(symbol, entry, manifest):
    status = entry.get("status", "unknown")
    selected = entry.get("selected")
    outcome = (
        f"model **{_escape(selected.get('name'))}** selected for deployment"
        if selected
        else "no model deployed"
    )
    return "\n".join(
        [
            f"# {_escape(symbol)}: model report",
            "",
            f"Status: **{_escape(status)}**; {outcome}.",
            "",
            f"Run of {_escape(manifest.get('utc_time_created', 'unknown time'))}, "
            f"skfix {_escape(manifest.get('skfix_version', '?'))}, manifest schema "
            f"{_escape(manifest.get('schema_version', '?'))}. Every number below comes "
            "from `manifest.json`. Accuracies are fractions of the rows predicted "
            "correctly; the gap is mean train accuracy minus mean validation accuracy "
            "over the folds.",
            "",
            "[Back to the summary of the run](summary.md)",
        ]
    )


def _data_section(entry, manifest):
    data = entry.get("data")
    lines = ["## Data", ""]
    if not data:
        lines.append("No data was read for this symbol (see Errors below).")
        return "\n".join(lines)
    balance = data.get("class_balance") or {}
    features = data.get("feature_names") or []
    shown = ", ".join(_escape(f) for f in features[:12])
    if len(features) > 12:
        shown += f", … ({len(features) - 12} more)"
    run = manifest.get("run") or {}
    split = run.get("split") or {}
    rows = [
        ("Source", _escape(data.get("source", "n/a"))),
        ("Rows used", number(data.get("n_rows"))),
        ("Date range", f"{_escape(data.get('start'))} to {_escape(data.get('end'))}"),
        (
            "Class balance",
            ", ".join(f"class {_escape(k)}: {percent(v)}" for k, v in balance.items())
            or "n/a",
        ),
        ("Features", f"{number(data.get('n_features'))} ({shown})" if shown else "n/a"),
        ("SHA-256 of the rows", _code(data.get("sha256", "n/a"))),
        ("Horizon", f"{number(run.get('horizon'))} period(s) ahead"),
        (
            "Split",
            f"{_escape(split.get('scheme', 'n/a'))}, {number(split.get('n_splits'))} "
            f"folds, gap {number(split.get('gap'))}, embargo "
            f"{number(split.get('embargo'))}, test size {number(split.get('test_size'))}",
        ),
    ]
    lines.append(_table(["Field", "Value"], rows))
    warned = _data_warnings(entry)
    if warned:
        lines += ["", "### Data warnings", ""]
        lines += [f"- {_escape(w)}" for w in warned]
    return "\n".join(lines)


def _features_section(entry, manifest):
    """What went in: each feature with its source, window and lag; the input columns
    the saved pipeline requires; the columns left out and why; the look-ahead guard."""
    data = entry.get("data") or {}
    features = data.get("features")
    if not features:
        return ""
    rows = [
        (
            _code(f.get("name")),
            "built-in" if f.get("source") == "builtin" else "your column",
            ", ".join(_escape(i) for i in f.get("inputs") or []),
            "n/a" if f.get("window") is None else number(f.get("window")),
            number(f.get("lag")),
        )
        for f in features
    ]
    lines = [
        "## Features",
        "",
        _table(["Feature", "Source", "Reads", "Window (rows)", "Lag (rows)"], rows),
        "",
        "Required input columns (`skfix predict` refuses a file without one): "
        + ", ".join(_code(c) for c in data.get("required_columns") or []),
    ]
    ignored = data.get("ignored_columns") or {}
    if ignored:
        lines += ["", "Columns not used:", ""]
        lines += [f"- {_code(c)}: {_escape(why)}" for c, why in ignored.items()]
    checks = data.get("leak_check") or {}
    auc = ((manifest.get("run") or {}).get("features") or {}).get("leak_auc")
    threshold = "n/a" if auc is None else f"{auc:.2f}"
    if checks:
        lines += [
            "",
            "### Look-ahead guard",
            "",
            "How well each of your columns separates the next move's direction on the "
            "training rows (the strongest AUC of the column, its change and its log "
            f"ratio to the close). From {threshold} on, far more than a real signal "
            "gives (rarely above 0.6), the column probably holds a value from after its "
            "row's time, and no model that reads it is deployed unless it is declared "
            "trusted.",
            "",
            _table(
                ["Column", "Strongest AUC", "Verdict"],
                [
                    (
                        _code(c),
                        f"{check.get('auc', float('nan')):.3f}",
                        "probable look-ahead"
                        if check.get("probable_leak")
                        else ("trusted (declared)" if check.get("trusted") else "ok"),
                    )
                    for c, check in checks.items()
                ],
            ),
        ]
    return "\n".join(lines)


def _data_warnings(entry):
    """What reading the file found legal but probably wrong (jumps, zero volume)."""
    cleaning = (entry.get("data") or {}).get("cleaning") or {}
    return list(cleaning.get("warnings") or [])


def _params_text(tuning):
    chosen = (tuning or {}).get("chosen")
    if not chosen:
        return "—"
    return _escape(", ".join(f"{key}={value}" for key, value in chosen.items()))


def _candidates_section(entry, plots, recorded=None, plots_off=False):
    candidates = entry.get("candidates") or []
    lines = ["## Candidates", ""]
    if not candidates:
        lines.append("No candidate was trained.")
        return "\n".join(lines)
    rows = []
    for c in candidates:
        baselines = c.get("baselines") or {}
        pooled = c.get("baseline_oos_accuracy") or {}
        rows.append(
            (
                f"**{_escape(c.get('name'))}**",
                _escape(c.get("status")),
                f"**{_escape(c.get('decision'))}**",
                number(c.get("mean_train_score")),
                number(c.get("mean_validation_score")),
                percent(c.get("gap")),
                number(c.get("validation_std")),
                number(c.get("test_score")),
                number(baselines.get("majority")),
                number(c.get("oos_accuracy")),
                number(pooled.get("majority")),
                number(pooled.get("persistence")),
                p_value(c.get("p_value_raw")),
                p_value(c.get("p_value")),
                p_value(c.get("panel_p_value")),
                _params_text(c.get("tuning")),
            )
        )
    header = [
        "Model",
        "Status",
        "Decision",
        "Train",
        "Validation",
        "Gap",
        "Fold std",
        "Test",
        "Majority (test)",
        "Out-of-sample",
        "Majority (oos)",
        "Persistence (oos)",
        "p raw",
        "p corrected",
        "p panel",
        "Tuned parameters",
    ]
    lines += [_table(header, rows), ""]
    lines.append(
        "Train and Validation are means over the walk-forward folds; Test is the accuracy "
        "on the final test window, which no model saw before; Out-of-sample is the "
        "accuracy over every validation window and the test window pooled, each row "
        "predicted once by a model fitted on earlier rows only. Majority (always the most "
        "frequent class of the training rows) and Persistence (the same direction as the "
        "last known period) are the naive baselines on the same rows. p raw tests whether "
        "the model beats the majority baseline on the pooled rows; p corrected allows for "
        "every candidate tried on this symbol; p panel also for every symbol of the run "
        "(false-discovery control). Tuned parameters are those the gap-penalized search "
        "chose for the deployed fit."
    )
    if plots["scores"]:
        lines += ["", f"![Train, validation and test accuracy](../plots/{plots['scores']})"]
    if plots["folds"]:
        lines += ["", f"![Validation accuracy per fold](../plots/{plots['folds']})"]
    if plots_off:
        lines += ["", "No plots: the run was made without them (`--no-plots`)."]
    elif not plots["scores"] and not plots["folds"]:
        lines += ["", "No plots: no candidate produced scores."]
    lines += ["", "### Criteria", ""]
    rows = []
    for c in candidates:
        if c.get("status") == "failed":
            rows.append(
                (
                    f"**{_escape(c.get('name'))}**",
                    "—",
                    "—",
                    "—",
                    "✗ failed",
                    _escape(f"not evaluated: {_error_text(c.get('error'))}"),
                )
            )
            continue
        for criterion in c.get("criteria") or []:
            name = criterion.get("name", "?")
            rows.append(
                (
                    f"**{_escape(c.get('name'))}**",
                    _escape(name),
                    criterion_value(name, criterion.get("value"), recorded=recorded),
                    criterion_value(name, criterion.get("threshold"), recorded=recorded),
                    _passed_cell(criterion),
                    _escape(criterion.get("explanation", "")),
                )
            )
    lines.append(
        _table(["Model", "Criterion", "Value", "Threshold", "Passed", "Explanation"], rows)
        if rows
        else "No criterion was evaluated."
    )
    return "\n".join(lines)


def _passed_cell(criterion):
    """ "✓ pass", "✗ fail", or "✓ pass (within sampling error)" where the value is past
    its threshold but by less than the window's sampling error can explain."""
    if not criterion.get("passed"):
        return "✗ fail"
    if "but within the sampling error" in str(criterion.get("explanation", "")):
        return "✓ pass (within sampling error)"
    return "✓ pass"


def _evidence_section(entry, manifest):
    evidence = entry.get("evidence")
    if not evidence:
        return None
    alpha = ((manifest.get("run") or {}).get("criteria") or {}).get("alpha")
    edge = evidence.get("min_detectable_edge")
    rows = [
        ("Pooled out-of-sample rows", number(evidence.get("n_oos"))),
        (
            "Smallest edge these rows can reveal",
            f"{percent(edge)} over the baseline (80 % power, alpha {number(alpha)})",
        ),
        (
            "Rows an edge of 5 % needs",
            f"about {number(evidence.get('rows_for_edge_0.05'))} out-of-sample rows",
        ),
        ("Best corrected p-value", p_value(evidence.get("p_value"))),
        ("After the run's false-discovery control", p_value(evidence.get("panel_p_value"))),
    ]
    lines = ["## Evidence", "", _table(["Figure", "Value"], rows), ""]
    lines.append(
        "An edge is accuracy minus the majority baseline's accuracy. Next-period direction "
        "rarely offers more than a few points, so a symbol whose rows can only reveal an "
        "edge of 10 % or more is judged on too little data to find a realistic signal."
    )
    return "\n".join(lines)


def _economics_section(entry, plots):
    """Trading each candidate's out-of-sample calls: returns after costs, Sharpe,
    deflated Sharpe, drawdown, turnover, break-even cost; PBO; the equity plot."""
    economics = entry.get("economics")
    if not economics:
        return ""

    def signed(value, spec):
        return "n/a" if not measured(value) else format(value, spec)

    rows = []
    for c in entry.get("candidates") or []:
        e = c.get("economics")
        if not e:
            continue
        rows.append(_economics_row(c["name"], e, signed))
    rows.append(_economics_row("buy and hold", economics.get("buy_and_hold") or {}, signed))
    per_year = economics.get("periods_per_year")
    sides = (
        "long on up, short on down"
        if economics.get("positions") == "long_short"
        else "long on up, flat on down"
    )
    lines = [
        "## Economics",
        "",
        f"Every pooled out-of-sample row traded on the candidate's call, made "
        f"by a model fitted on earlier rows only: {sides}, over the next period, less "
        f"{signed(economics.get('cost_bps'), 'g')} bp per "
        f"unit of turnover. Sharpe ratios are annualized at {signed(per_year, 'g')} "
        "periods a year. The deflated Sharpe ratio is the probability that the Sharpe "
        f"ratio beats the best one expected by luck from the {economics.get('n_trials')} "
        "configurations tried on this symbol (every candidate and grid point); 0.95 is "
        "the usual bar. Break-even: the cost per unit of turnover at which the mean "
        "return is zero. Hit rate: the share of the periods in the market that gained "
        "after costs; a right call on a period whose close did not move (labelled "
        "'flat or down') gains nothing, so the hit rate can be below the accuracy. "
        "The returns are the close's own: they are what trading earns "
        "only where the close is the price of something you can buy and sell (not a "
        "yield or an index that is not itself traded).",
        "",
        _table(
            [
                "Candidate",
                "Mean return / period",
                "Sharpe (ann.)",
                "Max drawdown",
                "Turnover",
                "Hit rate",
                "Break-even (bp)",
                "PSR",
                "Deflated Sharpe",
            ],
            rows,
        ),
    ]
    pbo = economics.get("backtest_overfitting")
    if pbo:
        lines += [
            "",
            f"Probability of backtest overfitting over the {len(pbo['candidates'])} "
            f"candidates: **{signed(pbo.get('pbo'), '.3f')}** ({pbo['n_combinations']:,} "
            f"splits of {pbo['n_blocks']} blocks): the share of splits in which the best "
            "candidate of one half is at or below the median of the other. Near 0, "
            "the best candidate stays best; near 0.5, the ranking is noise.",
        ]
    if plots.get("equity"):
        lines += ["", f"![Equity of the out-of-sample calls](../plots/{plots['equity']})"]
    return "\n".join(lines)


def _economics_row(name, e, signed):
    return (
        _escape(name),
        signed(e.get("mean_return"), ".5f"),
        signed(e.get("sharpe_annualized"), ".2f"),
        percent(e.get("max_drawdown")) if measured(e.get("max_drawdown")) else "n/a",
        signed(e.get("turnover"), ".2f"),
        percent(e.get("hit_rate")) if measured(e.get("hit_rate")) else "n/a",
        signed(e.get("break_even_cost_bps"), ".0f"),
        signed(e.get("probabilistic_sharpe"), ".3f"),
        signed(e.get("deflated_sharpe"), ".3f"),
    )


def _selected_section(entry):
    selected = entry.get("selected")
    if not selected:
        why = entry.get("why_none") or "no candidate was accepted."
        return "\n".join(["## No model deployed", "", _escape(why)])
    name = selected.get("name")
    candidate = next(
        (c for c in entry.get("candidates") or [] if c.get("name") == name), {}
    )
    model_file = candidate.get("model_file") or {}
    rows = [
        ("Model", f"**{_escape(name)}** ({_escape(candidate.get('estimator', 'n/a'))})"),
        ("Why", _escape(selected.get("reason", "n/a"))),
        ("Rank score", number(selected.get("rank_score"))),
        ("Test accuracy", number(candidate.get("test_score"))),
        ("Out-of-sample accuracy", number(candidate.get("oos_accuracy"))),
        ("Gap", percent(candidate.get("gap"))),
        ("p-value (corrected, panel)", p_value(candidate.get("panel_p_value"))),
        ("Tuned parameters", _params_text(candidate.get("tuning"))),
    ]
    if model_file:
        signature = model_file.get("signature") or {}
        rows += [
            ("Model file", _code(model_file.get("path", "n/a"))),
            ("Format", _escape(model_file.get("format", "n/a"))),
            ("SHA-256", _code(model_file.get("sha256", "n/a"))),
            ("Inputs", _inputs_text(signature.get("inputs") or [])),
        ]
    else:
        rows.append(("Model file", "not saved"))
    return "\n".join(["## Selected model", "", _table(["Field", "Value"], rows)])


def _inputs_text(inputs):
    """The columns the saved model reads, by name (all of them up to a dozen)."""
    names = [
        str(item.get("name", "?")) if isinstance(item, dict) else str(item)
        for item in inputs
    ]
    count = f"{len(names)} column" + ("" if len(names) == 1 else "s")
    if not names or len(names) > 12:
        return count
    return f"{count}: " + ", ".join(_code(name) for name in names)


def _events_section(entry):
    rows = []
    for c in entry.get("candidates") or []:
        for event in c.get("monitor_events") or []:
            rows.append(
                (
                    f"**{_escape(c.get('name'))}**",
                    _escape(event.get("kind")),
                    number(event.get("epoch")) if event.get("epoch") is not None else "—",
                    _escape(event.get("message", "")),
                )
            )
    lines = ["## Monitor events", ""]
    if rows:
        lines.append(_table(["Model", "Event", "Epoch / round", "Message"], rows))
    else:
        lines.append("None recorded.")
    return "\n".join(lines)


def _criterion_advice(c, criterion, baseline="majority", run=None):
    """The recommendation for a failed criterion, from its registered advice."""
    kind = criterion.get("name")
    value, threshold = criterion.get("value"), criterion.get("threshold")
    explanation = _escape(criterion.get("explanation", ""))
    run = run or {}
    recorded = run.get("criteria_info")
    template = criterion_info(kind, recorded).advice
    if template is None:
        text = f"criterion {_escape(kind)} failed: {explanation}."
    else:
        text = template.format(
            value=criterion_value(kind, value, recorded=recorded),
            threshold=criterion_value(kind, threshold, recorded=recorded),
            rounded_value=criterion_value(kind, value, rounded=True, recorded=recorded),
            rounded_threshold=criterion_value(
                kind, threshold, rounded=True, recorded=recorded
            ),
            hint=_regularization_hint(c, run.get("model_families")),
            explanation=explanation,
            baseline=f"'{baseline}' ({RULE_WORDS.get(baseline, baseline)})",
        )
    return f"**{_escape(c.get('name'))}**: {text}"


def _candidate_advice(c, limit, baseline="majority", run=None):
    name = _escape(c.get("name"))
    if c.get("status") == "failed":
        return [
            f"**{name}** failed ({_escape(_error_text(c.get('error')))}): fix the error "
            "and rerun; the traceback is in `manifest.json`."
        ]
    advice = []
    for criterion in c.get("criteria") or []:
        # the baseline rule is not deployed by design: nothing to advise
        if not criterion.get("passed") and criterion.get("name") != "is_baseline":
            advice.append(_criterion_advice(c, criterion, baseline, run))
    if limit is not None and not any(
        r.get("name") == "gap" for r in c.get("criteria") or []
    ):
        gap = c.get("gap")
        if measured(gap) and gap > limit:
            advice.append(
                _criterion_advice(
                    c, {"name": "gap", "value": gap, "threshold": limit}, run=run
                )
            )
    seen_kinds = set()
    for event in c.get("monitor_events") or []:
        kind = event.get("kind")
        if kind in _EVENT_ADVICE and kind not in seen_kinds:
            seen_kinds.add(kind)
            epoch = event.get("epoch")
            when = f" (epoch {epoch})" if epoch is not None else ""
            advice.append(f"**{name}**{when}: {_EVENT_ADVICE[kind]}.")
    return advice


def _recommendations(entry, manifest):
    lines = ["## Recommendations", ""]
    advice = []
    status = entry.get("status")
    if status == "failed" and (entry.get("error") or {}).get("source"):
        advice.append(
            f"The file {_escape(entry['error']['source'])} could not be read "
            f"({_escape(_error_text(entry.get('error')))}): fix or replace it and rerun; "
            "the other files were trained without it."
        )
    elif status == "failed":
        advice.append(
            "Training failed for this symbol "
            f"({_escape(_error_text(entry.get('error')))}): fix the error and rerun; "
            "the other symbols were not affected."
        )
    elif status == "insufficient_data":
        evidence = entry.get("evidence") or {}
        what = ""
        if measured(evidence.get("min_detectable_edge")):
            what = (
                f" its {number(evidence.get('n_oos'))} out-of-sample rows could only "
                f"reveal an edge of {percent(evidence['min_detectable_edge'])} over the "
                "baseline, while an edge of 5 % needs about "
                f"{number(evidence.get('rows_for_edge_0.05'))} out-of-sample rows"
            )
        advice.append(
            "Not enough data to tell a model from luck:"
            + (what + ";" if what else "")
            + " collect more history before training this symbol again."
        )
    limit = max_gap(manifest)
    baseline = ((manifest.get("run") or {}).get("criteria") or {}).get("baseline")
    for c in entry.get("candidates") or []:
        advice += _candidate_advice(
            c,
            limit,
            baseline or "majority",
            manifest.get("run"),
        )
    selected = entry.get("selected")
    if selected:
        chosen = next(
            (
                c
                for c in entry.get("candidates") or []
                if c.get("name") == selected.get("name")
            ),
            {},
        )
        gap = chosen.get("gap")
        if measured(gap) and gap > _SELECTED_GAP_TARGET:
            advice.append(
                f"The selected model's gap {percent(gap)} is above skfix's "
                f"{percent(_SELECTED_GAP_TARGET, 0)} target: consider gap-aware tuning "
                "before relying on it."
            )
        if not chosen.get("model_file"):
            advice.append("The selected model was not saved: it cannot be deployed.")
    if not advice:
        advice.append("Nothing to do: every candidate met every criterion.")
    lines += [f"- {a}" for a in advice]
    return "\n".join(lines)


def _errors_section(entry):
    error = entry.get("error")
    if not error:
        return None
    lines = ["## Errors", "", f"**{_escape(_error_text(error))}**"]
    if error.get("traceback"):
        lines += ["", _code_block(error["traceback"])]
    return "\n".join(lines)


def _symbol_report(symbol, entry, manifest, plots):
    sections = [
        _header(symbol, entry, manifest),
        _errors_section(entry),
        _data_section(entry, manifest),
        _features_section(entry, manifest),
        _candidates_section(
            entry,
            plots,
            (manifest.get("run") or {}).get("criteria_info"),
            plots_off=(manifest.get("run") or {}).get("plots") is False,
        ),
        _evidence_section(entry, manifest),
        _economics_section(entry, plots),
        _selected_section(entry),
        _events_section(entry),
        _recommendations(entry, manifest),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"
