"""The RudderStack profiles: RudderStack's Heap destination, cloud and device mode.

Cloud mode (the transformer's ``procWorkflow``), in the order it works:

1. Only ``identify`` and ``track`` pass (compared case-sensitively); any other type is
   rejected: "message type page is not supported".
2. identify: the traits are ``traits ?? context.traits`` (``Profile.identify_traits_from``,
   the first present and not null, never merged); none at all is rejected: "traits are
   required". An empty object passes.
3. track: the ``event`` must be truthy ("event is required"). The properties are the
   message's ``properties``.
4. The identity is the first truthy (JavaScript ``||``) of ``userId``, ``traits.userId``,
   ``traits.id``, ``context.traits.userId``, ``context.traits.id``, ``anonymousId``
   (``Profile.identify_identity_from`` and ``Profile.track_identity_from``), kept a number
   when it is one; none is rejected: "userId is required".
5. Values go through ``flattenJson`` (``Profile.values``): dotted objects, ``key[i]`` arrays,
   empty ``{}``/``[]`` and nulls kept, nothing stringified; ``flattenJson(null)`` is
   ``{"": null}``. The top-level ``idempotencyKey`` is then removed; when truthy it becomes
   the track's ``idempotency_key``, unchanged.
6. track's ``timestamp`` is ``timestamp ?? originalTimestamp``, unchanged.

Device mode (rudder-sdk-js): identify calls ``heap.identify(userId)`` when the userId
(``Profile.identify_identity_from``, first truthy) is truthy, then always
``heap.addUserProperties`` with ``context.traits`` (``Profile.identify_traits_from``)
flattened the same way, nulls dropped (missing traits give ``{}``); track calls
``heap.track(event, properties)`` flattened likewise, with no identity. Other types are not
implemented.

Where RudderStack throws on a valid message, heapseg answers ``Unsupported`` with
RudderStack's own message in the reason. A message that breaks the Segment spec (a
missing ``type``, a track without a string ``event``, traits that are not an object, an
unreadable timestamp) raises ``InvalidEvent`` instead. An identity or
idempotency key that is neither a string nor a finite number (RudderStack would send an
object, ``true`` or ``null``) is ``Unsupported``: Heap cannot take it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ._calls import (
    AddUserProperties,
    Call,
    Identify,
    Identity,
    JSONValue,
    Track,
    Unsupported,
    shorten,
    written_track,
    written_user_properties,
)
from ._errors import InvalidEvent, Rejected
from ._isodate import facade_timestamp
from ._jsjson import js_stringify, js_to_string, js_truthy
from ._messages import Message, not_an_object, track_event
from ._paths import MISSING, first_present, first_truthy, value_at
from ._profile import Profile
from ._replay import replay_key
from ._values import as_identity, write_values, write_values_plain

__all__ = ["translate_rudderstack"]

_CLOUD: Final = "RudderStack's Heap destination"
_DEVICE: Final = "RudderStack's Heap device-mode integration"
_IDEMPOTENCY_KEY: Final = "idempotencyKey"


def translate_rudderstack(message: Message, profile: Profile) -> list[Call]:
    """Map one parsed message the way RudderStack's Heap destination does."""
    kind = message.type
    raw = message.raw
    device = profile.mode == "device"
    if kind not in ("identify", "track"):
        if device:
            reason = f"{_DEVICE} implements only identify and track, not {kind} calls"
        else:
            reason = f"{_CLOUD} rejects it: message type {kind} is not supported"
        return [Unsupported(kind, reason)]
    try:
        if device:
            return _device(raw, kind, profile)
        return [_cloud(raw, kind, profile)]
    except Rejected as rejected:
        return [Unsupported(kind, f"{_DEVICE if device else _CLOUD} {rejected.reason}")]


def _traits(raw: Mapping[str, JSONValue], profile: Profile) -> Mapping[str, object] | None:
    """The identify traits by ``Profile.identify_traits_from``, or None when there are none."""
    path, traits = first_present(raw, profile.identify_traits_from)
    if traits is MISSING or traits is None:
        return None
    if not isinstance(traits, Mapping):
        raise not_an_object(path, traits)
    return traits


def _sendable(value: object, what: str) -> Identity:
    """``value`` as Heap can take it: a string or a finite number."""
    identity = as_identity(value)
    if identity is not None:
        return identity
    raise Rejected(
        f"would send {what} as {shorten(js_stringify(value))}; Heap takes only a string or a number"
    )


def _identity(raw: Mapping[str, JSONValue], paths: tuple[str, ...]) -> Identity:
    """The first truthy value of ``paths`` (JavaScript ``||``); none is rejected."""
    path, value = first_truthy(raw, paths)
    if value is MISSING or not js_truthy(value):
        raise Rejected("rejects it: userId is required")
    return _sendable(value, f"the identity (from {path})")


def _flatten(values: object, profile: Profile) -> tuple[dict[str, JSONValue], bool]:
    """``flattenJson``: a non-object (only null reaches here) is kept under the key ``""``.

    Also says whether the values print alike in Python and JavaScript
    (``write_values_plain``); ``{"": null}`` does.
    """
    if isinstance(values, Mapping):
        written, plain = write_values_plain(values, profile.values)
        return _own_keys(written), plain
    return {"": None}, True


def _own_keys(written: dict[str, JSONValue]) -> dict[str, JSONValue]:
    """The keys ``flattenJson``'s result really holds: it writes an empty object only under
    a non-empty key (``{"": {}}`` gives nothing), while an empty array is written under any
    key; and writing the key ``__proto__`` sets the result's prototype instead."""
    if type(written.get("")) is dict and not written[""]:
        del written[""]
    written.pop("__proto__", None)
    return written


def _cloud(raw: Mapping[str, JSONValue], kind: str, profile: Profile) -> Call:
    removes_key = profile.idempotency_key == "properties.idempotencyKey"
    if kind == "identify":
        traits = _traits(raw, profile)
        if traits is None:
            raise Rejected("rejects it: traits are required")
        identity = _identity(raw, profile.identify_identity_from)
        properties, plain = _flatten(traits, profile)
        if removes_key:  # removing a key leaves the others in JavaScript's order
            properties.pop(_IDEMPOTENCY_KEY, None)
        return written_user_properties(MappingProxyType(properties), identity=identity, plain=plain)
    event = track_event(raw)
    if not event:
        raise Rejected("rejects it: event is required")
    source = raw.get("properties", MISSING)
    properties, plain = ({}, True) if source is MISSING else _flatten(source, profile)
    key: Identity | None = None
    if removes_key:
        properties.pop(_IDEMPOTENCY_KEY, None)
        wanted = value_at(raw, "$.properties.idempotencyKey")
        if wanted is not MISSING and js_truthy(wanted):
            key = _sendable(wanted, "the idempotency_key")
    elif profile.idempotency_key == "messageId" and raw.get("messageId") is not None:
        key = js_to_string(raw["messageId"])
    elif profile.idempotency_key == "messageId-or-hash":
        key = replay_key(raw)
    timestamp = _timestamp(raw, profile)
    identity = _identity(raw, profile.track_identity_from)
    return written_track(
        event,
        MappingProxyType(properties),
        identity=identity,
        timestamp=timestamp,
        idempotency_key=key,
        plain=plain,
    )


def _timestamp(raw: Mapping[str, JSONValue], profile: Profile) -> str | int | float | None:
    """``timestamp ?? originalTimestamp``, unchanged, once it is known to be a date."""
    if profile.timestamp != "passthrough-or-original":
        return None
    path, value = first_present(raw, ("$.timestamp", "$.originalTimestamp"))
    if value is MISSING or value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        date = facade_timestamp(value)
        if date is not None:
            return value if isinstance(value, str) else _sendable(value, "the timestamp")
    raise InvalidEvent(
        path,
        f"cannot read the {path.removeprefix('$.')} {shorten(js_stringify(value))} as a date; "
        "use an ISO-8601 string such as '2024-05-01T12:00:00.000Z'",
    )


def _device(raw: Mapping[str, JSONValue], kind: str, profile: Profile) -> list[Call]:
    if kind == "track":
        event = track_event(raw)
        source = raw.get("properties")
        properties = write_values(source, profile.values) if isinstance(source, Mapping) else {}
        return [Track(event, _own_keys(properties))]
    calls: list[Call] = []
    path, user_id = first_truthy(raw, profile.identify_identity_from)
    if user_id is not MISSING and js_truthy(user_id):
        calls.append(Identify(_sendable(user_id, f"the identity (from {path})")))
    traits = _traits(raw, profile)
    written = write_values(traits or {}, profile.values)
    calls.append(AddUserProperties(_own_keys(written)))
    return calls
