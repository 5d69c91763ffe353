"""Helpers shared by the reports and the plots: file names, numbers, what to plot."""

import hashlib
import math
import re

# File names that are safe on every platform: no separators, no shell or markdown
# specials, no leading dot (hidden files), nothing Windows reserves.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}\Z")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
# Names of the panel-wide files, which a symbol's files must never overwrite.
_RESERVED_STEMS = frozenset(["summary", "gap_distribution"])

# Criteria whose value and threshold are accuracies or differences of accuracies.
FRACTION_CRITERIA = frozenset(
    [
        "gap",
        "test_score",
        "min_test_score",
        "validation_test_difference",
        "fold_std",
    ]
)
P_VALUE_CRITERIA = frozenset(["beats_baseline", "panel_fdr"])
COUNT_CRITERIA = frozenset(["test_rows", "min_test_rows"])


def file_stems(symbols):
    """Map each symbol to a file-name stem, unique even on case-insensitive disks.

    A symbol that is already a safe name keeps it (``"SP500"`` → ``"SP500"``); any
    other gets its unsafe characters replaced and a short hash of the real name
    appended (``"EUR/USD"`` → ``"EUR_USD-…"``), so that two symbols never share a file.
    """
    stems = {}
    seen = set()
    for symbol in symbols:
        text = str(symbol)
        stem = text
        if (
            not _SAFE_NAME.match(text)
            or text.split(".")[0].upper() in _WINDOWS_RESERVED
            or text.lower() in _RESERVED_STEMS
            or text.lower() in seen
        ):
            readable = _UNSAFE_CHARS.sub("_", text).strip("._-")[:60] or "symbol"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            stem = f"{readable}-{digest[:8]}"
            while stem.lower() in seen:
                digest = hashlib.sha256(digest.encode()).hexdigest()
                stem = f"{readable}-{digest[:8]}"
        seen.add(stem.lower())
        stems[symbol] = stem
    return stems


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


def criterion_value(name, value):
    """Format a criterion's value or threshold the way its name calls for."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if name in P_VALUE_CRITERIA:
        return p_value(value)
    if name in COUNT_CRITERIA:
        return number(value, digits=0)
    if name in FRACTION_CRITERIA:
        return percent(value)
    return number(value)


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
    """``{model name: {symbol: gap}}`` over the measured gaps, in manifest order."""
    gaps = {}
    for name in (manifest.get("run") or {}).get("models") or []:
        gaps.setdefault(name, {})
    for symbol, entry in (manifest.get("symbols") or {}).items():
        for candidate in entry.get("candidates") or []:
            gap = candidate.get("gap")
            if candidate.get("status") == "ok" and measured(gap):
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
        return {symbol: {"scores": None, "folds": None} for symbol in symbols}, None
    names = {}
    for symbol, entry in symbols.items():
        names[symbol] = {
            "scores": f"{stems[symbol]}_scores.png" if scored_candidates(entry) else None,
            "folds": f"{stems[symbol]}_folds.png" if fold_candidates(entry) else None,
        }
    has_gaps = any(gaps for gaps in gaps_by_model(manifest).values())
    return names, "gap_distribution.png" if has_gaps else None
