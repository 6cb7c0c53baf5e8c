"""Segment messages as typed values.

Well-formed messages, the vast majority, are built directly field by field. A message
with a field of the wrong kind goes to the cattrs converter of ``_message_converter``,
which names the first bad field; that module is imported, and its converter built, the
first time a message needs it, so that importing heapseg does not pay for cattrs.

Parsing checks what the Segment spec requires of every message, whatever the
profile: a mapping with a known ``type``, object-typed ``traits``,
``properties``, ``context`` and ``integrations``, identifiers that are strings
or numbers, and a ``userId`` or ``anonymousId`` to say who the message is about.
Profile-specific rules (a required ``event``, a required ``userId``) live with
the profiles. Unknown keys are kept in ``Message.raw`` and never rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, NewType, TypeAlias

from attrs import field, frozen

from ._calls import JSONValue, describe
from ._errors import InvalidEvent

__all__ = [
    "MESSAGE_TYPES",
    "AliasMessage",
    "GroupMessage",
    "IdentifyMessage",
    "Message",
    "PageMessage",
    "ScreenMessage",
    "TrackMessage",
    "describe",
    "not_an_object",
    "parse_message",
    "track_event",
]

MESSAGE_TYPES: Final = ("identify", "track", "page", "screen", "group", "alias")

JSONObject: TypeAlias = Mapping[str, JSONValue]

# Field kinds; ``_message_converter`` has one strict structure hook for each (cattrs
# coerces by default; heapseg must not), and the direct builders the same checks.
_Object = NewType("_Object", dict)  # type: ignore[type-arg]
_OptionalObject = NewType("_OptionalObject", dict)  # type: ignore[type-arg]
_Id = NewType("_Id", object)
_Text = NewType("_Text", object)
_Raw = NewType("_Raw", object)


@frozen
class Message:
    """The fields every Segment message has. ``raw`` is the message as given."""

    type: str
    raw: JSONObject = field(repr=False)
    user_id: str | int | float | None = None
    anonymous_id: str | int | float | None = None
    message_id: str | int | float | None = None
    timestamp: JSONValue = None
    context: JSONObject = field(factory=dict)
    integrations: JSONObject | None = None


@frozen
class IdentifyMessage(Message):
    """An identify call: who the user is, and their traits."""

    traits: JSONObject = field(factory=dict)


@frozen
class TrackMessage(Message):
    """A track call: an event name and its properties."""

    event: JSONValue = None
    properties: JSONObject = field(factory=dict)


@frozen
class PageMessage(Message):
    """A page call."""

    name: JSONValue = None
    category: JSONValue = None
    properties: JSONObject = field(factory=dict)


@frozen
class ScreenMessage(PageMessage):
    """A screen call (a page call from a mobile app)."""


@frozen
class GroupMessage(Message):
    """A group call: the user's account or organisation."""

    group_id: str | int | float | None = None
    traits: JSONObject = field(factory=dict)


@frozen
class AliasMessage(Message):
    """An alias call: ``previousId`` becomes ``userId``."""

    previous_id: str | int | float | None = None


_CLASSES: Final[dict[str, type[Message]]] = {
    "identify": IdentifyMessage,
    "track": TrackMessage,
    "page": PageMessage,
    "screen": ScreenMessage,
    "group": GroupMessage,
    "alias": AliasMessage,
}

# attribute -> (JSON key, field kind)
_FIELDS: Final[dict[str, tuple[str, object]]] = {
    "type": ("type", str),
    "raw": ("raw", _Raw),
    "user_id": ("userId", _Id),
    "anonymous_id": ("anonymousId", _Id),
    "message_id": ("messageId", _Id),
    "timestamp": ("timestamp", _Text),
    "context": ("context", _Object),
    "integrations": ("integrations", _OptionalObject),
    "traits": ("traits", _Object),
    "event": ("event", _Text),
    "properties": ("properties", _Object),
    "name": ("name", _Text),
    "category": ("category", _Text),
    "group_id": ("groupId", _Id),
    "previous_id": ("previousId", _Id),
}


_CHECKS: Final[dict[object, str]] = {
    _Raw: "    value = message\n",
    _Object: (
        "    if value is None:\n"
        "        value = {}\n"
        "    elif type(value) is not dict and not isinstance(value, Mapping):\n"
        "        return None\n"
    ),
    _OptionalObject: (
        "    if value is not None and type(value) is not dict and not isinstance(value, Mapping):\n"
        "        return None\n"
    ),
    _Id: (
        "    if value is not None and type(value) is not str and (\n"
        "        isinstance(value, bool) or not isinstance(value, (str, int, float))\n"
        "    ):\n"
        "        return None\n"
    ),
    _Text: "",
    str: "",
}
"""Per field kind, the lines of a direct builder that check ``value`` (None: ask the
converter) or put the kind's default in its place, as the structure hooks do."""


def _direct_builders() -> dict[type[Message], Callable[[Mapping[str, Any]], Message | None]]:
    """One function per message class that builds it straight from a message when every
    field is of its kind, and gives None as soon as one is not, so that the converter
    reports the error. Written out field by field once, at import: for the well-formed
    messages that are nearly all of them, a fraction of the converter's time."""
    names: dict[str, object] = {"Mapping": Mapping, "new": object.__new__}
    source: list[str] = []
    for cls in _CLASSES.values():
        names[cls.__name__] = cls
        source.append(f"def build_{cls.__name__}(message):\n    parsed = new({cls.__name__})\n")
        for attribute in cls.__attrs_attrs__:
            key, kind = _FIELDS[attribute.name]
            setter = f"set_{cls.__name__}_{attribute.name}"
            names[setter] = getattr(cls, attribute.name).__set__  # the slot, without __init__
            if kind is not _Raw:
                source.append(f"    value = message.get({key!r})\n")
            source.append(_CHECKS[kind])
            source.append(f"    {setter}(parsed, value)\n")
        source.append("    return parsed\n")
    exec(compile("".join(source), "<heapseg message builders>", "exec"), names)
    return {cls: names[f"build_{cls.__name__}"] for cls in _CLASSES.values()}  # type: ignore[misc]


_BUILDERS: Final = _direct_builders()


def _present(value: object) -> bool:
    return value is not None and value != ""


def parse_message(message: object) -> Message:
    """Parse a Segment message (a mapping of JSON values) into its typed form.

    Raises ``InvalidEvent`` for anything the Segment spec does not allow.
    The message is read, never changed; unknown keys stay in ``raw``.
    """
    if type(message) is not dict and not isinstance(message, Mapping):
        raise InvalidEvent(
            "$", f"a Segment message must be a JSON object, found {describe(message)}"
        )
    kind = message.get("type")
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        if kind is None:
            reason = "the message has no 'type'; set it to one of " + ", ".join(MESSAGE_TYPES)
        else:
            reason = f"unknown message type {kind!r}; expected one of " + ", ".join(MESSAGE_TYPES)
        raise InvalidEvent("$.type", reason)
    parsed = _BUILDERS[cls](message)
    if parsed is None:  # a field of the wrong kind: the converter names it
        from ._message_converter import structure_with_converter

        parsed = structure_with_converter(message, cls)
    if not (
        _present(parsed.user_id)
        or _present(parsed.anonymous_id)
        or (kind == "alias" and _present(message.get("previousId")))
    ):
        raise InvalidEvent(
            "$.userId",
            "a Segment message needs a 'userId' or an 'anonymousId' to say who it is about",
        )
    return parsed


def track_event(raw: Mapping[str, Any]) -> str:
    """The ``event`` of a track message, for profiles whose integration needs a name."""
    event = raw.get("event")
    if not isinstance(event, str):
        raise InvalidEvent(
            "$.event", f"a track call needs an 'event' name as a string, found {describe(event)}"
        )
    return event


def not_an_object(path: str, value: object) -> InvalidEvent:
    """The error for a value read from ``path`` (traits, say) that is not an object."""
    return InvalidEvent(
        path, f"'{path.removeprefix('$.')}' must be an object, found {describe(value)}"
    )
