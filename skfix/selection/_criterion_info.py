"""How reports show each criterion: its unit and its advice, registered beside its check."""

import string
from dataclasses import dataclass

CRITERION_UNITS = ("fraction", "p_value", "count", "number", "text")


_ADVICE_FIELDS = frozenset(
    [
        "value",
        "threshold",
        "rounded_value",
        "rounded_threshold",
        "hint",
        "explanation",
        "baseline",
    ]
)


@dataclass(frozen=True)
class CriterionInfo:
    """How a report shows one criterion, and what it advises when a candidate fails it.

    Registered with :func:`register_criterion` beside the check that applies the
    criterion; reports find it by the criterion's name with :func:`criterion_info`.

    Attributes
    ----------
    name : str
        The criterion's name, as in :attr:`CriterionResult.name`.
    unit : {"fraction", "p_value", "count", "number", "text"}
        What its value and threshold are: ``"fraction"`` an accuracy or a difference
        of accuracies (shown as a percentage), ``"p_value"``, ``"count"`` (rows,
        folds), ``"number"`` anything else, ``"text"`` a string.
    advice : str or None
        The recommendation for a candidate that fails it, a :meth:`str.format`
        template. ``{value}`` and ``{threshold}`` are shown in the unit,
        ``{rounded_value}`` and ``{rounded_threshold}`` without decimals (percentages
        only), ``{hint}`` is a way to regularize the candidate's kind of model,
        ``{explanation}`` the result's explanation and ``{baseline}`` the run's
        baseline rule in words. None: the report says which
        criterion failed and repeats its explanation.
    """

    name: str
    unit: str = "number"
    advice: str | None = None


_CRITERION_INFO = {}


def register_criterion(name, *, unit="number", advice=None):
    """Register how reports show the criterion `name`; decorate its check with it.

    Parameters
    ----------
    name : str
        The name the check gives its :class:`CriterionResult`.
    unit : {"fraction", "p_value", "count", "number", "text"}, default="number"
        What its value and threshold are (see :class:`CriterionInfo`).
    advice : str or None, default=None
        The recommendation when a candidate fails it, with the fields
        :class:`CriterionInfo` lists.

    Returns
    -------
    decorator : callable
        Returns the check it decorates unchanged.

    Raises
    ------
    ValueError
        If `unit` is unknown or `advice` uses a field that does not exist.

    See Also
    --------
    SelectionCriteria.threshold_checks : Where a subclass adds its check.

    Examples
    --------
    >>> from skfix.selection import criterion_info, register_criterion
    >>> @register_criterion(
    ...     "min_oos_accuracy",
    ...     unit="fraction",
    ...     advice="pooled accuracy {value} is below {rounded_threshold}.",
    ... )
    ... def min_oos_accuracy(self, evaluation): ...
    >>> criterion_info("min_oos_accuracy").unit
    'fraction'
    """
    if unit not in CRITERION_UNITS:
        raise ValueError(
            f"unit of criterion {name!r} must be one of {CRITERION_UNITS}; got {unit!r}."
        )
    if advice is not None:
        used = {part[1] for part in string.Formatter().parse(advice) if part[1]}
        unknown = sorted(used - _ADVICE_FIELDS)
        if unknown:
            raise ValueError(
                f"advice of criterion {name!r} uses unknown field(s) {unknown}; "
                f"expected some of {sorted(_ADVICE_FIELDS)}."
            )
    _CRITERION_INFO[name] = CriterionInfo(name, unit, advice)

    def decorator(check):
        return check

    return decorator


def criterion_info(name, recorded=None):
    """How reports show the criterion `name`.

    Parameters
    ----------
    name : str
        A criterion's name, as in a manifest.
    recorded : dict, default=None
        A manifest's ``run.criteria_info`` (``{name: {"unit", "advice"}}``): what the
        run that judged the candidates registered, so that a report drawn in another
        process, without the run's own criteria imported, still shows them as the run
        did. It takes precedence over this process's registry.

    Returns
    -------
    info : CriterionInfo
        The recorded one, the registered one, or a plain number without advice for a
        name nobody registered.
    """
    entry = (recorded or {}).get(name)
    if entry is not None:
        return CriterionInfo(name, entry.get("unit", "number"), entry.get("advice"))
    return _CRITERION_INFO.get(name) or CriterionInfo(name)


def criteria_info(names):
    """``{name: {"unit", "advice"}}`` of the criteria `names`, as a manifest records
    them (``run.criteria_info``)."""
    return {
        name: {"unit": criterion_info(name).unit, "advice": criterion_info(name).advice}
        for name in sorted(names)
    }
