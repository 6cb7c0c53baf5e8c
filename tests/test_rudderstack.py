"""The rudderstack-cloud and rudderstack-device profiles against rudderstack.md.

§A.5 lists the transformer's twelve processor cases; each is a row below with the request
RudderStack sends (or the error it raises). §B's device-mode tests that are about mapping
follow, then flattenJson vectors from §A.3 and the rules of §A.2 the upstream tests leave out.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import heapseg
from heapseg import AddUserProperties, Identify, InvalidEvent, Track, Unsupported

APP_ID = "<app id>"
US = "https://heapanalytics.com"
EU = "https://c.eu.heap-api.com"
HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}

IDENTIFY_TEST_0: dict[str, Any] = {
    "type": "identify",
    "userId": "sampath",
    "anonymousId": "sampath",
    "traits": {"anonymousId": "sampath", "email": "sampath@gmail.com"},
}
TRACK_TEST_1: dict[str, Any] = {
    "type": "track",
    "userId": "sampath",
    "anonymousId": "sampath",
    "event": "Send Transactional Email",
    "properties": {"subject": "Welcome to My App!", "variation": "A"},
    "timestamp": "2020-01-16T18:53:20.866+05:30",
    "originalTimestamp": "2020-01-16T13:23:20.844Z",
    "context": {"traits": {"anonymousId": "sampath", "email": "sampath@gmail.com"}},
}
TEST_0_BODY = {
    "identity": "sampath",
    "properties": {"anonymousId": "sampath", "email": "sampath@gmail.com"},
    "app_id": APP_ID,
}
TEST_1_BODY = {
    "identity": "sampath",
    "event": "Send Transactional Email",
    "properties": {"subject": "Welcome to My App!", "variation": "A"},
    "app_id": APP_ID,
    "timestamp": "2020-01-16T18:53:20.866+05:30",
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    message = json.loads(json.dumps(base))
    for key, value in changes.items():
        if value is ...:
            message.pop(key, None)
        else:
            message[key] = value
    return message


def _tracked(**changes: Any) -> dict[str, Any]:
    return _with(TRACK_TEST_1, **changes)


IDEMPOTENT_PROPERTIES = {
    "subject": "Welcome to My App!",
    "variation": "A",
    "idempotencyKey": "1234",
}

# (name, message, region, URL, body) for every §A.5 case that RudderStack answers with 200.
SENT = [
    ("Test 0", IDENTIFY_TEST_0, "US", f"{US}/api/add_user_properties", TEST_0_BODY),
    (
        "Blank user id",
        _with(IDENTIFY_TEST_0, userId=""),
        "US",
        f"{US}/api/add_user_properties",
        TEST_0_BODY,
    ),
    ("Test 1", TRACK_TEST_1, "US", f"{US}/api/track", TEST_1_BODY),
    (
        "Test 4",
        _tracked(
            properties=IDEMPOTENT_PROPERTIES,
            timestamp="2021-02-16T18:53:20.866+05:30",
            originalTimestamp="2021-02-16T18:53:20.866+05:30",
        ),
        "US",
        f"{US}/api/track",
        {
            **TEST_1_BODY,
            "timestamp": "2021-02-16T18:53:20.866+05:30",
            "idempotency_key": "1234",
        },
    ),
    (
        "Test 5",
        _tracked(properties=IDEMPOTENT_PROPERTIES, originalTimestamp="2020-01-17T13:23:20.844Z"),
        "US",
        f"{US}/api/track",
        {**TEST_1_BODY, "idempotency_key": "1234"},
    ),
    (
        "Test 6",
        _tracked(
            properties={
                "Location": {"City": "Los Angeles", "State": "CA"},
                "hobbies": ["Music", "Running"],
            }
        ),
        "US",
        f"{US}/api/track",
        {
            **TEST_1_BODY,
            "properties": {
                "Location.City": "Los Angeles",
                "Location.State": "CA",
                "hobbies[0]": "Music",
                "hobbies[1]": "Running",
            },
        },
    ),
    (
        "Test 7",
        _tracked(originalTimestamp="2020-01-17T13:23:20.844Z"),
        "US",
        f"{US}/api/track",
        TEST_1_BODY,
    ),
    (
        "EU data residency identify request uses the EU Heap API endpoint",
        _with(
            IDENTIFY_TEST_0,
            context={},
            traits={"email": "sampath@gmail.com", "plan": "Growth"},
        ),
        "eu",
        f"{EU}/api/add_user_properties",
        {
            "identity": "sampath",
            "properties": {"email": "sampath@gmail.com", "plan": "Growth"},
            "app_id": APP_ID,
        },
    ),
    (
        "EU data residency track request uses the EU Heap API endpoint",
        _tracked(context={}),
        "eu",
        f"{EU}/api/track",
        TEST_1_BODY,
    ),
]


@pytest.mark.parametrize(
    ("message", "region", "url", "body"),
    [case[1:] for case in SENT],
    ids=[case[0] for case in SENT],
)
def test_upstream_cases_sent(message: dict[str, Any], region: str, url: str, body: Any) -> None:
    calls = heapseg.translate(message, "rudderstack-cloud")
    requests = heapseg.http.render(calls, app_id=APP_ID, profile="rudderstack-cloud", region=region)
    assert len(requests) == 1
    (request,) = requests
    assert request.method == "POST"
    assert request.url == url
    assert dict(request.headers) == HEADERS
    assert request.body == body
    assert json.loads(request.content) == body


def test_upstream_test_2_no_type_breaks_the_segment_spec() -> None:
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(_with(IDENTIFY_TEST_0, type=...), "rudderstack-cloud")
    assert raised.value.path == "$.type"


def test_upstream_test_3_page_is_not_supported() -> None:
    (call,) = heapseg.translate(_tracked(type="page"), "rudderstack-cloud")
    assert isinstance(call, Unsupported)
    assert call.type == "page"
    assert "message type page is not supported" in call.reason


def test_upstream_test_8_no_user_id_at_all() -> None:
    """No userId and no anonymousId: RudderStack says "userId is required"; the Segment
    spec already requires one of the two, so the message is invalid."""
    message = {"type": "identify", "traits": {"email": "sampath@gmail.com"}}
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(message, "rudderstack-cloud")
    assert raised.value.path == "$.userId"


def test_body_keys_in_the_order_the_transformer_builds_them() -> None:
    (request,) = heapseg.http.render(
        heapseg.translate(_tracked(properties=IDEMPOTENT_PROPERTIES), "rudderstack-cloud"),
        app_id=APP_ID,
        profile="rudderstack-cloud",
    )
    assert list(request.body) == [
        "identity",
        "properties",
        "app_id",
        "event",
        "timestamp",
        "idempotency_key",
    ]
    (request,) = heapseg.http.render(
        heapseg.translate(IDENTIFY_TEST_0, "rudderstack-cloud"),
        app_id=APP_ID,
        profile="rudderstack-cloud",
    )
    assert list(request.body) == ["identity", "properties", "app_id"]


@pytest.mark.parametrize("region", ["US", "EU", "Eu", "eu ", "us", ""])
def test_only_exact_lowercase_eu_selects_the_eu_host(region: str) -> None:
    (request,) = heapseg.http.render(
        heapseg.translate(TRACK_TEST_1, "rudderstack-cloud"),
        app_id=APP_ID,
        profile="rudderstack-cloud",
        region=region,
    )
    assert request.url == f"{US}/api/track"


# ---- §A.2 rules the upstream cases leave out --------------------------------------------

IDENTITY_CHAIN = [
    ("userId first", {"userId": "u", "anonymousId": "a", "traits": {"userId": "t"}}, "u"),
    ("traits.userId", {"anonymousId": "a", "traits": {"userId": "tu", "id": "ti"}}, "tu"),
    ("traits.id", {"anonymousId": "a", "traits": {"userId": "", "id": "ti"}}, "ti"),
    (
        "context.traits.userId",
        {"anonymousId": "a", "traits": {"id": 0}, "context": {"traits": {"userId": "cu"}}},
        "cu",
    ),
    ("context.traits.id", {"anonymousId": "a", "context": {"traits": {"id": "ci"}}}, "ci"),
    ("anonymousId last", {"userId": "", "anonymousId": "a", "traits": {"id": False}}, "a"),
    ("numeric userId stays a number", {"userId": 42}, 42),
    ("numeric 1.0 is the JS number 1", {"userId": 1.0}, 1),
]


@pytest.mark.parametrize(
    ("fields", "identity"),
    [case[1:] for case in IDENTITY_CHAIN],
    ids=[case[0] for case in IDENTITY_CHAIN],
)
def test_identity_is_the_first_truthy_source(fields: dict[str, Any], identity: Any) -> None:
    message = {"type": "track", "event": "E", **fields}
    (call,) = heapseg.translate(message, "rudderstack-cloud")
    assert isinstance(call, Track)
    assert call.identity == identity
    assert type(call.identity) is type(identity)


def test_user_id_zero_and_no_other_source_is_rejected() -> None:
    (call,) = heapseg.translate({"type": "track", "event": "E", "userId": 0}, "rudderstack-cloud")
    assert call == Unsupported(
        "track", "RudderStack's Heap destination rejects it: userId is required"
    )


def test_identity_that_heap_cannot_take_is_unsupported() -> None:
    message = {"type": "track", "event": "E", "anonymousId": "a", "traits": {"userId": {"x": 1}}}
    (call,) = heapseg.translate(message, "rudderstack-cloud")
    assert isinstance(call, Unsupported)
    assert '{"x":1}' in call.reason


def test_mixed_case_type_is_invalid() -> None:
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(_with(IDENTIFY_TEST_0, type="Identify"), "rudderstack-cloud")
    assert raised.value.path == "$.type"


@pytest.mark.parametrize("kind", ["page", "screen", "group", "alias"])
def test_other_types_are_not_supported(kind: str) -> None:
    message = {"type": kind, "userId": "u", "previousId": "p", "groupId": "g"}
    (call,) = heapseg.translate(message, "rudderstack-cloud")
    assert call == Unsupported(
        kind, f"RudderStack's Heap destination rejects it: message type {kind} is not supported"
    )


def test_identify_without_traits_anywhere() -> None:
    (call,) = heapseg.translate({"type": "identify", "userId": "u"}, "rudderstack-cloud")
    assert isinstance(call, Unsupported)
    assert "traits are required" in call.reason


def test_identify_traits_win_over_context_traits_without_merging() -> None:
    message = {
        "type": "identify",
        "userId": "u",
        "traits": {},
        "context": {"traits": {"plan": "Growth"}},
    }
    assert heapseg.translate(message, "rudderstack-cloud") == [AddUserProperties({}, identity="u")]
    message["traits"] = None
    assert heapseg.translate(message, "rudderstack-cloud") == [
        AddUserProperties({"plan": "Growth"}, identity="u")
    ]


def test_identify_context_traits_that_are_not_an_object() -> None:
    message = {"type": "identify", "userId": "u", "context": {"traits": "plan"}}
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(message, "rudderstack-cloud")
    assert raised.value.path == "$.context.traits"


def test_identify_sends_no_timestamp_and_drops_idempotency_key_from_traits() -> None:
    message = {
        "type": "identify",
        "userId": "u",
        "timestamp": "2020-01-16T18:53:20.866+05:30",
        "traits": {"idempotencyKey": "k", "a": {"idempotencyKey": "n"}},
    }
    assert heapseg.translate(message, "rudderstack-cloud") == [
        AddUserProperties({"a.idempotencyKey": "n"}, identity="u")
    ]


def test_track_with_empty_event_is_rejected() -> None:
    (call,) = heapseg.translate(_tracked(event=""), "rudderstack-cloud")
    assert isinstance(call, Unsupported)
    assert "event is required" in call.reason


@pytest.mark.parametrize("event", [..., None, 5])
def test_track_without_a_string_event_is_invalid(event: Any) -> None:
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(_tracked(event=event), "rudderstack-cloud")
    assert raised.value.path == "$.event"


TIMESTAMPS = [
    (
        "timestamp kept verbatim",
        {"timestamp": "2020-01-16T18:53:20.866+05:30"},
        "2020-01-16T18:53:20.866+05:30",
    ),
    (
        "null timestamp falls back",
        {"timestamp": None, "originalTimestamp": "2020-01-17T13:23:20.844Z"},
        "2020-01-17T13:23:20.844Z",
    ),
    (
        "originalTimestamp alone",
        {"timestamp": ..., "originalTimestamp": "2020-01-17T13:23:20.844Z"},
        "2020-01-17T13:23:20.844Z",
    ),
    ("neither", {"timestamp": ..., "originalTimestamp": ...}, None),
]


@pytest.mark.parametrize(
    ("fields", "timestamp"),
    [case[1:] for case in TIMESTAMPS],
    ids=[case[0] for case in TIMESTAMPS],
)
def test_timestamp_or_original_timestamp(fields: dict[str, Any], timestamp: Any) -> None:
    (call,) = heapseg.translate(_tracked(**fields), "rudderstack-cloud")
    assert isinstance(call, Track)
    assert call.timestamp == timestamp
    (request,) = heapseg.http.render([call], app_id=APP_ID, profile="rudderstack-cloud")
    assert request.body.get("timestamp") == timestamp
    assert ("timestamp" in request.body) is (timestamp is not None)


def test_unreadable_timestamp_is_invalid() -> None:
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(_tracked(timestamp="not a date"), "rudderstack-cloud")
    assert raised.value.path == "$.timestamp"


IDEMPOTENCY = [
    ("string", "1234", "1234"),
    ("number kept a number", 1234, 1234),
    ("empty string is falsy", "", None),
    ("zero is falsy", 0, None),
    ("null", None, None),
]


@pytest.mark.parametrize(
    ("value", "key"), [case[1:] for case in IDEMPOTENCY], ids=[case[0] for case in IDEMPOTENCY]
)
def test_idempotency_key_when_truthy_and_always_removed(value: Any, key: Any) -> None:
    (call,) = heapseg.translate(
        _tracked(properties={"a": 1, "idempotencyKey": value}), "rudderstack-cloud"
    )
    assert isinstance(call, Track)
    assert call.idempotency_key == key
    assert dict(call.properties) == {"a": 1}


# ---- flattenJson (§A.3) -----------------------------------------------------------------

FLATTEN_JSON = [
    ("nested object", {"Location": {"City": "LA"}}, {"Location.City": "LA"}),
    (
        "primitive array",
        {"hobbies": ["Music", "Running"]},
        {"hobbies[0]": "Music", "hobbies[1]": "Running"},
    ),
    (
        "array of objects",
        {"items": [{"sku": "a"}, {"sku": "b"}]},
        {"items[0].sku": "a", "items[1].sku": "b"},
    ),
    ("nested arrays", {"m": [[1, 2]]}, {"m[0][0]": 1, "m[0][1]": 2}),
    (
        "empty array and object kept",
        {"a": [], "o": {}, "n": {"e": {}}},
        {"a": [], "o": {}, "n.e": {}},
    ),
    (
        "null, booleans and numbers kept",
        {"n": None, "t": True, "f": False, "x": 1.5, "z": 0},
        {"n": None, "t": True, "f": False, "x": 1.5, "z": 0},
    ),
    ("no stringifying, no truncation", {"s": "x" * 2000}, {"s": "x" * 2000}),
    ("nested idempotencyKey stays", {"x": {"idempotencyKey": "k"}}, {"x.idempotencyKey": "k"}),
    ("JS number formats", {"a": 1.0, "b": 2**60}, {"a": 1, "b": 1152921504606846976}),
    # flattenJson joins with `prop ? `${prop}.${key}` : key` and writes an empty object
    # only when `prop` is truthy; an empty array is written under any key.
    ("keys under the empty key", {"": {"a": 1}, "x": {"": {"b": 2}}}, {"a": 1, "x..b": 2}),
    ("chain of empty keys", {"": {"": {"c": 1}}}, {"c": 1}),
    ("empty object under the empty key", {"": {}, "e": {"": {}}}, {"e.": {}}),
    ("empty array under the empty key", {"": [], "b": [{"": 1}]}, {"": [], "b[0].": 1}),
    # `result["__proto__"] = v` sets the result's prototype: no key.
    ("__proto__ value dropped", {"__proto__": 1, "a": 1}, {"a": 1}),
    ("__proto__ empty object dropped", {"__proto__": {}, "b": []}, {"b": []}),
    ("__proto__ object flattened", {"__proto__": {"x": 1}}, {"__proto__.x": 1}),
]


@pytest.mark.parametrize(
    ("properties", "flattened"),
    [case[1:] for case in FLATTEN_JSON],
    ids=[case[0] for case in FLATTEN_JSON],
)
def test_flatten_json(properties: dict[str, Any], flattened: dict[str, Any]) -> None:
    (call,) = heapseg.translate(_tracked(properties=properties), "rudderstack-cloud")
    assert isinstance(call, Track)
    assert list(call.properties.items()) == list(flattened.items())


DEVICE_NULLS = [
    # processHeapProperties drops nulls after flattenJson: a null written over a value
    # removes the key, a value written over a null keeps the null's place.
    ({"a.b": 1, "c": 2, "a": {"b": None}}, {"c": 2}),
    ({"a.b": None, "c": 2, "a": {"b": 3}}, {"a.b": 3, "c": 2}),
    ({"": {}, "n": None, "x": {"": {}}}, {"x.": {}}),
]


@pytest.mark.parametrize(("properties", "sent"), DEVICE_NULLS)
def test_device_mode_drops_nulls_after_flattening(
    properties: dict[str, Any], sent: dict[str, Any]
) -> None:
    (call,) = heapseg.translate(_tracked(properties=properties), "rudderstack-device")
    assert isinstance(call, Track)
    assert list(call.properties.items()) == list(sent.items())


def test_missing_properties_flatten_to_an_empty_object() -> None:
    (call,) = heapseg.translate(_tracked(properties=...), "rudderstack-cloud")
    assert isinstance(call, Track)
    assert dict(call.properties) == {}


def test_null_properties_flatten_to_the_empty_key() -> None:
    """flattenJson keeps a non-object under the key '' (undefined vanishes, null does not)."""
    (call,) = heapseg.translate(_tracked(properties=None), "rudderstack-cloud")
    assert isinstance(call, Track)
    assert dict(call.properties) == {"": None}


# ---- integrations object ----------------------------------------------------------------

INTEGRATIONS = [
    ("no object", None, True),
    ("Heap false", {"Heap": False}, False),
    ("HEAP false", {"HEAP": False}, False),
    ("Heap.io false", {"Heap.io": False}, False),
    ("other names do not count", {"HEAP.IO": False, "heapio": False}, True),
    ("All false", {"All": False}, False),
    ("All false, heap true", {"All": False, "heap": True}, True),
    ("All false, options object", {"All": False, "Heap": {"x": 1}}, True),
    ("last name wins", {"Heap": False, "HEAP": True}, True),
]


@pytest.mark.parametrize("profile", ["rudderstack-cloud", "rudderstack-device"])
@pytest.mark.parametrize(
    ("integrations", "enabled"),
    [case[1:] for case in INTEGRATIONS],
    ids=[case[0] for case in INTEGRATIONS],
)
def test_integrations_object_under_any_name(profile: str, integrations: Any, enabled: bool) -> None:
    message = _tracked(integrations=integrations)
    calls = heapseg.translate(message, profile)
    assert (not isinstance(calls[0], Unsupported)) is enabled


# ---- device mode (§B) -------------------------------------------------------------------

DEVICE = [
    (
        "identify with userId: identify, then context.traits",
        {"type": "identify", "userId": "test-user", "context": {"traits": {"name": "Test User"}}},
        [Identify("test-user"), AddUserProperties({"name": "Test User"})],
    ),
    (
        "empty userId skips identify",
        {
            "type": "identify",
            "userId": "",
            "anonymousId": "a",
            "context": {"traits": {"name": "T"}},
        },
        [AddUserProperties({"name": "T"})],
    ),
    (
        "null userId skips identify",
        {"type": "identify", "userId": None, "anonymousId": "a", "context": {"traits": {"n": 1}}},
        [AddUserProperties({"n": 1})],
    ),
    (
        "missing userId skips identify",
        {"type": "identify", "anonymousId": "a", "context": {"traits": {"n": 1}}},
        [AddUserProperties({"n": 1})],
    ),
    (
        "identify reads context.traits, not traits",
        {"type": "identify", "userId": "u", "traits": {"plan": "x"}},
        [Identify("u"), AddUserProperties({})],
    ),
    (
        "empty context.traits",
        {"type": "identify", "userId": "u", "context": {"traits": {}}},
        [Identify("u"), AddUserProperties({})],
    ),
    (
        "null context.traits",
        {"type": "identify", "userId": "u", "context": {"traits": None}},
        [Identify("u"), AddUserProperties({})],
    ),
    (
        "track",
        {
            "type": "track",
            "anonymousId": "a",
            "event": "test_event",
            "properties": {"test": "value"},
        },
        [Track("test_event", {"test": "value"})],
    ),
    (
        "track without properties",
        {"type": "track", "anonymousId": "a", "event": "test_event"},
        [Track("test_event", {})],
    ),
    (
        "track with null properties",
        {"type": "track", "anonymousId": "a", "event": "test_event", "properties": None},
        [Track("test_event", {})],
    ),
    (
        "processHeapProperties flattens and drops nulls",
        {
            "type": "track",
            "anonymousId": "a",
            "event": "E",
            "properties": {
                "n": None,
                "o": {"p": None, "q": 1, "e": {}},
                "l": ["x", None, []],
            },
        },
        [Track("E", {"o.q": 1, "o.e": {}, "l[0]": "x", "l[2]": []})],
    ),
]


@pytest.mark.parametrize(
    ("message", "calls"), [case[1:] for case in DEVICE], ids=[case[0] for case in DEVICE]
)
def test_device_mode(message: dict[str, Any], calls: list[Any]) -> None:
    assert heapseg.translate(message, "rudderstack-device") == calls


@pytest.mark.parametrize("kind", ["page", "screen", "group", "alias"])
def test_device_mode_implements_only_identify_and_track(kind: str) -> None:
    message = {"type": kind, "userId": "u", "previousId": "p", "groupId": "g"}
    (call,) = heapseg.translate(message, "rudderstack-device")
    assert isinstance(call, Unsupported)
    assert call.type == kind


def test_device_mode_has_no_http_requests() -> None:
    with pytest.raises(heapseg.ConfigurationError):
        heapseg.http.render([], app_id=APP_ID, profile="rudderstack-device")


# ---- evolving single choices ------------------------------------------------------------


def test_evolve_rudderstack_cloud_to_user_id_only_identity() -> None:
    """Without the fallback chain, an anonymous event has no identity and is rejected."""
    user_id_only = attrs.evolve(
        heapseg.PROFILES["rudderstack-cloud"], track_identity_from=("$.userId",)
    )
    message = {"type": "track", "event": "E", "anonymousId": "a"}
    (default,) = heapseg.translate(message, "rudderstack-cloud")
    assert isinstance(default, Track)
    assert default.identity == "a"
    (evolved,) = heapseg.translate(message, user_id_only)
    assert isinstance(evolved, Unsupported)
    assert "userId is required" in evolved.reason
