"""The manifest's JSON Schema and its validation."""

import functools
import json
from importlib import resources

from skfix._json import to_jsonable

# One exception for every manifest problem, whether found while validating a manifest
# here or while loading its models for deployment, so one ``except`` catches both.
from ._errors import ManifestError

__all__ = [
    "SCHEMA_VERSION",
    "SUPPORTED_SCHEMA_VERSIONS",
    "load_schema",
    "validate_manifest",
]

# The version of the manifests skfix writes, and those whose models it loads.
SCHEMA_VERSION = "1.3"
SUPPORTED_SCHEMA_VERSIONS = frozenset({"1.0", "1.1", "1.2", SCHEMA_VERSION})
_SCHEMA_FILE = "manifest.schema.json"
# jsonschema reports every violation; a handful is enough to see what is wrong without
# burying the message when, say, a whole symbol has the wrong shape.
_MAX_REPORTED = 5


@functools.cache
def _schema_text():
    return resources.files(__package__).joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema():
    """Return the JSON Schema (draft 2020-12) of the skfix deployment manifest.

    Returns
    -------
    schema : dict
        A fresh copy, which the caller may modify.

    See Also
    --------
    validate_manifest : Check a manifest against this schema.

    Examples
    --------
    >>> from skfix.manifest import load_schema
    >>> schema = load_schema()
    >>> schema["required"][:2]
    ['schema_version', 'utc_time_created']
    """
    return json.loads(_schema_text())


def _format_path(path):
    text = "manifest"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def _schema_errors(manifest, schema):
    try:
        import jsonschema
    except ImportError:
        return None
    validator = jsonschema.Draft202012Validator(schema)
    manifest, curve_errors = _without_equity_curves(manifest)
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.path)))
    return [f"{_format_path(e.absolute_path)}: {e.message}" for e in errors] + curve_errors


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _without_equity_curves(manifest):
    """The manifest with each symbol's equity curves emptied, and the curves' errors.

    The curves (``symbols.<SYMBOL>.economics.equity.curves``, one number per period for
    each candidate) are about two thirds of the values of a manifest: jsonschema checks
    ``"items": {"type": "number"}`` one value at a time, through its whole machinery
    (8.8 s for a 1,000-symbol manifest, 5.7 s of it the curves). Here each curve is
    checked for the same thing, numbers only, in one pass; jsonschema checks the rest
    of the manifest, the emptied curves still as arrays. Nothing is modified in place.
    """
    symbols = manifest.get("symbols") if isinstance(manifest, dict) else None
    if not isinstance(symbols, dict):
        return manifest, []
    errors, emptied = [], {}
    for name, record in symbols.items():
        economics = record.get("economics") if isinstance(record, dict) else None
        equity = economics.get("equity") if isinstance(economics, dict) else None
        curves = equity.get("curves") if isinstance(equity, dict) else None
        if not isinstance(curves, dict):
            emptied[name] = record
            continue
        for model, curve in curves.items():
            if not isinstance(curve, list):
                continue  # jsonschema reports it: the emptied curve keeps its value
            bad = next((i for i, v in enumerate(curve) if not _is_number(v)), None)
            if bad is not None:
                path = ("symbols", name, "economics", "equity", "curves", model, bad)
                errors.append(
                    f"{_format_path(path)}: {curve[bad]!r} is not of type 'number'"
                )
        short = {m: [] if isinstance(c, list) else c for m, c in curves.items()}
        emptied[name] = {
            **record,
            "economics": {**economics, "equity": {**equity, "curves": short}},
        }
    return {**manifest, "symbols": emptied}, errors


def _minimal_errors(manifest, schema):
    # Without jsonschema (a test-only dependency) the runtime still refuses what would
    # mislead a deployment job most: a file that is not a manifest, or one written in a
    # format this version of skfix does not know.
    if not isinstance(manifest, dict):
        return [f"manifest: expected a JSON object, got {type(manifest).__name__}"]
    errors = [
        f"manifest: required key {key!r} is missing"
        for key in schema["required"]
        if key not in manifest
    ]
    version = manifest.get("schema_version", SCHEMA_VERSION)
    if (
        not isinstance(version, str)
        or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]
    ):
        errors.append(
            f"manifest.schema_version: {version!r} is not a 1.x version this skfix reads"
        )
    symbols = manifest.get("symbols", {})
    if not isinstance(symbols, dict):
        errors.append("manifest.symbols: expected a JSON object")
    return errors


def _consistency_errors(manifest):
    # What a schema cannot say: candidate names are unique within a symbol, and the
    # selected model is one of them, one that passed the selection.
    errors = []
    symbols = manifest.get("symbols")
    if not isinstance(symbols, dict):
        return errors
    for symbol, entry in symbols.items():
        if not isinstance(entry, dict):
            continue
        candidates = entry.get("candidates")
        # Malformed entries are the schema's to report; only well-formed ones here.
        candidates = [
            c
            for c in (candidates if isinstance(candidates, list) else [])
            if isinstance(c, dict) and isinstance(c.get("name"), str)
        ]
        names = [c["name"] for c in candidates]
        for name in sorted({n for n in names if names.count(n) > 1}):
            path = _format_path(["symbols", symbol, "candidates"])
            errors.append(f"{path}: the name {name!r} is used by more than one candidate")
        selected = entry.get("selected")
        if not isinstance(selected, dict) or not isinstance(selected.get("name"), str):
            continue
        name = selected["name"]
        decisions = {c["name"]: c.get("decision") for c in candidates}
        path = _format_path(["symbols", symbol, "selected", "name"])
        if name not in decisions:
            errors.append(f"{path}: {name!r} is not one of the symbol's candidates")
        elif decisions[name] != "accept":
            errors.append(
                f"{path}: {name!r} was selected although its decision is "
                f"{decisions[name]!r}, not 'accept'"
            )
    return errors


def validate_manifest(manifest):
    """Check a deployment manifest against the skfix manifest schema.

    The manifest is checked as it will be written to JSON (numpy numbers become plain
    numbers, NaN becomes ``null``), with the `jsonschema` package when it is installed.
    Without it, only the top-level keys and the schema version are checked. In both
    cases the selected model of each symbol must be one of its candidates with the
    decision ``"accept"``.

    Parameters
    ----------
    manifest : dict
        The manifest, as built by the training run or read back with :func:`json.load`.

    Raises
    ------
    ManifestError
        If the manifest does not follow the schema; the message lists the path of each
        bad field (the first five, with a count of the rest).

    See Also
    --------
    load_schema : The schema itself.

    Examples
    --------
    >>> from skfix.manifest import ManifestError
    >>> from skfix.manifest import validate_manifest
    >>> try:
    ...     validate_manifest({"schema_version": "1.0"})
    ... except ManifestError as error:
    ...     print(str(error).splitlines()[0])
    invalid skfix manifest:
    """
    _validate_converted(to_jsonable(manifest))


def _validate_converted(manifest):
    """:func:`validate_manifest` of a manifest already converted with ``to_jsonable``
    (plain lists, dicts, strings and numbers): what ``write_manifest`` writes, so that it
    converts a large manifest once instead of twice."""
    schema = load_schema()
    errors = _schema_errors(manifest, schema)
    if errors is None:
        errors = _minimal_errors(manifest, schema)
    if isinstance(manifest, dict):
        errors += _consistency_errors(manifest)
    if not errors:
        return
    shown = errors[:_MAX_REPORTED]
    if len(errors) > len(shown):
        shown.append(f"... and {len(errors) - len(shown)} more")
    raise ManifestError("invalid skfix manifest:\n" + "\n".join(f"  {e}" for e in shown))
