"""Event selection: which messages a profile sends at all, by type and by event name.

A profile's ``include_types`` / ``exclude_types`` list message types, and its
``include_events`` / ``exclude_events`` list event-name patterns. A message goes
on when its type passes the type lists and, if it has an event name, that name
passes the event lists; in each pair the exclusion wins. A message that does not
pass is answered ``Unsupported(type, "filtered: ...")``, so it is counted, not lost.

The event name is the name the message would have in Heap: a track's ``event``,
and for page and screen calls the profile's ``page_event`` / ``screen_event``.
Identify, group and alias calls, and page or screen calls a profile does not
track, have none: only the type lists select them.

Patterns match the whole name, case-sensitively: ``*`` stands for any run of
characters (none included), ``?`` for exactly one, and a backslash makes the
next character literal (``\\*`` is a star). Every other character, brackets
included, stands for itself.
"""

from __future__ import annotations

from typing import Final

from ._calls import Unsupported
from ._messages import Message
from ._normalize import non_json_error
from ._profile import Profile

__all__ = ["event_name", "matches", "select"]

_ANY_RUN: Final = object()
_ANY_ONE: Final = object()


def _tokens(pattern: str) -> list[object]:
    """Split a pattern into literal characters and the two wildcards."""
    tokens: list[object] = []
    escaped = False
    for char in pattern:
        if escaped:
            tokens.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            if not tokens or tokens[-1] is not _ANY_RUN:
                tokens.append(_ANY_RUN)
        elif char == "?":
            tokens.append(_ANY_ONE)
        else:
            tokens.append(char)
    if escaped:
        tokens.append("\\")
    return tokens


def matches(pattern: str, name: str) -> bool:
    """Whether ``name`` matches ``pattern`` as a whole (``*``, ``?``, ``\\`` escapes).

    Greedy matching with one backtrack point, the last ``*`` seen: linear in
    practice and never worse than ``len(pattern) * len(name)``.
    """
    tokens = _tokens(pattern)
    at_token = at_name = 0
    star_token = -1
    star_name = 0
    while at_name < len(name):
        token = tokens[at_token] if at_token < len(tokens) else None
        if token is _ANY_RUN:
            star_token, star_name = at_token, at_name
            at_token += 1
        elif token is not None and (token is _ANY_ONE or token == name[at_name]):
            at_token += 1
            at_name += 1
        elif star_token >= 0:
            star_name += 1
            at_token, at_name = star_token + 1, star_name
        else:
            return False
    return all(token is _ANY_RUN for token in tokens[at_token:])


def event_name(message: Message, profile: Profile) -> str | None:
    """The name the message would have as a Heap event, or ``None`` when it has none.

    A track whose ``event`` is not a string has none here: the profile reports it
    as invalid, which selection must not hide.
    """
    if message.type == "track":
        event = message.raw.get("event")
        return event if isinstance(event, str) else None
    if message.type == "page":
        return profile.page_event
    if message.type == "screen":
        return profile.screen_event
    return None


def _why_filtered(message: Message, profile: Profile) -> str | None:
    kind = message.type
    if kind in profile.exclude_types:
        return f"filtered: {kind} calls are excluded (exclude_types)"
    if profile.include_types and kind not in profile.include_types:
        listed = ", ".join(profile.include_types)
        return f"filtered: {kind} calls are not among the included types ({listed})"
    if not (profile.include_events or profile.exclude_events):
        return None
    name = event_name(message, profile)
    if name is None:
        return None
    for pattern in profile.exclude_events:
        if matches(pattern, name):
            return f"filtered: event {name!r} matches the excluded pattern {pattern!r}"
    if profile.include_events and not any(matches(p, name) for p in profile.include_events):
        return f"filtered: event {name!r} matches no included event pattern"
    return None


def select(message: Message, profile: Profile) -> Unsupported | None:
    """``Unsupported(type, "filtered: ...")`` when the profile's selection drops the message.

    A dropped message holding Python values that are not JSON data still raises
    ``InvalidEvent``, as every other message does.
    """
    reason = _why_filtered(message, profile)
    if reason is None:
        return None
    error = non_json_error(message.raw)
    if error is not None:
        raise error
    return Unsupported(message.type, reason)
