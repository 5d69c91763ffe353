"""Load the selected model of every symbol of a deployment manifest."""

from pathlib import Path

from ..manifest import SUPPORTED_SCHEMA_VERSIONS, ManifestError, read_manifest
from ._model_file import load_model

__all__ = ["SUPPORTED_SCHEMA_VERSIONS", "load_deployment"]


def _read_manifest(manifest, base_dir):
    if isinstance(manifest, dict):
        if base_dir is None:
            raise ManifestError(
                "a manifest given as a dict needs base_dir, the directory its model "
                "paths are relative to"
            )
        return manifest, Path(base_dir)
    path = Path(manifest)
    return read_manifest(path), path.parent if base_dir is None else Path(base_dir)


def _selected_record(symbol, entry):
    if not isinstance(entry, dict) or "selected" not in entry:
        raise ManifestError(f"symbol {symbol!r}: an entry needs a 'selected' key")
    selected = entry["selected"]
    if selected is None:
        return None
    name = selected.get("name") if isinstance(selected, dict) else None
    matches = [
        candidate
        for candidate in entry.get("candidates") or []
        if isinstance(candidate, dict) and candidate.get("name") == name
    ]
    if len(matches) != 1:
        raise ManifestError(
            f"symbol {symbol!r}: the selected model {name!r} matches {len(matches)} "
            "candidates; it must match exactly one"
        )
    record = matches[0].get("model_file")
    if record is None:
        raise ManifestError(
            f"symbol {symbol!r}: the selected candidate {name!r} has no model_file"
        )
    return record


def load_deployment(manifest, base_dir=None):
    """Load, verified, the selected model of every symbol in a deployment manifest.

    Parameters
    ----------
    manifest : str, os.PathLike or dict
        Path to ``manifest.json``, or the manifest already loaded as a dict.
    base_dir : str or os.PathLike, default=None
        Directory the ``model_file`` paths are relative to. Defaults to the manifest
        file's directory; required when `manifest` is a dict.

    Returns
    -------
    predictors : dict
        ``{symbol: fitted model}`` for every symbol whose ``"selected"`` is not
        null: the ``Pipeline`` of :class:`~skfix.features.PriceFeatures` and model a
        ``skfix train`` run saves (whose ``[:-1].transform(prices)`` gives the
        features, warm-up rows NaN), or the estimator a file holds alone. Symbols
        without a selected model are left out.

    Raises
    ------
    ManifestError
        If ``schema_version`` is not in :data:`SUPPORTED_SCHEMA_VERSIONS`, or the
        manifest is malformed (a selected name that matches no candidate, a selected
        candidate without ``model_file``, a path leaving the manifest's directory).
    ModelIntegrityError
        If a model file's SHA-256 differs from the manifest's.
    FileNotFoundError
        If the manifest or a selected model file is missing.
    UntrustedTypesError
        If a skops model asks for a type outside skfix's allow-list, or holds a class
        that no model family of the run's configuration (``run.model_families``)
        declares.

    See Also
    --------
    save_model : Writes the ``model_file`` records this function reads.

    Notes
    -----
    The first refused file stops the load: a deployment job should not start with
    some symbols silently missing.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> from skfix.estimators import RegularizedRandomForestClassifier
    >>> from skfix.persistence import load_deployment, save_model
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = RegularizedRandomForestClassifier(n_estimators=20, random_state=0)
    >>> directory = tempfile.mkdtemp()
    >>> record = save_model(clf.fit(X, y), directory, "AAPL-rf")
    >>> manifest = {
    ...     "schema_version": "1.0",
    ...     "symbols": {
    ...         "AAPL": {
    ...             "selected": {"name": "rf"},
    ...             "candidates": [{"name": "rf", "model_file": record}],
    ...         },
    ...         "VIX": {"selected": None, "candidates": []},
    ...     },
    ... }
    >>> predictors = load_deployment(manifest, base_dir=directory)
    >>> sorted(predictors), predictors["AAPL"].predict(X[:3])
    (['AAPL'], array([0, 0, 1]))
    """
    manifest, base_dir = _read_manifest(manifest, base_dir)
    version = manifest.get("schema_version")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ManifestError(
            f"unknown manifest schema_version {version!r}; this skfix reads "
            f"{sorted(SUPPORTED_SCHEMA_VERSIONS)}"
        )
    symbols = manifest.get("symbols")
    if not isinstance(symbols, dict):
        raise ManifestError("the manifest needs a 'symbols' object")
    families = (manifest.get("run") or {}).get("model_families") or {}
    predictors = {}
    for symbol, entry in symbols.items():
        record = _selected_record(symbol, entry)
        if record is not None:
            family = families.get(entry["selected"]["name"])
            trusted = () if family is None else (family["estimator"], *family["trusted"])
            predictors[symbol] = load_model(record, base_dir, trusted=trusted)
    return predictors
