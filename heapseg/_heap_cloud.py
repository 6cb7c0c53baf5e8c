"""The ``heap-cloud`` profile: Segment's "Heap Cloud" destination (2026), default presets.

Everything the destination does to a message is in this file, in the order it does it:

1. Subscriptions: the presets send track, page, screen and identify to the one
   ``sendEvent`` action; alias and group are not handled.
2. The Actions runtime maps, empty-strips and validates the fields
   (``heapseg._actions_kit``): ``message_id`` is required, and so is
   ``event`` on a track; ``email`` (``Profile.email_from``: ``$.email``, else
   ``$.context.traits.email``) must look like an e-mail address; numbers in
   string fields become text. The traits come from
   ``Profile.track_traits_from`` (``context.traits``) or
   ``Profile.identify_traits_from`` (``traits``).
3. User properties are the traits written by ``Profile.user_values``
   (flattened with dots and indices, values kept as JSON primitives). An
   identify without an identity, or user properties without one, is refused.
   Identifiers count when they are strings that are not blank, and are sent
   trimmed; ``"0"`` is an identity here.
4. With user properties, an ``addUserProperties`` call for the trimmed
   identity comes first.
5. Unless the message is an identify, a ``track`` call follows: named
   ``Profile.page_event`` / ``Profile.screen_event`` for page and screen, else
   after ``event`` (``"track"`` when empty); identified by every present
   identifier (identity, anonymous id, Heap user id, e-mail), all trimmed, and
   refused when there is none; with ``segment_library``, then the properties
   written by ``Profile.values`` (a property ``segment_library`` or ``name``
   wins), then ``name`` when not blank; ``idempotency_key`` = messageId;
   ``timestamp`` passed through unchanged.
6. An identify whose traits give no user properties is refused.

Errors: a value of the wrong type, an unreadable timestamp or a track without
an ``event`` breaks the Segment spec and raises ``InvalidEvent``. Where the
destination or its runtime refuses a valid message (no messageId, an e-mail it
will not take, a missing identity or identifier, nothing to update) the answer
is ``Unsupported`` whose reason quotes the destination's own message.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ._actions_kit import (
    Field,
    Rejected,
    event_name,
    event_properties,
    event_time,
    has_value,
    idempotency_key,
    js_trim,
    map_fields,
    missing_field,
    unsupported,
    user_properties,
)
from ._calls import Call, Track, written_track, written_user_properties
from ._errors import InvalidEvent
from ._messages import Message
from ._profile import Profile

__all__ = ["translate_heap_cloud"]

_DESTINATION: Final = "Heap Cloud"

_EVENT: Final = Field("event")
_NAME: Final = Field("name")
_IDENTITY: Final = Field("identity")
_ANONYMOUS_ID: Final = Field("anonymous_id")
_USER_ID: Final = Field("user_id", allow_null=True)
_EMAIL: Final = Field("email", email=True)
_PROPERTIES: Final = Field("properties", "object")
_TRAITS: Final = Field("traits", "object")
_TIMESTAMP: Final = Field("timestamp", "datetime")
_MESSAGE_ID: Final = Field("message_id")


def translate_heap_cloud(message: Message, profile: Profile) -> list[Call]:
    """Map one parsed message the way Heap Cloud does with its default presets."""
    kind = message.type
    if kind not in ("track", "page", "screen", "identify") or (
        event_name(kind, None, profile) is None
    ):
        return unsupported(
            kind,
            f"{_DESTINATION} does not handle {kind} calls; no preset subscribes them",
            message.raw,
        )
    try:
        return _send_event(message, profile)
    except Rejected as rejection:
        return unsupported(
            kind, f"{_DESTINATION} rejects the message: {rejection.reason}", message.raw
        )


def _trimmed(value: object) -> str | None:
    return js_trim(value) if isinstance(value, str) and has_value(value) else None


def _send_event(message: Message, profile: Profile) -> list[Call]:
    kind = message.type
    identify = kind == "identify"
    payload = map_fields(
        message.raw,
        (
            (_EVENT, ("$.event",)),
            (_NAME, ("$.name",)),
            (
                _IDENTITY,
                profile.identify_identity_from if identify else profile.track_identity_from,
            ),
            (_ANONYMOUS_ID, ("$.anonymousId",)),
            (_USER_ID, profile.user_id_from),
            (_EMAIL, profile.email_from),
            (_PROPERTIES, ("$.properties",)),
            (_TRAITS, profile.identify_traits_from if identify else profile.track_traits_from),
            (_TIMESTAMP, ("$.timestamp",)),
            (_MESSAGE_ID, ("$.messageId",)),
        ),
        _DESTINATION,
    )
    if kind == "track" and "event" not in payload:
        raise InvalidEvent(
            "$.event",
            f"{_DESTINATION} requires an event name on track calls: {missing_field('event')}",
        )
    if "message_id" not in payload:
        raise Rejected(missing_field("message_id"))
    written_traits, traits_plain = user_properties(payload.get("traits"), profile)
    identity = _trimmed(payload.get("identity"))
    if identify and identity is None:
        raise Rejected("Identity is required for identify calls.")
    if written_traits and identity is None:
        raise Rejected("Identity is required when User Properties are provided.")
    calls: list[Call] = []
    if written_traits:
        calls.append(
            written_user_properties(
                MappingProxyType(written_traits), identity=identity, plain=traits_plain
            )
        )
    if not identify:
        calls.append(_track(kind, payload, identity, message, profile))
    if not calls:
        raise Rejected(
            "No properties to update. Identify calls require at least one User Property."
        )
    return calls


def _track(
    kind: str,
    payload: Mapping[str, object],
    identity: str | None,
    message: Message,
    profile: Profile,
) -> Track:
    anonymous_id = _trimmed(payload.get("anonymous_id"))
    user_id = _trimmed(payload.get("user_id"))
    email = _trimmed(payload.get("email"))
    if identity is None and anonymous_id is None and user_id is None and email is None:
        raise Rejected("At least one of Identity, Anonymous ID, User ID or Email is required.")
    properties, plain = event_properties(payload.get("properties"), message.raw, profile)
    name = payload.get("name")
    if has_value(name):
        assert isinstance(name, str)
        properties["name"] = name
    name_sent = event_name(kind, payload.get("event"), profile)
    assert name_sent is not None
    return written_track(
        name_sent,
        MappingProxyType(properties),
        identity=identity,
        anonymous_id=anonymous_id,
        user_id=user_id,
        email=email,
        timestamp=event_time(payload.get("timestamp"), profile),
        idempotency_key=idempotency_key(payload, message.raw, profile),
        plain=plain,
    )
