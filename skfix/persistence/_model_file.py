"""Save a fitted estimator to one verifiable file, and load it back only if it checks out.

A model file is a *bundle*: one zip archive (stdlib :mod:`zipfile`, nothing pickled)
holding two members,

- ``skfix-model.json``: the bundle version, the format, the estimator class, the
  SHA-256 of the payload and the JSON state (parameters, ``classes_``, feature names,
  scaler statistics...), and
- the payload in its safe format (``model.skops``, ``booster.json`` or
  ``state_dict.npz``, see ``_formats``).

One file per model means one atomic write and one SHA-256 in the manifest: a reader can
never see the weights of one training run next to the parameters of another.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path, PurePath, PureWindowsPath

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._io import atomic_write
from ..manifest import read_regular_file
from ._errors import ManifestError, ModelIntegrityError, UntrustedTypesError
from ._formats import format_for, format_named, import_registered_class, qualified_name

__all__ = [
    "BUNDLE_VERSION",
    "METADATA_MEMBER",
    "load_model",
    "model_signature",
    "save_model",
]

BUNDLE_VERSION = 1
METADATA_MEMBER = "skfix-model.json"
MODEL_SUFFIX = ".skfix.zip"
# A fixed member timestamp: the bundle adds no save time of its own to the bytes hashed
# (skops payloads still differ between saves: their member names are object ids).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_RECORD_KEYS = ("path", "format", "sha256", "estimator")

# MLflow's column types for the label dtype kinds a classifier can have.
_MLFLOW_TYPES = {"b": "boolean", "i": "long", "u": "long", "f": "double", "U": "string"}


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _label_type(labels):
    labels = np.asarray(labels)
    if labels.dtype.kind == "O":
        kinds = {np.asarray(label).dtype.kind for label in labels.tolist()}
        return _MLFLOW_TYPES.get(kinds.pop(), "string") if len(kinds) == 1 else "string"
    return _MLFLOW_TYPES.get(labels.dtype.kind, "string")


def model_signature(estimator):
    """Describe the inputs and outputs of a fitted classifier in MLflow's style.

    Parameters
    ----------
    estimator : fitted classifier
        Any estimator with ``n_features_in_`` and ``classes_``.

    Returns
    -------
    signature : dict
        ``{"inputs": [...], "outputs": [{"type": ...}]}``. With ``feature_names_in_``
        the inputs are named ``"double"`` columns; without, one ``"tensor"`` of shape
        ``[-1, n_features_in_]``.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        inputs = [{"name": str(name), "type": "double"} for name in names]
    else:
        inputs = [
            {
                "type": "tensor",
                "tensor-spec": {
                    "dtype": "float64",
                    "shape": [-1, int(estimator.n_features_in_)],
                },
            }
        ]
    return {"inputs": inputs, "outputs": [{"type": _label_type(estimator.classes_)}]}


def _skfix_version():
    from .. import __version__

    return __version__


def _zip_member(archive, name, data):
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _check_name(name):
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(".")
        or PurePath(name).name != name
        or "\\" in name
    ):
        raise ValueError(
            f"name must be a plain file name without directories, got {name!r}"
        )


def save_model(
    estimator,
    directory,
    name,
    *,
    relative_to=None,
    content_addressed=False,
    trusted=(),
):
    """Save a fitted skfix estimator as one safe, hashed file in `directory`.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        A :class:`~skfix.estimators.RegularizedRandomForestClassifier`,
        :class:`~skfix.estimators.RegularizedXGBClassifier`, a skfix neural
        classifier (MLP, LSTM), a naive rule, or a scikit-learn ``Pipeline`` of a
        fitted :class:`~skfix.features.PriceFeatures` step named ``"features"`` and
        such a model named ``"model"``: the whole path from a price frame to a
        prediction in one file (``skfix train`` saves every model so), loaded back as
        the same pipeline.
    directory : str or os.PathLike
        Where to write; created if missing. Usually the manifest's directory or a
        folder below it.
    name : str
        File name stem, without directories; the file is ``<name>.skfix.zip``. An
        existing file of that name is replaced atomically.
    relative_to : str or os.PathLike, default=None
        Directory the recorded ``path`` is relative to, such as the manifest's
        directory when `directory` is a folder below it. ``None`` means `directory`.
    content_addressed : bool, default=False
        Name the file after its content, ``<name>-<first 16 hex digits of its
        SHA-256>.skfix.zip``, so that a new model never replaces a file an existing
        manifest points to (``skfix train`` does this: a deployment keeps loading
        while a retrain writes into the same folder).

    Returns
    -------
    record : dict
        JSON data to keep in the manifest: ``path`` (relative to `relative_to`, with
        ``/`` separators),
        ``format`` (``"skops"``, ``"xgboost-json"`` or ``"torch-state-dict"``),
        ``sha256`` of the file, ``files`` (the members of the bundle with their
        SHA-256), ``estimator`` (``"module.Class"`` of the model) and
        ``signature``; for a pipeline also ``required_columns``, the input columns
        of the price frame it needs (also the signature's inputs).

    Raises
    ------
    TypeError
        If no safe format is registered for the estimator's class.
    ValueError
        If `name` is not a plain file name, or `directory` is not inside
        `relative_to`.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.

    See Also
    --------
    load_model : Verify and load a saved model.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> from skfix.estimators import RegularizedXGBClassifier
    >>> from skfix.persistence import load_model, save_model
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = RegularizedXGBClassifier(n_estimators=10, random_state=0).fit(X, y)
    >>> directory = tempfile.mkdtemp()
    >>> record = save_model(clf, directory, "AAPL-xgb")
    >>> record["path"], record["format"]
    ('AAPL-xgb.skfix.zip', 'xgboost-json')
    >>> loaded = load_model(record, directory)
    >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    _check_name(name)
    base = Path(directory if relative_to is None else relative_to)
    try:
        Path(directory).resolve().relative_to(base.resolve())
    except ValueError:
        raise ValueError(f"directory {directory} is not inside {relative_to}") from None
    trusted = tuple(trusted)
    features, estimator = _split_pipeline(estimator)
    model_format = format_for(estimator, trusted)
    check_is_fitted(estimator)
    if trusted:
        payload, state = model_format.save(estimator, trusted)
    else:
        payload, state = model_format.save(estimator)
    metadata = {
        "bundle_version": BUNDLE_VERSION,
        "skfix_version": _skfix_version(),
        "format": model_format.name,
        "estimator": qualified_name(type(estimator)),
        "payload": {"name": model_format.payload, "sha256": _sha256(payload)},
        "state": state,
    }
    if features is not None:
        metadata["features"] = _features_state(features)
    metadata_bytes = json.dumps(metadata, allow_nan=False, indent=1).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _zip_member(archive, METADATA_MEMBER, metadata_bytes)
        _zip_member(archive, model_format.payload, payload)
    data = buffer.getvalue()
    stem = f"{name}-{_sha256(data)[:16]}" if content_addressed else name
    path = Path(directory) / f"{stem}{MODEL_SUFFIX}"
    relative = path.resolve().relative_to(base.resolve()).as_posix()
    atomic_write(path, data)
    record = {
        "path": relative,
        "format": model_format.name,
        "sha256": _sha256(data),
        "files": [
            {"name": METADATA_MEMBER, "sha256": _sha256(metadata_bytes)},
            {"name": model_format.payload, "sha256": metadata["payload"]["sha256"]},
        ],
        "estimator": metadata["estimator"],
        "signature": model_signature(estimator),
    }
    if features is not None:
        record["required_columns"] = list(features.required_columns_)
        record["signature"]["inputs"] = [
            {"name": column, "type": "double"} for column in features.required_columns_
        ]
    if trusted:
        record["trusted_types"] = _held_types(payload, trusted)
    return record


def _held_types(payload, trusted):
    """The declared types a user family's skops payload holds (for the record)."""
    from .._optional import import_skops
    from ._formats import user_trusted

    held = set(import_skops().get_untrusted_types(data=payload))
    return sorted(user_trusted(held, trusted) | {trusted[0]})


def _resolve(record, directory):
    if not isinstance(record, dict) or any(key not in record for key in _RECORD_KEYS):
        raise ManifestError(
            f"a model record needs the keys {list(_RECORD_KEYS)}; got {record!r}"
        )
    if not isinstance(record["path"], str) or not record["path"]:
        raise ManifestError(f"model path must be a non-empty string: {record['path']!r}")
    # Read as a Windows path too, which splits on both separators and knows drives:
    # "C:/x", "\\x" and "a\\..\\..\\x" are refused on every platform.
    relative = PureWindowsPath(record["path"])
    if relative.anchor or ".." in relative.parts:
        raise ManifestError(
            f"model path {record['path']!r} must be relative to the manifest's directory "
            "and stay inside it"
        )
    return Path(directory).joinpath(*relative.parts)


def _read_bundle(path, data, record):
    def refuse(reason):
        return ModelIntegrityError(f"{path} is not a valid skfix model file: {reason}")

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if METADATA_MEMBER not in names:
                raise refuse(f"no {METADATA_MEMBER} member")
            metadata = json.loads(archive.read(METADATA_MEMBER))
            payload_name = metadata["payload"]["name"]
            if names != {METADATA_MEMBER, payload_name}:
                raise refuse(f"unexpected members {sorted(names)}")
            members = {name: archive.read(name) for name in names}
        expected = [(payload_name, metadata["payload"]["sha256"])]
        # The record's own list of member hashes, when it has one, must agree too.
        expected += [(item["name"], item["sha256"]) for item in record.get("files", ())]
    except (zipfile.BadZipFile, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise refuse(f"{type(exc).__name__}: {exc}") from exc
    if metadata.get("bundle_version") != BUNDLE_VERSION:
        raise refuse(
            f"bundle version {metadata.get('bundle_version')!r}, this skfix reads "
            f"version {BUNDLE_VERSION}"
        )
    for key in ("format", "estimator"):
        if metadata.get(key) != record[key]:
            raise refuse(
                f"the file holds {key} {metadata.get(key)!r}, the record says "
                f"{record[key]!r}"
            )
    for name, digest in expected:
        if name not in members or _sha256(members[name]) != digest:
            raise refuse(f"the SHA-256 of member {name} differs from the one recorded")
    return metadata, members[payload_name]


def load_model(record, directory, *, trusted=()):
    """Load a model saved by :func:`save_model`, after checking its SHA-256.

    The file is read once into memory, hashed, and only then parsed from those same
    bytes, so it cannot change between the check and the load.

    Parameters
    ----------
    record : dict
        The record :func:`save_model` returned (as stored in the manifest).
    directory : str or os.PathLike
        The directory `record["path"]` is relative to.
    trusted : tuple of str, default=()
        For a model of a user's family: the family's declaration from the run's
        configuration (:meth:`~skfix.estimators.ModelFamily.trusted_types`, as the
        manifest's ``run.model_families`` records it). A class it does not declare
        is refused.

    Returns
    -------
    estimator : fitted estimator or Pipeline
        Ready to ``predict`` and ``predict_proba``; a ``Pipeline(features, model)``
        when one was saved.

    Raises
    ------
    FileNotFoundError
        If the file does not exist; the message names the path.
    ModelIntegrityError
        If the file's SHA-256 differs from ``record["sha256"]``, or the file is not a
        consistent skfix bundle of the recorded format and class.
    UntrustedTypesError
        If a skops payload asks for a type outside skfix's allow-list.
    ManifestError
        If the record is malformed or points outside `directory`.

    See Also
    --------
    save_model : Write the file and its record.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> from skfix.estimators import RegularizedRandomForestClassifier
    >>> from skfix.persistence import ModelIntegrityError, load_model, save_model
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = RegularizedRandomForestClassifier(n_estimators=20, random_state=0)
    >>> directory = tempfile.mkdtemp()
    >>> record = save_model(clf.fit(X, y), directory, "AAPL-rf")
    >>> load_model(record, directory).predict(X[:3])
    array([0, 0, 1])
    >>> try:
    ...     load_model({**record, "sha256": "0" * 64}, directory)
    ... except ModelIntegrityError as exc:
    ...     print(exc.expected)
    0000000000000000000000000000000000000000000000000000000000000000
    """
    path = _resolve(record, directory)
    try:
        data = read_regular_file(path, "model file")
    except FileNotFoundError as exc:
        message = f"model file missing (recorded as {record['path']!r})"
        raise FileNotFoundError(exc.errno, message, str(path)) from exc
    found = _sha256(data)
    if found != record["sha256"]:
        raise ModelIntegrityError(
            f"refusing to load {path}: its SHA-256 is {found}, but {record['sha256']} "
            "was recorded when it was saved; the file was modified or replaced.",
            path=path,
            expected=record["sha256"],
            found=found,
        )
    metadata, payload = _read_bundle(path, data, record)
    model_format = format_named(record["format"])
    declared = bool(trusted) and model_format.name == "skops"
    if declared and record["estimator"] != trusted[0]:
        raise UntrustedTypesError(
            f"refusing to load {path}: it holds a {record['estimator']}, but the run's "
            f"configuration declares {trusted[0]} for this model.",
            untrusted_types=[record["estimator"]],
        )
    if not declared and record["estimator"] not in model_format.estimators:
        raise UntrustedTypesError(
            f"refusing to load {path}: {record['estimator']} is not a class skfix "
            f"saves in format {model_format.name!r}, and no model family of the run's "
            "configuration declares it ([model_families.<name>] estimator = ...).",
            untrusted_types=[record["estimator"]],
        )
    cls = import_registered_class(record["estimator"])
    try:
        if declared:
            estimator = model_format.load(cls, payload, metadata["state"], trusted)
        else:
            estimator = model_format.load(cls, payload, metadata["state"])
    except (KeyError, TypeError) as exc:
        # A parameter or attribute this version of the class does not know.
        raise ModelIntegrityError(
            f"{path} could not be restored as a {record['estimator']} "
            f"({type(exc).__name__}: {exc}); it was saved by skfix "
            f"{metadata.get('skfix_version')}, this is skfix {_skfix_version()}"
        ) from exc
    if type(estimator) is not cls:
        raise ModelIntegrityError(
            f"{path} holds a {qualified_name(type(estimator))}, not a {record['estimator']}"
        )
    if "features" not in metadata:
        return estimator
    from sklearn.pipeline import Pipeline

    try:
        features = _restore_features(metadata["features"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelIntegrityError(
            f"{path}: its feature step could not be restored ({type(exc).__name__}: "
            f"{exc}); it was saved by skfix {metadata.get('skfix_version')}, this is "
            f"skfix {_skfix_version()}"
        ) from exc
    return Pipeline([("features", features), ("model", estimator)])


_FEATURES_CLASS = "skfix.features.PriceFeatures"
_FEATURES_FITTED = (
    "features_",
    "feature_names_out_",
    "required_columns_",
    "min_history_",
    "n_features_in_",
    "feature_names_in_",
)


def _split_pipeline(estimator):
    """``(features step or None, model)`` of what :func:`save_model` is given."""
    from sklearn.pipeline import Pipeline

    from ..features import PriceFeatures

    if not isinstance(estimator, Pipeline):
        return None, estimator
    steps = estimator.steps
    if (
        len(steps) != 2
        or [name for name, _ in steps] != ["features", "model"]
        or type(steps[0][1]) is not PriceFeatures
    ):
        raise TypeError(
            "save_model saves an estimator, or a Pipeline of two steps: a "
            "skfix.features.PriceFeatures named 'features' and the model named "
            f"'model'; found steps {[(n, type(s).__name__) for n, s in steps]}."
        )
    check_is_fitted(steps[0][1])
    return steps[0][1], steps[1][1]


def _features_state(features):
    from ._formats import _encode, _encode_params

    params, dropped = _encode_params(features)
    if dropped:
        raise TypeError(f"PriceFeatures parameters {dropped} are not plain data")
    return {
        "class": _FEATURES_CLASS,
        "params": params,
        "attributes": {name: _encode(getattr(features, name)) for name in _FEATURES_FITTED},
    }


def _restore_features(state):
    from ..features import PriceFeatures
    from ._formats import _decode_params, _set_attributes

    if state["class"] != _FEATURES_CLASS:
        raise TypeError(f"the feature step is a {state['class']}, not {_FEATURES_CLASS}")
    features = PriceFeatures(**_decode_params(state))
    _set_attributes(features, state["attributes"])
    # every fitted attribute the file must hold, and nothing else
    if sorted(state["attributes"]) != sorted(_FEATURES_FITTED):
        raise KeyError(f"fitted attributes {sorted(state['attributes'])}")
    return features
