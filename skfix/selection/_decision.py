"""The record of a decision: each criterion's result and the candidate's verdict."""

import math
from dataclasses import dataclass, field

from ._evaluate import _clean

DECISIONS = ("accept", "reject", "insufficient_data")


@dataclass
class CriterionResult:
    """One criterion applied to one candidate.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"gap"`` or ``"beats_baseline"``.
    value : float, int, str or None
        The measured value (None when it could not be measured).
    threshold : float, int or None
        The limit it is compared with.
    passed : bool
        Whether the candidate meets it.
    explanation : str
        The comparison in words.
    """

    name: str
    value: object
    threshold: object
    passed: bool
    explanation: str

    def as_dict(self):
        """Return a JSON-serializable dict (NaN becomes None)."""
        return _clean(
            {
                "name": self.name,
                "value": self.value,
                "threshold": self.threshold,
                "passed": self.passed,
                "explanation": self.explanation,
            }
        )


@dataclass
class Decision:
    """What was decided about one candidate, and why.

    Attributes
    ----------
    name : str
        The candidate's name.
    decision : {"accept", "reject", "insufficient_data"}
        ``"insufficient_data"`` means the test window is too short to tell, which is not
        the same as a model shown to be bad.
    reason : str
        One sentence: why it was accepted, or every criterion it failed.
    criteria : list of CriterionResult
        Every criterion with its value, threshold and outcome.
    rank_score : float
        The ranking score of :meth:`SelectionCriteria.rank_score` (NaN for a failed
        candidate).
    rank : int or None
        1 for the best accepted candidate, None when not accepted.
    p_value : float
        The corrected p-value against the baseline, the ``beats_baseline``
        criterion's value (NaN when no baseline is set or the candidate failed).
    p_value_raw : float
        The same before the correction across the symbol's candidates.
    """

    name: str
    decision: str
    reason: str
    criteria: list = field(default_factory=list)
    rank_score: float = math.nan
    rank: int | None = None
    p_value: float = math.nan
    p_value_raw: float = math.nan

    @property
    def accepted(self):
        """Whether the candidate may be deployed."""
        return self.decision == "accept"

    def as_dict(self):
        """Return a JSON-serializable dict (NaN becomes None).

        Its keys but ``name`` are the fields of a candidate's manifest entry that the
        decision owns: ``decision``, ``reason``, ``criteria``, ``rank_score``,
        ``rank``, ``p_value`` and ``p_value_raw``.
        """
        return {
            "name": self.name,
            "decision": self.decision,
            "reason": self.reason,
            "criteria": [criterion.as_dict() for criterion in self.criteria],
            "rank_score": _clean(self.rank_score),
            "rank": self.rank,
            "p_value": _clean(self.p_value),
            "p_value_raw": _clean(self.p_value_raw),
        }

    def explain(self):
        """Return the decision and every criterion as readable lines.

        Returns
        -------
        text : str
        """
        rank = f", rank {self.rank}" if self.rank is not None else ""
        lines = [f"{self.name}: {self.decision.upper()}{rank} - {self.reason}"]
        for criterion in self.criteria:
            mark = "pass" if criterion.passed else "FAIL"
            lines.append(f"    [{mark}] {criterion.name}: {criterion.explanation}")
        return "\n".join(lines)
