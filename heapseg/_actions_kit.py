"""What Segment's Actions runtime does to a message before a cloud destination's code runs.

Both cloud Actions profiles (``actions-cloud``, ``heap-cloud``) share these steps:

1. **Mapping**: each action field is read from one message path, or from the
   first of several paths whose value exists (``@if exists``: neither missing
   nor null); a path that leads nowhere gives no value.
2. **Empty values**: at the top level only, a field equal to ``""`` is dropped,
   and so is a ``null`` unless the field allows null. Nested values are not
   touched.
3. **Validation** (AJV with ``coerceTypes: "array"``): a one-item array stands
   for its item in string and date fields, never in object fields; string
   fields take numbers and booleans as their JavaScript
   text (``123`` → ``"123"``); object fields take only objects; date fields
   take numbers, or strings dayjs can read; an ``email`` field must match
   ajv-formats' full e-mail pattern.

A value of the wrong type breaks the Segment spec and raises
``InvalidEvent`` at the message path it came from. What the
integration itself refuses (a missing required field, an e-mail it will not
take, the destination code's own errors) is a ``Rejected`` carrying the
integration's message; the profiles turn it into ``Unsupported``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from attrs import frozen

from ._calls import Call, JSONValue, Unsupported, shorten
from ._errors import InvalidEvent, Rejected
from ._isodate import dayjs_utc, facade_timestamp, time_clip
from ._jsjson import in_js_order, js_number, js_number_to_string, js_truthy
from ._messages import describe
from ._normalize import find_non_json
from ._paths import MISSING, first_present
from ._profile import Profile
from ._replay import replay_key
from ._values import copy_value, write_values_plain

__all__ = [
    "Field",
    "Rejected",
    "event_name",
    "event_properties",
    "event_time",
    "has_value",
    "idempotency_key",
    "is_defined",
    "js_trim",
    "map_fields",
    "missing_field",
    "truthy",
    "unsupported",
    "user_properties",
    "with_library",
]

FieldKind = Literal["string", "object", "datetime"]

_JS_WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# ajv-formats' "full" e-mail pattern; JavaScript's /i without /u folds ASCII letters only.
_EMAIL: Final = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?",
    re.IGNORECASE | re.ASCII,
)


@frozen
class Field:
    """One action field: its name, JSON-schema kind, and whether it keeps ``null``."""

    name: str
    kind: FieldKind = "string"
    allow_null: bool = False
    email: bool = False


def _date_like(text: str) -> bool:
    """The runtime's ``date-like`` format: numeric text is Unix seconds, else dayjs parses it."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if js_number_to_string(js_number(number)) == text:
        milliseconds = number * 1000
        return math.isfinite(milliseconds) and time_clip(milliseconds) is not None
    return dayjs_utc(text) is not None


def _wrong_type(source: str, field: Field, value: object, destination: str) -> InvalidEvent:
    wanted = {"string": "a string", "object": "an object", "datetime": "a date"}[field.kind]
    return InvalidEvent(
        source,
        f"{destination} reads '{field.name}' from here and needs {wanted}, found {describe(value)}",
    )


def _unwrapped(value: object, field: Field) -> object:
    """The item of a one-item array where AJV's ``coerceTypes: "array"`` takes it instead.

    AJV unwraps only towards the types it coerces to (string, number, boolean, null),
    so an object field keeps the array, and rejects it, unless it allows the null item.
    """
    if not isinstance(value, list) or len(value) != 1:
        return value
    item = value[0]
    if field.kind == "object" and not (item is None and field.allow_null):
        return value
    return item


def _coerce(value: object, field: Field, source: str, destination: str) -> object:
    """AJV's type check with ``coerceTypes: "array"`` for one field."""
    original = value
    value = _unwrapped(value, field)
    if value is None:
        if field.allow_null:
            return None
        if field.kind == "string":
            return ""
        raise _wrong_type(source, field, original, destination)
    if field.kind == "object":
        if isinstance(value, Mapping):
            return value
        raise _wrong_type(source, field, original, destination)
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        if field.kind == "datetime":
            return js_number(value)
        value = js_number_to_string(js_number(value))
    if not isinstance(value, str):
        raise _wrong_type(source, field, original, destination)
    if field.kind == "datetime" and not _date_like(value):
        raise InvalidEvent(
            source,
            f"{destination} cannot read {shorten(repr(value))} as a date; use an ISO-8601 "
            "string such as '2024-05-01T12:00:00.000Z' or epoch milliseconds",
        )
    if field.email and _EMAIL.fullmatch(value) is None:
        raise Rejected(
            f"The value at /{field.name} must be a valid email address ({shorten(repr(value))})."
        )
    return value


def map_fields(
    message: Mapping[str, object],
    mapping: Sequence[tuple[Field, Sequence[str]]],
    destination: str,
) -> dict[str, object]:
    """Resolve, empty-strip and validate an action's fields; absent fields are left out."""
    payload: dict[str, object] = {}
    for field, paths in mapping:
        if not paths:
            continue
        source, value = first_present(message, paths)
        if value is MISSING or value == "" or (value is None and not field.allow_null):
            continue
        payload[field.name] = _coerce(value, field, source, destination)
    return payload


def missing_field(name: str) -> str:
    """The runtime's message for a required field that has no value."""
    return f"The root value is missing the required field '{name}'."


def is_defined(value: object) -> bool:
    """The Heap destinations' ``isDefined``: false for missing, null, ``""``, ``0``,
    ``"0"`` and objects without keys; true otherwise."""
    if value is MISSING or value is None or value == "" or value == "0":
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)) and value == 0:
        return False
    if isinstance(value, Mapping):
        return len(value) > 0
    return True


def js_trim(text: str) -> str:
    """JavaScript ``String.prototype.trim``."""
    return text.strip(_JS_WHITESPACE)


def has_value(value: object) -> bool:
    """Heap Cloud's ``hasValue``: a string that is not blank after trimming."""
    return isinstance(value, str) and js_trim(value) != ""


def truthy(value: object) -> bool:
    """JavaScript truthiness, with a missing value falsy."""
    return value is not MISSING and js_truthy(value)


# --- choices the Actions profiles share ------------------------------------------------------


def _library_value(raw: Mapping[str, object], profile: Profile) -> str | None:
    """The ``segment_library`` value the profile writes, or None for none."""
    library = profile.segment_library
    if library is None:
        return None
    if library.from_context:
        context = raw.get("context")
        found = context.get("library") if isinstance(context, Mapping) else None
        name = found.get("name") if isinstance(found, Mapping) else None
        if isinstance(name, str) and name:
            return name
    return library.value


def with_library(
    written: dict[str, JSONValue], raw: Mapping[str, object], profile: Profile
) -> dict[str, JSONValue]:
    """``segment_library`` first, then the written values; which one wins is the profile's."""
    value = _library_value(raw, profile)
    if value is None:
        return written
    library = profile.segment_library
    assert library is not None
    if library.user_value_wins:
        out: dict[str, JSONValue] = {"segment_library": value}
        out.update(written)
        return out
    written.pop("segment_library", None)
    return {"segment_library": value, **written}


def event_name(kind: str, event: object, profile: Profile) -> str | None:
    """A track call's name: the profile's page or screen event name (None when the
    profile sends none), else ``event`` when it is a non-empty string, else ``"track"``."""
    if kind == "page":
        return profile.page_event
    if kind == "screen":
        return profile.screen_event
    return event if isinstance(event, str) and event else "track"


def event_properties(
    properties: object, raw: Mapping[str, object], profile: Profile
) -> tuple[dict[str, JSONValue], bool]:
    """A track call's properties: ``segment_library``, then the mapped ``properties``
    object written by ``Profile.values`` (none when it is absent); and whether they
    print alike in Python and JavaScript (see ``write_values_plain``)."""
    written, plain = write_values_plain(
        properties if isinstance(properties, Mapping) else {}, profile.values
    )
    out = with_library(written, raw, profile)
    if out is written:
        return out, plain
    # segment_library goes first, where JavaScript would put it after any array index
    return out, plain and type(out["segment_library"]) is str and in_js_order(out)


def user_properties(traits: object, profile: Profile) -> tuple[dict[str, JSONValue], bool]:
    """The mapped ``traits`` object written by ``Profile.user_values`` (by
    ``Profile.values`` when that is None), empty when the traits are absent; and
    whether it prints alike in Python and JavaScript (see ``write_values_plain``)."""
    rules = profile.user_values if profile.user_values is not None else profile.values
    return write_values_plain(traits if isinstance(traits, Mapping) else {}, rules)


def idempotency_key(
    payload: Mapping[str, object], raw: Mapping[str, object], profile: Profile
) -> str | None:
    """A track call's idempotency key under ``Profile.idempotency_key``: the mapped
    (required) ``message_id`` as the destination sends it, or the replay-safe key of
    the message."""
    message_id = payload["message_id"]
    assert isinstance(message_id, str)
    if profile.idempotency_key == "messageId":
        return message_id
    if profile.idempotency_key == "messageId-or-hash":
        return replay_key(raw)
    return None


def event_time(value: object, profile: Profile) -> str | int | float | None:
    """The event time a track call carries under ``Profile.timestamp``."""
    rule = profile.timestamp
    if rule == "none" or value is None:
        return None
    if rule == "passthrough":
        copied = copy_value(value)
        return copied if isinstance(copied, (str, int, float)) else None
    if rule == "dayjs":
        if not truthy(value):
            return None
        date = dayjs_utc(value)
    else:
        date = facade_timestamp(value)
    if date is None and isinstance(value, str):
        # Text that passed validation but that heapseg cannot read: short numeric text
        # ("12"), which dayjs hands to JavaScript's legacy Date parser.
        raise InvalidEvent(
            "$.timestamp",
            f"cannot tell which date the integration makes of the timestamp "
            f"{shorten(repr(value))}: it hands such text to JavaScript's Date parser, "
            "whose reading heapseg does not reproduce; send an ISO-8601 string such as "
            "'2024-05-01T12:00:00.000Z' or epoch milliseconds",
        )
    return None if date is None else date.iso()


def unsupported(kind: str, reason: str, raw: Mapping[str, object]) -> list[Call]:
    """``[Unsupported(kind, reason)]`` for a message of JSON data.

    A message holding Python values that are not JSON data is not answered:
    ``TypeError`` lets ``heapseg.translate`` name the first such value.
    """
    if find_non_json(raw) is not None:
        raise TypeError("the message holds values that are not JSON data")
    return [Unsupported(kind, reason)]
