import base64
import collections
import dataclasses
import datetime as dt
import enum
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfix import _io
from skfix._json import SkfixJSONWarning, dump_json, to_jsonable

PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


class Color(enum.Enum):
    RED = 1
    BLUE = "blue"


class Side(str, enum.Enum):
    UP = "up"


class Level(enum.IntEnum):
    HIGH = 3


@dataclasses.dataclass
class Box:
    content: object
    label: str = "box"


Point = collections.namedtuple("Point", "x y")


def convert(obj):
    """to_jsonable(obj) plus the messages of the SkfixJSONWarnings it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = to_jsonable(obj)
    messages = [str(w.message) for w in caught if w.category is SkfixJSONWarning]
    return result, messages


def assert_strict_json(value):
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            assert type(key) is str
            assert_strict_json(item)
    elif kind is list:
        for item in value:
            assert_strict_json(item)
    elif kind is float:
        assert math.isfinite(value)
    else:
        assert value is None or kind in (str, int, bool), kind


# ---------------------------------------------------------------- strategies

NUMPY_DTYPES = [
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
    np.uint64, np.float16, np.float32, np.float64, np.longdouble, np.complex64,
    np.complex128,
]  # fmt: skip
TIME_DTYPES = ["datetime64[D]", "datetime64[s]", "datetime64[ns]", "timedelta64[ms]"]

numpy_scalars = st.sampled_from(NUMPY_DTYPES + TIME_DTYPES).flatmap(
    lambda dtype: hnp.from_dtype(np.dtype(dtype))
)
numpy_arrays = hnp.arrays(
    dtype=st.sampled_from(NUMPY_DTYPES + TIME_DTYPES),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)
datetimes = st.datetimes(
    min_value=dt.datetime(1700, 1, 1),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.none() | st.just(dt.timezone.utc),
)
timedeltas = st.timedeltas(
    min_value=-dt.timedelta(days=10**5), max_value=dt.timedelta(days=10**5)
)
hashable_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([*Color, *Side, *Level]),
    st.dates(),
    datetimes,
    timedeltas,
    st.builds(PurePosixPath, st.text(max_size=8)),
    st.builds(np.int64, st.integers(-(2**63), 2**63 - 1)),
    st.builds(np.float32, st.floats(width=32)),
    st.binary(max_size=8),
)
leaves = st.one_of(
    hashable_leaves,
    st.complex_numbers(),
    st.times(),
    st.builds(bytearray, st.binary(max_size=8)),
    st.builds(pd.Timestamp, datetimes),
    st.builds(pd.Timedelta, timedeltas),
    st.just(pd.NaT),
    st.just(pd.NA),
    numpy_scalars,
    numpy_arrays,
    st.builds(LogisticRegression, C=st.floats(0.01, 10), max_iter=st.integers(1, 500)),
)
keys = hashable_leaves | st.tuples(hashable_leaves, hashable_leaves)
float_lists = st.lists(st.floats(width=32), max_size=4)


def _series(values):
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=len(values)))


def _frame(values):
    return pd.DataFrame({"close": values, "n": range(len(values))})


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
        st.frozensets(hashable_leaves, max_size=4),
        st.sets(hashable_leaves, max_size=4),
        st.builds(Box, children),
        st.builds(Point, children, children),
        float_lists.map(_series),
        float_lists.map(_frame),
    )


anything = st.recursive(leaves, _containers, max_leaves=20)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
json_native = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


# ---------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(anything)
def test_any_structure_becomes_strict_json(obj):
    result, messages = convert(obj)
    json.dumps(result, allow_nan=False)
    assert_strict_json(result)
    # Every type in the strategy is supported: the only possible warning is a key
    # collision (1 and "1" in one dict, say), which is warned about by design.
    assert all("both become" in message for message in messages), messages


@PROPERTY_SETTINGS
@given(anything)
def test_conversion_is_idempotent(obj):
    once, _ = convert(obj)
    twice, messages = convert(once)
    assert twice == once
    assert messages == []


@PROPERTY_SETTINGS
@given(json_native)
def test_json_native_input_comes_back_unchanged(obj):
    result, messages = convert(obj)
    assert result == obj
    assert json.dumps(result) == json.dumps(obj)
    assert messages == []


@PROPERTY_SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_round_trip_exactly(value):
    with np.errstate(over="ignore"):
        candidates = (value, np.float64(value), np.float32(value), np.float16(value))
    for candidate in candidates:
        expected = float(candidate)
        if not math.isfinite(expected):  # too large for float32/float16
            assert to_jsonable(candidate) is None
            continue
        restored = json.loads(json.dumps(to_jsonable(candidate), allow_nan=False))
        assert restored == expected
        assert math.copysign(1, restored) == math.copysign(1, expected)


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2), elements=st.floats()))
def test_float_arrays_keep_finite_values_and_null_the_rest(array):
    restored = np.array(
        json.loads(json.dumps(to_jsonable(array), allow_nan=False)), dtype=object
    ).reshape(array.shape)
    finite = np.isfinite(array)
    assert all(restored[~finite] == None)  # noqa: E711 (elementwise comparison)
    assert np.array_equal(restored[finite].astype(float), array[finite])


# ---------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.bool_(True), True),
        (np.int8(-8), -8),
        (np.int16(-16), -16),
        (np.int32(-32), -32),
        (np.int64(-(2**63)), -(2**63)),
        (np.uint8(8), 8),
        (np.uint16(16), 16),
        (np.uint32(32), 32),
        (np.uint64(2**64 - 1), 2**64 - 1),
        (np.float16(0.5), 0.5),
        (np.float32(0.25), 0.25),
        (np.float64(0.1), 0.1),
        (np.longdouble(1.5), 1.5),
        (Level.HIGH, 3),
        (Side.UP, "up"),
    ],
)
def test_numpy_and_subclassed_scalars(value, expected):
    result, messages = convert(value)
    assert result == expected
    assert type(result) is type(expected)
    assert messages == []


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        np.float16("inf"),
        np.float32("nan"),
        np.float64("-inf"),
        np.longdouble("nan"),
        pd.NaT,
        pd.NA,
        np.datetime64("NaT"),
        np.timedelta64("NaT", "s"),
    ],
)
def test_missing_and_non_finite_values_become_null(value):
    assert convert(value) == (None, [])
    # inside containers too, where plain values take a shorter way
    assert convert([1.5, value, "a"]) == ([1.5, None, "a"], [])
    assert convert({"x": value, "y": True}) == ({"x": None, "y": True}, [])


def test_float32_keeps_its_exact_value():
    assert to_jsonable(np.float32(0.1)) == float(np.float32(0.1)) != 0.1


def test_complex_numbers():
    assert to_jsonable(1 + 2j) == {"real": 1.0, "imag": 2.0}
    assert to_jsonable(np.complex64(complex(math.inf, -0.5))) == {
        "real": None,
        "imag": -0.5,
    }


def test_dates_and_times():
    tz = dt.timezone(dt.timedelta(hours=2))
    assert (
        to_jsonable(dt.datetime(2024, 3, 1, 9, 30, tzinfo=tz))
        == "2024-03-01T09:30:00+02:00"
    )
    assert to_jsonable(dt.date(2024, 3, 1)) == "2024-03-01"
    assert to_jsonable(dt.time(9, 30)) == "09:30:00"
    assert (
        to_jsonable(pd.Timestamp("2024-03-01 09:30", tz="UTC"))
        == "2024-03-01T09:30:00+00:00"
    )
    assert to_jsonable(np.datetime64("2024-03-01T09:30", "ns")) == "2024-03-01T09:30:00"
    assert to_jsonable(np.datetime64("2024-03-01")) == "2024-03-01"


def test_durations_become_seconds():
    assert to_jsonable(dt.timedelta(days=1, milliseconds=500)) == 86400.5
    assert to_jsonable(pd.Timedelta("1h")) == 3600.0
    assert to_jsonable(np.timedelta64(250, "ms")) == 0.25
    assert to_jsonable(np.array([1, "NaT"], dtype="timedelta64[m]")) == [60.0, None]


def test_paths_enums_and_bytes():
    assert to_jsonable(Path("models") / "rf.bin") == "models/rf.bin"
    assert to_jsonable(PureWindowsPath(r"C:\models\rf.bin")) == "C:/models/rf.bin"
    assert to_jsonable(Color.RED) == 1
    assert to_jsonable(Color.BLUE) == "blue"
    assert to_jsonable(b"\x00\xff") == "AP8="
    assert base64.b64decode(to_jsonable(bytearray(b"abc"))) == b"abc"
    assert to_jsonable(memoryview(b"abc")) == "YWJj"


# ---------------------------------------------------------------- containers


def test_tuples_sets_namedtuples_and_ranges():
    assert to_jsonable((1, (2, 3))) == [1, [2, 3]]
    assert to_jsonable({3, 1, 2}) == [1, 2, 3]
    assert to_jsonable(frozenset({"b", "a"})) == ["a", "b"]
    assert to_jsonable(Point(1, np.int8(2))) == {"x": 1, "y": 2}
    assert to_jsonable(range(3)) == [0, 1, 2]


def test_unsortable_sets_come_out_in_a_stable_order():
    first = to_jsonable({1, "a", None, (2, 3)})
    assert sorted(map(json.dumps, first)) == sorted(
        json.dumps(v) for v in [1, "a", None, [2, 3]]
    )
    assert to_jsonable({(2, 3), None, "a", 1}) == first


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (1, "1"),
        (np.int64(7), "7"),
        (np.uint8(7), "7"),
        (1.5, "1.5"),
        (np.float32(0.5), "0.5"),
        (math.nan, "null"),
        (False, "false"),
        (np.bool_(True), "true"),
        (None, "null"),
        (Color.BLUE, "blue"),
        (Level.HIGH, "3"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (pd.Timestamp("2024-01-02 03:04"), "2024-01-02T03:04:00"),
        (("AAPL", 1), '["AAPL", 1]'),
        (PurePosixPath("a/b"), "a/b"),
        (b"\x00", "AA=="),
    ],
)
def test_dict_keys_become_strings(key, expected):
    assert convert({key: 0}) == ({expected: 0}, [])


def test_colliding_keys_are_kept_and_warned_about():
    result, messages = convert({1: "int", "1": "str", np.float64(1.5): "float"})
    assert result == {"1": "int", "1 (2)": "str", "1.5": "float"}
    assert messages == [
        "$[\"1\"]: keys 1 and '1' both become '1', stored the second under '1 (2)'"
    ]


def test_series_maps_index_labels_to_values():
    series = pd.Series([1.5, np.nan], index=pd.date_range("2024-01-01", periods=2))
    assert to_jsonable(series) == {"2024-01-01T00:00:00": 1.5, "2024-01-02T00:00:00": None}
    assert to_jsonable(pd.Series([1, None], dtype="Int64")) == {"0": 1, "1": None}


def test_series_with_repeated_labels_keeps_every_value():
    result, messages = convert(pd.Series([1, 2, 3], index=["a", "a", "a"]))
    assert result == {"a": 1, "a (2)": 2, "a (3)": 3}
    assert len(messages) == 2 and messages[0].startswith("$.a: ")


def test_dataframe_is_columns_index_and_rows():
    frame = pd.DataFrame(
        {
            "close": [1.5, np.nan],
            "volume": np.array([10, 20], dtype=np.int32),
            "signal": pd.array([True, None], dtype="boolean"),
            "when": pd.to_datetime(["2024-01-01", None]).tz_localize("UTC"),
        },
        index=pd.Index(["AAPL", "MSFT"], name="symbol"),
    )
    assert to_jsonable(frame) == {
        "columns": ["close", "volume", "signal", "when"],
        "index": ["AAPL", "MSFT"],
        "data": [
            [1.5, 10, True, "2024-01-01T00:00:00+00:00"],
            [None, 20, None, None],
        ],
    }
    assert to_jsonable(pd.DataFrame(index=[0, 1])) == {
        "columns": [],
        "index": [0, 1],
        "data": [[], []],
    }


def test_pandas_index_and_categorical():
    assert to_jsonable(pd.Index([1.5, np.nan])) == [1.5, None]
    assert to_jsonable(pd.Categorical(["up", None])) == ["up", None]
    assert to_jsonable(pd.Period("2024-01", freq="M")) == "2024-01"


def test_dataclasses_become_dicts_recursively():
    assert to_jsonable(Box(Box(np.float32(0.5)))) == {
        "content": {"content": 0.5, "label": "box"},
        "label": "box",
    }


# ---------------------------------------------------------------- arrays and tensors


def test_arrays():
    assert to_jsonable(np.array([[1, 2], [3, 4]], dtype=np.uint8)) == [[1, 2], [3, 4]]
    assert to_jsonable(np.array([0.5, np.nan, -np.inf], dtype=np.float16)) == [
        0.5,
        None,
        None,
    ]
    assert to_jsonable(np.array([True, False])) == [True, False]
    assert to_jsonable(np.array(["a", "b"])) == ["a", "b"]
    assert to_jsonable(np.array(2.5)) == 2.5
    assert to_jsonable(np.zeros((2, 0))) == [[], []]
    assert to_jsonable(np.array([1 + 1j])) == [{"real": 1.0, "imag": 1.0}]
    assert to_jsonable(np.array(["2024-01-01", "NaT"], dtype="datetime64[D]")) == [
        "2024-01-01",
        None,
    ]


def test_big_float_array_keeps_values_in_order():
    values = np.random.default_rng(0).normal(size=(200, 500))
    values[::7, ::3] = np.nan
    result = to_jsonable(values)
    assert len(result) == 200 and len(result[0]) == 500
    assert result[0][0] is None and result[1][1] == values[1, 1]


def test_object_arrays_convert_each_element_with_its_path():
    result, messages = convert(
        {"a": np.array([[np.int8(1), None], ["x", print]], dtype=object)}
    )
    assert result == {"a": [[1, None], ["x", "<built-in function print>"]]}
    assert messages == [
        "$.a[1][1]: cannot convert builtin_function_or_method to JSON, stored its repr "
        "instead: <built-in function print>"
    ]


def test_torch_tensors():
    torch = pytest.importorskip("torch")
    assert to_jsonable(torch.tensor([[1.0, float("nan")]])) == [[1.0, None]]
    assert to_jsonable(torch.tensor([1, 2], dtype=torch.int64)) == [1, 2]
    assert to_jsonable(torch.tensor(0.5, requires_grad=True) * 2) == 1.0
    assert to_jsonable(torch.tensor([1.5, float("inf")], dtype=torch.bfloat16)) == [
        1.5,
        None,
    ]


def test_objects_with_tolist():
    class Vector:
        def tolist(self):
            return [np.float32(1.5), math.nan]

    assert convert(Vector()) == ([1.5, None], [])


# ---------------------------------------------------------------- estimators


def test_estimator_becomes_class_and_params():
    result = to_jsonable(RandomForestClassifier(max_depth=np.int64(3)))
    assert result["class"] == "sklearn.ensemble._forest.RandomForestClassifier"
    assert result["params"]["max_depth"] == 3
    assert result["params"]["n_estimators"] == 100


def test_pipeline_params_are_converted_recursively():
    result = to_jsonable(make_pipeline(StandardScaler(), LogisticRegression(C=0.5)))
    (scaler_name, scaler), (model_name, model) = result["params"]["steps"]
    assert (scaler_name, scaler["class"]) == ("standardscaler", scaler["class"])
    assert scaler["class"].endswith("StandardScaler")
    assert model_name == "logisticregression" and model["params"]["C"] == 0.5


def test_classes_become_their_import_path():
    assert convert([RandomForestClassifier, Color, int]) == (
        [
            "sklearn.ensemble._forest.RandomForestClassifier",
            f"{__name__}.Color",
            "builtins.int",
        ],
        [],
    )


def test_duck_typed_objects_are_not_estimators():
    class NotAnEstimator:
        def get_params(self, deep=True):
            return {}

        def __repr__(self):
            return "NotAnEstimator()"

    result, messages = convert(NotAnEstimator())
    assert result == "NotAnEstimator()"
    assert len(messages) == 1


# ---------------------------------------------------------------- cycles and failures


def test_list_containing_itself():
    loop = [1]
    loop.append(loop)
    result, messages = convert({"a": loop})
    assert result == {"a": [1, "<cycle: $.a>"]}
    assert messages == [
        "$.a[1]: refers back to its container, stored '<cycle: $.a>' instead"
    ]


def test_dict_containing_itself():
    loop = {"x": 1}
    loop["self"] = loop
    result, messages = convert([loop])
    assert result == [{"x": 1, "self": "<cycle: $[0]>"}]
    assert len(messages) == 1 and messages[0].startswith("$[0].self: ")


def test_dataclass_cycle():
    outer = Box(None)
    outer.content = Box(outer)
    assert convert(outer)[0] == {
        "content": {"content": "<cycle: $>", "label": "box"},
        "label": "box",
    }


def test_estimator_referring_to_itself():
    model = LogisticRegression()
    model.C = model
    result, messages = convert(model)
    assert result["params"]["C"] == "<cycle: $>"
    assert len(messages) == 1


def test_shared_references_are_not_cycles():
    shared = [1, 2]
    assert convert([shared, {"again": shared}]) == ([[1, 2], {"again": [1, 2]}], [])


def test_unconvertible_value_is_named_by_its_path():
    def callback():
        return None

    structure = {
        "models": [{}, {}, {"params": {"callback": callback, "seed": np.int64(1)}}]
    }
    result, messages = convert(structure)
    assert result["models"][2]["params"]["seed"] == 1
    assert result["models"][2]["params"]["callback"].startswith("<function ")
    assert len(messages) == 1
    assert messages[0].startswith(
        "$.models[2].params.callback: cannot convert function to JSON, stored its repr "
        "instead: <function "
    )


def test_keys_that_are_not_identifiers_are_quoted_in_paths():
    _, messages = convert({"close price": {1: print}})
    assert messages[0].startswith('$["close price"]["1"]: ')


def test_nothing_raises():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no repr")

        def tolist(self):
            raise RuntimeError("no tolist")

    class HostileEstimator:
        def __sklearn_tags__(self):
            return None

        def get_params(self, deep=True):
            raise RuntimeError("no params")

    @dataclasses.dataclass
    class Unset:
        value: int = dataclasses.field(init=False)

    result, messages = convert([Hostile(), HostileEstimator(), Unset()])
    assert result[0] == "<unrepresentable Hostile object>"
    assert result[1].startswith("<")
    assert result[2] == {"value": None}
    assert messages[0] == (
        "$[0]: RuntimeError while converting Hostile to JSON, stored its repr instead: "
        "<unrepresentable Hostile object>"
    )
    assert len(messages) == 3


def test_very_deep_nesting_degrades_instead_of_raising():
    deep = []
    for _ in range(5000):
        deep = [deep]
    result, messages = convert(deep)
    json.dumps(result, allow_nan=False)
    assert len(messages) == 1 and "deep" in messages[0]


def test_many_failures_are_summarised():
    result, messages = convert([print] * 30)
    assert len(result) == 30
    assert len(messages) == 21
    assert messages[-1] == (
        "10 more values could not be converted to JSON exactly, the first of them at $[20]"
    )


def test_warning_points_at_the_caller():
    with pytest.warns(SkfixJSONWarning) as record:
        to_jsonable(print)
    assert record[0].filename == __file__


def test_importing_the_module_stays_light():
    code = (
        "import sys, skfix._json\n"
        "heavy = {'torch', 'pandas', 'sklearn', 'matplotlib'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- dump_json


def test_dump_json_writes_strict_json(tmp_path):
    target = tmp_path / "out" / "metrics.json"
    written = dump_json({"b": np.float32(0.5), "a": [np.nan, np.int64(2)]}, target)
    assert written == target
    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == {"b": 0.5, "a": [None, 2]}
    assert "NaN" not in text


def test_dump_json_indent_and_sort_keys(tmp_path):
    target = dump_json({"b": 1, "a": "é"}, tmp_path / "x.json", indent=None, sort_keys=True)
    assert target.read_text(encoding="utf-8") == '{"a": "é", "b": 1}\n'


def test_dump_json_warning_points_at_the_caller(tmp_path):
    with pytest.warns(SkfixJSONWarning) as record:
        dump_json(print, tmp_path / "x.json")
    assert record[0].filename == __file__


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_dump_json_failure_keeps_old_file_and_no_temp_file(tmp_path, monkeypatch, failing):
    target = tmp_path / "manifest.json"
    dump_json({"version": 1}, target)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_io.os, failing, boom)
    with pytest.raises(OSError, match="disk full"):
        dump_json({"version": 2, "data": list(range(1000))}, target)
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
