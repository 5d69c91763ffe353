"""Helpers shared by the reports and the plots: numbers, what to plot."""

import math

from skfix._io import file_stems
from skfix.selection import criterion_info


def measured(value):
    """Whether `value` is a real number (not None, NaN, a bool or a string)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def percent(value, digits=1):
    """``0.283`` → ``"28.3 %"``; not measured → ``"n/a"``."""
    return f"{100 * value:.{digits}f} %" if measured(value) else "n/a"


def number(value, digits=3):
    """A score or any other number, to `digits` decimals; not measured → ``"n/a"``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}" if measured(value) else "n/a"


def p_value(value):
    """A p-value: three significant digits, small ones in scientific notation."""
    if not measured(value):
        return "n/a"
    return f"{value:.2e}" if 0 < value < 1e-3 else f"{value:.3g}"


def _whole_percent(value):
    return percent(value, 0)


def _count(value):
    return number(value, digits=0)


# How each unit of skfix.selection.CriterionInfo is shown: in full, and rounded.
_UNIT_FORMATS = {
    "fraction": (percent, _whole_percent),
    "p_value": (p_value, p_value),
    "count": (_count, _count),
    "number": (number, number),
    "text": (number, number),
}


def criterion_value(name, value, *, rounded=False, recorded=None):
    """Format a criterion's value or threshold in the unit its criterion registered
    (as the manifest's ``run.criteria_info``, ``recorded``, says, when given).

    ``rounded`` drops the decimals of a percentage.
    """
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    full, whole = _UNIT_FORMATS[criterion_info(name, recorded).unit]
    return (whole if rounded else full)(value)


def scored_candidates(entry):
    """Candidates of one symbol that have the three mean scores a bar chart needs."""
    return [
        c
        for c in entry.get("candidates") or []
        if c.get("status") == "ok"
        and any(
            measured(c.get(key))
            for key in ("mean_train_score", "mean_validation_score", "test_score")
        )
    ]


def fold_candidates(entry):
    """Candidates of one symbol with at least one measured validation fold score."""
    return [
        c
        for c in entry.get("candidates") or []
        if c.get("status") == "ok"
        and any(measured(s) for s in c.get("fold_validation_scores") or [])
    ]


def gaps_by_model(manifest):
    """``{model name: {symbol: gap}}`` over the measured gaps, in manifest order.

    The naive rules are left out: they learn nothing, so their "gap" is the spread of
    the windows, not overfitting.
    """
    gaps = {}
    for name in (manifest.get("run") or {}).get("models") or []:
        gaps.setdefault(name, {})
    for symbol, entry in (manifest.get("symbols") or {}).items():
        for candidate in entry.get("candidates") or []:
            gap = candidate.get("gap")
            if (
                candidate.get("status") == "ok"
                and measured(gap)
                and not candidate.get("naive_rule")
            ):
                gaps.setdefault(candidate.get("name"), {})[symbol] = gap
    return gaps


def max_gap(manifest):
    """The run's gap limit, or None when the run did not set one."""
    value = ((manifest.get("run") or {}).get("criteria") or {}).get("max_gap")
    return value if measured(value) else None


def plot_names(manifest):
    """The plot file names (relative to ``plots/``) :func:`write_plots` writes.

    Reports and plots both ask this function, so that a report links a plot exactly
    when it exists.
    """
    symbols = manifest.get("symbols") or {}
    stems = file_stems(symbols)
    if (manifest.get("run") or {}).get("plots") is False:  # skfix train --no-plots
        return {
            symbol: {"scores": None, "folds": None, "equity": None} for symbol in symbols
        }, None
    names = {
        symbol: symbol_plot_names(entry, stems[symbol]) for symbol, entry in symbols.items()
    }
    has_gaps = any(gaps for gaps in gaps_by_model(manifest).values())
    return names, "gap_distribution.png" if has_gaps else None


def symbol_plot_names(entry, stem):
    """One symbol's plot file names, ``{"scores", "folds", "equity"}``; None where the
    symbol has nothing for that plot to show. ``stem`` is the symbol's file stem
    (:func:`skfix._io.file_stems` over the run's symbols)."""
    return {
        "scores": f"{stem}_scores.png" if scored_candidates(entry) else None,
        "folds": f"{stem}_folds.png" if fold_candidates(entry) else None,
        "equity": f"{stem}_equity.png" if equity_curves(entry)[0] else None,
    }


def plot_dependencies(entry):
    """What a symbol's plots show that the run's correction across symbols can change:
    the deployed candidate and the curves the equity plot picks.

    A worker draws a symbol's plots from its record before that correction; they are
    the plots of the final manifest exactly when this is the same for both entries.
    Everything else the plots read (scores, folds, baselines, equity values) is the
    symbol's own.
    """
    return (entry.get("selected") or {}).get("name"), tuple(equity_curves(entry)[0])


def equity_curves(entry):
    """The equity curves a symbol's plot shows: the deployed candidate (else the best
    ranked, else the learned model with the best pooled accuracy), the naive rules and
    buy-and-hold, as ``{label: values}``, with the dates; empty without economics."""
    economics = entry.get("economics") or {}
    equity = economics.get("equity") or {}
    curves = equity.get("curves") or {}
    if not curves:
        return {}, []
    selected = (entry.get("selected") or {}).get("name")
    learned = [
        c
        for c in entry.get("candidates") or []
        if not c.get("naive_rule") and c.get("name") in curves
    ]
    shown = {}
    if selected in curves:
        shown[f"{selected} (deployed)"] = curves[selected]
    elif learned:
        best = max(learned, key=lambda c: c.get("oos_accuracy") or 0.0)
        shown[f"{best['name']} (best learned, not deployed)"] = curves[best["name"]]
    for rule in ("persistence", "majority"):
        if rule in curves and rule != selected:
            shown[rule] = curves[rule]
    if "buy_and_hold" in curves:
        shown["buy and hold"] = curves["buy_and_hold"]
    return shown, equity.get("dates") or []
