"""The manifest: the record of a run, its schema, its version, its reader and writer.

``manifest.json`` is the single source of truth of a ``skfix train`` run: reports and
plots are drawn from it, ``skfix predict`` and :func:`skfix.persistence.load_deployment`
load the models it names. A run is held as typed records while it runs
(:class:`CandidateRecord`, :class:`SymbolRecord`, :class:`RunRecord`), turned into
JSON once, when written. Its JSON Schema (:func:`load_schema`) is versioned
(:data:`SCHEMA_VERSION`); :func:`validate_manifest` checks a manifest against it,
:func:`read_manifest` reads one with a clear refusal of anything else, and
:func:`write_manifest` validates and writes one atomically. Every problem raises
:class:`ManifestError`.
"""

from ._errors import ManifestError
from ._io import read_manifest, read_regular_file, write_manifest
from ._records import ABSENT, CandidateRecord, RunRecord, SymbolRecord, error_record
from ._schema import (
    SCHEMA_VERSION,
    SUPPORTED_SCHEMA_VERSIONS,
    load_schema,
    validate_manifest,
)

__all__ = [
    "ABSENT",
    "CandidateRecord",
    "RunRecord",
    "SymbolRecord",
    "SCHEMA_VERSION",
    "SUPPORTED_SCHEMA_VERSIONS",
    "ManifestError",
    "load_schema",
    "read_manifest",
    "read_regular_file",
    "validate_manifest",
    "error_record",
    "write_manifest",
]
