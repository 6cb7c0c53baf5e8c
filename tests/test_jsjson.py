"""JS numbers, String() and JSON.stringify, from the spec's Python-exactness notes.

Vectors come from segment-classic.md §3, the spec README ("Exactly"),
segment-actions.md §7.1-7.2, or ECMAScript's Number::toString rules by hand.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heapseg import InvalidEvent
from heapseg._isodate import JsDate
from heapseg._jsjson import (
    _fast_encoding,
    _stringify_slow,
    is_array_index,
    js_number,
    js_number_to_string,
    js_ordered_keys,
    js_stringify,
    js_to_string,
    js_truthy,
)

NAN = float("nan")
INF = float("inf")

NUMBER_STRINGS: list[tuple[int | float, str]] = [
    # spec: README "Exactly", segment-classic.md §3, segment-actions.md §7.1
    (1.0, "1"),
    (1e-7, "1e-7"),
    (1.23e-7, "1.23e-7"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e-6, "0.000001"),
    (-0.0, "0"),
    (2**53 + 1, "9007199254740992"),
    (2**64, "18446744073709552000"),
    (18446744073709551616, "18446744073709552000"),
    (NAN, "NaN"),
    (INF, "Infinity"),
    (-INF, "-Infinity"),
    # by hand from Number::toString
    (0, "0"),
    (-7, "-7"),
    (9.5, "9.5"),
    (0.1, "0.1"),
    (-1.5e-7, "-1.5e-7"),
    (1.234e-6, "0.000001234"),
    (123e-20, "1.23e-18"),
    (1e16, "10000000000000000"),
    (1.5e300, "1.5e+300"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (5e-324, "5e-324"),
    (123456789012345680000.0, "123456789012345680000"),
    (1.2345e21, "1.2345e+21"),
    (2**53, "9007199254740992"),
    (-(2**53) - 1, "-9007199254740992"),
    (10**400, "Infinity"),
    (-(10**400), "-Infinity"),
]


@pytest.mark.parametrize(("value", "text"), NUMBER_STRINGS)
def test_js_number_to_string(value: int | float, text: str) -> None:
    assert js_number_to_string(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_text_parses_back_to_the_same_double(value: float) -> None:
    assert float(js_number_to_string(value)) == value


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_safe_integers_print_as_python_does(value: int) -> None:
    assert js_number_to_string(value) == str(value)
    assert js_number_to_string(float(value)) == str(value)


JS_NUMBERS: list[tuple[int | float, int | float]] = [
    (1.0, 1),
    (-0.0, 0),
    (1e20, 100000000000000000000),
    (1e21, 1e21),
    (2**53 + 1, 2**53),
    (2**64, 18446744073709551616),
    (12345678901234567891, 12345678901234567168),
    (0.5, 0.5),
    (1e-7, 1e-7),
    (10**400, INF),
    (-(10**400), -INF),
    (INF, INF),
    (7, 7),
]


@pytest.mark.parametrize(("value", "expected"), JS_NUMBERS)
def test_js_number(value: int | float, expected: int | float) -> None:
    result = js_number(value)
    assert result == expected
    assert type(result) is type(expected)


def test_js_number_keeps_nan() -> None:
    result = js_number(NAN)
    assert isinstance(result, float)
    assert math.isnan(result)


def test_js_number_json_dumps_prints_integral_values_like_js() -> None:
    assert json.dumps([js_number(1.0), js_number(-0.0), js_number(1e20)]) == (
        "[1, 0, 100000000000000000000]"
    )


@given(st.integers() | st.floats(allow_nan=False))
def test_js_number_is_the_double_value(value: int | float) -> None:
    result = js_number(value)
    try:
        as_double = float(value)
    except OverflowError:
        as_double = INF if value > 0 else -INF
    assert result == as_double
    assert isinstance(result, int) == (
        math.isfinite(as_double) and as_double.is_integer() and abs(as_double) < 1e21
    )


# --- keys ----------------------------------------------------------------------------------------

ARRAY_INDEX = [
    ("0", True),
    ("42", True),
    ("4294967294", True),
    ("4294967295", False),
    ("99999999999", False),
    ("01", False),
    ("-1", False),
    ("1.0", False),
    (" 1", False),
    ("1 ", False),
    ("\u0663", False),
    ("\u00b2", False),
    ("", False),
    ("1e3", False),
    ("9" * 5000, False),
]


@pytest.mark.parametrize(("key", "expected"), ARRAY_INDEX)
def test_is_array_index(key: str, expected: bool) -> None:
    assert is_array_index(key) is expected


@pytest.mark.parametrize(
    ("keys", "ordered"),
    [
        (["b", "a"], ["b", "a"]),
        (["b", "10", "a", "2", "01", "-1", "0"], ["0", "2", "10", "b", "a", "01", "-1"]),
        (["4294967295", "4294967294"], ["4294967294", "4294967295"]),
        (["1a", "2b"], ["1a", "2b"]),
        ([], []),
    ],
)
def test_js_ordered_keys(keys: list[str], ordered: list[str]) -> None:
    assert js_ordered_keys(dict.fromkeys(keys, 0)) == ordered


# --- truthiness and String() ---------------------------------------------------------------------

DATE = JsDate(1_451_606_400_000)

TRUTHY = [
    (None, False),
    (False, False),
    (0, False),
    (0.0, False),
    (-0.0, False),
    (NAN, False),
    ("", False),
    (True, True),
    (1, True),
    (-0.5, True),
    ("0", True),
    (" ", True),
    ([], True),
    ({}, True),
    (DATE, True),
    (INF, True),
]


@pytest.mark.parametrize(("value", "expected"), TRUTHY)
def test_js_truthy(value: object, expected: bool) -> None:
    assert js_truthy(value) is expected


TO_STRING = [
    (None, "null"),
    (True, "true"),
    (False, "false"),
    ("text", "text"),
    (1.0, "1"),
    (1e-7, "1e-7"),
    (-0.0, "0"),
    (NAN, "NaN"),
    ([], ""),
    ([1, "a", None, True], "1,a,,true"),
    ([[1, 2], [3], []], "1,2,3,"),
    ([[]], ""),
    ([None, [None]], ","),
    ([{"a": 1}], "[object Object]"),
    ({"a": 1}, "[object Object]"),
    ({}, "[object Object]"),
    (DATE, "Fri Jan 01 2016 00:00:00 GMT+0000 (Coordinated Universal Time)"),
    (
        [DATE, 2**64],
        "Fri Jan 01 2016 00:00:00 GMT+0000 (Coordinated Universal Time),18446744073709552000",
    ),
]


@pytest.mark.parametrize(("value", "text"), TO_STRING)
def test_js_to_string(value: object, text: str) -> None:
    assert js_to_string(value) == text


def test_js_to_string_of_a_cyclic_array_is_empty_at_the_cycle() -> None:
    looped: list[Any] = [1]
    looped.append(looped)
    assert js_to_string(looped) == "1,"


def test_js_to_string_of_deeply_nested_arrays() -> None:
    deep: Any = ["x"]
    for _ in range(100_000):
        deep = [deep, 1]
    assert js_to_string(deep) == "x" + ",1" * 100_000


# --- JSON.stringify ------------------------------------------------------------------------------

STRINGIFY: list[tuple[object, str]] = [
    # segment-classic.md §3 and §4 test 11/16
    (["1", 2, "cheers"], '["1",2,"cheers"]'),
    (
        [{"A": "Jello", "B": 1}, {"B": "Peanut", "C": True}],
        '[{"A":"Jello","B":1},{"B":"Peanut","C":true}]',
    ),
    ([{"b": {"c": 1}}], '[{"b":{"c":1}}]'),
    ([], "[]"),
    ([None, 1.0, 1e-7, NAN, INF, -INF], "[null,1,1e-7,null,null,null]"),
    ([DATE], '["2016-01-01T00:00:00.000Z"]'),
    ({"b": 1, "10": 2, "a": 3, "2": 4}, '{"2":4,"10":2,"b":1,"a":3}'),
    # strings: "/" and U+2028/2029 and non-ASCII stay, controls as JS escapes them
    ("a/b", '"a/b"'),
    ("\u2028\u2029é😀", '"\u2028\u2029é😀"'),
    ('"\\', '"\\"\\\\"'),
    ("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),
    ("\x00\x01\x1f\x7f", '"\\u0000\\u0001\\u001f\x7f"'),
    ("\ud800", '"\\ud800"'),
    ("a\udfffb", '"a\\udfffb"'),
    ("\ud83d\ude00", '"😀"'),
    ({"\ud800": 1}, '{"\\ud800":1}'),
    # numbers
    (2**64, "18446744073709552000"),
    ([1e20, 1e21, -0.0, 0.5, 1e-4, 9.5e-5], "[100000000000000000000,1e+21,0,0.5,0.0001,0.000095]"),
    (True, "true"),
    (None, "null"),
    ({}, "{}"),
    ({"a": {}, "b": []}, '{"a":{},"b":[]}'),
    # a tuple is an array, on the exact path too
    ((1.0, [2, (0.5, "x")], {"t": ()}), '[1,[2,[0.5,"x"]],{"t":[]}]'),
]


@pytest.mark.parametrize(("value", "text"), STRINGIFY)
def test_js_stringify(value: object, text: str) -> None:
    assert js_stringify(value) == text
    assert _stringify_slow(value) == text


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ({"name": "Jello", "tags": ["a", "b"], "n": 3, "p": 9.5, "ok": True, "x": None}, True),
        ([0.0001, -123.456, 2**53, "é\u2028"], True),
        ([1.0], False),  # Python prints 1.0
        (1.0, False),
        ({"a": {"b": -2.0}}, False),
        ({"version": "v1.0", "build": "1.0.3"}, True),  # text in strings, no number
        ([9.5e-5], False),  # Python prints 9.5e-05
        ([2**53 + 1], False),
        ([1.2345678901234567e17], False),  # Python prints 1.2345678901234567e+17
        ({"a": [-(2**60)]}, False),
        ([float("nan")], False),
        ({"1": 1}, False),  # JS puts integer-like keys first
        (["\ud800"], False),
        ([DATE], False),
    ],
)
def test_fast_path_is_taken_only_where_json_dumps_is_exact(value: object, fast: bool) -> None:
    assert (_fast_encoding(value) is not None) is fast


def test_js_stringify_does_not_mutate() -> None:
    value = {"2": [1.0, {"1": "x", "0": None}], "a": "b"}
    snapshot = copy.deepcopy(value)
    assert js_stringify(value) == '{"2":[1,{"0":null,"1":"x"}],"a":"b"}'
    assert value == snapshot


def test_js_stringify_deep_input() -> None:
    deep: Any = 1.0
    for level in range(100_000):
        deep = [deep] if level % 2 else {"k": deep}
    text = js_stringify(deep)
    assert text == '[{"k":' * 50_000 + "1" + "}]" * 50_000


def test_js_stringify_rejects_a_value_that_contains_itself() -> None:
    looped: dict[str, Any] = {"a": [1]}
    looped["a"].append(looped)
    with pytest.raises(InvalidEvent) as caught:
        js_stringify(looped)
    assert caught.value.path == "$.a[1]"


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["0", "1", "10", "01", "4294967295", "\ud800", "\u2028"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(max_size=4) | st.sampled_from(["0", "1", "10", "01", "a"]), children, max_size=5
        )
    ),
    max_leaves=30,
)


def _js_string(text: str) -> str:
    """A Python string as the JS string (UTF-16 code units) it stands for: adjacent
    high and low surrogates form one character."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _as_js_data(value: object) -> object:
    """What a JS engine holds for ``value``, as JSON.parse gives it back (NaN as null)."""
    if isinstance(value, dict):
        return {_js_string(key): _as_js_data(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_as_js_data(child) for child in value]
    if isinstance(value, str):
        return _js_string(value)
    if isinstance(value, bool) or value is None:
        return value
    assert isinstance(value, (int, float))
    number = js_number(value)
    return None if isinstance(number, float) and not math.isfinite(number) else number


@given(json_values)
def test_stringify_output_is_json_of_the_js_values(value: object) -> None:
    # JSON.parse reads the printed digits back as the same double
    assert _as_js_data(json.loads(js_stringify(value))) == _as_js_data(value)


@given(json_values)
def test_fast_path_equals_the_general_serializer(value: object) -> None:
    assert js_stringify(value) == _stringify_slow(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_stringify_prints_numbers_as_number_to_string(value: float) -> None:
    assert js_stringify([value]) == f"[{js_number_to_string(value)}]"
