"""The classic profiles against Segment's classic Heap destination (segment-classic.md).

``classic-device`` reproduces analytics.js-integration-heap 2.1.x (heap.js calls),
``classic-cloud`` reproduces @segment/integration-heap 1.1.5 (HTTP). Section numbers
below refer to segment-classic.md; every expectation is a vector quoted there or
derived by hand from the rules it states.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

import heapseg
import heapseg.http
from heapseg import AddUserProperties, Identify, InvalidEvent, Track, Unsupported
from tests import classic_fixtures

DEVICE = "classic-device"
CLOUD = "classic-cloud"
CLASSIC = (DEVICE, CLOUD)

Message = dict[str, Any]
Props = dict[str, Any]


def translate(message: Any, profile: str) -> list[heapseg.Call]:
    return heapseg.translate(message, profile)


def assert_unsupported(calls: list[heapseg.Call], message_type: str) -> None:
    assert len(calls) == 1
    (call,) = calls
    assert isinstance(call, Unsupported)
    assert call.type == message_type
    assert isinstance(call.reason, str)
    assert call.reason.strip()


# --- §4 device mode: the web test cases --------------------------------------------------

AJS_CONTEXT = {
    "library": {"name": "analytics.js", "version": "3.13.2"},
    "page": {"path": "/", "url": "http://localhost/", "title": "test"},
}


def ajs_identify(user_id: str | None = None, traits: Props | None = None) -> Message:
    """An identify as analytics.js sends it: anonymousId, context and a timestamp always set."""
    return {
        "type": "identify",
        "userId": user_id,
        "anonymousId": "ajs-anonymous",
        "messageId": "ajs-1",
        "timestamp": "2019-08-13T10:00:00.000Z",
        "context": AJS_CONTEXT,
        "integrations": {},
        "traits": traits if traits is not None else {},
    }


def ajs_track(event: str, properties: Props | None = None) -> Message:
    """A track as analytics.js sends it (properties is ``{}`` when none are given)."""
    return {
        "type": "track",
        "event": event,
        "userId": None,
        "anonymousId": "ajs-anonymous",
        "messageId": "ajs-2",
        "timestamp": "2019-08-13T10:00:00.000Z",
        "context": AJS_CONTEXT,
        "integrations": {},
        "properties": properties if properties is not None else {},
    }


WEB_CASES = [
    pytest.param(
        ajs_identify(traits={"trait": True, "number": 1}),
        [AddUserProperties({"trait": True, "number": 1})],
        id="web-7 identify without userId: no heap.identify, no id",
    ),
    pytest.param(
        ajs_identify(traits={"trait": True, "email": "email@email.org"}),
        [AddUserProperties({"trait": True, "_email": "email@email.org"})],
        id="web-8 email trait becomes _email",
    ),
    pytest.param(
        ajs_identify("id"),
        [Identify("id"), AddUserProperties({"id": "id"})],
        id="web-9 identify(id)",
    ),
    pytest.param(
        ajs_identify("id", {"trait": "trait"}),
        [Identify("id"), AddUserProperties({"id": "id", "trait": "trait"})],
        id="web-10 identify(id, traits)",
    ),
    pytest.param(
        ajs_identify(
            "id",
            {
                "email": "teemo@teemo.com",
                "property": 3,
                "foo": {"bar": {"hello": "teemo"}, "cheese": ["1", 2, "cheers"]},
                "products": [{"A": "Jello", "B": 1}, {"B": "Peanut", "C": True}],
            },
        ),
        [
            Identify("id"),
            AddUserProperties(
                {
                    "id": "id",
                    "_email": "teemo@teemo.com",
                    "property": 3,
                    "foo.bar.hello": "teemo",
                    "foo.cheese": '["1",2,"cheers"]',
                    "products": '[{"A":"Jello","B":1},{"B":"Peanut","C":true}]',
                }
            ),
        ],
        id="web-11 flatten, stringify arrays, _email",
    ),
    pytest.param(
        ajs_identify("id", {"date": "2016-01-01T00:00:00.000Z"}),
        [Identify("id"), AddUserProperties({"id": "id", "date": "2016-01-01T00:00:00.000Z"})],
        id="web-12 new Date('2016') trait",
    ),
    pytest.param(ajs_track("event"), [Track("event", {})], id="web-13 track(event)"),
    pytest.param(
        ajs_track("event", {"property": True}),
        [Track("event", {"property": True})],
        id="web-14 track(event, properties)",
    ),
    pytest.param(
        ajs_track("event", {"prop2": None}),
        [Track("event", {})],
        id="web-15 null property dropped",
    ),
    pytest.param(
        ajs_track(
            "event",
            {
                "hello": "hello",
                "property": 3,
                "foo": {"bar": {"hello": "teemo"}, "cheese": ["1", 2, "cheers"]},
                "products": [{"A": "Jello", "B": "haha"}, {"A": "Peanut", "B": True}],
                "topArray": ["1", 2, True],
            },
        ),
        [
            Track(
                "event",
                {
                    "hello": "hello",
                    "property": 3,
                    "foo.bar.hello": "teemo",
                    "foo.cheese": '["1",2,"cheers"]',
                    "products": '[{"A":"Jello","B":"haha"},{"A":"Peanut","B":true}]',
                    "topArray": '["1",2,true]',
                },
            )
        ],
        id="web-16 track flattening",
    ),
]


@pytest.mark.parametrize(("message", "expected"), WEB_CASES)
def test_web_case(message: Message, expected: list[heapseg.Call]) -> None:
    assert translate(message, DEVICE) == expected


def test_web_1_settings_name_heap_option_app_id() -> None:
    """The integration is named ``Heap``; its one option, appId, belongs to rendering."""
    profile = heapseg.PROFILES[DEVICE]
    assert isinstance(profile, heapseg.Profile)
    assert profile.mode == "device"
    assert profile.integration_keys == ("Heap",)
    enabled_only_for_heap = {**ajs_track("event"), "integrations": {"All": False, "Heap": True}}
    assert translate(enabled_only_for_heap, DEVICE) == [Track("event", {})]


def test_web_2_3_only_stubbed_heap_methods_are_called() -> None:
    """heap.js stubs nine methods; the integration calls only identify, addUserProperties, track.

    In particular heap.identify gets one argument (2.1.1 reverted the identity type) and
    resetIdentity is never called.
    """
    kinds = set()
    for case in WEB_CASES:
        message = case.values[0]
        assert isinstance(message, dict)
        for call in translate(message, DEVICE):
            data = heapseg.to_dict(call)
            kinds.add(data["call"])
            if data["call"] == "identify":
                assert set(data) == {"call", "identity"}
    assert kinds == {"identify", "addUserProperties", "track"}


def test_web_4_app_id_lives_in_the_snippet_not_in_calls() -> None:
    """heap.load(appId) sets heap.appid in the browser; device calls cannot be sent as HTTP."""
    calls = translate(ajs_identify("id", {"trait": "trait"}), DEVICE)
    for call in calls:
        assert "app_id" not in heapseg.to_dict(call)
    with pytest.raises(heapseg.ConfigurationError):
        heapseg.http.render(calls, app_id=classic_fixtures.APP_ID, profile=DEVICE)


def test_web_5_6_page_after_load_is_a_no_op() -> None:
    """After loading, analytics.page() runs first; Heap has no page handler and keeps no state."""
    page = {
        "type": "page",
        "userId": None,
        "anonymousId": "ajs-anonymous",
        "name": "Home",
        "properties": {"path": "/", "url": "http://localhost/"},
        "context": AJS_CONTEXT,
    }
    assert_unsupported(translate(page, DEVICE), "page")
    identify = ajs_identify("id")
    alone = translate(identify, DEVICE)
    translate(page, DEVICE)
    assert translate(identify, DEVICE) == alone == [Identify("id"), AddUserProperties({"id": "id"})]


# --- §5 cloud mode: the server test cases --------------------------------------------------


def test_server_track_fixture() -> None:
    assert translate(classic_fixtures.TRACK_MESSAGE, CLOUD) == [
        Track(
            "TEEEMO2",
            classic_fixtures.TRACK_PROPERTIES,
            identity="user-id",
            timestamp="2017-04-21T21:49:04.987Z",
        )
    ]


def test_server_identify_fixture() -> None:
    assert translate(classic_fixtures.IDENTIFY_MESSAGE, CLOUD) == [
        AddUserProperties(classic_fixtures.IDENTIFY_PROPERTIES, identity="123456")
    ]


@pytest.mark.parametrize(
    "message",
    [
        pytest.param({"type": "identify", "anonymousId": "a1", "traits": {"a": 1}}, id="identify"),
        pytest.param(
            {"type": "identify", "userId": None, "anonymousId": "a1", "traits": {"a": 1}},
            id="identify-null",
        ),
        pytest.param({"type": "track", "anonymousId": "a1", "event": "e"}, id="track"),
        pytest.param(
            {"type": "track", "userId": None, "anonymousId": "a1", "event": "e"}, id="track-null"
        ),
    ],
)
def test_server_rejects_messages_without_user_id(message: Message) -> None:
    assert_unsupported(translate(message, CLOUD), message["type"])


def test_device_sends_anonymous_messages() -> None:
    assert translate({"type": "identify", "anonymousId": "a1", "traits": {"a": 1}}, DEVICE) == [
        AddUserProperties({"a": 1})
    ]
    assert translate({"type": "track", "anonymousId": "a1", "event": "e"}, DEVICE) == [
        Track("e", {})
    ]


def test_server_date_case() -> None:
    """``new Date('2016')`` as a property and as a trait arrives as its JSON form."""
    date = "2016-01-01T00:00:00.000Z"
    track = {"type": "track", "userId": "u1", "event": "e", "properties": {"date": date}}
    identify = {"type": "identify", "userId": "u1", "traits": {"datetime": date}}
    assert translate(track, CLOUD) == [
        Track("e", {"date": date, "segment_library": ""}, identity="u1")
    ]
    assert translate(identify, CLOUD) == [
        AddUserProperties({"datetime": date, "id": "u1", "segment_library": ""}, identity="u1")
    ]


# --- §3 clean, §2a dates and §9 numbers, through every carrier of traits or properties -----
#
# A carrier wraps a properties object in a message and says what calls it becomes, given
# what `clean` makes of it. The vectors below use no e-mail, `id` or `segment_library` keys,
# so the carriers add only what their integration always adds.

Carrier = Callable[[Props, Props], tuple[Message, list[heapseg.Call]]]


def _device_track(given: Props, cleaned: Props) -> tuple[Message, list[heapseg.Call]]:
    message = {"type": "track", "event": "e", "anonymousId": "a1", "properties": given}
    return message, [Track("e", cleaned)]


def _cloud_track(given: Props, cleaned: Props) -> tuple[Message, list[heapseg.Call]]:
    message = {"type": "track", "event": "e", "userId": "u1", "properties": given}
    return message, [Track("e", {**cleaned, "segment_library": ""}, identity="u1")]


def _device_identify(given: Props, cleaned: Props) -> tuple[Message, list[heapseg.Call]]:
    message = {"type": "identify", "anonymousId": "a1", "traits": given}
    return message, [AddUserProperties(cleaned)]


def _cloud_identify(given: Props, cleaned: Props) -> tuple[Message, list[heapseg.Call]]:
    message = {"type": "identify", "userId": "u1", "traits": given}
    expected = {**cleaned, "id": "u1", "segment_library": ""}
    return message, [AddUserProperties(expected, identity="u1")]


CARRIERS: dict[str, tuple[str, Carrier]] = {
    "device-track": (DEVICE, _device_track),
    "cloud-track": (CLOUD, _cloud_track),
    "device-identify": (DEVICE, _device_identify),
    "cloud-identify": (CLOUD, _cloud_identify),
}
CLOUD_CARRIERS = ("cloud-track", "cloud-identify")

CLEAN_VECTORS: list[tuple[str, Props, Props]] = [
    ("top-level null dropped", {"a": None, "b": 1}, {"b": 1}),
    ("nested null kept", {"a": {"b": None}}, {"a.b": None}),
    ("empty object kept", {"a": {}}, {"a": {}}),
    ("nested empty object kept", {"a": {"b": {}}}, {"a.b": {}}),
    ("collision, flattened key last", {"a.b": 1, "a": {"b": 2}}, {"a.b": 2}),
    ("collision, dotted key last", {"a": {"b": 2}, "a.b": 1}, {"a.b": 1}),
    ("nested arrays", {"a": [[1, 2], [3]]}, {"a": "[[1,2],[3]]"}),
    ("objects in arrays not flattened", {"a": [{"b": {"c": 1}}]}, {"a": '[{"b":{"c":1}}]'}),
    ("empty array", {"a": []}, {"a": "[]"}),
    ("empty array nested", {"a": {"b": []}}, {"a.b": "[]"}),
    ("verified: deep object", {"a": {"b": {"c": {"d": {"e": 1}}}}}, {"a.b.c.d.e": 1}),
    (
        "verified: mixed object",
        {"a": {"b": {"c": 1}, "d": {"e": 2}, "f": [1]}},
        {"a.b.c": 1, "a.d.e": 2, "a.f": "[1]"},
    ),
    ("verified: object in array", {"a": [{"b": {"c": 1}}]}, {"a": '[{"b":{"c":1}}]'}),
    ("booleans kept", {"t": True, "f": False}, {"t": True, "f": False}),
    ("numbers not stringified", {"n": 3, "x": 1.5, "z": 0}, {"n": 3, "x": 1.5, "z": 0}),
    ("strings kept, empty too", {"s": "", "t": "text"}, {"s": "", "t": "text"}),
    (
        "nested scalars typed",
        {"a": {"n": 1, "t": True, "s": "x"}},
        {"a.n": 1, "a.t": True, "a.s": "x"},
    ),
    ("null in array", {"a": [None, 1]}, {"a": "[null,1]"}),
    (
        "keys never altered",
        {"Last Name": "x", "a b": {"c.d": 1}},
        {"Last Name": "x", "a b.c.d": 1},
    ),
    (
        "stringify escapes like JSON.stringify",
        {"a": ["é", "/", "\u2028\u2029", '"\\', "\n\t\x01"]},
        {"a": '["é","/","\u2028\u2029","\\"\\\\","\\n\\t\\u0001"]'},
    ),
    (
        "integer-like keys first inside stringified objects",
        {"a": [{"b": 1, "10": 2, "01": 4, "-1": 5, "2": 3}]},
        {"a": '[{"2":3,"10":2,"b":1,"01":4,"-1":5}]'},
    ),
    (
        "integer-like keys are visited first, so the dotted key wins the collision",
        {"1.2": "top", "1": {"2": "nested"}},
        {"1.2": "top"},
    ),
    # §9: JSON.parse gives doubles; JSON.stringify writes them the JavaScript way.
    (
        "numbers as a JS double holds them",
        {"big": 2**64 + 1, "exact": 2**53 + 1, "nested": {"big": 2**64 + 1}, "z": -0.0},
        {"big": 2**64, "exact": 2**53, "nested.big": 2**64, "z": 0},
    ),
    ("JS number format in arrays", {"a": [1.0, 1e-7, 1e21, -0.0]}, {"a": "[1,1e-7,1e+21,0]"}),
    (
        "JS number format, plain forms",
        {"a": [100.0, 1e20, 1e-6, 1.2345678901234568e20, 0.1]},
        {"a": "[100,100000000000000000000,0.000001,123456789012345680000,0.1]"},
    ),
    (
        "JS number format, exponent forms",
        {"a": [1.5e-7, 1.5e-9, 1.23e-18, 1.7976931348623157e308, 5e-324]},
        {"a": "[1.5e-7,1.5e-9,1.23e-18,1.7976931348623157e+308,5e-324]"},
    ),
    (
        "big integers in arrays",
        {"a": [2**64 + 1, 2**53 + 1, -(2**64)]},
        {"a": "[18446744073709552000,9007199254740992,-18446744073709552000]"},
    ),
    ("JS number format in objects in arrays", {"a": [{"x": 2.50}]}, {"a": '[{"x":2.5}]'}),
    (
        "non-finite numbers in arrays become null",
        {"a": [float("nan"), float("inf"), float("-inf")]},
        {"a": "[null,null,null]"},
    ),
    # `flat` joins with `prev ? prev + "." + key : key`: no dot after an empty key.
    (
        "keys under the empty key",
        {"": {"a": 1, "": {"c": 2}}, "x": {"": {"b": 3}}, "e": {"": {}}},
        {"a": 1, "c": 2, "x..b": 3, "e.": {}},
    ),
    ("empty object under the empty key", {"": {}}, {"": {}}),
    # Writing the key "__proto__" sets an object's prototype in JavaScript: no key.
    ("top-level __proto__ dropped", {"__proto__": 1, "a": 1}, {"a": 1}),
    ("top-level __proto__ object dropped whole", {"__proto__": {"x": 1}, "a": 2}, {"a": 2}),
    ("nested __proto__ is an ordinary key", {"a": {"__proto__": {"x": 1}}}, {"a.__proto__.x": 1}),
    ("key flattened to __proto__ dropped", {"": {"__proto__": 2}, "b": 1}, {"b": 1}),
]


def _carrier_params(
    vectors: list[tuple[str, Props, Props]], carriers: tuple[str, ...] = tuple(CARRIERS)
) -> list[Any]:
    return [
        pytest.param(carrier, given, cleaned, id=f"{carrier}: {name}")
        for (name, given, cleaned), carrier in itertools.product(vectors, carriers)
    ]


@pytest.mark.parametrize(("carrier", "given", "cleaned"), _carrier_params(CLEAN_VECTORS))
def test_clean(carrier: str, given: Props, cleaned: Props) -> None:
    profile, wrap = CARRIERS[carrier]
    message, expected = wrap(given, cleaned)
    assert translate(message, profile) == expected


# §2a: strings that pass the strict ISO check become Dates and come out as ISO-ms strings,
# at the top level, as nested leaves, and inside stringified arrays.
DATE_STRINGS = [
    ("2016-01-01", "2016-01-01T00:00:00.000Z"),
    ("2016-01-01T10:00", "2016-01-01T10:00:00.000Z"),
    ("2016-01-01T10:00:00Z", "2016-01-01T10:00:00.000Z"),
    ("2016-01-01T10", "2016-01-01T10"),
    ("2016-01-01T10:00:00+05:30", "2016-01-01T04:30:00.000Z"),
    ("2016-01-01T10:00:00+0530", "2016-01-01T04:30:00.000Z"),
    ("2016-01-01T10:00:00-05", "2016-01-01T15:00:00.000Z"),
    ("2016-01-01T10:00:00,5Z", "2016-01-01T10:00:00.500Z"),
    ("2016-01-01T10:00:00.123456Z", "2016-01-01T10:00:00.123Z"),
    ("2014-09-03T00:00:00.000+00:00", "2014-09-03T00:00:00.000Z"),
    ("20160101", "20160101"),
    ("2016-1-01", "2016-1-01"),
    ("2016-01-01t10:00", "2016-01-01t10:00"),
    ("2016-01-01T10:00z", "2016-01-01T10:00z"),
    ("2016-01-01 is a date", "2016-01-01 is a date"),
    ("2016-13-45", "2017-02-14T00:00:00.000Z"),
    ("2016-02-30", "2016-03-01T00:00:00.000Z"),
    ("2016-01-01T24:30", "2016-01-02T00:30:00.000Z"),
    ("2016-00-00", "2016-01-01T00:00:00.000Z"),
    ("0050-01-01", "1950-01-01T00:00:00.000Z"),
    ("0099-12-31", "1999-12-31T00:00:00.000Z"),
]
"""Input string → what the integration sends; unchanged where the string is not converted."""

# A space separator takes the host's local offset; Segment's servers run in UTC.
SERVER_ONLY_DATE_STRINGS = [("2016-01-01 10:00", "2016-01-01T10:00:00.000Z")]


def _date_vectors(strings: list[tuple[str, str]]) -> list[tuple[str, Props, Props]]:
    return [
        (
            repr(given),
            {"top": given, "nested": {"d": given}, "list": [given, 1]},
            {"top": sent, "nested.d": sent, "list": f'["{sent}",1]'},
        )
        for given, sent in strings
    ]


@pytest.mark.parametrize(
    ("carrier", "given", "cleaned"),
    _carrier_params(_date_vectors(DATE_STRINGS))
    + _carrier_params(_date_vectors(SERVER_ONLY_DATE_STRINGS), CLOUD_CARRIERS),
)
def test_iso_date_strings(carrier: str, given: Props, cleaned: Props) -> None:
    profile, wrap = CARRIERS[carrier]
    message, expected = wrap(given, cleaned)
    assert translate(message, profile) == expected


# Years outside 1000..9999: toISOString pads and signs them (cloud mode, and nested or
# arrayed dates in device mode); the browser integration writes a top-level date with
# Segment's to-iso-string module, which prints the year as a plain number.
FAR_YEARS = [
    # (given, toISOString, to-iso-string)
    ("0100-01-01", "0100-01-01T00:00:00.000Z", "100-01-01T00:00:00.000Z"),
    ("0999-12-31T23:59:59.999Z", "0999-12-31T23:59:59.999Z", "999-12-31T23:59:59.999Z"),
    ("9999-99-99", "+010007-06-07T00:00:00.000Z", "10007-06-07T00:00:00.000Z"),
    ("1000-01-01", "1000-01-01T00:00:00.000Z", "1000-01-01T00:00:00.000Z"),
]


@pytest.mark.parametrize("carrier", list(CARRIERS))
@pytest.mark.parametrize(("given", "iso", "unpadded"), FAR_YEARS)
def test_years_outside_four_digits(carrier: str, given: str, iso: str, unpadded: str) -> None:
    profile, wrap = CARRIERS[carrier]
    top = unpadded if profile == DEVICE else iso
    message, expected = wrap(
        {"top": given, "nested": {"d": given}, "list": [given]},
        {"top": top, "nested.d": iso, "list": f'["{iso}"]'},
    )
    assert translate(message, profile) == expected


HAS_OWN_PROPERTY = "Segment's classic Heap destination fails on {} with a top-level key 'hasOwnProperty' (its clean step calls obj.hasOwnProperty, which that key replaces) and sends nothing more; rename the key to send them"  # noqa: E501


@pytest.mark.parametrize("profile", [CLOUD, DEVICE])
def test_a_has_own_property_key_makes_clean_throw(profile: str) -> None:
    """clean() loops with obj.hasOwnProperty(k); a key of that name replaces the method.
    Device identify has called heap.identify already."""
    track = {"type": "track", "event": "e", "userId": "u1", "properties": {"hasOwnProperty": 1}}
    assert translate(track, profile) == [
        Unsupported("track", HAS_OWN_PROPERTY.format("properties"))
    ]
    identify = {"type": "identify", "userId": "u1", "traits": {"hasOwnProperty": 1}}
    sent = [Unsupported("identify", HAS_OWN_PROPERTY.format("traits"))]
    assert translate(identify, profile) == ([Identify("u1")] if profile == DEVICE else []) + sent
    nested = {
        "type": "track",
        "event": "e",
        "userId": "u1",
        "properties": {"a": {"hasOwnProperty": 1}},
    }
    (call,) = translate(nested, profile)
    assert isinstance(call, Track)
    assert call.properties["a.hasOwnProperty"] == 1


def test_device_output_keeps_key_order() -> None:
    """userId overwrites a user-supplied ``id`` trait in place (§2b step 2)."""
    message = {"type": "identify", "userId": "u1", "traits": {"id": "old", "name": "n"}}
    identify, add_user_properties = translate(message, DEVICE)
    assert identify == Identify("u1")
    assert isinstance(add_user_properties, AddUserProperties)
    assert list(add_user_properties.properties.items()) == [("id", "u1"), ("name", "n")]


def test_deep_nesting() -> None:
    """No depth limit: deep objects flatten to one key, deep arrays stringify whole."""
    depth = 500
    nested: Any = 1
    arrays: Any = []
    for _ in range(depth):
        nested = {"a": nested}
        arrays = [arrays]
    properties = {"object": nested, "arrays": arrays}
    message = {"type": "track", "event": "e", "anonymousId": "a1", "properties": properties}
    json.loads(json.dumps(message))
    key = "object." + ".".join(["a"] * depth)
    assert translate(message, DEVICE) == [
        Track("e", {key: 1, "arrays": "[" * (depth + 1) + "]" * (depth + 1)})
    ]


# --- §2b identify traits and the e-mail alias ----------------------------------------------

EMAIL_CASES: list[tuple[str, Any, Props, Props]] = [
    ("email becomes _email", "u1", {"email": "a@b.co"}, {"id": "u1", "_email": "a@b.co"}),
    (
        "Email is found and kept",
        "u1",
        {"Email": "a@b.co"},
        {"Email": "a@b.co", "id": "u1", "_email": "a@b.co"},
    ),
    ("_email is found", "u1", {"_email": "a@b.co"}, {"_email": "a@b.co", "id": "u1"}),
    (
        "E-mail is found and kept",
        "u1",
        {"E-mail": "a@b.co"},
        {"E-mail": "a@b.co", "id": "u1", "_email": "a@b.co"},
    ),
    (
        "EMAIL is found and kept",
        "u1",
        {"EMAIL": "a@b.co"},
        {"EMAIL": "a@b.co", "id": "u1", "_email": "a@b.co"},
    ),
    (
        "first matching key wins, only the exact key email is deleted",
        "u1",
        {"EMAIL": "first@x.co", "email": "second@x.co"},
        {"EMAIL": "first@x.co", "id": "u1", "_email": "first@x.co"},
    ),
    (
        "alias overwrites an existing _email",
        "u1",
        {"email": "a@b.co", "_email": "old@b.co"},
        {"_email": "a@b.co", "id": "u1"},
    ),
    (
        "email-like userId is the fallback",
        "bob@x.com",
        {},
        {"id": "bob@x.com", "_email": "bob@x.com"},
    ),
    ("userId without a dot after @ is no email", "u@host", {}, {"id": "u@host"}),
    ("empty email, plain userId: sent unchanged", "u1", {"email": ""}, {"email": "", "id": "u1"}),
    (
        "empty email, email-like userId: alias from userId",
        "bob@x.com",
        {"email": ""},
        {"id": "bob@x.com", "_email": "bob@x.com"},
    ),
    (
        "first match empty: no alias, email kept",
        "u1",
        {"Email": "", "email": "b@x.co"},
        {"Email": "", "email": "b@x.co", "id": "u1"},
    ),
    ("null email: no alias, null dropped", "u1", {"email": None}, {"id": "u1"}),
    ("numeric email copied as is", "u1", {"email": 42}, {"id": "u1", "_email": 42}),
    ("userId overwrites an id trait", "u1", {"id": "old", "name": "n"}, {"id": "u1", "name": "n"}),
    ("numeric userId stays a number", 42, {"plan": "pro"}, {"plan": "pro", "id": 42}),
    (
        "userId beyond 2^53 as a JS double holds it",
        2**64 + 1,
        {},
        {"id": 2**64},
    ),
    ("userId 2^53 + 1 rounds to 2^53", 2**53 + 1, {}, {"id": 2**53}),
]


@pytest.mark.parametrize(
    ("user_id", "traits", "sent"),
    [pytest.param(u, t, s, id=name) for name, u, t, s in EMAIL_CASES],
)
@pytest.mark.parametrize("profile", CLASSIC)
def test_identify_traits(profile: str, user_id: Any, traits: Props, sent: Props) -> None:
    message = {"type": "identify", "userId": user_id, "traits": traits}
    expected_identity = sent["id"]
    if profile == DEVICE:
        expected: list[heapseg.Call] = [Identify(expected_identity), AddUserProperties(sent)]
    else:
        expected = [AddUserProperties({**sent, "segment_library": ""}, identity=expected_identity)]
    assert translate(message, profile) == expected


@pytest.mark.parametrize(
    ("user_id", "identity"),
    [
        pytest.param(42, 42, id="number stays a number"),
        pytest.param(2**64 + 1, 2**64, id="beyond 2^53 as a JS double holds it"),
        pytest.param("", "", id="empty string passes the null check"),
    ],
)
def test_cloud_track_identity(user_id: Any, identity: Any) -> None:
    message = {"type": "track", "event": "e", "userId": user_id, "anonymousId": "a1"}
    assert translate(message, CLOUD) == [Track("e", {"segment_library": ""}, identity=identity)]


@pytest.mark.parametrize(
    ("user_id", "device", "cloud"),
    [
        pytest.param(
            "",
            [AddUserProperties({"plan": "pro"})],
            [AddUserProperties({"plan": "pro", "segment_library": ""}, identity="")],
            id="empty string passes the cloud check but adds no id",
        ),
        pytest.param(
            0,
            [AddUserProperties({"plan": "pro"})],
            [AddUserProperties({"plan": "pro", "segment_library": ""}, identity=0)],
            id="zero",
        ),
        pytest.param(
            -0.0,
            [AddUserProperties({"plan": "pro"})],
            [AddUserProperties({"plan": "pro", "segment_library": ""}, identity=0)],
            id="minus zero",
        ),
    ],
)
def test_falsy_user_id(user_id: Any, device: list[Any], cloud: list[Any]) -> None:
    """userId is checked for null in cloud mode, but only a truthy one becomes identify/``id``."""
    message = {
        "type": "identify",
        "userId": user_id,
        "anonymousId": "a1",
        "traits": {"plan": "pro"},
    }
    assert translate(message, DEVICE) == device
    assert translate(message, CLOUD) == cloud


@pytest.mark.parametrize(
    ("traits", "sent"),
    [
        pytest.param({"id": "mine"}, {"id": "mine"}, id="user id trait passes through"),
        pytest.param({"email": "a@b.co"}, {"_email": "a@b.co"}, id="email alias"),
        pytest.param({}, {}, id="email-like anonymousId is no fallback"),
    ],
)
def test_device_anonymous_identify(traits: Props, sent: Props) -> None:
    message = {"type": "identify", "anonymousId": "bob@x.com", "traits": traits}
    assert translate(message, DEVICE) == [AddUserProperties(sent)]


# --- §2c track properties and the e-mail alias (cloud only) --------------------------------

TRACK_EMAIL_CASES: list[tuple[str, Any, Props, Any, Props]] = [
    (
        "context.traits.email beats properties.email",
        "u1",
        {"email": "p@x.co"},
        {"email": "c@x.co"},
        {"_email": "c@x.co"},
    ),
    (
        "context.traits.email alone adds _email",
        "u1",
        {"plan": "pro"},
        {"email": "c@x.co"},
        {"plan": "pro", "_email": "c@x.co"},
    ),
    ("properties.email", "u1", {"email": "p@x.co"}, None, {"_email": "p@x.co"}),
    (
        "empty context.traits.email falls through",
        "u1",
        {"email": "p@x.co"},
        {"email": ""},
        {"_email": "p@x.co"},
    ),
    (
        "context.traits._email counts",
        "u1",
        {},
        {"_email": "c@x.co"},
        {"_email": "c@x.co"},
    ),
    ("email-like userId fallback, no id", "bob@x.com", {}, None, {"_email": "bob@x.com"}),
    ("empty email kept", "u1", {"email": ""}, None, {"email": ""}),
]


@pytest.mark.parametrize(
    ("user_id", "properties", "context_traits", "sent"),
    [pytest.param(u, p, c, s, id=name) for name, u, p, c, s in TRACK_EMAIL_CASES],
)
def test_cloud_track_email_alias(
    user_id: Any, properties: Props, context_traits: Any, sent: Props
) -> None:
    message: Message = {"type": "track", "event": "e", "userId": user_id, "properties": properties}
    if context_traits is not None:
        message["context"] = {"traits": context_traits}
    assert translate(message, CLOUD) == [
        Track("e", {**sent, "segment_library": ""}, identity=user_id)
    ]


# Track's email() ends with proxy('options.traits.email'): one obj-case lookup of the
# dotted path in the context, which also finds a flat "traits.email" key, unless a
# "traits" key comes first (obj-case steps into the first key that matches a prefix).
FLAT_CONTEXT_EMAIL_CASES: list[tuple[str, Props, Props]] = [
    ("flat key", {"traits.email": "c@x.co"}, {"_email": "c@x.co"}),
    ("flat key in other casing", {"Traits.E-mail": "c@x.co"}, {"_email": "c@x.co"}),
    ("flat key after traits without one", {"traits": {}, "traits.email": "c@x.co"}, {}),
    (
        "flat key before traits without one",
        {"traits.email": "c@x.co", "traits": {}},
        {"_email": "c@x.co"},
    ),
    (
        "flat key before traits with one",
        {"traits.email": "f@x.co", "traits": {"email": "t@x.co"}},
        {"_email": "t@x.co"},
    ),
]


@pytest.mark.parametrize(
    ("context", "sent"),
    [pytest.param(c, s, id=name) for name, c, s in FLAT_CONTEXT_EMAIL_CASES],
)
def test_cloud_track_email_from_the_dotted_context_path(context: Props, sent: Props) -> None:
    message: Message = {"type": "track", "event": "e", "userId": "u1", "context": context}
    assert translate(message, CLOUD) == [Track("e", {**sent, "segment_library": ""}, identity="u1")]


@pytest.mark.parametrize(
    ("user_id", "properties", "context_traits"),
    [pytest.param(u, p, c, id=name) for name, u, p, c, _ in TRACK_EMAIL_CASES],
)
def test_device_track_has_no_email_alias(
    user_id: Any, properties: Props, context_traits: Any
) -> None:
    message: Message = {"type": "track", "event": "e", "userId": user_id, "properties": properties}
    if context_traits is not None:
        message["context"] = {"traits": context_traits}
    assert translate(message, DEVICE) == [Track("e", properties)]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(
            {
                "type": "track",
                "event": "e",
                "userId": "u1",
                "context": {"library": {"name": "analytics-node"}},
                "properties": {"segment_library": "mine"},
            },
            [Track("e", {"segment_library": "analytics-node"}, identity="u1")],
            id="track: library name overrides a user property",
        ),
        pytest.param(
            {"type": "track", "event": "e", "userId": "u1", "properties": {"segment_library": 1}},
            [Track("e", {"segment_library": ""}, identity="u1")],
            id="track: empty when the library is unknown",
        ),
        pytest.param(
            {
                "type": "identify",
                "userId": "u1",
                "context": {"library": {"name": "analytics-android"}},
                "traits": {"segment_library": "mine"},
            },
            [
                AddUserProperties(
                    {"segment_library": "analytics-android", "id": "u1"}, identity="u1"
                )
            ],
            id="identify: library name overrides a trait",
        ),
    ],
)
def test_cloud_segment_library(message: Message, expected: list[heapseg.Call]) -> None:
    assert translate(message, CLOUD) == expected


# --- cloud track timestamp (§5, §9) --------------------------------------------------------

TIMESTAMPS = [
    pytest.param("2017-04-21T21:49:04.987Z", "2017-04-21T21:49:04.987Z", id="ISO-ms kept"),
    pytest.param("2016-01-01T10:00:00+05:30", "2016-01-01T04:30:00.000Z", id="offset applied"),
    pytest.param(
        "2017-04-21T21:49:04.987654Z", "2017-04-21T21:49:04.987Z", id="fraction truncated"
    ),
    pytest.param("2014-09-03T00:00:00.000+00:00", "2014-09-03T00:00:00.000Z", id="python SDK"),
    pytest.param("2016-01-01", "2016-01-01T00:00:00.000Z", id="date only"),
    pytest.param(None, None, id="null: left out"),
]


@pytest.mark.parametrize(("given", "sent"), TIMESTAMPS)
def test_cloud_track_timestamp(given: Any, sent: Any) -> None:
    message = {"type": "track", "event": "e", "userId": "u1", "timestamp": given}
    assert translate(message, CLOUD) == [
        Track("e", {"segment_library": ""}, identity="u1", timestamp=sent)
    ]


def test_cloud_track_without_timestamp_leaves_it_out() -> None:
    message = {"type": "track", "event": "e", "userId": "u1"}
    (call,) = translate(message, CLOUD)
    assert call == Track("e", {"segment_library": ""}, identity="u1")
    assert "timestamp" not in heapseg.to_dict(call)


@pytest.mark.parametrize(("given", "sent"), TIMESTAMPS)
def test_device_track_has_no_timestamp(given: Any, sent: Any) -> None:
    message = {"type": "track", "event": "e", "userId": "u1", "timestamp": given}
    assert translate(message, DEVICE) == [Track("e", {})]


# --- unsupported types and the integrations object (§4, §5; segment-spec.md §1.5) ----------

OTHER_TYPES = [
    pytest.param({"type": "page", "userId": "u1", "name": "Home"}, id="page"),
    pytest.param({"type": "screen", "userId": "u1", "name": "Home"}, id="screen"),
    pytest.param({"type": "alias", "userId": "u1", "previousId": "a1"}, id="alias"),
    pytest.param({"type": "group", "userId": "u1", "groupId": "g1"}, id="group"),
]


@pytest.mark.parametrize("message", OTHER_TYPES)
@pytest.mark.parametrize("profile", CLASSIC)
def test_other_types_are_unsupported(profile: str, message: Message) -> None:
    assert_unsupported(translate(message, profile), message["type"])


MAPPED = {
    (DEVICE, "identify"): [Identify("u1"), AddUserProperties({"plan": "pro", "id": "u1"})],
    (CLOUD, "identify"): [
        AddUserProperties({"plan": "pro", "id": "u1", "segment_library": ""}, identity="u1")
    ],
    (DEVICE, "track"): [Track("e", {"plan": "pro"})],
    (CLOUD, "track"): [Track("e", {"plan": "pro", "segment_library": ""}, identity="u1")],
}
BASE_MESSAGES = {
    "identify": {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}},
    "track": {"type": "track", "event": "e", "userId": "u1", "properties": {"plan": "pro"}},
}

INTEGRATIONS = [
    pytest.param({}, True, id="empty"),
    pytest.param({"All": True}, True, id="All true"),
    pytest.param({"Heap": True}, True, id="Heap true"),
    pytest.param({"All": False, "Heap": True}, True, id="only Heap"),
    pytest.param({"All": False, "Heap": {}}, True, id="empty options object enables"),
    pytest.param({"All": False, "Heap": {"any": "option"}}, True, id="options object enables"),
    pytest.param({"Mixpanel": False}, True, id="another destination off"),
    pytest.param({"heap": False}, True, id="key is case-sensitive: heap"),
    pytest.param({"HEAP": False}, True, id="key is case-sensitive: HEAP"),
    pytest.param({"Heap": False}, False, id="Heap false"),
    pytest.param({"All": False}, False, id="All false"),
    pytest.param({"All": True, "Heap": False}, False, id="Heap false beats All true"),
    pytest.param({"All": False, "heap": True}, False, id="lowercase heap does not enable"),
    pytest.param({"All": False, "Mixpanel": True}, False, id="All false, another on"),
]


@pytest.mark.parametrize(("integrations", "enabled"), INTEGRATIONS)
@pytest.mark.parametrize("message_type", ["identify", "track"])
@pytest.mark.parametrize("profile", CLASSIC)
def test_integrations_object(
    profile: str, message_type: str, integrations: dict[str, Any], enabled: bool
) -> None:
    message = {**BASE_MESSAGES[message_type], "integrations": integrations}
    calls = translate(message, profile)
    if enabled:
        assert calls == MAPPED[profile, message_type]
    else:
        assert_unsupported(calls, message_type)


# --- messages that break the Segment spec ---------------------------------------------------

INVALID = [
    pytest.param(None, "$", id="null"),
    pytest.param([], "$", id="array"),
    pytest.param("track", "$", id="string"),
    pytest.param(3, "$", id="number"),
    pytest.param({"userId": "u1", "event": "e"}, "$.type", id="missing type"),
    pytest.param({"type": None, "userId": "u1"}, "$.type", id="null type"),
    pytest.param({"type": 3, "userId": "u1"}, "$.type", id="numeric type"),
    pytest.param({"type": "purchase", "userId": "u1"}, "$.type", id="unknown type"),
    pytest.param({"type": "Track", "userId": "u1", "event": "e"}, "$.type", id="type case"),
    pytest.param({"type": "track", "userId": "u1"}, "$.event", id="track without event"),
    pytest.param({"type": "track", "userId": "u1", "event": None}, "$.event", id="null event"),
    pytest.param({"type": "track", "userId": "u1", "event": 42}, "$.event", id="numeric event"),
    pytest.param({"type": "track", "userId": "u1", "event": {}}, "$.event", id="object event"),
    pytest.param({"type": "identify", "userId": "u1", "traits": []}, "$.traits", id="array traits"),
    pytest.param(
        {"type": "identify", "userId": "u1", "traits": "x"}, "$.traits", id="string traits"
    ),
    pytest.param(
        {"type": "track", "userId": "u1", "event": "e", "properties": []},
        "$.properties",
        id="array properties",
    ),
    pytest.param(
        {"type": "track", "userId": "u1", "event": "e", "properties": 1},
        "$.properties",
        id="numeric properties",
    ),
    pytest.param(
        {"type": "track", "userId": "u1", "event": "e", "timestamp": "yesterday"},
        "$.timestamp",
        id="track, unparseable timestamp",
    ),
    pytest.param(
        {"type": "identify", "userId": "u1", "timestamp": "not a date"},
        "$.timestamp",
        id="identify, unparseable timestamp",
    ),
    pytest.param(
        {"type": "track", "userId": "u1", "event": "e", "timestamp": {}},
        "$.timestamp",
        id="object timestamp",
    ),
    pytest.param({"type": "track", "event": "e"}, "$.userId", id="neither userId nor anonymousId"),
    pytest.param(
        {"type": "identify", "userId": None, "anonymousId": None},
        "$.userId",
        id="null userId and anonymousId",
    ),
    pytest.param({"type": "identify", "userId": True}, "$.userId", id="boolean userId"),
    pytest.param({"type": "identify", "userId": ["u1"]}, "$.userId", id="array userId"),
    pytest.param(
        {"type": "track", "userId": {"id": 1}, "event": "e"}, "$.userId", id="object userId"
    ),
]


@pytest.mark.parametrize(("message", "path"), INVALID)
@pytest.mark.parametrize("profile", CLASSIC)
def test_invalid_events(profile: str, message: Any, path: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        translate(message, profile)
    assert caught.value.path == path
    assert caught.value.reason.strip()
    assert isinstance(caught.value, heapseg.HeapsegError)
    assert isinstance(caught.value, ValueError)


# --- profile selection ----------------------------------------------------------------------


@pytest.mark.parametrize("message", list(BASE_MESSAGES.values()), ids=list(BASE_MESSAGES))
def test_default_profile_is_classic_cloud(message: Message) -> None:
    assert heapseg.translate(message) == translate(message, CLOUD)


@pytest.mark.parametrize("message", list(BASE_MESSAGES.values()), ids=list(BASE_MESSAGES))
@pytest.mark.parametrize("profile", CLASSIC)
def test_profile_object_equals_its_name(profile: str, message: Message) -> None:
    assert heapseg.PROFILES[profile].mode == ("device" if profile == DEVICE else "cloud")
    assert heapseg.translate(message, heapseg.PROFILES[profile]) == translate(message, profile)


@pytest.mark.parametrize("name", ["classic", "Classic-Cloud", "classic_cloud", ""])
def test_unknown_profile_name(name: str) -> None:
    with pytest.raises(heapseg.ConfigurationError):
        heapseg.translate(BASE_MESSAGES["track"], name)


def test_an_unreadable_huge_timestamp_is_quoted_briefly() -> None:
    message = {"type": "track", "userId": "u", "event": "E", "timestamp": "x" * 100_000}
    with pytest.raises(heapseg.InvalidEvent) as caught:
        heapseg.translate(message)
    assert caught.value.path == "$.timestamp"
    assert len(caught.value.reason) < 300
