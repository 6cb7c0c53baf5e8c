"""``heapseg.http.render`` for the classic profiles: the requests of segment-classic.md §5."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import heapseg
from heapseg import AddUserProperties, Identify, Track, http
from tests import classic_fixtures
from tests.classic_fixtures import APP_ID

TRACK_URL = "https://heapanalytics.com/api/track"
ADD_USER_PROPERTIES_URL = "https://heapanalytics.com/api/add_user_properties"

TRACK_CALL = Track(
    "TEEEMO2",
    classic_fixtures.TRACK_PROPERTIES,
    identity="user-id",
    timestamp="2017-04-21T21:49:04.987Z",
)
IDENTIFY_CALL = AddUserProperties(classic_fixtures.IDENTIFY_PROPERTIES, identity="123456")


def headers_of(request: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


def assert_request(request: Any, url: str, body: dict[str, Any]) -> None:
    assert request.method == "POST"
    assert request.url == url
    headers = headers_of(request)
    assert headers["user-agent"] == "Segment.io/1.0"
    assert headers["content-type"] == "application/json"
    assert request.body == body
    assert isinstance(request.content, bytes)
    assert json.loads(request.content) == body


def test_track_fixture() -> None:
    (request,) = http.render([TRACK_CALL], app_id=APP_ID, profile="classic-cloud", region="US")
    assert_request(request, TRACK_URL, classic_fixtures.TRACK_BODY)


def test_identify_fixture() -> None:
    (request,) = http.render([IDENTIFY_CALL], app_id=APP_ID, profile="classic-cloud")
    assert_request(request, ADD_USER_PROPERTIES_URL, classic_fixtures.IDENTIFY_BODY)


def test_one_request_per_call_in_order() -> None:
    requests = http.render([IDENTIFY_CALL, TRACK_CALL, IDENTIFY_CALL], app_id=APP_ID)
    assert [r.url for r in requests] == [
        ADD_USER_PROPERTIES_URL,
        TRACK_URL,
        ADD_USER_PROPERTIES_URL,
    ]
    assert [r.body for r in requests] == [
        classic_fixtures.IDENTIFY_BODY,
        classic_fixtures.TRACK_BODY,
        classic_fixtures.IDENTIFY_BODY,
    ]


@pytest.mark.parametrize(
    ("message", "url", "body"),
    [
        pytest.param(
            classic_fixtures.TRACK_MESSAGE, TRACK_URL, classic_fixtures.TRACK_BODY, id="track"
        ),
        pytest.param(
            classic_fixtures.IDENTIFY_MESSAGE,
            ADD_USER_PROPERTIES_URL,
            classic_fixtures.IDENTIFY_BODY,
            id="identify",
        ),
    ],
)
def test_fixture_message_to_request(message: dict[str, Any], url: str, body: Any) -> None:
    calls = heapseg.translate(message, "classic-cloud")
    (request,) = http.render(calls, app_id=APP_ID, profile="classic-cloud")
    assert_request(request, url, body)


def test_track_without_timestamp_has_no_timestamp_key() -> None:
    (request,) = http.render([Track("e", {"segment_library": ""}, identity="u1")], app_id=APP_ID)
    assert request.body == {
        "app_id": APP_ID,
        "identity": "u1",
        "event": "e",
        "properties": {"segment_library": ""},
    }
    assert b"timestamp" not in request.content


def test_numeric_identity_stays_a_number() -> None:
    (request,) = http.render([AddUserProperties({"id": 42}, identity=42)], app_id=APP_ID)
    assert request.body == {"app_id": APP_ID, "identity": 42, "properties": {"id": 42}}
    assert re.search(rb'"identity":42[,}]', request.content)


def json_parse(content: bytes) -> Any:
    """Read JSON as JavaScript's JSON.parse does: every number is a double.

    ``18446744073709552000`` is how JavaScript writes the double 2^64; Python's json
    would read it back as a different, exact integer.
    """
    return json.loads(content, parse_int=float)


def _json_member(name: str, literal: str) -> re.Pattern[bytes]:
    """A compact ``"name":literal`` member, followed by the end of the value."""
    member = f'"{name}":{literal}'.encode()
    return re.compile(re.escape(member) + rb"[,}]")


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        pytest.param(1e-7, "1e-7", id="small exponent"),
        pytest.param(1.0, "1", id="integral float"),
        pytest.param(1e21, "1e+21", id="large exponent"),
        pytest.param(1e20, "100000000000000000000", id="plain up to 1e21"),
        pytest.param(-0.0, "0", id="minus zero"),
        pytest.param(2.0**64, "18446744073709552000", id="2^64 as a double"),
        pytest.param(0.1, "0.1", id="shortest round trip"),
        pytest.param(True, "true", id="boolean"),
        pytest.param(None, "null", id="nested null"),
    ],
)
def test_content_formats_numbers_as_javascript(value: Any, literal: str) -> None:
    (request,) = http.render([Track("e", {"n": value}, identity="u1")], app_id=APP_ID)
    assert _json_member("n", literal).search(request.content)
    assert request.body["properties"] == {"n": value}
    assert json_parse(request.content) == request.body


def test_user_id_beyond_2_53_is_sent_as_javascript_writes_it() -> None:
    """segment-classic.md §9: the integration sees the double JSON.parse made of the userId."""
    message = {"type": "identify", "userId": 18446744073709551617, "traits": {}}
    (request,) = http.render(heapseg.translate(message, "classic-cloud"), app_id=APP_ID)
    assert _json_member("identity", "18446744073709552000").search(request.content)
    assert _json_member("id", "18446744073709552000").search(request.content)


def test_content_is_compact_utf8_like_json_stringify() -> None:
    properties = {"text": "é/\u2028", "list": '["a","b"]', "object": {}}
    (request,) = http.render([Track("e", properties, identity="u1")], app_id=APP_ID)
    content = request.content
    assert "é/\u2028".encode() in content
    assert rb"\u" not in content
    assert rb"\/" not in content
    assert b": " not in content
    assert b", " not in content
    assert _json_member("object", "{}").search(content)
    assert json.loads(content) == request.body


@pytest.mark.parametrize(
    "calls",
    [
        pytest.param([Identify("id")], id="identify"),
        pytest.param([Identify("id"), AddUserProperties({"id": "id"})], id="identify+aup"),
        pytest.param([AddUserProperties({"trait": True})], id="aup"),
        pytest.param([Track("event", {})], id="track"),
    ],
)
def test_device_calls_cannot_be_rendered(calls: list[heapseg.Call]) -> None:
    with pytest.raises(heapseg.ConfigurationError):
        http.render(calls, app_id=APP_ID, profile="classic-device")


@pytest.mark.parametrize("app_id", ["", None])
def test_app_id_is_required(app_id: Any) -> None:
    """Upstream: 'setting "appId" is required' for a null, undefined or empty appId."""
    with pytest.raises(heapseg.ConfigurationError):
        http.render([TRACK_CALL], app_id=app_id, profile="classic-cloud")
