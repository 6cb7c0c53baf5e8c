"""Bulk rendering: Heap's bulk bodies (heap-api.md §2, §4, §8), caps, order and separation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
import send_urllib
from heap_standin import HeapStandIn
from hypothesis import given, settings
from hypothesis import strategies as st

import heapseg
from heapseg import AddUserProperties, ConfigurationError, Track
from heapseg._bulk import BulkCaps, batch
from heapseg.http import Request, render

APP = "1535634150"
US = "https://heapanalytics.com"
EU = "https://c.eu.heap-api.com"
CLASSIC = {"Content-Type": "application/json", "User-Agent": "Segment.io/1.0"}
ACTIONS = {"content-type": "application/json", "user-agent": "Segment (Actions)"}


def track(identity: str, event: str = "E", app_id: str = APP, **extra: Any) -> Request:
    body = {"app_id": app_id, "identity": identity, "event": event, "properties": {}, **extra}
    return Request("POST", f"{US}/api/track", CLASSIC, body)


def users(identity: str, app_id: str = APP, **properties: Any) -> Request:
    body = {"app_id": app_id, "identity": identity, "properties": properties}
    return Request("POST", f"{US}/api/add_user_properties", CLASSIC, body)


def integration_track(
    identifier: Mapping[str, str], key: str, host: str = US, library: str = "server"
) -> Request:
    event = {"event": "E", "custom_properties": {}, "idempotency_key": key}
    event["user_identifier"] = dict(identifier)
    body = {"app_id": APP, "events": [event], "library": library}
    return Request("POST", f"{host}/api/integrations/track", ACTIONS, body)


def integration_users(identity: str, host: str = US, **properties: Any) -> Request:
    user = {"user_identifier": {"identity": identity}, "custom_properties": properties}
    body = {"app_id": APP, "library": "server", "users": [user]}
    return Request("POST", f"{host}/api/integrations/add_user_properties", ACTIONS, body)


def identify_v1(identity: str, user_id: str) -> Request:
    body = {"app_id": APP, "identity": identity, "user_id": user_id}
    return Request("POST", f"{US}/api/v1/identify", CLASSIC, body)


def bulk(requests: list[Request], max_items: int = 1000, max_bytes: int | None = None) -> Any:
    out = batch(requests, BulkCaps(max_items, max_bytes), lambda r, b: attrs.evolve(r, body=b))
    return [(r.url.removeprefix(US).removeprefix(EU), r.body) for r in out]


def event(identity: str, name: str = "E", **extra: Any) -> dict[str, Any]:
    return {"identity": identity, "event": name, "properties": {}, **extra}


def user(identity: str, **properties: Any) -> dict[str, Any]:
    return {"identity": identity, "properties": properties}


# --- table: what the bulk bodies look like -------------------------------------------------

TABLE: list[tuple[str, list[Request], list[tuple[str, dict[str, Any]]]]] = [
    (
        "single tracks become one events array, each event without app_id (§2)",
        [track("u1", "A"), track("u2", "B", timestamp="2024-05-01T09:15:02.123Z")],
        [
            (
                "/api/track",
                {
                    "app_id": APP,
                    "events": [
                        event("u1", "A"),
                        event("u2", "B", timestamp="2024-05-01T09:15:02.123Z"),
                    ],
                },
            )
        ],
    ),
    (
        "single user properties become one users array of identity and properties (§4)",
        [users("u1", plan="pro"), users("u2", seats=3)],
        [
            (
                "/api/add_user_properties",
                {"app_id": APP, "users": [user("u1", plan="pro"), user("u2", seats=3)]},
            )
        ],
    ),
    (
        "a lone request still takes the bulk form",
        [track("u1", idempotency_key="m1")],
        [("/api/track", {"app_id": APP, "events": [event("u1", idempotency_key="m1")]})],
    ),
    (
        "identify then track per user: one request per endpoint, users before events",
        [users("u1", a=1), track("u1", "A"), users("u2", b=2), track("u2", "B")],
        [
            (
                "/api/add_user_properties",
                {"app_id": APP, "users": [user("u1", a=1), user("u2", b=2)]},
            ),
            ("/api/track", {"app_id": APP, "events": [event("u1", "A"), event("u2", "B")]}),
        ],
    ),
    (
        "a track after user properties of its identity is not pulled in front of them",
        [track("u1", "A"), users("u1", a=1), track("u1", "B")],
        [
            ("/api/track", {"app_id": APP, "events": [event("u1", "A")]}),
            ("/api/add_user_properties", {"app_id": APP, "users": [user("u1", a=1)]}),
            ("/api/track", {"app_id": APP, "events": [event("u1", "B")]}),
        ],
    ),
    (
        "another identity's track may join the earlier request",
        [track("u1", "A"), users("u1", a=1), track("u2", "B")],
        [
            ("/api/track", {"app_id": APP, "events": [event("u1", "A"), event("u2", "B")]}),
            ("/api/add_user_properties", {"app_id": APP, "users": [user("u1", a=1)]}),
        ],
    ),
    (
        "app ids are never mixed",
        [track("u1", "A"), track("u1", "B", app_id="other")],
        [
            ("/api/track", {"app_id": APP, "events": [event("u1", "A")]}),
            ("/api/track", {"app_id": "other", "events": [event("u1", "B")]}),
        ],
    ),
    (
        "integrations arrays merge, keeping library and the key order of the body (§8)",
        [
            integration_track({"anonymous_id": "a1"}, "m1"),
            integration_track({"identity": "u2", "anonymous_id": "a2"}, "m2"),
        ],
        [
            (
                "/api/integrations/track",
                {
                    "app_id": APP,
                    "events": [
                        {
                            "event": "E",
                            "custom_properties": {},
                            "idempotency_key": "m1",
                            "user_identifier": {"anonymous_id": "a1"},
                        },
                        {
                            "event": "E",
                            "custom_properties": {},
                            "idempotency_key": "m2",
                            "user_identifier": {"identity": "u2", "anonymous_id": "a2"},
                        },
                    ],
                    "library": "server",
                },
            )
        ],
    ),
    (
        "a different library is a different envelope",
        [
            integration_track({"anonymous_id": "a1"}, "m1"),
            integration_track({"anonymous_id": "a2"}, "m2", library="Segment"),
        ],
        [
            ("/api/integrations/track", integration_track({"anonymous_id": "a1"}, "m1").body),
            (
                "/api/integrations/track",
                integration_track({"anonymous_id": "a2"}, "m2", library="Segment").body,
            ),
        ],
    ),
    (
        "integrations user properties merge; an event naming the identity waits for them",
        [
            integration_users("u1", plan="pro"),
            integration_track({"identity": "u1", "anonymous_id": "a1"}, "m1"),
            integration_users("u2", plan="free"),
        ],
        [
            (
                "/api/integrations/add_user_properties",
                {
                    "app_id": APP,
                    "library": "server",
                    "users": [
                        {
                            "user_identifier": {"identity": "u1"},
                            "custom_properties": {"plan": "pro"},
                        },
                        {
                            "user_identifier": {"identity": "u2"},
                            "custom_properties": {"plan": "free"},
                        },
                    ],
                },
            ),
            (
                "/api/integrations/track",
                integration_track({"identity": "u1", "anonymous_id": "a1"}, "m1").body,
            ),
        ],
    ),
    (
        "identifier values match across fields: identity u1 orders against anonymous_id u1",
        [
            integration_track({"anonymous_id": "u1"}, "m1"),
            integration_users("u1", plan="pro"),
            integration_track({"anonymous_id": "u1"}, "m2"),
        ],
        [
            ("/api/integrations/track", integration_track({"anonymous_id": "u1"}, "m1").body),
            ("/api/integrations/add_user_properties", integration_users("u1", plan="pro").body),
            ("/api/integrations/track", integration_track({"anonymous_id": "u1"}, "m2").body),
        ],
    ),
    (
        "/api/v1/identify has no bulk form: it passes through and nothing crosses it",
        [track("u1", "A"), identify_v1("u2", "123"), track("u3", "B")],
        [
            ("/api/track", {"app_id": APP, "events": [event("u1", "A")]}),
            ("/api/v1/identify", {"app_id": APP, "identity": "u2", "user_id": "123"}),
            ("/api/track", {"app_id": APP, "events": [event("u3", "B")]}),
        ],
    ),
    (
        "a body with a field bulk items do not document passes through",
        [track("u1", "A", library="x"), track("u2", "B")],
        [
            ("/api/track", track("u1", "A", library="x").body),
            ("/api/track", {"app_id": APP, "events": [event("u2", "B")]}),
        ],
    ),
    (
        "an item with no identifier orders against everything",
        [
            integration_track({"anonymous_id": "a1"}, "m1"),
            integration_users("u1"),
            integration_track({}, "m2"),
            integration_track({"anonymous_id": "a3"}, "m3"),
        ],
        [
            ("/api/integrations/track", integration_track({"anonymous_id": "a1"}, "m1").body),
            ("/api/integrations/add_user_properties", integration_users("u1").body),
            (
                "/api/integrations/track",
                {
                    "app_id": APP,
                    "events": [
                        integration_track({}, "m2").body["events"][0],
                        integration_track({"anonymous_id": "a3"}, "m3").body["events"][0],
                    ],
                    "library": "server",
                },
            ),
        ],
    ),
]


@pytest.mark.parametrize(
    ("requests", "expected"),
    [(requests, expected) for _, requests, expected in TABLE],
    ids=[name for name, _, _ in TABLE],
)
def test_bulk_bodies(requests: list[Request], expected: list[tuple[str, Any]]) -> None:
    assert bulk(requests) == expected


def test_max_items_splits_in_order() -> None:
    assert bulk([track(f"u{i}", str(i)) for i in range(5)], max_items=2) == [
        ("/api/track", {"app_id": APP, "events": [event("u0", "0"), event("u1", "1")]}),
        ("/api/track", {"app_id": APP, "events": [event("u2", "2"), event("u3", "3")]}),
        ("/api/track", {"app_id": APP, "events": [event("u4", "4")]}),
    ]


def test_hosts_and_headers_are_never_mixed() -> None:
    eu = integration_users("u2", host=EU)
    other_headers = attrs.evolve(track("u2"), headers={"Content-Type": "application/json"})
    out = batch(
        [integration_users("u1"), eu, track("u1"), other_headers],
        BulkCaps(),
        lambda r, b: attrs.evolve(r, body=b),
    )
    assert [
        (r.url, dict(r.headers), len(r.body.get("users", r.body.get("events")))) for r in out
    ] == [
        (f"{US}/api/integrations/add_user_properties", ACTIONS, 1),
        (f"{EU}/api/integrations/add_user_properties", ACTIONS, 1),
        (f"{US}/api/track", CLASSIC, 1),
        (f"{US}/api/track", {"Content-Type": "application/json"}, 1),
    ]


def test_a_request_without_bulk_form_is_returned_as_it_is() -> None:
    request = identify_v1("u1", "123")
    [out] = batch([request], BulkCaps(), lambda r, b: attrs.evolve(r, body=b))
    assert out is request


# --- byte caps ---------------------------------------------------------------------------------

# {"app_id":"1535634150","events":[]} is 35 bytes; each event {"identity":"uN","event":"E",
# "properties":{}} is 45 bytes, and a comma joins two.
ENVELOPE = len(b'{"app_id":"1535634150","events":[]}')
ITEM = len(b'{"identity":"u0","event":"E","properties":{}}')


def test_byte_counts_used_below() -> None:
    assert (ENVELOPE, ITEM) == (35, 45)
    [one] = batch([track("u0")], BulkCaps(), lambda r, b: attrs.evolve(r, body=b))
    assert len(one.content) == ENVELOPE + ITEM


@pytest.mark.parametrize(
    ("max_bytes", "sizes"),
    [
        (ENVELOPE + 3 * ITEM + 2, [3]),
        (ENVELOPE + 3 * ITEM + 1, [2, 1]),
        (ENVELOPE + 2 * ITEM + 1, [2, 1]),
        (ENVELOPE + 2 * ITEM, [1, 1, 1]),
        (ENVELOPE + ITEM, [1, 1, 1]),
    ],
)
def test_max_bytes_is_measured_on_content(max_bytes: int, sizes: list[int]) -> None:
    out = batch(
        [track(f"u{i}") for i in range(3)],
        BulkCaps(max_bytes=max_bytes),
        lambda r, b: attrs.evolve(r, body=b),
    )
    assert [len(r.body["events"]) for r in out] == sizes
    assert all(len(r.content) <= max_bytes for r in out)


def test_an_item_larger_than_max_bytes_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"request 0 needs a body of 80 bytes"):
        batch(
            [track("u0"), track("u1")],
            BulkCaps(max_bytes=ENVELOPE + ITEM - 1),
            lambda r, b: attrs.evolve(r, body=b),
        )


def test_a_pass_through_request_larger_than_max_bytes_is_a_configuration_error() -> None:
    request = identify_v1("u1", "123")
    with pytest.raises(ConfigurationError, match="max_bytes=10"):
        batch([request], BulkCaps(max_bytes=10), lambda r, b: attrs.evolve(r, body=b))


# --- through render ----------------------------------------------------------------------------


def test_render_bulk_for_classic_cloud() -> None:
    calls = [
        AddUserProperties({"plan": "pro"}, identity="u1"),
        Track("Signed Up", {"method": "google"}, identity="u1"),
        heapseg.Unsupported("page", "not sent"),
        Track("Logged In", identity="u2"),
    ]
    out = render(calls, app_id=APP, bulk=True)
    assert [(r.url, dict(r.headers), r.body) for r in out] == [
        (
            f"{US}/api/add_user_properties",
            CLASSIC,
            {"app_id": APP, "users": [{"identity": "u1", "properties": {"plan": "pro"}}]},
        ),
        (
            f"{US}/api/track",
            CLASSIC,
            {
                "app_id": APP,
                "events": [
                    {"identity": "u1", "event": "Signed Up", "properties": {"method": "google"}},
                    {"identity": "u2", "event": "Logged In", "properties": {}},
                ],
            },
        ),
    ]
    assert out[1].content == json.dumps(out[1].body, separators=(",", ":")).encode()


def test_render_without_bulk_is_unchanged() -> None:
    calls = [Track("A", identity="u1"), Track("B", identity="u1")]
    assert render(calls, app_id=APP) == render(calls, app_id=APP, bulk=False, max_items=1)
    assert len(render(calls, app_id=APP)) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_items": 0}, "max_items must be from 1 to 1000"),
        ({"max_items": 1001}, "max_items must be from 1 to 1000"),
        ({"max_items": True}, "max_items must be an integer"),
        ({"max_items": "10"}, "max_items must be an integer"),
        ({"max_bytes": 0}, "max_bytes must be a positive integer"),
        ({"max_bytes": 1.5}, "max_bytes must be a positive integer"),
        ({"max_bytes": False}, "max_bytes must be a positive integer"),
    ],
)
@pytest.mark.parametrize("bulk", [True, False])
def test_caps_out_of_range_are_configuration_errors(
    options: dict[str, Any], message: str, bulk: bool
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        render([Track("A", identity="u1")], app_id=APP, bulk=bulk, **options)


# --- properties --------------------------------------------------------------------------------

IDENTIFIERS = st.sampled_from(["u1", "u2", "u3", "a1"])


@st.composite
def single_requests(draw: st.DrawFn, seq: int) -> Request:
    """One request as some renderer would make it, carrying ``seq`` to trace it."""
    kind = draw(st.sampled_from(["track", "users", "itrack", "iusers", "identify"]))
    app_id = draw(st.sampled_from([APP, "other"]))
    host = draw(st.sampled_from([US, EU]))
    name = draw(IDENTIFIERS)
    props = {"seq": seq, "note": draw(st.text(max_size=12))}
    if kind == "track":
        body = {"app_id": app_id, "identity": name, "event": "E", "properties": props}
        return Request("POST", f"{host}/api/track", CLASSIC, body)
    if kind == "users":
        body = {"app_id": app_id, "identity": name, "properties": props}
        return Request("POST", f"{host}/api/add_user_properties", CLASSIC, body)
    if kind == "itrack":
        identifier = draw(
            st.dictionaries(st.sampled_from(["identity", "anonymous_id"]), IDENTIFIERS, max_size=2)
        )
        item = {"event": "E", "user_identifier": identifier, "custom_properties": props}
        body = {"app_id": app_id, "events": [item], "library": "server"}
        return Request("POST", f"{host}/api/integrations/track", ACTIONS, body)
    if kind == "iusers":
        item = {"user_identifier": {"identity": name}, "custom_properties": props}
        body = {"app_id": app_id, "library": "server", "users": [item]}
        return Request("POST", f"{host}/api/integrations/add_user_properties", ACTIONS, body)
    body = {"app_id": app_id, "identity": name, "user_id": str(seq)}
    return Request("POST", f"{host}/api/v1/identify", CLASSIC, body)


@st.composite
def request_lists(draw: st.DrawFn) -> list[Request]:
    size = draw(st.integers(0, 40))
    return [draw(single_requests(seq)) for seq in range(size)]


def seq_of(item: Mapping[str, Any]) -> int:
    props = item.get("properties", item.get("custom_properties"))
    return int(props["seq"]) if isinstance(props, Mapping) else int(item["user_id"])


def identifiers(request: Request) -> set[str] | None:
    """Identifier values of a single request, None when it orders against everything."""
    if request.url.endswith("/api/v1/identify"):
        return None
    item = request.body.get("events", request.body.get("users", [request.body]))[0]
    values = {str(v) for k, v in item.items() if k == "identity"}
    values |= {str(v) for v in item.get("user_identifier", {}).values()}
    return values or None


def flatten(out: list[Request]) -> dict[int, tuple[tuple[int, int], Request]]:
    """Each traced item's position and the single request it stands for, rebuilt from bulk."""
    found: dict[int, tuple[tuple[int, int], Request]] = {}
    for index, request in enumerate(out):
        array = "events" if "events" in request.body else "users"
        items = request.body.get(array)
        if items is None:
            found[seq_of(request.body)] = ((index, 0), request)
            continue
        integration = "/integrations/" in request.url
        for position, item in enumerate(items):
            if integration:
                body = {**request.body, array: [item]}
            else:
                assert set(request.body) == {"app_id", array}
                body = {"app_id": request.body["app_id"], **item}
            single = Request(request.method, request.url, request.headers, body)
            assert seq_of(item) not in found, "an item was duplicated"
            found[seq_of(item)] = ((index, position), single)
    return found


CAPS = st.builds(
    BulkCaps, st.integers(1, 1000) | st.integers(1, 4), st.none() | st.integers(400, 2000)
)


@settings(max_examples=150, deadline=None)
@given(requests=request_lists(), caps=CAPS)
def test_batching_loses_duplicates_and_reorders_nothing(
    requests: list[Request], caps: BulkCaps
) -> None:
    out = batch(requests, caps, lambda r, b: attrs.evolve(r, body=b))
    found = flatten(out)
    # Nothing lost, nothing added, and each item rebuilds exactly its single request.
    assert sorted(found) == list(range(len(requests)))
    for seq, request in enumerate(requests):
        single = found[seq][1]
        assert (single.method, single.url, dict(single.headers)) == (
            request.method,
            request.url,
            dict(request.headers),
        )
        assert single.body == request.body
    # Items sharing an identifier value (or with none) keep their order.
    for later, request in enumerate(requests):
        for earlier in range(later):
            mine, theirs = identifiers(request), identifiers(requests[earlier])
            if mine is None or theirs is None or mine & theirs:
                assert found[earlier][0] < found[later][0]
    # Caps hold and nothing is mixed: one method, URL, header set and envelope per request.
    for request in out:
        items = request.body.get("events", request.body.get("users"))
        if items is not None:
            assert len(items) <= caps.max_items
        if caps.max_bytes is not None:
            assert len(request.content) <= caps.max_bytes
    for (index, _), single in found.values():
        if single.url.endswith("/api/v1/identify"):
            assert out[index] == single
            continue
        envelope = {k: v for k, v in single.body.items() if k not in ("events", "users")}
        if "/integrations/" not in single.url:
            envelope = {"app_id": single.body["app_id"]}
        bulk_request = out[index]
        assert (bulk_request.url, dict(bulk_request.headers)) == (single.url, dict(single.headers))
        assert {
            k: v for k, v in bulk_request.body.items() if k not in ("events", "users")
        } == envelope


@settings(max_examples=60, deadline=None)
@given(requests=request_lists())
def test_one_group_without_conflicts_fills_requests_up_to_the_cap(requests: list[Request]) -> None:
    tracks = [r for r in requests if r.url == f"{US}/api/track" and r.body["app_id"] == APP]
    out = batch(tracks, BulkCaps(max_items=3), lambda r, b: attrs.evolve(r, body=b))
    assert [len(r.body["events"]) for r in out] == [3] * (len(tracks) // 3) + (
        [len(tracks) % 3] if len(tracks) % 3 else []
    )


# --- bulk bodies against the stand-in -----------------------------------------------------------


def test_the_stand_in_takes_bulk_bodies_and_stores_what_singles_store(standin: HeapStandIn) -> None:
    requests = [
        users("u1", plan="pro"),
        track("u1", "A", idempotency_key="m1"),
        users("u2", seats=3),
        track("u2", "B", idempotency_key="m2"),
        integration_users("u3", plan="free"),
        integration_track({"identity": "u3", "anonymous_id": "a3"}, "m3"),
        integration_track({"anonymous_id": "a4"}, "m4"),
    ]
    out = batch(requests, BulkCaps(), lambda r, b: attrs.evolve(r, body=b))
    assert len(out) == 4
    summary = send_urllib.send(out, base_url=standin.url, sleep=lambda _: None)
    assert summary.accepted == 4
    bulk_state = (standin.events, standin.users)
    standin.reset()
    summary = send_urllib.send(requests, base_url=standin.url, sleep=lambda _: None)
    assert summary.accepted == len(requests)
    assert (standin.events, standin.users) == bulk_state


def test_the_stand_in_takes_a_full_bulk_request(standin: HeapStandIn) -> None:
    calls = [Track("E", {"n": n}, identity=f"u{n % 7}") for n in range(1001)]
    out = render(calls, app_id=APP, bulk=True)
    assert [len(r.body["events"]) for r in out] == [1000, 1]
    summary = send_urllib.send(out, base_url=standin.url, sleep=lambda _: None)
    assert summary.accepted == 2
    assert [e["properties"]["n"] for e in standin.events] == list(range(1001))
