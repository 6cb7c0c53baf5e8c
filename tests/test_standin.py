"""The local Heap stand-in answers as heap-api.md describes Heap (§1-§5, §8, §9)."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest
from heap_standin import HeapStandIn, main

APP = "1535634150"


def post(
    standin: HeapStandIn,
    path: str,
    body: Any,
    *,
    content_type: str = "application/json",
    method: str = "POST",
) -> tuple[int, dict[str, str], str]:
    """Send one request; return status, headers (lowercase names) and the text body."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    port = int(standin.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, raw, {"Content-Type": content_type})
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.read().decode()
    finally:
        connection.close()


def ok(standin: HeapStandIn, path: str, body: Any) -> None:
    status, headers, text = post(standin, path, body)
    assert (status, text) == (200, ""), text
    assert headers["content-type"].startswith("text/plain")


def rejected(standin: HeapStandIn, path: str, body: Any) -> str:
    status, headers, text = post(standin, path, body)
    assert status == 400, text
    assert headers["content-type"].startswith("text/plain")
    assert text.startswith("Bad request: ")
    return text


def track(**fields: Any) -> dict[str, Any]:
    return {"app_id": APP, "identity": "user-id", "event": "Signed Up", **fields}


# --- accepted bodies ------------------------------------------------------------------------

VALID = [
    # heap-api.md §1: single track, with identity or with user_id
    ("/api/track", track()),
    ("/api/track", {"app_id": APP, "user_id": "9007199254740991", "event": "e"}),
    (
        "/api/track",
        track(
            properties={"plan": "pro", "seats": 3, "ratio": 0.5, "flavours": ["a", "b"]},
            timestamp="2017-03-10T22:21:56+00:00",
            idempotency_key="m-1",
            session_id="s-1",
        ),
    ),
    ("/api/track", track(timestamp="2017-04-21T21:49:04.987Z")),
    ("/api/track", track(timestamp="1524038400000")),
    ("/api/track", track(timestamp=1524038400000)),
    # booleans and null are accepted; null means "no value"
    ("/api/track", track(properties={"paid": True, "coupon": None})),
    # the limits themselves are allowed
    ("/api/track", track(identity="i" * 255, event="e" * 1024)),
    ("/api/track", track(properties={"k" * 1023: "v" * 1023})),
    ("/api/track", track(identity=12345)),
    # §2: bulk track, up to 1000 events
    ("/api/track", {"app_id": APP, "events": [{"identity": "a", "event": "e"}] * 1000}),
    # §3, §4: add_user_properties, single and bulk
    ("/api/add_user_properties", {"app_id": APP, "identity": "u", "properties": {"email": "x"}}),
    ("/api/add_user_properties", {"app_id": APP, "identity": "u"}),
    (
        "/api/add_user_properties",
        {"app_id": APP, "users": [{"identity": "u", "properties": {"n": 1}}] * 1000},
    ),
    # §5: identify
    ("/api/v1/identify", {"app_id": APP, "user_id": "42", "identity": "u"}),
    # segment-actions.md §2.3: Heap Cloud (Actions) track body
    (
        "/api/integrations/track",
        {
            "app_id": APP,
            "events": [
                {
                    "event": "Page viewed",
                    "custom_properties": {"segment_library": "cloud-mode-destination"},
                    "idempotency_key": "m-2",
                    "user_identifier": {"anonymous_id": "anon-1"},
                    "timestamp": "2024-01-01T00:00:00.000Z",
                }
            ],
            "library": "server",
        },
    ),
    # segment-actions.md §3.3: Heap Cloud users body, with every identifier present
    (
        "/api/integrations/add_user_properties",
        {
            "app_id": APP,
            "library": "server",
            "users": [
                {
                    "user_identifier": {"identity": "u"},
                    "custom_properties": {"vip": True, "age": 3, "gone": None},
                }
            ],
        },
    ),
    (
        "/api/integrations/track",
        {
            "app_id": APP,
            "library": "server",
            "events": [
                {
                    "event": "track",
                    "user_identifier": {
                        "identity": "u",
                        "anonymous_id": "a",
                        "user_id": "7",
                        "email": "u@example.com",
                    },
                    "custom_properties": {},
                    "idempotency_key": "m-3",
                    "timestamp": "2024-01-01T02:00:00+02:00",
                }
            ],
        },
    ),
]


@pytest.mark.parametrize(("path", "body"), VALID)
def test_accepts_documented_bodies(standin: HeapStandIn, path: str, body: Any) -> None:
    ok(standin, path, body)
    [accepted] = standin.accepted
    assert (accepted.path, accepted.body, accepted.status) == (path, body, 200)


def test_content_type_parameters_are_allowed(standin: HeapStandIn) -> None:
    status, _, _ = post(
        standin, "/api/track", track(), content_type="application/json; charset=utf-8"
    )
    assert status == 200


# --- rejected bodies ------------------------------------------------------------------------

INVALID = [
    # path, body, words the reason must contain
    ("/api/track", {"identity": "u", "event": "e"}, "app_id"),
    ("/api/track", track(app_id=1535634150), "app_id"),
    ("/api/track", track(app_id=""), "app_id"),
    ("/api/track", {"app_id": APP, "identity": "u"}, "event"),
    ("/api/track", track(event=""), "event"),
    ("/api/track", track(event="e" * 1025), "event is longer than 1024"),
    ("/api/track", track(identity="i" * 256), "identity is longer than 255"),
    ("/api/track", track(identity=""), "identity"),
    ("/api/track", track(identity=True), "identity"),
    ("/api/track", track(user_id="1"), "exactly one of identity and user_id"),
    ("/api/track", {"app_id": APP, "event": "e"}, "exactly one of identity and user_id"),
    ("/api/track", {"app_id": APP, "event": "e", "user_id": "abc"}, "user_id"),
    ("/api/track", {"app_id": APP, "event": "e", "user_id": "-1"}, "user_id"),
    ("/api/track", {"app_id": APP, "event": "e", "user_id": "9007199254740992"}, "2^53"),
    ("/api/track", track(properties={"k" * 1024: 1}), "key of 1024"),
    ("/api/track", track(properties={"k": "v" * 1024}), "1024 characters or more"),
    ("/api/track", track(properties={"k": {"nested": 1}}), "nested"),
    ("/api/track", track(properties={"k": [["nested"]]}), "nested"),
    ("/api/track", track(properties=["a"]), "properties must be an object"),
    ("/api/track", track(timestamp="yesterday"), "timestamp"),
    ("/api/track", track(timestamp=True), "timestamp"),
    ("/api/track", track(idempotency_key={"k": 1}), "idempotency_key"),
    ("/api/track", track(session_id=5), "session_id"),
    ("/api/track", {"app_id": APP, "events": []}, "events must be a non-empty array"),
    ("/api/track", {"app_id": APP, "events": {"identity": "u"}}, "events"),
    (
        "/api/track",
        {"app_id": APP, "events": [{"identity": "a", "event": "e"}] * 1001},
        "1001 items; at most 1000",
    ),
    (
        "/api/track",
        {"app_id": APP, "events": [{"identity": "a", "event": "e"}, {"identity": "a"}]},
        "events[1].event",
    ),
    ("/api/add_user_properties", {"app_id": APP, "properties": {}}, "identity is required"),
    ("/api/add_user_properties", {"app_id": APP, "identity": "i" * 256}, "255"),
    (
        "/api/add_user_properties",
        {"app_id": APP, "identity": "u", "properties": {"p": "v" * 1024}},
        "1024",
    ),
    (
        "/api/add_user_properties",
        {"app_id": APP, "users": [{"identity": "u"}] * 1001},
        "at most 1000",
    ),
    ("/api/add_user_properties", {"app_id": APP, "users": [{"properties": {}}]}, "users[0]"),
    ("/api/v1/identify", {"app_id": APP, "identity": "u"}, "user_id is required"),
    ("/api/v1/identify", {"app_id": APP, "user_id": "1"}, "identity is required"),
    (
        "/api/integrations/track",
        {"app_id": APP, "events": [{"event": "e", "user_identifier": {"identity": "u"}}]},
        "library",
    ),
    (
        "/api/integrations/track",
        {"app_id": APP, "library": "server", "events": [{"event": "e", "user_identifier": {}}]},
        "user_identifier needs one of",
    ),
    (
        "/api/integrations/track",
        {"app_id": APP, "library": "server", "events": [{"user_identifier": {"identity": "u"}}]},
        "events[0].event",
    ),
    (
        "/api/integrations/add_user_properties",
        {
            "app_id": APP,
            "library": "server",
            "users": [{"user_identifier": {"identity": "u"}, "custom_properties": {"x": {}}}],
        },
        "nested",
    ),
]


@pytest.mark.parametrize(("path", "body", "words"), INVALID)
def test_rejects_each_rule_violation(
    standin: HeapStandIn, path: str, body: Any, words: str
) -> None:
    assert words in rejected(standin, path, body)
    assert standin.accepted == []
    assert standin.events == []
    assert [r.status for r in standin.received] == [400]


def test_rejects_a_body_that_is_not_json(standin: HeapStandIn) -> None:
    assert "not JSON" in rejected(standin, "/api/track", b"{app_id: 1}")


def test_rejects_nan(standin: HeapStandIn) -> None:
    assert "NaN" in rejected(standin, "/api/track", b'{"app_id": "1", "x": NaN}')


def test_rejects_a_body_that_is_not_an_object(standin: HeapStandIn) -> None:
    assert "JSON object" in rejected(standin, "/api/track", [track()])


def test_rejects_other_content_types(standin: HeapStandIn) -> None:
    status, _, text = post(standin, "/api/track", track(), content_type="text/plain")
    assert (status, text) == (400, "Bad request: Content-Type must be application/json")


def test_unknown_paths_and_methods(standin: HeapStandIn) -> None:
    assert post(standin, "/api/v1/track", track())[0] == 404
    status, headers, _ = post(standin, "/api/track", track(), method="GET")
    assert (status, headers["allow"]) == (405, "POST")


def test_unknown_app_id_when_environments_are_given() -> None:
    with HeapStandIn(app_ids=frozenset({APP}), lifetime=60) as standin:
        ok(standin, "/api/track", track())
        assert "unknown app_id 'x'" in rejected(standin, "/api/track", track(app_id="x"))


# --- what it stores ---------------------------------------------------------------------------


def test_events_are_deduplicated_by_idempotency_key(standin: HeapStandIn) -> None:
    # heap-api.md §1: later calls with the same key do not add or update the event.
    ok(standin, "/api/track", track(event="first", idempotency_key="k1"))
    ok(standin, "/api/track", track(event="second", idempotency_key="k1"))
    ok(standin, "/api/track", track(event="no key"))
    ok(standin, "/api/track", track(event="no key"))
    ok(standin, "/api/track", track(event="other app", idempotency_key="k1", app_id="2"))
    bulk = {"app_id": APP, "events": [{"identity": "u", "event": "bulk", "idempotency_key": "k2"}]}
    ok(standin, "/api/track", {**bulk, "events": bulk["events"] * 2})
    integration = {
        "app_id": APP,
        "library": "server",
        "events": [
            {
                "event": "integration",
                "idempotency_key": "k2",
                "user_identifier": {"anonymous_id": "a"},
            }
        ],
    }
    ok(standin, "/api/integrations/track", integration)
    names = [(e["app_id"], e["event"]) for e in standin.events]
    assert names == [
        (APP, "first"),
        (APP, "no key"),
        (APP, "no key"),
        ("2", "other app"),
        (APP, "bulk"),
    ]
    assert len(standin.accepted) == 7


def test_user_properties_merge_per_identity(standin: HeapStandIn) -> None:
    # heap-api.md §3: properties overwrite values of the same name; null changes nothing here,
    # arrays are joined with "||".
    path = "/api/add_user_properties"
    ok(standin, path, {"app_id": APP, "identity": "u", "properties": {"a": 1, "b": "x"}})
    ok(standin, path, {"app_id": APP, "identity": "u", "properties": {"b": "y", "a": None}})
    ok(standin, path, {"app_id": APP, "users": [{"identity": "v", "properties": {"l": [1, "z"]}}]})
    ok(
        standin,
        "/api/integrations/add_user_properties",
        {
            "app_id": APP,
            "library": "server",
            "users": [{"user_identifier": {"identity": "u"}, "custom_properties": {"c": True}}],
        },
    )
    assert standin.users == {
        (APP, "u"): {"a": 1, "b": "y", "c": True},
        (APP, "v"): {"l": "1||z"},
    }


def test_identify_calls_are_recorded(standin: HeapStandIn) -> None:
    body = {"app_id": APP, "user_id": "42", "identity": "u"}
    ok(standin, "/api/v1/identify", body)
    assert standin.identifies == [body]


# --- failure injection ------------------------------------------------------------------------


def test_fails_the_next_requests_as_told(standin: HeapStandIn) -> None:
    standin.fail_next(1, 429, retry_after="7")
    standin.fail_next(1, 503)
    status, headers, text = post(standin, "/api/track", track())
    assert (status, headers["retry-after"], text) == (429, "7", "Too many requests")
    status, _, text = post(standin, "/api/track", track())
    assert (status, text) == (503, "Service unavailable")
    ok(standin, "/api/track", track())
    assert [r.status for r in standin.received] == [429, 503, 200]
    assert len(standin.events) == 1


def test_429_without_retry_after(standin: HeapStandIn) -> None:
    standin.fail_next(1, 429, retry_after=None)
    status, headers, _ = post(standin, "/api/track", track())
    assert status == 429
    assert "retry-after" not in headers


def test_drops_the_connection(standin: HeapStandIn) -> None:
    standin.fail_next(1, "drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(standin, "/api/track", track())
    assert standin.events == []
    ok(standin, "/api/track", track())
    assert [r.status for r in standin.received] == [None, 200]


def test_accepts_then_drops(standin: HeapStandIn) -> None:
    standin.fail_next(1, "accept-then-drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(standin, "/api/track", track(idempotency_key="k"))
    ok(standin, "/api/track", track(idempotency_key="k"))
    assert len(standin.events) == 1
    assert len(standin.accepted) == 2


def test_reset_forgets_everything(standin: HeapStandIn) -> None:
    ok(standin, "/api/track", track())
    standin.fail_next(3, 503)
    standin.reset()
    ok(standin, "/api/track", track())
    assert len(standin.received) == 1


# --- lifecycle --------------------------------------------------------------------------------


def test_binds_loopback_only(standin: HeapStandIn) -> None:
    assert standin.url.startswith("http://127.0.0.1:")


def test_stops_by_itself_after_its_lifetime() -> None:
    standin = HeapStandIn(lifetime=0.05).start()
    port = int(standin.url.rsplit(":", 1)[1])
    assert standin.wait(timeout=30)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_stop_is_idempotent() -> None:
    standin = HeapStandIn(lifetime=60).start()
    standin.stop()
    standin.stop()
    with pytest.raises(RuntimeError):
        _ = standin.url


def test_runs_as_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--port", "0", "--lifetime", "0.05", "--app-id", APP])
    assert capsys.readouterr().out.startswith("Heap stand-in listening on http://127.0.0.1:")
