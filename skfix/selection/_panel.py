"""The deployed model of each symbol, and the false-discovery control across the
symbols of a run, on the run's per-symbol records."""

import copy

import numpy as np

__all__ = ["apply_panel_correction", "select_deployed"]


def select_deployed(record, reason, why_none):
    """Set a symbol record's ``selected`` to its best-ranked accepted candidate, if
    that candidate's model was saved: the one place a record's deployed model is
    chosen, after the selector ranked the candidates and again after the panel's
    false-discovery control.

    Parameters
    ----------
    record : skfix.manifest.SymbolRecord
        The symbol's record, changed in place.
    reason : str or None
        Why the best-ranked candidate is deployed.
    why_none : str or None
        Why nothing is deployed, when no candidate is ranked.
    """
    accepted = sorted(
        (c for c in record.candidates if c.rank is not None), key=lambda c: c.rank
    )
    record.selected = None
    if not accepted:
        record.why_none = why_none
        return
    chosen = accepted[0]
    if chosen.model_file is None or chosen.status != "ok":
        # Nothing is deployed that cannot be loaded back and verified.
        error = chosen.error or {"type": "?", "message": "no model file"}
        record.why_none = (
            f"{chosen.name} was selected, but its model file could not be saved "
            f"({error['type']}: {error['message']}), so nothing is deployed."
        )
        return
    record.why_none = None
    record.selected = {
        "name": chosen.name,
        "rank_score": chosen.rank_score,
        "reason": reason,
    }


def _panel_p_values(p_values, method, alpha):
    """BKY (or BH, BY) adjusted p-values; NaN entries are tests that did not run."""
    from ._stats import adjust_p_values

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
    symbols : dict of str to skfix.manifest.SymbolRecord
        Per-symbol records, as :func:`train_symbol` returns them (not modified).
    criteria : SelectionCriteria
        Its ``panel_correction`` and ``alpha`` apply.

    Returns
    -------
    symbols : dict of str to skfix.manifest.SymbolRecord
        Corrected copies of the records.
    panel : dict
        ``correction``, ``alpha``, ``symbols_tested`` and ``symbols_significant``.
    """
    symbols = copy.deepcopy(symbols)
    method, alpha = criteria.panel_correction, criteria.alpha
    judged = [
        symbol
        for symbol, record in symbols.items()
        if record.status == "trained"
        and any(c.p_value is not None for c in record.candidates)
    ]
    base = np.ones(len(judged))
    for i, symbol in enumerate(judged):
        accepted = [
            c.p_value
            for c in symbols[symbol].candidates
            if c.rank is not None and c.p_value is not None
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
        evidence = record.evidence
        if evidence is not None:
            own = evidence.get("p_value")
            # the adaptive correction can go below a symbol's own p-value; a symbol
            # must pass both, so the panel figure is never shown as the smaller
            evidence["panel_p_value"] = max(float(symbol_q[i]), own or 0.0)
        for candidate in record.candidates:
            p = candidate.p_value
            if p is None:
                continue
            if method == "none":
                candidate.panel_p_value = p
                continue
            trial = base.copy()
            trial[i] = p
            adjusted = max(float(_panel_p_values(trial, method, alpha)[i]), p)
            candidate.panel_p_value = adjusted
            if not candidate.beat_baseline:
                # no evidence on its own symbol: the run's control has nothing to add
                continue
            criterion = criteria.panel_fdr(p, adjusted, len(judged))
            candidate.criteria.append(criterion)
            if candidate.decision == "accept" and not criterion.passed:
                candidate.decision = "reject"
                candidate.reason = (
                    f"it meets every criterion on its own symbol, but not the run's "
                    f"false-discovery control across {len(judged)} symbols "
                    f"({method.upper()}-adjusted p = {adjusted:.3g} > alpha {alpha:g})."
                )
        if method != "none":
            _rerank(record)
        panel["symbols_significant"] += record.selected is not None
    return symbols, panel


def _rerank(record):
    """Ranks among the candidates still accepted (or selected but unsaved), in the
    order the selector ranked them, and the selection redone."""
    before = record.selected
    survivors = sorted(
        (
            c
            for c in record.candidates
            if c.rank is not None and (c.decision == "accept" or c.status == "failed")
        ),
        key=lambda c: c.rank,
    )
    for c in record.candidates:
        c.rank = None
    for rank, c in enumerate(survivors, start=1):
        c.rank = rank
    if before is not None and (not survivors or survivors[0].name != before["name"]):
        dropped = record.candidate(before["name"])
        reason = (
            None
            if not survivors
            else f"'{survivors[0].name}' ranks first of the candidates that pass the "
            "run's false-discovery control."
        )
        select_deployed(
            record,
            reason,
            "No model survives the run's false-discovery control. "
            f"{before['name']}: {dropped.reason}",
        )
