"""Call descriptors: the ``to_dict`` shapes of the spec README, exact inverses, immutability."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

import heapseg
from heapseg import AddUserProperties, Identify, InvalidCall, Track, Unsupported, from_dict, to_dict
from tests.strategies import calls

SHAPES = [
    pytest.param(Identify("u1"), {"call": "identify", "identity": "u1"}, id="identify"),
    pytest.param(Identify(42), {"call": "identify", "identity": 42}, id="identify-numeric"),
    pytest.param(
        AddUserProperties({"plan": "pro"}),
        {"call": "addUserProperties", "properties": {"plan": "pro"}},
        id="addUserProperties-device",
    ),
    pytest.param(
        AddUserProperties({"plan": "pro"}, identity="u1"),
        {"call": "addUserProperties", "properties": {"plan": "pro"}, "identity": "u1"},
        id="addUserProperties-with-identity",
    ),
    pytest.param(
        AddUserProperties({"plan": "pro"}, identity="u1", origin="track"),
        {
            "call": "addUserProperties",
            "properties": {"plan": "pro"},
            "identity": "u1",
            "origin": "track",
        },
        id="addUserProperties-beside-a-track",
    ),
    pytest.param(
        Track("Signed Up", {"plan": "pro"}),
        {"call": "track", "event": "Signed Up", "properties": {"plan": "pro"}},
        id="track-bare",
    ),
    pytest.param(
        Track("Signed Up"),
        {"call": "track", "event": "Signed Up", "properties": {}},
        id="track-without-properties",
    ),
    pytest.param(
        Track(
            "Signed Up",
            {"plan": "pro"},
            identity="u1",
            anonymous_id="a1",
            timestamp="2017-04-21T21:49:04.987Z",
            idempotency_key="message-1",
        ),
        {
            "call": "track",
            "event": "Signed Up",
            "properties": {"plan": "pro"},
            "identity": "u1",
            "anonymous_id": "a1",
            "timestamp": "2017-04-21T21:49:04.987Z",
            "idempotency_key": "message-1",
        },
        id="track-with-optional-keys",
    ),
    pytest.param(
        Track("e", idempotency_key=42),
        {"call": "track", "event": "e", "properties": {}, "idempotency_key": 42},
        id="track-numeric-idempotency-key",
    ),
    pytest.param(
        Unsupported(type="page", reason="Heap autocaptures page views"),
        {"call": "unsupported", "type": "page", "reason": "Heap autocaptures page views"},
        id="unsupported",
    ),
]


@pytest.mark.parametrize(("call", "shape"), SHAPES)
def test_to_dict_shape(call: heapseg.Call, shape: dict[str, Any]) -> None:
    assert to_dict(call) == shape
    assert json.loads(json.dumps(to_dict(call))) == shape


@pytest.mark.parametrize(("call", "shape"), SHAPES)
def test_from_dict_reads_the_shape(call: heapseg.Call, shape: dict[str, Any]) -> None:
    assert from_dict(shape) == call
    assert type(from_dict(shape)) is type(call)


@settings(max_examples=200, deadline=None)
@given(calls)
def test_from_dict_inverts_to_dict(call: heapseg.Call) -> None:
    data = to_dict(call)
    assert from_dict(data) == call
    assert to_dict(from_dict(data)) == data
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert from_dict(json.loads(json.dumps(data))) == call


_TRACK = {"call": "track", "event": "e", "properties": {}}

BAD_DICTS = [
    pytest.param([], "$", id="not-an-object"),
    pytest.param("identify", "$", id="a-string"),
    pytest.param({}, "$.call", id="no-call"),
    pytest.param({"call": "Identify", "identity": "u1"}, "$.call", id="call-is-case-sensitive"),
    pytest.param({"call": "page"}, "$.call", id="unknown-call"),
    pytest.param({"call": "identify"}, "$.identity", id="identify-without-identity"),
    pytest.param({"call": "identify", "identity": None}, "$.identity", id="identify-null"),
    pytest.param({"call": "identify", "identity": True}, "$.identity", id="identify-boolean"),
    pytest.param({"call": "identify", "identity": ["u1"]}, "$.identity", id="identify-array"),
    pytest.param(
        {"call": "identify", "identity": "u1", "properties": {}},
        "$.properties",
        id="identify-has-no-properties",
    ),
    pytest.param({"call": "identify", "identity": "u1", "extra": 1}, "$.extra", id="unknown-key"),
    pytest.param({"call": "addUserProperties"}, "$.properties", id="aup-without-properties"),
    pytest.param(
        {"call": "addUserProperties", "properties": []}, "$.properties", id="aup-array-properties"
    ),
    pytest.param(
        {"call": "addUserProperties", "properties": {}, "identity": {}},
        "$.identity",
        id="aup-object-identity",
    ),
    pytest.param(
        {"call": "addUserProperties", "properties": {}, "origin": "identify"},
        "$.origin",
        id="aup-unknown-origin",
    ),
    pytest.param(
        {"call": "addUserProperties", "properties": {}, "origin": 1},
        "$.origin",
        id="aup-numeric-origin",
    ),
    pytest.param({**_TRACK, "origin": "track"}, "$.origin", id="track-has-no-origin"),
    pytest.param({"call": "track", "properties": {}}, "$.event", id="track-without-event"),
    pytest.param({**_TRACK, "event": 1}, "$.event", id="track-numeric-event"),
    pytest.param({**_TRACK, "properties": "x"}, "$.properties", id="track-string-properties"),
    pytest.param({**_TRACK, "timestamp": {}}, "$.timestamp", id="track-object-timestamp"),
    pytest.param({**_TRACK, "timestamp": True}, "$.timestamp", id="track-boolean-timestamp"),
    pytest.param({**_TRACK, "anonymous_id": 1}, "$.anonymous_id", id="track-numeric-anonymous"),
    pytest.param({**_TRACK, "user_id": 1}, "$.user_id", id="track-numeric-user-id"),
    pytest.param({**_TRACK, "email": []}, "$.email", id="track-array-email"),
    pytest.param({**_TRACK, "idempotency_key": []}, "$.idempotency_key", id="track-array-key"),
    pytest.param({**_TRACK, "warnings": "w"}, "$.warnings", id="warnings-a-string"),
    pytest.param({**_TRACK, "warnings": [1]}, "$.warnings", id="warnings-not-strings"),
    pytest.param({"call": "unsupported", "type": "page"}, "$.reason", id="unsupported-no-reason"),
    pytest.param({"call": "unsupported", "reason": "r"}, "$.type", id="unsupported-no-type"),
    pytest.param(
        {"call": "unsupported", "type": "page", "reason": "r", "warnings": []},
        "$.warnings",
        id="unsupported-has-no-warnings",
    ),
]


@pytest.mark.parametrize(("data", "path"), BAD_DICTS)
def test_from_dict_rejects_with_path(data: Any, path: str) -> None:
    with pytest.raises(InvalidCall) as caught:
        from_dict(data)
    assert caught.value.path == path
    assert caught.value.reason
    assert isinstance(caught.value, heapseg.HeapsegError)
    assert isinstance(caught.value, ValueError)


def test_from_dict_rejects_non_json_property_values() -> None:
    with pytest.raises(InvalidCall) as caught:
        from_dict({"call": "addUserProperties", "properties": {"a": {"b": object()}}})
    assert caught.value.path.startswith("$.properties")


def test_to_dict_returns_a_fresh_copy() -> None:
    call = Track(
        "e",
        {"list": [1, [2]], "object": {"inner": {}}},
        identity="u1",
        warnings=("w",),
    )
    first = to_dict(call)
    first["properties"]["list"][1].append(3)
    first["properties"]["object"]["inner"]["x"] = 1
    first["properties"]["new"] = True
    first["warnings"].append("x")
    first["event"] = "changed"
    assert to_dict(call) == {
        "call": "track",
        "event": "e",
        "properties": {"list": [1, [2]], "object": {"inner": {}}},
        "identity": "u1",
        "warnings": ["w"],
    }
    assert call == Track(
        "e", {"list": [1, [2]], "object": {"inner": {}}}, identity="u1", warnings=("w",)
    )


def test_from_dict_does_not_keep_the_callers_dict() -> None:
    data = {"call": "addUserProperties", "properties": {"a": 1, "list": [1]}}
    call = from_dict(data)
    data["properties"]["a"] = 2
    data["properties"]["list"].append(2)
    assert call == AddUserProperties({"a": 1, "list": [1]})


@pytest.mark.parametrize(
    ("call", "attribute", "value"),
    [
        (Identify("u1"), "identity", "u2"),
        (AddUserProperties({"a": 1}), "properties", {}),
        (Track("e", {"a": 1}), "event", "f"),
        (Track("e", {"a": 1}), "timestamp", "2016-01-01T00:00:00.000Z"),
        (Unsupported("page", "r"), "reason", "s"),
    ],
)
def test_calls_are_frozen(call: heapseg.Call, attribute: str, value: object) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(call, attribute, value)


@pytest.mark.parametrize("view", [False, True], ids=["dict", "read-only-view"])
@pytest.mark.parametrize("make", [AddUserProperties, lambda p: Track("e", p)])
def test_properties_are_a_private_read_only_mapping(make: Any, view: bool) -> None:
    """A caller's ``MappingProxyType`` is copied too: the dict behind it is still theirs."""
    source = {"a": 1}
    call = make(MappingProxyType(source) if view else source)
    source["a"] = 2
    source["b"] = 3
    assert dict(call.properties) == {"a": 1}
    with pytest.raises(TypeError):
        call.properties["a"] = 5


def test_calls_written_by_a_profile_equal_the_public_constructor() -> None:
    from heapseg._calls import plain_json, written_track, written_user_properties

    properties = MappingProxyType({"plan": "pro", "seats": 3})
    track = written_track("Signed Up", properties, identity="u1", timestamp="t", plain=True)
    public = Track("Signed Up", {"plan": "pro", "seats": 3}, identity="u1", timestamp="t")
    assert track == public
    assert repr(track) == repr(public)
    assert to_dict(track) == to_dict(public)
    users = written_user_properties(properties, identity="u1", plain=True)
    assert users == AddUserProperties({"plan": "pro", "seats": 3}, identity="u1")
    side = written_user_properties(properties, identity="u1", origin="track")
    assert side == AddUserProperties({"plan": "pro", "seats": 3}, identity="u1", origin="track")
    assert repr(side) == repr(AddUserProperties(properties, identity="u1", origin="track"))
    # Only translate's own calls are marked; any other way of making one is not.
    assert plain_json(track)
    assert plain_json(users)
    assert not plain_json(public)
    assert not plain_json(attrs.evolve(track, event="Renamed"))
    assert not plain_json(from_dict(to_dict(track)))  # type: ignore[arg-type]
    # A numeric identity may print differently (1e-07 against 1e-7): not marked.
    assert not plain_json(written_track("e", properties, identity=1e-7, plain=True))
