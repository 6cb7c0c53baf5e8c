"""The classic profiles: Segment's classic Heap destination, cloud and device mode.

Everything classic does to a message is in this file, in the order it does it:

1. ISO-looking strings anywhere in the message become dates (``Profile.iso_dates``).
   Only the values classic reads are converted, each when it is read: the result is
   the same as converting the whole message first, at a fraction of the cost.
2. identify: traits get ``id`` = userId and the e-mail trait (found
   case-insensitively, else an e-mail-like userId) renamed to ``_email``.
   Cloud mode sends them with ``POST /api/add_user_properties``; device mode calls
   ``heap.identify(userId)`` when there is a userId, then always
   ``heap.addUserProperties(traits)``.
3. track: properties as given; cloud mode adds the user's e-mail as ``_email``
   (``context.traits`` e-mail first, then ``properties``, then the dotted path
   ``traits.email`` looked up in the context at once, then an e-mail-like userId),
   the ``segment_library`` and the timestamp.
4. Values are written by the classic rules (see ``Profile.values``): top-level
   nulls dropped, objects flattened with dots, arrays as compact JSON text,
   dates as ISO strings; ``segment_library`` is set after that, overriding.
5. page, screen, alias and group calls are not sent; cloud mode rejects messages
   without a userId.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ._calls import (
    Call,
    Identify,
    Identity,
    JSONValue,
    Unsupported,
    shorten,
    written_track,
    written_user_properties,
)
from ._errors import InvalidEvent
from ._facade import is_email, lookup, options_of
from ._isodate import common_iso_text, convert_iso_strings, facade_timestamp
from ._jsjson import js_to_string, js_truthy
from ._messages import Message, track_event
from ._profile import Profile
from ._replay import replay_key
from ._values import copy_value, write_values_plain

__all__ = ["translate_classic"]

_DESTINATION: Final = "Segment's classic Heap destination"


def translate_classic(message: Message, profile: Profile) -> list[Call]:
    """Map one parsed message the way Segment's classic Heap destination does."""
    kind = message.type
    raw = message.raw
    if profile.require_user_id and raw.get("userId") is None:
        return [
            Unsupported(
                kind,
                f"{_DESTINATION} in cloud mode sends only messages that have a userId; "
                "this one has none (anonymous events are rejected)",
            )
        ]
    timestamp = _timestamp(raw, profile)
    if kind == "identify":
        return _identify(raw, profile)
    if kind == "track":
        event = track_event(raw)
        return [_track(raw, _dated(event, profile), _object(raw, "properties"), profile, timestamp)]
    if kind in ("page", "screen"):
        event_name = profile.page_event if kind == "page" else profile.screen_event
        if event_name is not None:
            properties = dict(_object(raw, "properties"))
            for key in ("name", "category"):
                if raw.get(key) is not None:
                    properties[key] = raw[key]
            return [_track(raw, event_name, properties, profile, timestamp)]
        if kind == "page":
            reason = f"{_DESTINATION} does not send page calls; Heap captures page views itself"
        else:
            reason = f"{_DESTINATION} does not send screen calls"
        return [Unsupported(kind, reason)]
    return [Unsupported(kind, f"{_DESTINATION} does not support {kind} calls")]


def _dated(value: object, profile: Profile) -> object:
    """A value read from the message, with ISO-looking strings as dates where the profile
    converts them. Traits and properties are converted as they are written."""
    if not profile.iso_dates or (
        type(value) is str and (len(value) < 10 or value[4] != "-" or value[7] != "-")
    ):
        return value  # not YYYY-MM-DD...: no date, as most strings show at a glance
    return convert_iso_strings(value)


def _object(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _identity(value: object) -> Identity:
    copied = copy_value(value)
    assert isinstance(copied, (str, int, float))
    return copied


def _cloud_identity(user_id: object, data: Mapping[str, object], profile: Profile) -> Identity:
    """The userId (``user_id``, already read); without one (``require_user_id`` turned
    off), the anonymousId."""
    if user_id is not None:
        return _identity(user_id)
    return _identity(_dated(data.get("anonymousId"), profile))


def _timestamp(raw: Mapping[str, JSONValue], profile: Profile) -> str | None:
    """The event time classic cloud sends, validated for every classic message."""
    value = raw.get("timestamp")
    if value is None:
        return None
    common = common_iso_text(value) if type(value) is str else None
    if common is not None:
        return common if profile.timestamp == "facade" else None
    date = facade_timestamp(value)
    if date is None:
        raise InvalidEvent(
            "$.timestamp",
            f"cannot read the timestamp {shorten(repr(value))} as a date; use an ISO-8601 string "
            "such as '2024-05-01T12:00:00.000Z' or epoch milliseconds",
        )
    return date.iso() if profile.timestamp == "facade" else None


def _library(options: object, profile: Profile) -> JSONValue:
    """The ``segment_library`` value: the library named in the message's options
    (``options_of``), or the profile's constant."""
    library = profile.segment_library
    assert library is not None
    if library.from_context:
        name = lookup(options, "library.name")
        if js_truthy(name):
            return copy_value(_dated(name, profile))
    return library.value


def _finish(
    values: Mapping[str, object], options: object, profile: Profile, at: str
) -> tuple[MappingProxyType[str, JSONValue], bool]:
    """The written values, read-only (written here and never shared: no copy), and
    whether they print alike in Python and JavaScript (``write_values_plain``)."""
    if "__proto__" in values:  # JavaScript sets the prototype instead: no key at all
        values = {key: value for key, value in values.items() if key != "__proto__"}
    written, plain = write_values_plain(values, profile.values, iso_dates=profile.iso_dates, at=at)
    written.pop("__proto__", None)  # a key flattened to exactly that name, likewise
    library = profile.segment_library
    if library is not None and not (library.user_value_wins and "segment_library" in written):
        value = _library(options, profile)
        written["segment_library"] = value
        plain = plain and type(value) is str
    return MappingProxyType(written), plain


def _identify(data: Mapping[str, object], profile: Profile) -> list[Call]:
    user_id = _dated(data.get("userId"), profile)
    traits = dict(_object(data, "traits"))
    if profile.id_trait and js_truthy(user_id):
        traits["id"] = user_id
    alias = profile.identify_email_alias
    if alias is not None:
        email = lookup(traits, "email")
        if not js_truthy(email):
            email = user_id if is_email(user_id) else None
        if email is not None:
            traits[alias] = email
            traits.pop("email", None)
    calls: list[Call] = []
    if profile.mode == "device" and js_truthy(user_id):
        calls.append(Identify(_identity(user_id)))
    if "hasOwnProperty" in traits:
        return [*calls, _clean_fails("identify", "traits")]
    properties, plain = _finish(traits, options_of(data), profile, "$.traits")
    if profile.mode == "cloud":
        identity = _cloud_identity(user_id, data, profile)
        return [written_user_properties(properties, identity=identity, plain=plain)]
    calls.append(written_user_properties(properties, plain=plain))
    return calls


def _has_dotted_key(obj: object) -> bool:
    """Whether ``obj`` is an object with a key holding a dot (or a key that is no string,
    which ``lookup`` then judges)."""
    if type(obj) is not dict and not isinstance(obj, Mapping):
        return False
    try:
        return "." in "".join(obj)
    except TypeError:
        return True


def _clean_fails(kind: str, what: str) -> Unsupported:
    """The call the integration never makes: its ``clean`` step calls
    ``obj.hasOwnProperty(k)``, which a top-level key of that name replaces, and throws."""
    return Unsupported(
        kind,
        f"{_DESTINATION} fails on {what} with a top-level key 'hasOwnProperty' (its clean "
        "step calls obj.hasOwnProperty, which that key replaces) and sends nothing more; "
        "rename the key to send them",
    )


def _track(
    data: Mapping[str, object],
    event: object,
    properties: Mapping[str, object],
    profile: Profile,
    timestamp: str | None,
) -> Call:
    user_id = _dated(data.get("userId"), profile)
    options = options_of(data)
    alias = profile.track_email_alias
    if alias is not None:
        context_traits = lookup(options, "traits")
        email = None if context_traits is None else lookup(context_traits, "email")
        if not js_truthy(email):
            email = lookup(properties, "email")
        if not js_truthy(email) and _has_dotted_key(options):
            # One lookup of the dotted path, which also finds a flat "traits.email" key;
            # without a dotted key it finds what the lookups above found.
            email = lookup(options, "traits.email")
        if not js_truthy(email):
            email = user_id if is_email(user_id) else None
        if email is not None:
            properties = dict(properties)
            properties[alias] = email
            properties.pop("email", None)
    if "hasOwnProperty" in properties:
        return _clean_fails("track", "properties")
    written, plain = _finish(properties, options, profile, "$.properties")
    name = copy_value(event)
    assert isinstance(name, str)
    if profile.mode == "device":
        return written_track(name, written, plain=plain)
    key = None
    if profile.idempotency_key == "messageId" and data.get("messageId") is not None:
        key = js_to_string(_dated(data["messageId"], profile))
    elif profile.idempotency_key == "messageId-or-hash":
        key = replay_key(data)
    return written_track(
        name,
        written,
        identity=_cloud_identity(user_id, data, profile),
        timestamp=timestamp,
        idempotency_key=key,
        plain=plain,
    )
