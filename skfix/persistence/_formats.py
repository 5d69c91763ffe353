"""The safe formats skfix saves its estimators in, one saver and one loader each.

No format here runs code when a file is read:

- ``"skops"`` (random forest, logistic regression, the naive rules): skops' zip of
  JSON and ``.npy`` arrays, loaded with an explicit allow-list of types, never
  ``trusted=True``;
- ``"xgboost-json"`` (XGBoost): the booster in XGBoost's own JSON model format;
- ``"torch-state-dict"`` (neural nets): the tensors of the module's ``state_dict`` as
  an ``.npz`` archive read with ``allow_pickle=False``, so not even torch's restricted
  unpickler is involved.

Everything else an estimator needs (parameters, ``classes_``, feature names, scaler
statistics) travels as plain JSON next to the payload; see ``_model_file``.
"""

import copy
import dataclasses
import io
import json
import math
import zipfile
from collections.abc import Callable

import numpy as np

from .._optional import import_dotted, import_skops, import_xgboost
from ._errors import ModelIntegrityError, UntrustedTypesError

__all__ = ["FORMATS", "ModelFormat", "format_for", "format_named", "qualified_name"]

# Array kinds whose values are plain JSON data: bool, ints, floats, unicode and object
# arrays of such scalars (what pandas gives for string labels and column names).
_ARRAY_KINDS = frozenset("biufUO")
_JSON_SCALARS = (bool, int, float, str)
_FORMAT_KEYS = ("__ndarray__", "__tuple__", "__float__")


@dataclasses.dataclass(frozen=True)
class ModelFormat:
    """A safe file format for some estimator classes.

    Parameters
    ----------
    name : str
        The name recorded as ``"format"`` in a model record; the model registry's
        families name it as their ``model_format``.
    payload : str
        Name of the payload member inside the model bundle.
    save : callable
        ``save(estimator) -> (payload_bytes, state)`` where ``state`` is JSON data.
    load : callable
        ``load(cls, payload_bytes, state) -> estimator``.
    """

    name: str
    payload: str
    save: Callable
    load: Callable

    @property
    def estimators(self):
        """Fully qualified names of the classes saved in this format (exact classes:
        a subclass may hold state the format does not know about): the built-in model
        families whose ``model_format`` it is, and for skops the naive rules."""
        from ..estimators import MODEL_FAMILIES, NAIVE_RULES

        classes = [
            f.estimator for f in MODEL_FAMILIES.values() if f.model_format == self.name
        ]
        if self.name == "skops":
            classes += list(NAIVE_RULES.values())
        return tuple(qualified_name(cls) for cls in classes)


def qualified_name(cls):
    """Return ``"module.Class"`` for a class."""
    return f"{cls.__module__}.{cls.__qualname__}"


def import_registered_class(name):
    """Import a class named in the registry (never a name read from a file as such)."""
    return import_dotted(name)


class _NotJSON(TypeError):
    pass


def _encode(value):
    """Turn a parameter or fitted value into JSON data, exactly reversible by `_decode`."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return _encode(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value) or any(
            key in _FORMAT_KEYS for key in value
        ):
            raise _NotJSON(f"a dict with keys {list(value)!r}")
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in _ARRAY_KINDS:
        items = value.ravel().tolist()
        if value.dtype.kind == "O" and not all(
            isinstance(item, _JSON_SCALARS) for item in items
        ):
            raise _NotJSON("an object array holding values other than str/int/float/bool")
        return {
            "__ndarray__": [_encode(item) for item in items],
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    raise _NotJSON(f"a value of type {type(value).__name__}")


def _decode(value):
    """Inverse of `_encode`."""
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(item) for item in value["__tuple__"])
    if "__float__" in value:
        return float(value["__float__"])
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in _ARRAY_KINDS:
            raise ModelIntegrityError(
                f"refusing an array of dtype {dtype!r} in a model file"
            )
        items = [_decode(item) for item in value["__ndarray__"]]
        array = np.empty(len(items), dtype=dtype)
        array[:] = items
        return array.reshape(value["shape"])
    return {key: _decode(item) for key, item in value.items()}


def _encode_params(estimator):
    """Return (JSON params, names of params that are not plain data and were dropped).

    A dropped parameter (an augmenter, a monitor, a ``RandomState``) only matters for
    ``fit``; it is restored as ``None`` and its name is kept in the model file.
    """
    params, dropped = {}, []
    for key, value in estimator.get_params(deep=False).items():
        try:
            params[key] = _encode(value)
        except _NotJSON:
            dropped.append(key)
    return params, dropped


def _decode_params(state):
    params = {key: _decode(value) for key, value in state["params"].items()}
    params.update(dict.fromkeys(state.get("dropped_params", ())))
    return params


def _encode_attributes(estimator, names):
    encoded = {}
    for name in names:
        if not hasattr(estimator, name):
            continue
        try:
            encoded[name] = _encode(getattr(estimator, name))
        except _NotJSON as exc:
            raise TypeError(
                f"cannot save {name} of {type(estimator).__name__} as JSON: it holds {exc}"
            ) from exc
    return encoded


def _set_attributes(estimator, attributes):
    for name, value in attributes.items():
        setattr(estimator, name, _decode(value))


_COMMON_FITTED = ("classes_", "n_features_in_", "feature_names_in_")


def _encode_event(event):
    try:
        return _encode(event.as_dict())
    except _NotJSON:
        # A diagnostic need not come back bit for bit: degrade it rather than refuse
        # to save the model.
        from .._json import to_jsonable

        return to_jsonable(event.as_dict())


def _encode_events(estimator):
    """The ``training_warnings_`` of an estimator as JSON, or None when it has none."""
    events = getattr(estimator, "training_warnings_", None)
    return None if events is None else [_encode_event(event) for event in events]


def _set_events(estimator, encoded):
    if encoded is not None:
        from ..monitoring import TrainingEvent

        estimator.training_warnings_ = [TrainingEvent(**_decode(e)) for e in encoded]


# --- skops (random forest, logistic regression, naive rules) --------------------------

# Types skops does not trust by default that a fitted skfix model saved with skops
# contains: skfix's own plain-data classes (the estimators of the skops families and
# the naive rules, the forest's monitor and the events they recorded, none with a
# custom __setstate__), scikit-learn's tree structure and numpy dtypes. A file asking
# for anything else (a function, an unknown class) is refused before loading.
_SKOPS_EXTRA = frozenset(
    {
        "skfix.monitoring._events.TrainingEvent",
        "skfix.monitoring._forest.ForestMonitor",
        "sklearn.tree._tree.Tree",
        "numpy.dtype",
    }
)


def _skops_allowed():
    return _SKOPS_EXTRA | set(format_named("skops").estimators)


def user_trusted(types, trusted):
    """The types of a user family's file that its declaration trusts.

    ``trusted`` is the family's declaration: its estimator class first, then any
    further types it lists (:meth:`skfix.estimators.ModelFamily.trusted_types`). A
    type is trusted when it is listed, or lives in the top-level package of the
    estimator class (declaring ``sklearn.ensemble.HistGradientBoostingClassifier``
    trusts scikit-learn's tree predictor it holds, not another package's code).
    """
    if not trusted:
        return set()
    package = trusted[0].split(".")[0] + "."
    return {t for t in types if t in trusted or t.startswith(package)}


def _check_skops_types(sio, data, outcome, trusted=()):
    allowed = _skops_allowed()
    found = set(sio.get_untrusted_types(data=data)) - allowed
    untrusted = sorted(found - user_trusted(found, trusted))
    if untrusted:
        allowed = sorted(allowed | set(trusted))
        raise UntrustedTypesError(
            f"the skops payload contains types outside skfix's allow-list: {untrusted}; "
            f"allowed are {allowed}"
            + (
                f" and the types of the package of {trusted[0]}, the class the model "
                "family declares (list others in its trusted = [...])"
                if trusted
                else ""
            )
            + f". {outcome}",
            untrusted_types=untrusted,
        )


def _canonical_skops(data):
    """Rewrite skops' zip so that the same forest always gives the same bytes.

    skops names every array file and every object after the object's ``id()``, which
    changes from one process to the next; it also shares the node of an immutable
    value (a string, a number) wherever Python happened to share the object, which
    depends on the process's history (interning, unpickling). And it stamps members
    with the current time. Here every immutable JSON node gets its own id, all ids are
    renumbered in order of appearance, and member times are fixed, so that the file,
    and so its sha256, is a function of the model alone: a resumed or parallel run
    records the same hash as a serial one. Loading is unaffected: ids only let skops
    share objects, and immutable values need no sharing.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        schema = json.loads(source.read("schema.json"))
        arrays = {name: source.read(name) for name in source.namelist()}
    del arrays["schema.json"]
    numbers = {}

    def number(key):
        return numbers.setdefault(key, len(numbers))

    def walk(node):
        if isinstance(node, list):
            for value in node:
                walk(value)
            return
        if not isinstance(node, dict):
            return
        if "__id__" in node:
            own = node.get("__loader__") == "JsonNode"
            node["__id__"] = number(("json", id(node)) if own else str(node["__id__"]))
        file = node.get("file")
        if isinstance(file, str) and file.endswith(".npy"):
            node["file"] = f"{number(file[: -len('.npy')])}.npy"
        for value in node.values():
            walk(value)

    walk(schema)
    members = {"schema.json": json.dumps(schema, indent=2).encode("utf-8")}
    for name, content in arrays.items():
        stem = name[: -len(".npy")] if name.endswith(".npy") else None
        members[f"{numbers[stem]}.npy" if stem in numbers else name] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, members[name])
    return buffer.getvalue()


def _without_augmenter(estimator):
    """A shallow copy without the fit-time augmenter, which only matters for ``fit``
    (the JSON formats drop it the same way, as a parameter that is not plain data)."""
    if getattr(estimator, "augmenter", None) is None:
        if getattr(estimator, "augmenter_", None) is None:
            return estimator
    bare = copy.copy(estimator)
    bare.augmenter = None
    bare.augmenter_ = None
    return bare


def _save_skops(estimator, trusted=()):
    sio = import_skops()
    data = _canonical_skops(sio.dumps(_without_augmenter(estimator)))
    # Refuse now what load_model would refuse later.
    _check_skops_types(sio, data, "Nothing was saved.", trusted)
    return data, {}


def _load_skops(cls, payload, state, trusted=()):
    sio = import_skops()
    _check_skops_types(sio, payload, "The file was not loaded.", trusted)
    return sio.loads(payload, trusted=sorted(sio.get_untrusted_types(data=payload)))


# --- XGBoost JSON ------------------------------------------------------------------

_XGB_FITTED = (*_COMMON_FITTED, "best_iteration_", "early_stopping_used_", "evals_result_")


def _save_xgboost(estimator):
    params, dropped = _encode_params(estimator)
    state = {
        "params": params,
        "dropped_params": dropped,
        "fitted": _encode_attributes(estimator, _XGB_FITTED),
        "training_warnings": _encode_events(estimator),
    }
    return bytes(estimator.booster_.save_raw("json")), state


def _load_xgboost(cls, payload, state):
    xgboost = import_xgboost()
    estimator = cls(**_decode_params(state))
    _set_attributes(estimator, state["fitted"])
    _set_events(estimator, state["training_warnings"])
    n_jobs = 1 if estimator.n_jobs is None else estimator.n_jobs
    model = xgboost.XGBClassifier(n_jobs=n_jobs, device=estimator.device)
    # The rounds predict_proba uses (best_iteration) are an attribute of the booster
    # itself, saved in its JSON, so the loaded model predicts with the same rounds.
    model.load_model(bytearray(payload))
    estimator.booster_ = model.get_booster()
    estimator._model = model
    return estimator


# --- torch state_dict (neural nets) ------------------------------------------------

_NEURAL_FITTED = (
    *_COMMON_FITTED,
    "history_",
    "n_epochs_",
    "best_epoch_",
    "device_",
)
_SCALER_FITTED = ("mean_", "scale_", "var_", "n_samples_seen_", "n_features_in_")


def _save_torch(estimator):
    params, dropped = _encode_params(estimator)
    arrays, network = estimator._net_state()
    for key, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise TypeError(f"cannot save tensor {key!r} of dtype {array.dtype} safely")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    scaler = estimator.scaler_
    state = {
        "params": params,
        "dropped_params": dropped,
        "fitted": _encode_attributes(estimator, _NEURAL_FITTED),
        "training_warnings": _encode_events(estimator),
        "scaler": None
        if scaler is None
        else {
            "params": _encode(scaler.get_params()),
            "fitted": _encode_attributes(scaler, _SCALER_FITTED),
        },
        "network": {**network, "module_params": _encode(network["module_params"])},
        "not_restored": [
            "augmenter_",
            "train_indices_",
            "valid_indices_",
            "train_sample_indices_",
        ],
    }
    return buffer.getvalue(), state


def _load_torch(cls, payload, state):
    from sklearn.preprocessing import StandardScaler

    estimator = cls(**_decode_params(state))
    _set_attributes(estimator, state["fitted"])
    _set_events(estimator, state["training_warnings"])
    estimator.scaler_ = None
    if state["scaler"] is not None:
        estimator.scaler_ = StandardScaler(**_decode(state["scaler"]["params"]))
        _set_attributes(estimator.scaler_, state["scaler"]["fitted"])
    with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
        tensors = {key: arrays[key] for key in arrays.files}
    network = {**state["network"]}
    network["module_params"] = _decode(network["module_params"])
    return estimator._restore_net(tensors, network)


FORMATS = (
    ModelFormat(
        name="skops",
        payload="model.skops",
        save=_save_skops,
        load=_load_skops,
    ),
    ModelFormat(
        name="xgboost-json",
        payload="booster.json",
        save=_save_xgboost,
        load=_load_xgboost,
    ),
    ModelFormat(
        name="torch-state-dict",
        payload="state_dict.npz",
        save=_save_torch,
        load=_load_torch,
    ),
)


def format_for(estimator, trusted=()):
    """Return the format registered for the exact class of `estimator`; skops for a
    user's class when ``trusted`` declares it (its first entry)."""
    name = qualified_name(type(estimator))
    for model_format in FORMATS:
        if name in model_format.estimators:
            return model_format
    if trusted and trusted[0] == name:
        return format_named("skops")
    raise TypeError(
        f"no safe format registered for {name}; skfix saves "
        f"{sorted(n for f in FORMATS for n in f.estimators)} and the classes of model "
        "families declared with their estimator (skfix.estimators.ModelFamily)"
    )


def format_named(name):
    """Return the format called `name`."""
    for model_format in FORMATS:
        if model_format.name == name:
            return model_format
    raise ModelIntegrityError(
        f"unknown model format {name!r}; known formats are {[f.name for f in FORMATS]}"
    )
