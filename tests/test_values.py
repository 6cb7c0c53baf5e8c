"""write_values: each ValueRules choice, checked against hand-derived outputs."""

from __future__ import annotations

import copy

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heapseg._isodate import JsDate
from heapseg._values import (
    ValueRules,
    _write_iteratively,
    copy_value,
    write_values,
    write_values_plain,
)
from tests.strategies import all_rules, json_objects

CLASSIC = ValueRules()
INDEXED_STRINGS = ValueRules(arrays="index", scalars="string", nulls="string", empty="drop")
BRACKETED = ValueRules(arrays="bracket", nulls="keep", empty="keep")
AFTER_NON_EMPTY = ValueRules(separate="after-non-empty")

CASES = [
    # (rules, input, expected)
    (CLASSIC, {"a": {"b": {"c": {"d": {"e": 1}}}}}, {"a.b.c.d.e": 1}),
    (
        CLASSIC,
        {"a": {"b": {"c": 1}, "d": {"e": 2}, "f": [1]}},
        {"a.b.c": 1, "a.d.e": 2, "a.f": "[1]"},
    ),
    (CLASSIC, {"a": [{"b": {"c": 1}}]}, {"a": '[{"b":{"c":1}}]'}),
    (CLASSIC, {"a": None, "b": {"c": None}}, {"b.c": None}),
    (CLASSIC, {"a": {}}, {"a": {}}),
    (CLASSIC, {"a": {"b": {}}}, {"a.b": {}}),
    (CLASSIC, {"a": []}, {"a": "[]"}),
    (CLASSIC, {"a.b": 1, "a": {"b": 2}}, {"a.b": 2}),
    (CLASSIC, {"a": {"b": 2}, "a.b": 1}, {"a.b": 1}),
    (CLASSIC, {"x": 1.0, "y": True, "z": ""}, {"x": 1, "y": True, "z": ""}),
    (CLASSIC, {"b": 1, "10": 2, "2": 3}, {"2": 3, "10": 2, "b": 1}),
    (
        INDEXED_STRINGS,
        {"tags": ["x", "y"], "n": {"a": None, "b": True}, "e": {}, "l": [], "p": 9.5},
        {"tags.0": "x", "tags.1": "y", "n.a": "null", "n.b": "true", "p": "9.5"},
    ),
    (
        INDEXED_STRINGS,
        {"myNulls": [None, 1, None, 3]},
        {"myNulls.0": "null", "myNulls.1": "1", "myNulls.2": "null", "myNulls.3": "3"},
    ),
    (
        BRACKETED,
        {"Location": {"City": "LA"}, "hobbies": ["Music", "Running"], "e": [], "o": {}},
        {"Location.City": "LA", "hobbies[0]": "Music", "hobbies[1]": "Running", "e": [], "o": {}},
    ),
    (BRACKETED, {"a": [{"b": 1}, [2]]}, {"a[0].b": 1, "a[1][0]": 2}),
    (ValueRules(objects="stringify"), {"o": {"t": 42}, "e": {}}, {"o": '{"t":42}', "e": "{}"}),
    (ValueRules(objects="drop", arrays="drop"), {"o": {"t": 1}, "a": [1], "c": 3}, {"c": 3}),
    (
        ValueRules(objects="keep", arrays="keep"),
        {"o": {"t": 1.0}, "a": [2.0]},
        {"o": {"t": 1}, "a": [2]},
    ),
    (ValueRules(nulls="drop"), {"a": None, "b": {"c": None, "d": 1}}, {"b.d": 1}),
    # "drop" drops nulls after flattening: a later null removes an earlier value under
    # its key, and a later value takes an earlier null's place in the key order.
    (ValueRules(nulls="drop"), {"a.b": 1, "c": 2, "a": {"b": None}}, {"c": 2}),
    (ValueRules(nulls="drop"), {"a.b": None, "c": 2, "a": {"b": 3}}, {"a.b": 3, "c": 2}),
    # Keys under an empty key: the separator always goes between, or only after a
    # non-empty key (JavaScript's `prefix ? prefix + "." + key : key`).
    (ValueRules(), {"": {"a": 1}, "x": {"": {"b": 2}}}, {".a": 1, "x..b": 2}),
    (AFTER_NON_EMPTY, {"": {"a": 1}, "x": {"": {"b": 2}}}, {"a": 1, "x..b": 2}),
    (AFTER_NON_EMPTY, {"": {"": {"c": 1}}, "e": {"": {}}}, {"c": 1, "e.": {}}),
    (
        attrs.evolve(AFTER_NON_EMPTY, arrays="index"),
        {"": [{"": 1}, 2]},
        {"0.": 1, "1": 2},
    ),
    (
        CLASSIC,
        {"d": JsDate(0), "n": {"d": JsDate(0)}},
        {"d": "1970-01-01T00:00:00.000Z", "n.d": "1970-01-01T00:00:00.000Z"},
    ),
]


@pytest.mark.parametrize(("rules", "values", "expected"), CASES)
def test_write_values(
    rules: ValueRules, values: dict[str, object], expected: dict[str, object]
) -> None:
    before = copy.deepcopy(values)
    result = write_values(values, rules)
    assert result == expected
    assert list(result) == list(expected)
    assert values == before


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    deep: dict[str, object] = {"leaf": 1}
    for _ in range(100_000):
        deep = {"k": deep}
    result = write_values({"root": deep}, CLASSIC)
    ((key, value),) = result.items()
    assert value == 1
    assert key == "root." + "k." * 100_000 + "leaf"


def test_deep_nesting_writes_what_the_rules_keep_at_every_level() -> None:
    """Past the recursion limit (the iterative walk), a dropped leaf leaves no key and a
    kept one gets its full dotted key, in walk order."""
    deep: dict[str, object] = {"leaf": 1}
    for _ in range(2_000):
        deep = {"k": deep, "empty": {}, "gone": None}
    dropping = ValueRules(nulls="drop", empty="drop")
    assert write_values({"root": deep}, dropping) == {"root." + "k." * 2_000 + "leaf": 1}
    keeping = ValueRules(nulls="keep", empty="keep")
    written = write_values({"root": deep}, keeping)
    assert len(written) == 1 + 2 * 2_000
    assert written["root." + "k." * 1_999 + "gone"] is None
    assert written["root." + "k." * 1_999 + "empty"] == {}
    assert list(written)[:3] == [
        "root." + "k." * 2_000 + "leaf",
        *("root." + "k." * 1_999 + name for name in ("empty", "gone")),
    ]


@given(values=json_objects, rules=all_rules, iso_dates=st.booleans())
def test_the_iterative_walk_writes_what_the_recursive_walk_writes(
    values: dict[str, object], rules: ValueRules, iso_dates: bool
) -> None:
    """The walk deep values take past the recursion limit follows the same rules."""
    written = write_values(values, rules, iso_dates=iso_dates)
    walked = _write_iteratively(values, rules, iso_dates, "$")
    assert repr(list(walked.items())) == repr(list(written.items()))  # -0.0, True vs 1


def test_copy_value_normalises_numbers_and_keeps_shape() -> None:
    source = {"b": [1.0, {"2": -0.0, "a": 2**64}], "1": None}
    copied = copy_value(source)
    assert copied == {"1": None, "b": [1, {"2": 0, "a": 18446744073709551616}]}
    assert list(copied) == ["1", "b"]  # type: ignore[arg-type]
    assert source["b"][0] == 1.0  # type: ignore[index]


PLAINNESS = [
    # (rules, input, whether json.dumps of the output is JSON.stringify's text)
    (CLASSIC, {"a": "x", "b": True, "c": None, "d": 251.35, "e": 42, "f": [1e-7]}, True),
    (CLASSIC, {"n": {"price": 0.5, "tags": ["a"]}}, True),
    (CLASSIC, {"tiny": 0.00001}, False),  # Python: 1e-05, JavaScript: 0.00001
    (CLASSIC, {"n": {"tiny": -1e-7}}, False),  # Python: -1e-07, JavaScript: -1e-7
    (CLASSIC, {"big": 2**60}, False),  # JavaScript: 1152921504606847000
    (CLASSIC, {"empty": {}}, False),  # a container: it could change after writing
    (ValueRules(objects="keep"), {"o": {"t": 1}}, False),
    (ValueRules(arrays="keep"), {"a": [1]}, False),
    # numbers written as JavaScript's text are strings, which print alike
    (ValueRules(scalars="string"), {"tiny": 1e-5, "big": 2**60, "n": {"f": 17.0}}, True),
    (ValueRules(scalars="string", nulls="string"), {"x": None, "y": 0.5}, True),
]


@pytest.mark.parametrize(("rules", "values", "plain"), PLAINNESS)
def test_write_values_plain_says_when_python_prints_as_javascript(
    rules: ValueRules, values: dict[str, object], plain: bool
) -> None:
    written, found = write_values_plain(values, rules)
    assert written == write_values(values, rules)
    assert found is plain
