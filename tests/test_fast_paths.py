"""The fast paths give exactly what the general code gives.

Each shortcut taken for speed (reading common ISO forms with ``datetime``,
writing dates while flattening, building messages without the converter,
comparing obj-case keys by length) is checked against the general definition
it stands in for, on generated input that reaches its edges.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from attrs import evolve
from hypothesis import example, given
from hypothesis import strategies as st

from heapseg import (
    PROFILES,
    AddUserProperties,
    HeapsegError,
    InvalidEvent,
    Profile,
    Track,
    http,
    translate,
)
from heapseg._calls import plain_json
from heapseg._facade import lookup
from heapseg._isodate import (
    MAX_TIME_VALUE,
    JsDate,
    common_iso_text,
    convert_iso_strings,
    facade_timestamp,
    is_canonical_iso,
    strict_iso_date,
    strict_iso_text,
)
from heapseg._jsjson import (
    _compact,
    _stringify_slow,
    js_stringify,
    js_stringify_utf8,
    json_encoder,
    plain_stringify_utf8,
)
from heapseg._message_converter import structure_with_converter
from heapseg._messages import _BUILDERS, _CLASSES
from heapseg._strategies import message_strategy
from heapseg._values import (
    _RECURSION_LIMIT,
    ValueRules,
    _write_iteratively,
    write_values,
    write_values_plain,
)
from tests.strategies import all_rules, calls, messages, sendable_calls

two_digits = st.integers(0, 99).map("{:02d}".format)
fractions = st.sampled_from(["", ".000", ".5", ".123", ".999999", ".1234", ",5"])
zones = st.one_of(
    st.sampled_from(["Z", "z", "", "+00:00", "-00:00"]),
    st.tuples(st.sampled_from("+-"), two_digits, two_digits).map("".join),
    st.tuples(st.sampled_from("+-"), two_digits, two_digits).map(lambda t: f"{t[0]}{t[1]}:{t[2]}"),
)
iso_like = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}".format,
    st.sampled_from(["0000", "0050", "0099", "0100", "1969", "2016", "2024", "9999"]),
    two_digits,
    two_digits,
    st.sampled_from(["T", " ", "t"]),
    two_digits,
    two_digits,
    two_digits,
    fractions,
    zones,
)


date_only = st.builds(
    "{}-{}-{}".format,
    st.sampled_from(["0000", "0050", "0099", "0100", "1900", "2016", "2023", "9999"]),
    two_digits,
    two_digits,
)


@given(iso_like | date_only)
@example("2016-02-29")
@example("1900-02-29")
@example("2023-04-31")
@example("2023-12-31")
def test_common_iso_forms_read_as_the_full_parsers_read_them(text: str) -> None:
    common = common_iso_text(text)
    strict = strict_iso_date(text)
    if common is not None:
        assert strict is not None
        assert common == strict.iso()
        facade = facade_timestamp(text)
        assert facade is not None
        assert common == facade.iso()
    assert strict_iso_text(text) == (None if strict is None else strict.iso())


@given(st.integers(-MAX_TIME_VALUE, MAX_TIME_VALUE))
def test_canonical_iso_is_the_text_of_its_own_date(ms: int) -> None:
    text = JsDate(ms).iso()
    year = text[:5] if text[0] in "+-" else text[:4]
    assert is_canonical_iso(text) is (year.isdigit() and 100 <= int(year) <= 9999)
    if is_canonical_iso(text):
        date = strict_iso_date(text)
        assert date is not None
        assert date.ms == ms


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2016-02-29T00:00:00.000Z", True),
        ("2015-02-29T00:00:00.000Z", False),  # Date.UTC carries it to March 1
        ("1900-02-29T00:00:00.000Z", False),
        ("2000-02-29T00:00:00.000Z", True),
        ("2016-04-31T00:00:00.000Z", False),
        ("2016-12-31T23:59:59.999Z", True),
        ("0099-01-01T00:00:00.000Z", False),  # years 0..99 mean 1900..1999
        ("2016-01-01T24:00:00.000Z", False),
        ("2016-01-01T00:00:00.000+00:00", False),
    ],
)
def test_canonical_iso_edges(text: str, canonical: bool) -> None:
    assert is_canonical_iso(text) is canonical


date_strings = st.sampled_from(
    ["2016-01-01", "2016-13-45", "0050-01-01", "2016-01-01T10", "2016-01-01T10:00:00+05:30"]
)
keys = st.sampled_from(["a", "b", "0", "1", "a.b", "email", "E-mail", ""]) | st.text(max_size=4)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6), date_strings
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


def _same(left: object, right: object) -> bool:
    """Equal, and with the same types and key order (1 == 1.0 is not enough here)."""
    return repr(left) == repr(right)


@given(st.dictionaries(keys, json_values, max_size=5), all_rules)
def test_writing_dates_in_one_pass_equals_converting_first(
    values: dict[str, Any], rules: ValueRules
) -> None:
    converted = convert_iso_strings(values)
    assert isinstance(converted, dict)
    assert _same(write_values(values, rules, iso_dates=True), write_values(converted, rules))


class _Proxy(Mapping[str, Any]):
    """A mapping that is not a dict, as some callers pass."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


odd_containers = st.recursive(
    scalars | st.builds(JsDate, st.integers(-(10**12), 10**12)),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=3)
        | st.dictionaries(keys, children, max_size=3).map(_Proxy)
    ),
    max_leaves=12,
)


def _outcome(write: Callable[[], object]) -> str:
    """What ``write`` returns, or the type of error it raises (stringifying a tuple or a
    mapping that is not a dict is a TypeError, which translate reports as not JSON)."""
    try:
        return repr(write())
    except TypeError as error:
        return type(error).__name__


def _nest(depth: int, leaf: object, array: bool) -> object:
    for _ in range(depth):
        leaf = [leaf] if array else {"k": leaf}
    return leaf


@given(st.dictionaries(keys, json_values | odd_containers, max_size=5), all_rules, st.booleans())
def test_the_recursive_walk_writes_what_the_iterative_walk_writes(
    values: dict[str, Any], rules: ValueRules, iso_dates: bool
) -> None:
    expected = _outcome(lambda: _write_iteratively(values, rules, iso_dates, "$"))
    assert _outcome(lambda: write_values(values, rules, iso_dates=iso_dates)) == expected


@pytest.mark.parametrize("depth", [_RECURSION_LIMIT - 1, _RECURSION_LIMIT, _RECURSION_LIMIT + 1])
@pytest.mark.parametrize("array", [False, True])
@given(rules=all_rules)
def test_values_as_deep_as_the_recursion_limit_are_written_alike(
    depth: int, array: bool, rules: ValueRules
) -> None:
    values = {"a": _nest(depth, "2016-01-01", array), "b": 1}
    expected = _write_iteratively(values, rules, True, "$")
    assert _same(write_values(values, rules, iso_dates=True), expected)


def test_a_value_that_contains_itself_is_reported_with_its_path() -> None:
    looped: dict[str, Any] = {"b": {}}
    looped["b"]["c"] = looped
    with pytest.raises(InvalidEvent) as caught:
        write_values({"a": looped}, ValueRules(), at="$.properties")
    assert caught.value.path == "$.properties.a.b.c"


def _plain_lookup(obj: object, path: str) -> object:
    """obj-case as the facade module documents it, without shortcuts."""
    normalize = lambda key: re.sub(r"[^a-zA-Z0-9.]+", "", key).lower()  # noqa: E731
    remaining = normalize(path)
    current = obj
    while isinstance(current, dict):
        for key in current:
            normalized = normalize(key)
            rest = remaining[len(normalized) :]
            if remaining.startswith(normalized) and (not rest or rest[0] == "."):
                child, remaining = current[key], rest[1:]
                if child is None or not remaining:
                    return child
                current = child
                break
        else:
            return None
    return None


lookup_keys = st.sampled_from(
    [
        "email",
        "Email",
        "E-mail",
        "_email",
        "EMAIL",
        "e.mail",
        "emails",
        "K",
        "\u212amail",
        "",
        "library",
        "Lib_rary",
        "library.name",
        "LIBRARY.Name",
        "name",
        "NAME",
        "all",
        "a",
    ]
) | st.text(max_size=7)


@given(
    st.dictionaries(
        lookup_keys, st.none() | st.integers() | st.dictionaries(lookup_keys, st.integers())
    ),
    st.sampled_from(["email", "Email", "e-mail", "library.name", "email.k", "a", "all", "", "."]),
)
def test_lookup_agrees_with_the_plain_definition(obj: dict[str, Any], path: str) -> None:
    assert lookup(obj, path) == _plain_lookup(obj, path)


fields = st.sampled_from(
    [
        "type",
        "userId",
        "anonymousId",
        "messageId",
        "timestamp",
        "context",
        "integrations",
        "traits",
        "properties",
        "event",
        "name",
        "groupId",
        "previousId",
    ]
)


class _Text(str):
    """A str subclass, as some JSON decoders hand out."""


field_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=3)
    | st.just({})
    | st.lists(st.integers(), max_size=2)
    | st.just(MappingProxyType({"a": 1}))  # a mapping that is not a dict
    | st.text(max_size=3).map(_Text)  # a string that is not a str
)


@given(st.sampled_from(sorted(_CLASSES)), st.dictionaries(fields, field_values))
def test_direct_structuring_equals_the_converter(kind: str, message: dict[str, Any]) -> None:
    message["type"] = kind
    cls = _CLASSES[kind]
    direct = _BUILDERS[cls](message)
    try:
        expected = structure_with_converter(message, cls)
    except InvalidEvent:
        assert direct is None
    else:
        assert direct == expected


@given(json_values)
def test_the_prebuilt_encoder_writes_what_json_dumps_writes(value: object) -> None:
    assert json_encoder(compact=False, allow_nan=True)(value) == json.dumps(
        value, ensure_ascii=False
    )
    try:
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN or an infinity: JSON.stringify writes null, the exact path's job
        with pytest.raises(ValueError, match="not JSON compliant"):
            _compact(value)
    else:
        assert _compact(value) == expected


@pytest.mark.parametrize("compact", [True, False])
def test_the_encoder_writes_the_same_without_the_c_accelerator(
    compact: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interpreter without ``_json`` gets ``json.JSONEncoder``, which writes the same."""
    value = {"é": [1.5, None, True, 'a"b\u2028'], "n": 2**60, "nested": {"": {}}}
    with_c = json_encoder(compact=compact, allow_nan=True)(value)
    monkeypatch.setitem(sys.modules, "_json", None)
    assert json_encoder(compact=compact, allow_nan=True)(value) == with_c
    with pytest.raises(ValueError, match="not JSON compliant"):
        json_encoder(compact=compact, allow_nan=False)(math.nan)


def test_the_prebuilt_encoder_gives_up_on_a_value_that_contains_itself() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(RecursionError):
        _compact(looped)
    with pytest.raises(InvalidEvent):
        js_stringify(looped)


shape_characters = '0123456789ab.eE+-_\\"{}[],: '
shape_numbers = st.integers() | st.floats() | st.sampled_from([1.0, -0.0, 2**53 + 1, 1e16, 1e-7])
shapes = st.recursive(
    shape_numbers | st.text(shape_characters, max_size=8) | st.none(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(shape_characters, max_size=5), children, max_size=4)
    ),
    max_leaves=15,
)
"""JSON values crowded with the text shapes the encoder's output is checked for."""


@given(json_values | shapes)
@example({"version": "v1.0", "n": 2.5})
@example({"a": [1.0, 2]})
@example({"b": {"c": 3.0}})
def test_the_request_bytes_are_the_utf8_of_the_general_serializer(value: object) -> None:
    assert js_stringify_utf8(value) == _stringify_slow(value).encode("utf-8")


CLOUD_PROFILES = sorted(name for name, profile in PROFILES.items() if profile.mode == "cloud")


@given(st.lists(sendable_calls, max_size=4), st.sampled_from(CLOUD_PROFILES))
def test_rendered_requests_equal_the_public_constructor(calls: list[Any], profile: str) -> None:
    requests = http.render(calls, app_id="1", profile=profile)
    assert len(requests) == len(calls)
    for request in requests:
        rebuilt = http.Request(request.method, request.url, request.headers, request.body)
        assert request == rebuilt
        assert type(request.headers) is type(rebuilt.headers)
        assert request.headers == rebuilt.headers


def _rendered_or_error(calls: Any, profile: str | Profile, **options: Any) -> object:
    try:
        return http.render(calls, profile=profile, **options)
    except HeapsegError as error:
        return (type(error), str(error))


@given(
    st.lists(sendable_calls | calls, max_size=3) | st.lists(st.integers(), min_size=1, max_size=1),
    st.sampled_from(sorted(PROFILES)),
    st.sampled_from(["1", "", 7]),
    st.sampled_from(["US", "EU", "us", 5]),
    st.booleans(),
    st.sampled_from(
        [
            {},
            {"bulk": False},
            {"bulk": 0},
            {"max_items": int("1000")},  # equal to the default, not the same object
            {"max_items": 1000.0},
            {"max_bytes": None},
            {"max_bytes": 10**6},
        ]
    ),
)
def test_a_preset_named_renders_as_the_preset_itself(
    calls: list[Any],
    name: str,
    app_id: Any,
    region: Any,
    as_tuple: bool,
    defaults: dict[str, Any],
) -> None:
    """``render`` takes a shortcut for a preset named with its usual options (region US,
    no bulk, default caps, a list of calls); passing the ``Profile`` itself goes the
    general way. Options given as equal values write the same as those left out."""
    given = tuple(calls) if as_tuple else calls
    options = {"app_id": app_id, "region": region, **defaults}
    assert _rendered_or_error(given, name, **options) == _rendered_or_error(
        given, PROFILES[name], **options
    )


@given(
    st.dictionaries(keys | st.sampled_from(["0", "7", "10"]), json_values | shapes, max_size=5),
    all_rules,
    st.booleans(),
)
@example({"small": 1e-05}, ValueRules(), False)
@example({"big": 2**60}, ValueRules(), False)
@example({"empty": {}}, ValueRules(), False)
@example({"a": 6.974956328044158e16}, ValueRules(), False)  # JavaScript: 69749563280441580
@example({"0": [None], "7": None}, ValueRules(arrays="index"), False)  # "7" goes before "0.0"
def test_values_called_plain_print_alike_in_python_and_javascript(
    values: dict[str, Any], rules: ValueRules, iso_dates: bool
) -> None:
    written, plain = write_values_plain(values, rules, iso_dates=iso_dates)
    assert _same(written, write_values(values, rules, iso_dates=iso_dates))
    if not plain:
        return
    body = {"app_id": "1", "properties": written}
    assert plain_stringify_utf8(body) == _stringify_slow(body).encode("utf-8")
    try:
        text = _compact(body)
    except ValueError:  # NaN and infinities: the encoder refuses them, leaving no text
        return
    assert text == _stringify_slow(body)


EDGE_VALUES: dict[str, Any] = {
    "small": 1e-05,
    "negative_small": -3e-07,
    "big": 2**60,
    "big_float": 6.974956328044158e16,
    "10": "ten",
    "2": "two",
    "02": "not an index",
    "nested": {"7": 1e-05, "a": [1, {"b": 2**54}], "empty": {}},
    "list": [[], {}, None, 0.5],
    "whole": 1.0,
    "idempotencyKey": 1e-05,
}
"""Values whose JSON text Python and JavaScript write differently, or in another key order."""

EDGE_MESSAGES: list[dict[str, Any]] = [
    {"type": "track", "event": "E", "userId": "u", "messageId": "m", "properties": EDGE_VALUES},
    {
        "type": "identify",
        "userId": "u",
        "anonymousId": "a",
        "messageId": "m",
        "traits": EDGE_VALUES,
    },
    {"type": "track", "event": "E", "userId": 2**60, "messageId": "m", "properties": {"a": 1}},
    {"type": "track", "event": "E", "userId": 1e-05, "messageId": "m"},
    {"type": "identify", "userId": 1e-05, "messageId": "m", "traits": {"a": "b"}},
    {"type": "identify", "userId": 12, "messageId": "m", "traits": {"10": 1, "2": 2}},
    {"type": "track", "event": "E", "userId": "u", "messageId": "m", "properties": None},
    {"type": "identify", "userId": "u", "messageId": "m", "traits": None},
    {
        "type": "track",
        "event": "E",
        "userId": "u",
        "messageId": "m",
        "properties": {"idempotencyKey": 2**60, "a": "b"},
        "timestamp": 1714564800000.5,
    },
    {
        "type": "track",
        "event": "E",
        "userId": "u",
        "messageId": "m",
        "properties": {"idempotencyKey": 1e-05},
        "timestamp": 1e-05,
    },
    {
        "type": "track",
        "event": "E",
        "userId": "u",
        "messageId": "m",
        "properties": {"idempotencyKey": "k", "a": "b"},
        "originalTimestamp": 2**60,
    },
    {
        "type": "track",
        "event": "E",
        "anonymousId": "a",
        "messageId": "m",
        "context": {"traits": {"id": 3e-06, "10": "x", "2": "y"}},
        "properties": {"segment_library": 1e-05, "name": 2**60},
    },
    {
        "type": "page",
        "name": "Home",
        "userId": "u",
        "anonymousId": "a",
        "messageId": "m",
        "context": {"traits": {"10": "x", "2": "y"}},
        "properties": {"3": 1e-05, "1": [2**60]},
    },
    {"type": "track", "event": "E\ud800", "userId": "u\udfff", "properties": {"\ud83d": "x"}},
]
"""Messages whose calls carry those values in every field a renderer writes out."""


ACTIONS_WITH_IDENTITY = evolve(PROFILES["actions-cloud"], track_identity_from=("$.userId",))
"""Heap Cloud (Actions) with the identity mapped, so that a track can come with an
``addUserProperties`` side call."""


def _renders_as_the_general_serializer_writes(
    message: dict[str, Any], profile: str | Profile
) -> None:
    """Every request rendered from ``message``'s calls carries exactly ``JSON.stringify``'s
    bytes, whether or not the calls were marked plain."""
    try:
        calls = translate(message, profile)
    except InvalidEvent:
        return
    for request in http.render(calls, app_id="1", profile=profile):
        assert request.content == _stringify_slow(request.body).encode("utf-8")


@pytest.mark.parametrize("profile", [*CLOUD_PROFILES, ACTIONS_WITH_IDENTITY])
@pytest.mark.parametrize("message", EDGE_MESSAGES)
def test_edge_values_render_as_the_general_serializer_writes(
    message: dict[str, Any], profile: str | Profile
) -> None:
    _renders_as_the_general_serializer_writes(message, profile)


@pytest.mark.parametrize("profile", CLOUD_PROFILES)
@given(messages())
def test_translated_calls_render_as_the_general_serializer_writes(
    profile: str, message: dict[str, Any]
) -> None:
    _renders_as_the_general_serializer_writes(message, profile)


@pytest.mark.parametrize("profile", CLOUD_PROFILES)
@given(message_strategy(("track", "identify", "page"), 3, "any", "any"))
def test_realistic_calls_render_as_the_general_serializer_writes(
    profile: str, message: dict[str, Any]
) -> None:
    _renders_as_the_general_serializer_writes(message, profile)


plain_keys = st.text(min_size=1, max_size=8).filter(lambda key: key[0] > "9")
"""Keys JavaScript keeps in insertion order (none starts with a digit or is empty)."""
plain_scalars = (
    st.text(max_size=8)
    | st.booleans()
    | st.none()
    | st.integers(-(2**53), 2**53)
    | st.floats(-(2.0**53), 2.0**53).filter(lambda x: x == 0 or abs(x) >= 1e-4)
)
plain_objects = st.recursive(
    st.dictionaries(plain_keys, plain_scalars, min_size=1, max_size=4),
    lambda children: st.dictionaries(plain_keys, plain_scalars | children, min_size=1, max_size=4),
    max_leaves=12,
)
"""Traits and properties whose every value and key print alike in Python and JavaScript."""


user_ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,11}", fullmatch=True)


@pytest.mark.parametrize("profile", CLOUD_PROFILES)
@given(
    st.sampled_from(["track", "identify"]),
    user_ids,
    plain_objects,
    st.one_of(st.none(), st.text(min_size=1, max_size=8)),
)
@example("track", "u", {"a": 1, "b": {"c": 2.5, "d": None}}, "k")
@example("identify", "u", {"plan": "pro", "tags": {"x": True}}, None)
def test_calls_of_plain_values_are_marked_plain(
    profile: str, kind: str, user_id: str, values: dict[str, Any], key: str | None
) -> None:
    values = dict(values)
    if key is not None:
        values["idempotencyKey"] = key
    message: dict[str, Any] = {
        "type": kind,
        "userId": user_id,
        "anonymousId": "anonymous-1",
        "messageId": "message-1",
        "event": "Order Completed",
        "timestamp": "2024-05-01T12:00:00.000Z",
        "properties" if kind == "track" else "traits": values,
    }
    calls = translate(message, profile)
    assert calls
    for call in calls:
        assert type(call) in (Track, AddUserProperties)
        assert plain_json(call)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "track", "event": "E", "userId": "u", "properties": None},
        {"type": "track", "event": "E", "userId": "u"},
        {"type": "identify", "userId": "u", "traits": {}},
        # written in JavaScript's order ("2" before "10"), which json.dumps keeps
        {"type": "identify", "userId": "u", "traits": {"10": "x", "2": "y", "a": {"10": 1}}},
        {"type": "track", "event": "E", "userId": "u", "properties": {"idempotencyKey": "k"}},
    ],
)
def test_rudderstack_calls_without_values_are_marked_plain(message: dict[str, Any]) -> None:
    [call] = translate(message, "rudderstack-cloud")
    assert type(call) in (Track, AddUserProperties)
    assert plain_json(call)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "track", "event": "E", "userId": "u", "properties": {"a": 1e-05}},
        {"type": "track", "event": "E", "userId": "u", "properties": {"a": 2**60}},
        # "7" is an array index, so JavaScript writes it before "0[0]"
        {"type": "track", "event": "E", "userId": "u", "properties": {"0": [None], "7": None}},
        {"type": "track", "event": "E", "userId": "u", "properties": {"a": []}},
        {"type": "track", "event": "E", "userId": 7, "properties": {"a": 1}},
        {"type": "track", "event": "E", "userId": "u", "properties": {"idempotencyKey": 7}},
        {"type": "track", "event": "E", "userId": "u", "timestamp": 1714564800000},
        {"type": "identify", "userId": 7, "traits": {"a": 1}},
        {"type": "identify", "userId": "u", "traits": {"a": {}}},
    ],
)
def test_rudderstack_calls_with_values_that_print_differently_are_not_marked(
    message: dict[str, Any],
) -> None:
    [call] = translate(message, "rudderstack-cloud")
    assert type(call) in (Track, AddUserProperties)
    assert not plain_json(call)


@pytest.mark.parametrize(
    ("profile", "message", "marked"),
    [
        # segment_library is written first, but JavaScript writes the index "0" before it
        (
            "actions-cloud",
            {
                "type": "track",
                "event": "E",
                "anonymousId": "a",
                "messageId": "m",
                "properties": {"0": "x"},
            },
            [False],
        ),
        # anonymous_id is written first, then the traits: "0" goes first in JavaScript
        (
            "actions-cloud",
            {
                "type": "identify",
                "userId": "u",
                "anonymousId": "a",
                "messageId": "m",
                "traits": {"0": "x", "a": "y"},
            },
            [False],
        ),
        (
            "actions-cloud",
            {"type": "identify", "userId": "u", "messageId": "m", "traits": {"0": "x", "a": "y"}},
            [True],
        ),
        (
            "heap-cloud",
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "messageId": "m",
                "properties": {"0": "x"},
                "context": {"traits": {"0": "x", "a": "y"}},
            },
            [True, False],
        ),
        # the timestamp passes through as the number it is
        (
            "heap-cloud",
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "messageId": "m",
                "timestamp": 1714564800000,
            },
            [False],
        ),
        (
            "heap-cloud",
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "anonymousId": "a",
                "messageId": "m",
                "context": {"traits": {"email": "a@b.co"}},
                "timestamp": "2024-05-01T12:00:00Z",
            },
            [True, True],
        ),
        # the side call: anonymous_id, then the context traits, whose "0" goes first
        (
            ACTIONS_WITH_IDENTITY,
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "anonymousId": "a",
                "messageId": "m",
                "context": {"traits": {"0": "x", "a": "y"}},
            },
            [False, True],
        ),
        (
            ACTIONS_WITH_IDENTITY,
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "anonymousId": "a",
                "messageId": "m",
                "context": {"traits": {"b": "x", "a": "y"}},
            },
            [True, True],
        ),
    ],
)
def test_actions_calls_are_marked_plain_only_in_javascript_key_order(
    profile: str | Profile, message: dict[str, Any], marked: list[bool]
) -> None:
    calls = translate(message, profile)
    assert all(type(call) in (Track, AddUserProperties) for call in calls)
    assert [plain_json(call) for call in calls] == marked
