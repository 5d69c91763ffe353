"""The typed record of a run: one candidate, one symbol, the run.

Selection and training fill these in; the panel's false-discovery control works on
them; JSON conversion happens once, in ``to_json``, when the manifest (or a symbol's
resume state) is written. ``from_json`` reads back what ``to_json`` wrote.
"""

import traceback
from dataclasses import dataclass, field, fields

__all__ = ["ABSENT", "CandidateRecord", "RunRecord", "SymbolRecord", "error_record"]


class _Absent:
    """A field the record's JSON leaves out (an evaluation's scores on a candidate
    that was never evaluated)."""

    def __repr__(self):
        return "ABSENT"

    def __reduce__(self):
        return "ABSENT"


ABSENT = _Absent()


def error_record(exc, *, with_traceback=True, transient=False, **extra):
    """A record's ``error``: what was raised, in the one shape the manifest holds.

    Parameters
    ----------
    exc : BaseException
        The exception.
    with_traceback : bool, default=True
        Record the traceback of the exception being handled (call it in the
        ``except`` block); False records None.
    transient : bool, default=False
        Mark an ``OSError`` other than a ``PermissionError`` (a full disk, a flaky
        mount) as ``"transient"``: not the model's fault, and ``--resume`` retries it.
    **extra
        Further keys, such as the ``source`` file.

    Returns
    -------
    error : dict
        ``type``, ``message``, ``traceback``, then `extra` (and ``transient``).
    """
    record = {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": traceback.format_exc() if with_traceback else None,
        **extra,
    }
    if transient and isinstance(exc, OSError) and not isinstance(exc, PermissionError):
        record["transient"] = True
    return record


def _as_json(record, nested=()):
    """`record`'s fields in order as JSON data, each converted once: the `nested`
    ones by their own records' ``to_json``, the others with ``to_jsonable``."""
    from .._json import to_jsonable

    data = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if value is ABSENT:
            continue
        if f.name in nested:
            items = value.items() if isinstance(value, dict) else enumerate(value)
            converted = {key: nested[f.name](item) for key, item in items}
            data[f.name] = converted if isinstance(value, dict) else [*converted.values()]
        else:
            data[f.name] = to_jsonable(value)
    return data


def _known(cls, data, what):
    from ._errors import ManifestError

    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ManifestError(
            f"a {what} record has unknown key(s) {unknown}; expected some of "
            f"{sorted(f.name for f in fields(cls))}"
        )
    return data


@dataclass
class CandidateRecord:
    """One candidate model of one symbol: who it is, its scores, its decision, its file.

    The fields are the keys of a candidate's manifest entry, in order
    (docs/manifest.md describes each). ``criteria`` holds
    :class:`~skfix.selection.CriterionResult` objects. The last five fields are
    :data:`ABSENT` for a candidate that was not evaluated (and all but
    ``test_accuracy`` for one that failed), and then left out of its JSON.
    """

    name: str
    estimator: str
    params: dict
    naive_rule: bool
    status: str = "failed"
    error: dict | None = None
    fold_train_scores: list = field(default_factory=list)
    fold_validation_scores: list = field(default_factory=list)
    mean_train_score: float | None = None
    mean_validation_score: float | None = None
    gap: float | None = None
    validation_std: float | None = None
    validation_variance: float | None = None
    test_score: float | None = None
    n_test: int | None = None
    baselines: dict | None = None
    p_value: float | None = None
    p_value_raw: float | None = None
    panel_p_value: float | None = None
    oos_accuracy: float | None = None
    n_oos: int | None = None
    tuning: dict | None = None
    alpha: float | None = None
    decision: str = "failed"
    reason: str | None = None
    criteria: list = field(default_factory=list)
    rank_score: float | None = None
    rank: int | None = None
    monitor_events: list = field(default_factory=list)
    model_file: dict | None = None
    test_accuracy: object = ABSENT
    baseline_validation_scores: object = ABSENT
    baseline_oos_accuracy: object = ABSENT
    comparisons: object = ABSENT
    test_comparisons: object = ABSENT
    economics: object = ABSENT

    def to_json(self):
        """The candidate's manifest entry, as strict JSON data."""
        return _as_json(self, {"criteria": lambda c: c.as_dict()})

    @classmethod
    def from_json(cls, data):
        """Read back what :meth:`to_json` wrote."""
        from ..selection import CriterionResult

        data = dict(_known(cls, data, "candidate"))
        data["criteria"] = [CriterionResult(**c) for c in data.get("criteria", ())]
        return cls(**data)

    @property
    def beat_baseline(self):
        """Whether it passed ``beats_baseline`` on its own symbol (or was not judged
        by it)."""
        return all(c.passed for c in self.criteria if c.name == "beats_baseline")

    @property
    def is_baseline(self):
        """Whether it is the baseline rule itself (never judged, never deployed)."""
        return any(c.name == "is_baseline" for c in self.criteria)


@dataclass
class SymbolRecord:
    """One symbol of a run: its data, its candidates, what is deployed and why.

    ``selected`` is ``{"name", "rank_score", "reason"}`` of the deployed candidate, or
    None with the reason in ``why_none``.
    """

    status: str = "failed"
    error: dict | None = None
    data: dict | None = None
    candidates: list = field(default_factory=list)
    selected: dict | None = None
    why_none: str | None = None
    evidence: dict | None = None
    economics: object = ABSENT

    def to_json(self):
        """The symbol's manifest entry, as strict JSON data."""
        return _as_json(self, {"candidates": CandidateRecord.to_json})

    @classmethod
    def from_json(cls, data):
        """Read back what :meth:`to_json` wrote."""
        data = dict(_known(cls, data, "symbol"))
        data["candidates"] = [
            CandidateRecord.from_json(c) for c in data.get("candidates", ())
        ]
        return cls(**data)

    def candidate(self, name):
        """The candidate called `name`."""
        return next(c for c in self.candidates if c.name == name)


@dataclass
class RunRecord:
    """A whole run: what ran it, its configuration, its summary and its symbols.

    ``to_json`` gives the manifest.
    """

    schema_version: str
    utc_time_created: str
    skfix_version: str
    python_version: str
    library_versions: dict
    run: dict
    summary: dict
    symbols: dict

    def to_json(self):
        """The manifest, as strict JSON data."""
        return _as_json(self, {"symbols": SymbolRecord.to_json})
