"""The ``actions-cloud`` profile: Segment's "Heap Cloud (Actions)" destination, default presets.

Everything the destination does to a message is in this file, in the order it does it:

1. Subscriptions: track, page and screen go to the ``trackEvent`` action,
   identify to ``identifyUser``; alias and group are not handled.
2. The Actions runtime maps, empty-strips and validates the fields
   (``heapseg._actions_kit``): ``message_id`` is required; ``identity``
   (``Profile.track_identity_from``, not mapped by default) and
   ``anonymous_id`` keep an explicit null; numbers in string fields become text.
3. trackEvent: with neither an anonymous id nor an identity (JS truthiness)
   the destination refuses the event. Otherwise the event is named after
   ``event`` for track, ``Profile.page_event`` / ``Profile.screen_event`` for
   page and screen (``"track"`` when empty); its properties are
   ``segment_library`` (a property of that name wins), then the flattened
   properties (``Profile.values``), then ``name`` when defined; the
   ``user_identifier`` is the identity when defined, else the anonymous id
   when defined, never both (``isDefined``: ``""``, ``0`` and ``"0"`` are
   not); ``idempotency_key`` is the messageId; ``timestamp`` is
   ``dayjs.utc(timestamp).toISOString()`` when truthy and readable.
4. With a defined identity and a defined anonymous id or ``context.traits``,
   an ``addUserProperties`` call comes first: ``anonymous_id``, then the
   flattened traits (a trait ``anonymous_id`` wins), for the identity as given.
   Its ``origin`` is ``"track"``: the destination writes its body with
   ``app_id`` first, identifyUser's with ``identity`` first.
5. identifyUser: without a defined ``userId`` the destination refuses the
   message; otherwise one ``addUserProperties`` call with ``anonymous_id`` when
   truthy (``"0"`` included) and the flattened traits, sent even when empty.

Errors: a value of the wrong type (an object as ``event``, an unreadable
timestamp) breaks the Segment spec and raises ``InvalidEvent``. Where the
destination or its runtime refuses a valid message (no messageId, no usable
identifier, no identity on identify) the answer is ``Unsupported`` whose reason
quotes the destination's own message.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ._actions_kit import (
    Field,
    Rejected,
    event_name,
    event_properties,
    event_time,
    idempotency_key,
    is_defined,
    map_fields,
    missing_field,
    truthy,
    unsupported,
    user_properties,
)
from ._calls import (
    AddUserProperties,
    Call,
    JSONValue,
    Origin,
    written_track,
    written_user_properties,
)
from ._jsjson import in_js_order
from ._messages import Message
from ._profile import Profile

__all__ = ["translate_actions_cloud"]

_DESTINATION: Final = "Heap Cloud (Actions)"

_MESSAGE_ID: Final = Field("message_id")
_IDENTITY: Final = Field("identity", allow_null=True)
_USER_ID: Final = Field("user_id", allow_null=True)
_ANONYMOUS_ID: Final = Field("anonymous_id", allow_null=True)
_EVENT: Final = Field("event")
_PROPERTIES: Final = Field("properties", "object")
_TIMESTAMP: Final = Field("timestamp", "datetime")
_NAME: Final = Field("name")
_TRAITS: Final = Field("traits", "object")


def translate_actions_cloud(message: Message, profile: Profile) -> list[Call]:
    """Map one parsed message the way Heap Cloud (Actions) does with its default presets."""
    kind = message.type
    try:
        if kind in ("track", "page", "screen"):
            if event_name(kind, None, profile) is None:
                return unsupported(
                    kind, f"{_DESTINATION} does not handle {kind} calls", message.raw
                )
            return _track_event(message, profile)
        if kind == "identify":
            return _identify_user(message, profile)
    except Rejected as rejection:
        return unsupported(
            kind, f"{_DESTINATION} rejects the message: {rejection.reason}", message.raw
        )
    return unsupported(
        kind,
        f"{_DESTINATION} does not handle {kind} calls; no preset or action subscribes them",
        message.raw,
    )


def _track_event(message: Message, profile: Profile) -> list[Call]:
    raw = message.raw
    payload = map_fields(
        raw,
        (
            (_MESSAGE_ID, ("$.messageId",)),
            (_IDENTITY, profile.track_identity_from),
            (_ANONYMOUS_ID, ("$.anonymousId",)),
            (_EVENT, ("$.event",)),
            (_PROPERTIES, ("$.properties",)),
            (_TIMESTAMP, ("$.timestamp",)),
            (_NAME, ("$.name",)),
            (_TRAITS, profile.track_traits_from),
        ),
        _DESTINATION,
    )
    if "message_id" not in payload:
        raise Rejected(missing_field("message_id"))
    identity = payload.get("identity")
    anonymous_id = payload.get("anonymous_id")
    if not truthy(anonymous_id) and not truthy(identity):
        raise Rejected("Either Anonymous id or Identity should be specified.")
    properties, plain = event_properties(payload.get("properties"), raw, profile)
    name = payload.get("name")
    if is_defined(name):
        assert isinstance(name, str)
        properties["name"] = name
    track_identity: str | None = None
    track_anonymous_id: str | None = None
    if truthy(identity) and is_defined(identity):
        assert isinstance(identity, str)
        track_identity = identity
    elif truthy(anonymous_id) and is_defined(anonymous_id):
        assert isinstance(anonymous_id, str)
        track_anonymous_id = anonymous_id
    else:
        raise Rejected("Either identity or anonymous id are required.")
    name_sent = event_name(message.type, payload.get("event"), profile)
    assert name_sent is not None
    track = written_track(
        name_sent,
        MappingProxyType(properties),
        identity=track_identity,
        anonymous_id=track_anonymous_id,
        timestamp=event_time(payload.get("timestamp"), profile),
        idempotency_key=idempotency_key(payload, message.raw, profile),
        plain=plain,
    )
    traits = payload.get("traits")
    if is_defined(identity) and (is_defined(anonymous_id) or is_defined(traits)):
        assert isinstance(identity, str)
        side_anonymous_id = anonymous_id if is_defined(anonymous_id) else None
        assert side_anonymous_id is None or isinstance(side_anonymous_id, str)
        side_call = _add_user_properties(
            identity, side_anonymous_id, traits, profile, origin="track"
        )
        return [side_call, track]
    return [track]


def _identify_user(message: Message, profile: Profile) -> list[Call]:
    payload = map_fields(
        message.raw,
        (
            (_USER_ID, profile.identify_identity_from),
            (_ANONYMOUS_ID, ("$.anonymousId",)),
            (_TRAITS, profile.identify_traits_from),
        ),
        _DESTINATION,
    )
    user_id = payload.get("user_id")
    if not truthy(user_id) or not is_defined(user_id):
        raise Rejected("Missing identity, cannot add user properties without identity")
    assert isinstance(user_id, str)
    anonymous_id = payload.get("anonymous_id")
    if not truthy(anonymous_id):
        anonymous_id = None
    assert anonymous_id is None or isinstance(anonymous_id, str)
    return [_add_user_properties(user_id, anonymous_id, payload.get("traits"), profile)]


def _add_user_properties(
    identity: str,
    anonymous_id: str | None,
    traits: object,
    profile: Profile,
    origin: Origin | None = None,
) -> AddUserProperties:
    """``addUserProperties`` for ``identity``: ``anonymous_id`` (when given), then the mapped
    traits, which may write over it; ``origin`` says which action's body it is. Plain (see
    ``plain_json``) only if putting ``anonymous_id`` first kept JavaScript's key order."""
    properties: dict[str, JSONValue] = {}
    if anonymous_id is not None:
        properties["anonymous_id"] = anonymous_id
    written, plain = user_properties(traits, profile)
    properties.update(written)
    return written_user_properties(
        MappingProxyType(properties),
        identity=identity,
        origin=origin,
        plain=plain and in_js_order(properties),
    )
