"""The heap-cloud profile: every vector of segment-actions.md §3.5 and §3.6.

Each vector is a message, the profile it runs under, and the HTTP requests
Segment's 2026 "Heap Cloud" destination sends for it, or the error it throws.
Bodies are compared as JSON objects.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import heapseg
from heapseg import AddUserProperties, InvalidEvent, Track, Unsupported
from tests.actions_fixtures import (
    EU,
    LIB,
    TRACK_URL,
    TS,
    US,
    Requests,
    check_refused,
    check_sent,
    event_builder,
    rendered,
)

PRESET = heapseg.PROFILES["heap-cloud"]
FIELD_DEFAULTS = attrs.evolve(
    PRESET,
    name="heap-cloud-field-defaults",
    track_traits_from=["$.context.traits", "$.traits"],
    identify_traits_from=["$.context.traits", "$.traits"],
)
"""The action's field defaults, which the upstream tests use: traits are
``@if exists $.context.traits then $.context.traits else $.traits`` for every type."""


def nested_mode(profile: heapseg.Profile, mode: str) -> heapseg.Profile:
    """The profile with ``nested_properties_mode`` set to ``stringify`` or ``drop``."""
    return attrs.evolve(
        profile,
        name=f"{profile.name}-{mode}",
        values=attrs.evolve(profile.values, objects=mode, arrays=mode),
        user_values=attrs.evolve(profile.user_values, objects=mode, arrays=mode),
    )


STRINGIFY = nested_mode(FIELD_DEFAULTS, "stringify")
DROP = nested_mode(FIELD_DEFAULTS, "drop")

APP = "123456789"
MSG = "msg-12345678"
USER_URL = "/api/integrations/add_user_properties"
DEFAULT_IDS = {"identity": "user1234", "anonymous_id": "anonId1234"}
test_event = event_builder(message_id=MSG)


def track_body(
    event: str,
    user_identifier: dict[str, str],
    custom_properties: dict[str, Any],
    *,
    timestamp: str | int | None = TS,
) -> dict[str, Any]:
    """TB in §3.5: the body of ``POST /api/integrations/track``."""
    sent: dict[str, Any] = {
        "event": event,
        "user_identifier": user_identifier,
        "custom_properties": custom_properties,
        "idempotency_key": MSG,
    }
    if timestamp is not None:
        sent["timestamp"] = timestamp
    return {"app_id": APP, "library": "server", "events": [sent]}


def user_body(identity: str, custom_properties: dict[str, Any]) -> dict[str, Any]:
    """The body of ``POST /api/integrations/add_user_properties``."""
    return {
        "app_id": APP,
        "library": "server",
        "users": [
            {"user_identifier": {"identity": identity}, "custom_properties": custom_properties}
        ],
    }


KATHERINE = {"name": "Katherine Johnson", "email": "kj@example.com"}
ORDER = {"order": {"total": 42, "currency": "USD"}, "foods": ["cheese", "beer"], "count": 3}

# §3.5: the upstream tests (field defaults)
UPSTREAM: list[tuple[str, dict[str, Any], heapseg.Profile, str, Requests]] = [
    (
        "track 1 identified with context.traits",
        test_event(
            userId="user-1",
            anonymousId="anon-1",
            event="Purchase",
            context={"traits": KATHERINE},
        ),
        FIELD_DEFAULTS,
        "US",
        [
            (US + USER_URL, user_body("user-1", KATHERINE)),
            (
                US + TRACK_URL,
                track_body(
                    "Purchase",
                    {"identity": "user-1", "anonymous_id": "anon-1", "email": "kj@example.com"},
                    LIB,
                ),
            ),
        ],
    ),
    (
        "track 2 anonymous",
        test_event(userId=None, anonymousId="anon-1", event="Viewed", context={}),
        FIELD_DEFAULTS,
        "US",
        [(US + TRACK_URL, track_body("Viewed", {"anonymous_id": "anon-1"}, LIB))],
    ),
    (
        "track 3 empty traits",
        test_event(
            userId=None,
            anonymousId="anon-1",
            context={"traits": {"empty_object": {}, "empty_array": []}},
        ),
        FIELD_DEFAULTS,
        "US",
        [(US + TRACK_URL, track_body("Test Event", {"anonymous_id": "anon-1"}, LIB))],
    ),
    (
        "track 4 flatten",
        test_event(properties={"order": {"total": 42, "currency": "USD"}, "count": 3}),
        FIELD_DEFAULTS,
        "US",
        [
            (
                US + TRACK_URL,
                track_body(
                    "Test Event",
                    DEFAULT_IDS,
                    {**LIB, "order.total": "42", "order.currency": "USD", "count": "3"},
                ),
            )
        ],
    ),
    (
        "track 5 stringify mode",
        test_event(properties=ORDER),
        STRINGIFY,
        "US",
        [
            (
                US + TRACK_URL,
                track_body(
                    "Test Event",
                    DEFAULT_IDS,
                    {
                        **LIB,
                        "order": '{"total":42,"currency":"USD"}',
                        "foods": '["cheese","beer"]',
                        "count": "3",
                    },
                ),
            )
        ],
    ),
    (
        "track 6 drop mode",
        test_event(properties=ORDER),
        DROP,
        "US",
        [(US + TRACK_URL, track_body("Test Event", DEFAULT_IDS, {**LIB, "count": "3"}))],
    ),
    (
        "track 7 array flatten",
        test_event(properties={"foods": ["cheese", "beer"]}),
        FIELD_DEFAULTS,
        "US",
        [
            (
                US + TRACK_URL,
                track_body(
                    "Test Event", DEFAULT_IDS, {**LIB, "foods.0": "cheese", "foods.1": "beer"}
                ),
            )
        ],
    ),
    (
        "track 8 undefined skipped",
        test_event(properties={"name": "widget"}),
        FIELD_DEFAULTS,
        "US",
        [(US + TRACK_URL, track_body("Test Event", DEFAULT_IDS, {**LIB, "name": "widget"}))],
    ),
    (
        "track 9 identity '0'",
        test_event(userId="0", anonymousId=None),
        FIELD_DEFAULTS,
        "US",
        [(US + TRACK_URL, track_body("Test Event", {"identity": "0"}, LIB))],
    ),
    (
        "page",
        test_event(type="page", event=None, name="Home", userId=None),
        FIELD_DEFAULTS,
        "US",
        [
            (
                US + TRACK_URL,
                track_body("Page viewed", {"anonymous_id": "anonId1234"}, {**LIB, "name": "Home"}),
            )
        ],
    ),
    (
        "screen",
        test_event(type="screen", event=None, name="Dashboard", userId=None),
        FIELD_DEFAULTS,
        "US",
        [
            (
                US + TRACK_URL,
                track_body(
                    "Screen viewed", {"anonymous_id": "anonId1234"}, {**LIB, "name": "Dashboard"}
                ),
            )
        ],
    ),
    (
        "identify 1",
        test_event(
            type="identify",
            userId="user-1",
            anonymousId="anon-1",
            traits={"name": "Katherine Johnson", "plan": "pro"},
        ),
        FIELD_DEFAULTS,
        "US",
        [(US + USER_URL, user_body("user-1", {"name": "Katherine Johnson", "plan": "pro"}))],
    ),
    (
        "identify 2 stringify mode",
        test_event(type="identify", traits={"address": {"city": "Hampton", "zip": "23666"}}),
        STRINGIFY,
        "US",
        [(US + USER_URL, user_body("user1234", {"address": '{"city":"Hampton","zip":"23666"}'}))],
    ),
    (
        "identify 3 primitive types kept",
        test_event(
            type="identify",
            traits={"plan": "pro", "age": 34, "active": True, "nickname": None},
        ),
        FIELD_DEFAULTS,
        "US",
        [
            (
                US + USER_URL,
                user_body("user1234", {"plan": "pro", "age": 34, "active": True, "nickname": None}),
            )
        ],
    ),
    (
        "EU",
        test_event(
            userId="user-1", anonymousId="anon-1", context={"traits": {"name": "Katherine"}}
        ),
        FIELD_DEFAULTS,
        "EU",
        [
            (EU + USER_URL, user_body("user-1", {"name": "Katherine"})),
            (
                EU + TRACK_URL,
                track_body("Test Event", {"identity": "user-1", "anonymous_id": "anon-1"}, LIB),
            ),
        ],
    ),
]

# §3.6: extra vectors
EXTRA: list[tuple[str, dict[str, Any], heapseg.Profile, str, Requests]] = [
    (
        "track trimmed identity, everything",
        test_event(
            userId=" u1 ",
            anonymousId="a1",
            timestamp="2021-08-17T15:21:15.449+02:00",
            properties={
                "segment_library": "mine",
                "name": "pn",
                "price": 9.5,
                "tags": ["x", "y"],
                "nested": {"a": None, "b": True},
                "empty": {},
                "earr": [],
            },
            context={
                "traits": {
                    "email": "e@x.com",
                    "age": 3,
                    "ok": False,
                    "n": None,
                    "address": {"city": "C"},
                    "list": [1, "a"],
                }
            },
        ),
        PRESET,
        "US",
        [
            (
                US + USER_URL,
                user_body(
                    "u1",
                    {
                        "email": "e@x.com",
                        "age": 3,
                        "ok": False,
                        "n": None,
                        "address.city": "C",
                        "list.0": 1,
                        "list.1": "a",
                    },
                ),
            ),
            (
                US + TRACK_URL,
                track_body(
                    "Test Event",
                    {"identity": "u1", "anonymous_id": "a1", "email": "e@x.com"},
                    {
                        "segment_library": "mine",
                        "name": "pn",
                        "price": "9.5",
                        "tags.0": "x",
                        "tags.1": "y",
                        "nested.a": "null",
                        "nested.b": "true",
                    },
                    timestamp="2021-08-17T15:21:15.449+02:00",
                ),
            ),
        ],
    ),
    (
        "stringify mode on user properties",
        test_event(type="identify", traits={"address": {"city": "C"}, "list": []}),
        nested_mode(PRESET, "stringify"),
        "US",
        [(US + USER_URL, user_body("user1234", {"address": '{"city":"C"}', "list": "[]"}))],
    ),
    (
        "mapped user_id alone",
        test_event(userId=" 123 ", anonymousId=None),
        attrs.evolve(PRESET, track_identity_from=[], user_id_from=["$.userId"]),
        "US",
        [(US + TRACK_URL, track_body("Test Event", {"user_id": "123"}, LIB))],
    ),
    (
        "page preset, numeric timestamp passes through",
        test_event(
            type="page",
            event=None,
            userId="u1",
            anonymousId="a",
            name="Home",
            timestamp=1629213675449,
            properties={"url": "u"},
        ),
        PRESET,
        "US",
        [
            (
                US + TRACK_URL,
                track_body(
                    "Page viewed",
                    {"identity": "u1", "anonymous_id": "a"},
                    {**LIB, "url": "u", "name": "Home"},
                    timestamp=1629213675449,
                ),
            )
        ],
    ),
    (
        "identify with field defaults reads context.traits first",
        test_event(type="identify", context={"traits": {"ctx": "yes"}}, traits={"plan": "pro"}),
        FIELD_DEFAULTS,
        "US",
        [(US + USER_URL, user_body("user1234", {"ctx": "yes"}))],
    ),
    (
        "identify with the Send User preset reads traits",
        test_event(type="identify", context={"traits": {"ctx": "yes"}}, traits={"plan": "pro"}),
        PRESET,
        "US",
        [(US + USER_URL, user_body("user1234", {"plan": "pro"}))],
    ),
    (
        "identify user properties keep JSON primitives",
        test_event(type="identify", traits={"list": [1, True, None, "s"], "o": {"p": {"q": 1.0}}}),
        PRESET,
        "US",
        [
            (
                US + USER_URL,
                user_body(
                    "user1234",
                    {"list.0": 1, "list.1": True, "list.2": None, "list.3": "s", "o.p.q": 1},
                ),
            )
        ],
    ),
]

# (id, message, profile, the destination's error message)
REJECTED: list[tuple[str, dict[str, Any], heapseg.Profile, str]] = [
    (
        "3.5 identify without userId",
        test_event(type="identify", userId=None, traits={"plan": "pro"}),
        FIELD_DEFAULTS,
        "Identity is required for identify calls.",
    ),
    (
        "3.5 identify without traits",
        test_event(type="identify", traits=None),
        FIELD_DEFAULTS,
        "No properties to update. Identify calls require at least one User Property.",
    ),
    (
        "3.5 identify with only empty traits",
        test_event(type="identify", traits={"empty_object": {}, "empty_array": []}),
        FIELD_DEFAULTS,
        "No properties to update. Identify calls require at least one User Property.",
    ),
    (
        "3.5 anonymous track with context.traits",
        test_event(userId=None, anonymousId="anon-1", context={"traits": {"plan": "pro"}}),
        FIELD_DEFAULTS,
        "Identity is required when User Properties are provided.",
    ),
    (
        "3.6 blank userId alone",
        test_event(userId="   ", anonymousId=None),
        PRESET,
        "At least one of Identity, Anonymous ID, User ID or Email is required.",
    ),
    (
        "runtime: messageId is required",
        test_event(messageId=None),
        PRESET,
        "The root value is missing the required field 'message_id'.",
    ),
    (
        "runtime: email must be an e-mail address",
        test_event(context={"traits": {"email": "not an address"}}),
        PRESET,
        "email",
    ),
]


@pytest.mark.parametrize(
    ("message", "profile", "region", "expected"),
    [case[1:] for case in UPSTREAM + EXTRA],
    ids=[case[0] for case in UPSTREAM + EXTRA],
)
def test_requests_sent(
    message: dict[str, Any], profile: heapseg.Profile, region: str, expected: Requests
) -> None:
    check_sent(message, profile, region, expected, app_id=APP, user_url=USER_URL)


@pytest.mark.parametrize(
    ("message", "profile", "region", "expected"),
    [case[1:] for case in UPSTREAM if case[2] is FIELD_DEFAULTS],
    ids=[case[0] for case in UPSTREAM if case[2] is FIELD_DEFAULTS],
)
def test_upstream_vectors_hold_for_the_presets_too(
    message: dict[str, Any], profile: heapseg.Profile, region: str, expected: Requests
) -> None:
    del profile  # the upstream messages carry no context.traits beside traits, or the reverse
    calls = heapseg.translate(message, profile=PRESET)
    assert rendered(calls, app_id=APP, region=region, profile=PRESET) == expected


@pytest.mark.parametrize(
    ("message", "profile", "reason"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_destination_refuses(
    message: dict[str, Any], profile: heapseg.Profile, reason: str
) -> None:
    call = check_refused(message, profile, reason, app_id=APP)
    assert call.reason.startswith("Heap Cloud rejects the message: ")


def test_message_without_any_id_breaks_the_segment_spec() -> None:
    """§3.5 "userId null and anon null": Segment itself requires one of them."""
    with pytest.raises(InvalidEvent) as caught:
        heapseg.translate(test_event(userId=None, anonymousId=None), profile=PRESET)
    assert caught.value.path == "$.userId"


def test_track_without_event_breaks_the_segment_spec() -> None:
    """Heap Cloud requires ``event`` on track calls, as the Segment spec does."""
    with pytest.raises(InvalidEvent) as caught:
        heapseg.translate(test_event(event=""), profile=PRESET)
    assert caught.value.path == "$.event"
    assert "missing the required field 'event'" in caught.value.reason


# (id, message, profile, the path of the value that is not an object): §1.3, "fields
# typed object reject non-objects"; coerceTypes "array" unwraps one item only into scalars
NOT_OBJECTS: list[tuple[str, dict[str, Any], heapseg.Profile, str]] = [
    ("track, text traits", test_event(context={"traits": "text"}), PRESET, "$.context.traits"),
    (
        "track, two-item traits",
        test_event(context={"traits": [{"a": 1}, {"b": 2}]}),
        PRESET,
        "$.context.traits",
    ),
    (
        "track, one-item traits",
        test_event(context={"traits": [{"plan": "pro"}]}),
        PRESET,
        "$.context.traits",
    ),
    (
        "identify, one-item traits (field defaults)",
        test_event(type="identify", context={"traits": [{"plan": "pro"}]}),
        FIELD_DEFAULTS,
        "$.context.traits",
    ),
]


@pytest.mark.parametrize(
    ("message", "profile", "path"),
    [case[1:] for case in NOT_OBJECTS],
    ids=[case[0] for case in NOT_OBJECTS],
)
def test_object_fields_take_only_objects(
    message: dict[str, Any], profile: heapseg.Profile, path: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        heapseg.translate(message, profile=profile)
    assert caught.value.path == path
    assert "needs an object" in caught.value.reason


def test_descriptors_and_key_order() -> None:
    message = test_event(context={"traits": {"plan": "pro", "email": "a@b.co"}})
    calls = heapseg.translate(message, profile=PRESET)
    assert calls == [
        AddUserProperties({"plan": "pro", "email": "a@b.co"}, identity="user1234"),
        Track(
            "Test Event",
            LIB,
            identity="user1234",
            anonymous_id="anonId1234",
            email="a@b.co",
            timestamp=TS,
            idempotency_key=MSG,
        ),
    ]
    users, events = heapseg.http.render(calls, app_id=APP, profile=PRESET)
    assert users.content == (
        b'{"app_id":"123456789","library":"server","users":[{"user_identifier":'
        b'{"identity":"user1234"},"custom_properties":{"plan":"pro","email":"a@b.co"}}]}'
    )
    assert events.content == (
        b'{"app_id":"123456789","library":"server","events":[{"event":"Test Event",'
        b'"user_identifier":{"identity":"user1234","anonymous_id":"anonId1234",'
        b'"email":"a@b.co"},"custom_properties":{"segment_library":"cloud-mode-destination"},'
        b'"idempotency_key":"msg-12345678","timestamp":"2021-08-17T15:21:15.449Z"}]}'
    )
    assert dict(events.headers) == {
        "content-type": "application/json",
        "user-agent": "Segment (Actions)",
    }


def test_a_top_level_email_comes_before_the_trait() -> None:
    message = test_event(email="top@x.io", context={"traits": {"email": "trait@x.io"}})
    _, track = heapseg.translate(message, profile=PRESET)
    assert isinstance(track, Track)
    assert track.email == "top@x.io"


def test_region_rule_is_exact() -> None:
    calls = heapseg.translate(test_event(), profile=PRESET)
    assert [r.url for r in heapseg.http.render(calls, app_id=APP, profile=PRESET, region="eu")] == [
        US + TRACK_URL
    ]


@pytest.mark.parametrize("kind", ["alias", "group"])
def test_alias_and_group_are_not_handled(kind: str) -> None:
    message = test_event(type=kind, previousId="p", groupId="g")
    (call,) = heapseg.translate(message, profile=PRESET)
    assert isinstance(call, Unsupported)
    assert f"Heap Cloud does not handle {kind} calls" in call.reason
