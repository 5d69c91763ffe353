"""Convert anything a training run produces into strict JSON, without ever failing.

The legacy training run could not save its RandomForest results because ``json.dump``
refuses numpy types. :func:`to_jsonable` turns numpy, pandas, torch, scikit-learn and
standard-library values into plain JSON types; what it cannot convert degrades to a
readable string and a :class:`SkfixJSONWarning` that says where in the structure it was.

Only the standard library is imported here, so ``import skfix`` stays light: a numpy
array, a pandas frame or a torch tensor can only exist once its library is imported, so
each one is recognised through ``sys.modules`` instead of an import of our own.
"""

import base64
import collections.abc
import dataclasses
import datetime
import enum
import json
import math
import os
import re
import sys
import warnings
from pathlib import PurePath

from skfix._io import atomic_write

__all__ = ["SkfixJSONWarning", "dump_json", "to_jsonable"]

# Deep enough for any real report, shallow enough that neither this module's recursion
# nor json.dumps' own reaches Python's default recursion limit of 1000.
_MAX_DEPTH = 100
# One warning per unconvertible value, but an object array of ten thousand of them
# should not bury the console: the rest are counted in one summary warning.
_MAX_WARNINGS = 20
_MAX_REPR = 200
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Array kinds whose ``tolist()`` already yields JSON types: bool, ints, unicode.
_NATIVE_KINDS = frozenset("biuU")
_SUBSECOND_UNITS = frozenset(("ms", "us", "ns", "ps", "fs", "as"))


class SkfixJSONWarning(UserWarning):
    """Warning raised when :func:`to_jsonable` has to degrade a value.

    The message starts with the JSON path of the value (``$.models[2].params``), then
    says what was stored instead: a readable string, a cycle marker, or a renamed key.

    Examples
    --------
    >>> import warnings
    >>> from skfix._json import SkfixJSONWarning, to_jsonable
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = to_jsonable({"callback": print})
    >>> out
    {'callback': '<built-in function print>'}
    >>> caught[0].category is SkfixJSONWarning
    True
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    $.callback: cannot convert builtin_function_or_method to JSON, stored its repr
    instead: <built-in function print>
    """


def _child_path(path, key):
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


def _safe_repr(obj):
    try:
        text = repr(obj)
    except Exception:
        text = f"<unrepresentable {_type_name(obj)} object>"
    if not isinstance(text, str):
        text = f"<unrepresentable {_type_name(obj)} object>"
    if len(text) > _MAX_REPR:
        text = text[: _MAX_REPR - 3] + "..."
    return text


def _type_name(obj):
    try:
        return type(obj).__name__
    except Exception:
        return "object"


def _finite_or_none(value):
    return value if math.isfinite(value) else None


def _complex(value):
    return {"real": _finite_or_none(value.real), "imag": _finite_or_none(value.imag)}


def _to_json_key(value):
    # Strings produced by conversion (dates, paths, ...) are used bare; anything else
    # becomes its JSON text, which for the common cases is what json.dumps itself
    # writes for a non-string key: 1 -> "1", True -> "true", None -> "null".
    if isinstance(value, str):
        return value
    return json.dumps(value, allow_nan=False, sort_keys=True, ensure_ascii=False)


class _Converter:
    """One conversion: the cycle-detection stack and the warnings it collected."""

    def __init__(self):
        self._active = {}
        self.problems = []

    def warn(self, path, message):
        self.problems.append(f"{path}: {message}")

    def emit_warnings(self, stacklevel):
        for message in self.problems[:_MAX_WARNINGS]:
            warnings.warn(message, SkfixJSONWarning, stacklevel=stacklevel + 1)
        rest = self.problems[_MAX_WARNINGS:]
        if rest:
            first = rest[0].split(": ", 1)[0]
            warnings.warn(
                f"{len(rest)} more values could not be converted to JSON exactly, the "
                f"first of them at {first}",
                SkfixJSONWarning,
                stacklevel=stacklevel + 1,
            )

    def degrade(self, obj, path, reason="cannot convert"):
        text = _safe_repr(obj)
        self.warn(
            path, f"{reason} {_type_name(obj)} to JSON, stored its repr instead: {text}"
        )
        return text

    def convert(self, obj, path, depth=0):
        kind = type(obj)
        if obj is None or kind is str or kind is bool or kind is int:
            return obj
        if kind is float:
            return _finite_or_none(obj)
        if depth > _MAX_DEPTH:
            return self.degrade(obj, path, f"nested over {_MAX_DEPTH} deep, cannot nest")
        try:
            return self._convert_other(obj, path, depth)
        except RecursionError:
            # A recursion error here is a structure too deep for this interpreter's
            # limit; degrading this one value is the graceful way out.
            return self.degrade(obj, path, "nested too deeply, cannot nest")
        except Exception as exc:
            return self.degrade(obj, path, f"{type(exc).__name__} while converting")

    def _container(self, obj, path, depth, build):
        key = id(obj)
        if key in self._active:
            marker = f"<cycle: {self._active[key]}>"
            self.warn(path, f"refers back to its container, stored {marker!r} instead")
            return marker
        self._active[key] = path
        try:
            return build(obj, path, depth + 1)
        finally:
            del self._active[key]

    def _convert_other(self, obj, path, depth):
        # Enum before the str/int/float subclass checks: IntEnum and StrEnum are both.
        if isinstance(obj, enum.Enum):
            return self.convert(obj.value, path, depth + 1)

        np = sys.modules.get("numpy")
        if np is not None:
            if isinstance(obj, np.ndarray):
                return self._container(obj, path, depth, self._array)
            if isinstance(obj, np.generic):
                return self._numpy_scalar(np, obj, path, depth)

        pd = sys.modules.get("pandas")
        if pd is not None:
            converted = self._pandas(pd, obj, path, depth)
            if converted is not _NOT_HANDLED:
                return converted

        torch = sys.modules.get("torch")
        if torch is not None and isinstance(obj, torch.Tensor):
            return self._tensor(obj, path, depth)

        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return _finite_or_none(float(obj))
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, complex):
            return _complex(obj)
        if isinstance(obj, (datetime.date, datetime.time)):
            return obj.isoformat()
        if isinstance(obj, datetime.timedelta):
            return obj.total_seconds()
        if isinstance(obj, PurePath):
            return obj.as_posix()
        if isinstance(obj, os.PathLike):
            return self.convert(os.fspath(obj), path, depth + 1)
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return base64.b64encode(obj).decode("ascii")
        if isinstance(obj, type):
            # Estimator parameters often name a class (skorch's module, optimizer): its
            # import path is exact and readable, as for an estimator's own class.
            return f"{obj.__module__}.{obj.__qualname__}"
        if dataclasses.is_dataclass(obj):
            return self._container(obj, path, depth, self._dataclass)
        if isinstance(obj, tuple) and hasattr(type(obj), "_fields"):
            return self._container(obj, path, depth, self._namedtuple)
        if isinstance(obj, collections.abc.Mapping):
            return self._container(obj, path, depth, self._mapping)
        if isinstance(obj, collections.abc.Set):
            return self._container(obj, path, depth, self._set)
        if isinstance(obj, (list, tuple, range, collections.abc.Sequence)):
            return self._container(obj, path, depth, self._sequence)
        if _is_estimator(obj):
            return self._container(obj, path, depth, self._estimator)
        if callable(getattr(obj, "tolist", None)):
            return self.convert(obj.tolist(), path, depth + 1)
        return self.degrade(obj, path)

    def _sequence(self, obj, path, depth):
        out = []
        for i, item in enumerate(obj):
            kind = type(item)
            # plain values, most of a manifest (curves, fold scores), need no path
            if item is None or kind is str or kind is bool or kind is int:
                out.append(item)
            elif kind is float:
                out.append(_finite_or_none(item))
            else:
                out.append(self.convert(item, f"{path}[{i}]", depth))
        return out

    def _set(self, obj, path, depth):
        try:
            items, ordered = sorted(obj), True
        except Exception:
            items, ordered = list(obj), False
        converted = [
            self.convert(item, f"{path}[{i}]", depth) for i, item in enumerate(items)
        ]
        if not ordered:
            # Mixed types: order by JSON text so the output is still deterministic.
            converted.sort(key=lambda v: json.dumps(v, sort_keys=True, allow_nan=False))
        return converted

    def _key(self, key, path, position):
        if type(key) is str:
            return key
        return _to_json_key(self.convert(key, f"{path}.<key {position}>", 0))

    def _unique_key(self, out, origin, path, key, json_key):
        if json_key not in out:
            origin[json_key] = key
            return json_key
        n = 2
        while f"{json_key} ({n})" in out:
            n += 1
        renamed = f"{json_key} ({n})"
        self.warn(
            _child_path(path, json_key),
            f"keys {_safe_repr(origin[json_key])} and {_safe_repr(key)} both become "
            f"{json_key!r}, stored the second under {renamed!r}",
        )
        origin[renamed] = key
        return renamed

    def _mapping(self, obj, path, depth):
        out = {}
        origin = {}
        for position, (key, value) in enumerate(obj.items()):
            json_key = self._unique_key(
                out, origin, path, key, self._key(key, path, position)
            )
            kind = type(value)
            # plain values need no path (it is only ever used to warn)
            if value is None or kind is str or kind is bool or kind is int:
                out[json_key] = value
            elif kind is float:
                out[json_key] = _finite_or_none(value)
            else:
                out[json_key] = self.convert(value, _child_path(path, json_key), depth)
        return out

    def _namedtuple(self, obj, path, depth):
        return self._mapping(dict(zip(type(obj)._fields, obj, strict=True)), path, depth)

    def _dataclass(self, obj, path, depth):
        out = {}
        for field in dataclasses.fields(obj):
            child = _child_path(path, field.name)
            try:
                value = getattr(obj, field.name)
            except Exception as exc:
                self.warn(child, f"unreadable field ({type(exc).__name__}), stored null")
                value = None
            out[field.name] = self.convert(value, child, depth)
        return out

    def _estimator(self, obj, path, depth):
        cls = type(obj)
        params = obj.get_params(deep=False)
        return {
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "params": self.convert(params, f"{path}.params", depth),
        }

    def _numpy_scalar(self, np, obj, path, depth):
        # First: timedelta64 is an np.signedinteger, but int() of it is no duration.
        if isinstance(obj, (np.datetime64, np.timedelta64)):
            converted = _array_fast(np, np.asarray(obj))
            return str(obj) if converted is _NOT_HANDLED else converted
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            with np.errstate(over="ignore"):
                return _finite_or_none(float(obj))
        if isinstance(obj, np.complexfloating):
            return _complex(complex(obj))
        return self.convert(obj.item(), path, depth + 1)

    def _array(self, obj, path, depth):
        fast = _array_fast(sys.modules["numpy"], obj)
        if fast is not _NOT_HANDLED:
            return fast
        if obj.ndim == 0:
            return self.convert(obj[()], path, depth)
        return [self.convert(item, f"{path}[{i}]", depth) for i, item in enumerate(obj)]

    def _tensor(self, obj, path, depth):
        tensor = obj.detach().cpu()
        try:
            values = tensor.numpy()
        except Exception:
            # dtypes numpy lacks (bfloat16, ...): Python numbers, converted one by one.
            values = tensor.tolist()
        return self.convert(values, path, depth + 1)

    def _pandas(self, pd, obj, path, depth):
        if obj is pd.NaT or obj is pd.NA:
            return None
        if isinstance(obj, pd.Series):
            return self._container(obj, path, depth, self._series)
        if isinstance(obj, pd.DataFrame):
            return self._container(obj, path, depth, self._frame)
        if isinstance(obj, (pd.Index, pd.api.extensions.ExtensionArray)):
            return self._container(obj, path, depth, self._pandas_values)
        if isinstance(obj, (pd.Period, pd.Interval)):
            return str(obj)
        return _NOT_HANDLED

    def _column(self, values, path_of, depth):
        np = sys.modules["numpy"]
        array = np.asarray(values) if not isinstance(values, np.ndarray) else values
        fast = _array_fast(np, array)
        if fast is not _NOT_HANDLED:
            return fast
        return [self.convert(item, path_of(i), depth) for i, item in enumerate(array)]

    def _pandas_values(self, obj, path, depth):
        return self._column(_pandas_values(obj), lambda i: f"{path}[{i}]", depth)

    def _series(self, obj, path, depth):
        labels = self._column(
            _pandas_values(obj.index), lambda i: f"{path}.<key {i}>", depth
        )
        # Keys first, so that a repeated label is renamed before its value's path is used.
        taken = {}
        origin = {}
        for label in labels:
            taken[self._unique_key(taken, origin, path, label, _to_json_key(label))] = None
        keys = list(taken)
        values = self._column(
            _pandas_values(obj), lambda i: _child_path(path, keys[i]), depth
        )
        return dict(zip(keys, values, strict=True))

    def _frame(self, obj, path, depth):
        columns = self._column(
            _pandas_values(obj.columns), lambda i: f"{path}.columns[{i}]", depth
        )
        index = self._column(
            _pandas_values(obj.index), lambda i: f"{path}.index[{i}]", depth
        )
        converted = [
            self._column(
                _pandas_values(obj.iloc[:, j]),
                lambda i, j=j: f"{path}.data[{i}][{j}]",
                depth,
            )
            for j in range(obj.shape[1])
        ]
        if converted:
            data = [list(row) for row in zip(*converted, strict=True)]
        else:
            data = [[] for _ in index]
        return {"columns": columns, "index": index, "data": data}


_NOT_HANDLED = object()


def _pandas_values(obj):
    """The values of a pandas Index, Series or extension array as a numpy array."""
    np = sys.modules["numpy"]
    if isinstance(obj.dtype, np.dtype):
        return obj.to_numpy()
    # Extension dtypes (nullable Int64, tz-aware datetimes, categoricals): objects, so
    # that a nullable integer stays an integer and pd.NA becomes None.
    return obj.to_numpy(dtype=object, na_value=None)


def _is_estimator(obj):
    if isinstance(obj, type) or not callable(getattr(obj, "get_params", None)):
        return False
    if hasattr(obj, "__sklearn_tags__"):
        return True
    sklearn_base = sys.modules.get("sklearn.base")
    return sklearn_base is not None and isinstance(obj, sklearn_base.BaseEstimator)


def _array_fast(np, array):
    """Vectorised conversion of a numeric, text or time array; _NOT_HANDLED if other."""
    if array.ndim == 0:
        converted = _array_fast(np, array.reshape(1))
        return converted if converted is _NOT_HANDLED else converted[0]
    kind = array.dtype.kind
    if kind in _NATIVE_KINDS:
        return array.tolist()
    if kind == "f":
        with np.errstate(over="ignore"):
            values = array.astype(np.float64, copy=False)
        finite = np.isfinite(values)
        if finite.all():
            return values.tolist()
        out = values.astype(object)
        out[~finite] = None
        return out.tolist()
    if kind == "M":
        unit = np.datetime_data(array.dtype)[0]
        if unit in _SUBSECOND_UNITS:
            # Like Timestamp.isoformat: no ".000000000" tail on whole seconds.
            valid = array[~np.isnat(array)]
            if (valid == valid.astype("datetime64[s]")).all():
                unit = "s"
        out = np.datetime_as_string(array, unit=unit).astype(object)
        out[np.isnat(array)] = None
        return out.tolist()
    if kind == "m":
        nat = np.isnat(array)
        out = np.full(array.shape, None, dtype=object)
        if not nat.all():
            if np.datetime_data(array.dtype)[0] in ("Y", "M", "generic"):
                return _NOT_HANDLED  # years and months have no fixed length in seconds
            out[~nat] = array[~nat] / np.timedelta64(1, "s")
        return out.tolist()
    return _NOT_HANDLED


def _to_jsonable(obj, *, stacklevel):
    converter = _Converter()
    result = converter.convert(obj, "$")
    converter.emit_warnings(stacklevel + 1)
    return result


def to_jsonable(obj):
    """Convert `obj` recursively into values that :func:`json.dumps` writes as strict JSON.

    The result is made only of ``dict`` (with ``str`` keys), ``list``, ``str``,
    ``int``, finite ``float``, ``bool`` and ``None``, so
    ``json.dumps(to_jsonable(obj), allow_nan=False)`` always succeeds. Input that is
    already JSON comes back equal, and finite floats keep their exact value.

    Conversion never raises. A value it cannot convert is replaced by its ``repr``
    (shortened to 200 characters) and reported by one :class:`SkfixJSONWarning` naming
    its JSON path, such as ``$.models[2].params.callback``; so are self-references
    (replaced by ``"<cycle: PATH>"``, PATH being where the referred-to container
    sits) and dict keys that collide once converted. After 20 such warnings the rest
    are counted in one summary warning.

    Parameters
    ----------
    obj : object
        Anything: nested dicts, lists, numpy, pandas, torch, scikit-learn estimators,
        dataclasses, standard-library values.

    Returns
    -------
    jsonable : dict, list, str, int, float, bool or None
        The converted value.

    See Also
    --------
    dump_json : Convert and write to a file atomically.

    Notes
    -----
    The conversions (the full table, with reasons, is in ``docs/json.md``):

    - NaN, +inf, -inf (any float type), ``NaT`` and ``pd.NA`` become ``None``.
    - numpy bool, integer and floating scalars of every width become ``bool``, ``int``
      and ``float``; complex numbers become ``{"real": ..., "imag": ...}``.
    - numpy arrays, torch tensors and objects with ``tolist()`` become nested lists.
    - ``datetime``, ``date``, ``time``, ``pd.Timestamp`` and ``datetime64`` become ISO
      8601 strings; ``timedelta``, ``pd.Timedelta`` and ``timedelta64`` become seconds
      as a ``float``.
    - tuples become lists (named tuples become dicts of their fields); sets become
      sorted lists.
    - ``pd.Series`` becomes ``{index label: value}``; ``pd.DataFrame`` becomes
      ``{"columns": [...], "index": [...], "data": [[row], ...]}``.
    - dict keys that are not strings become the converted key if it is a string, else
      its JSON text: ``1`` -> ``"1"``, ``True`` -> ``"true"``, ``None`` -> ``"null"``,
      ``(1, "a")`` -> ``'[1, "a"]'``.
    - a class becomes its import path (``"torch.optim.adam.Adam"``); ``Path`` its POSIX
      string, an ``Enum`` its converted value, a dataclass a
      dict of its fields, ``bytes`` a base64 string, a scikit-learn estimator
      ``{"class": "module.Name", "params": get_params(deep=False)}``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix._json import to_jsonable
    >>> to_jsonable({"accuracy": np.float32(0.5), "n": np.int64(3), "ok": np.bool_(True)})
    {'accuracy': 0.5, 'n': 3, 'ok': True}
    >>> to_jsonable({np.int64(1): [np.nan, np.inf, 2.5]})
    {'1': [None, None, 2.5]}
    >>> to_jsonable(np.arange(4).reshape(2, 2))
    [[0, 1], [2, 3]]
    """
    return _to_jsonable(obj, stacklevel=2)


def dump_json(obj, path, *, indent=2, sort_keys=False):
    """Convert `obj` with :func:`to_jsonable` and write it to `path` atomically.

    The file is written as UTF-8 strict JSON (no ``NaN`` or ``Infinity``) with a
    trailing newline, through a temporary file renamed into place, so a reader never
    sees a half-written file and a failed write leaves any previous file untouched.

    Parameters
    ----------
    obj : object
        What to write; anything :func:`to_jsonable` accepts.
    path : str or os.PathLike
        Destination file. Missing parent directories are created.
    indent : int or None, default=2
        Indentation passed to :func:`json.dumps`; ``None`` writes one line.
    sort_keys : bool, default=False
        Sort dict keys, for files meant to be diffed.

    Returns
    -------
    path : pathlib.Path
        The path written.

    See Also
    --------
    to_jsonable : The conversion, without writing.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skfix._json import dump_json
    >>> target = Path(tempfile.mkdtemp()) / "metrics.json"
    >>> written = dump_json({"gap": np.float64(0.12), "folds": np.array([1, 2])}, target)
    >>> json.loads(written.read_text())
    {'gap': 0.12, 'folds': [1, 2]}
    """
    return write_converted(_to_jsonable(obj, stacklevel=2), path, indent, sort_keys)


def write_converted(converted, path, indent=2, sort_keys=False):
    """:func:`dump_json` of a value :func:`to_jsonable` already converted."""
    text = json.dumps(
        converted, allow_nan=False, indent=indent, sort_keys=sort_keys, ensure_ascii=False
    )
    return atomic_write(path, text + "\n")
