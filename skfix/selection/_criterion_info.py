"""How reports show each criterion: its unit and its advice, as its class declares them."""

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

    Declared by a criterion's class (:class:`Criterion`); reports find it by the
    criterion's name in the manifest's ``run.criteria_info``, or with
    :func:`criterion_info`.

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


def advice_fields():
    """The fields an advice template may use."""
    return _ADVICE_FIELDS


def criterion_info(name, recorded=None):
    """How reports show the criterion `name`.

    Parameters
    ----------
    name : str
        A criterion's name, as in a manifest.
    recorded : dict, default=None
        A manifest's ``run.criteria_info`` (``{name: {"unit", "advice"}}``): what the
        run that judged the candidates declared, so that a report drawn in another
        process, without the run's own criteria imported, shows them as the run did.
        It takes precedence over the built-in criteria.

    Returns
    -------
    info : CriterionInfo
        The recorded one, a built-in criterion's, or a plain number without advice
        for any other name.

    Examples
    --------
    >>> from skfix.selection import criterion_info
    >>> criterion_info("gap").unit
    'fraction'
    >>> criterion_info("oos_accuracy", {"oos_accuracy": {"unit": "fraction"}}).unit
    'fraction'
    """
    entry = (recorded or {}).get(name)
    if entry is not None:
        return CriterionInfo(name, entry.get("unit", "number"), entry.get("advice"))
    from ._checks import BUILTIN_CRITERIA, NoLookAhead

    for criterion in (*BUILTIN_CRITERIA, NoLookAhead):
        if criterion.name == name:
            return criterion.info()
    return CriterionInfo(name)
