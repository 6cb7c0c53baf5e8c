"""Heap's documented limits, applied to the calls a profile makes (``Profile.limits``).

The integrations send whatever the message holds; Heap documents limits on what it takes
(heap-api.md §1, §3, §10, §11). With ``limits="truncate"`` names and values are cut to
length and reserved property names dropped, each change named in the call's ``warnings``;
with ``limits="reject"`` a message whose calls break a limit becomes one
``Unsupported`` naming the rule. Cloud profiles are held to Heap's server
API, device profiles to heap.js, and where heap.js documents nothing, to the server API.

Lengths are counted in UTF-16 code units, as JavaScript's ``length`` counts them: heap.js
counts that way, Heap does not say how its server counts, and Heap's Ruby client counts
code points. A string within the limit in UTF-16 units is within it in code points too,
so output that passes here passes either reading. Cuts fall between code points, never
inside a character outside the Basic Multilingual Plane.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from attrs import evolve, frozen

from ._calls import (
    AddUserProperties,
    Call,
    Identify,
    Identity,
    JSONValue,
    Track,
    Unsupported,
)
from ._profile import Profile

__all__ = ["apply_limits"]

_SHOWN: Final = 40
"""How much of a long key or identity a warning quotes."""

_NON_UNIQUE_IDENTITIES: Final = frozenset({"undefined", "null", "user"})
"""Identities heap.js documents as never to be used: every user given one merges into one."""


@frozen
class _Bound:
    """One documented length limit: the longest length allowed, and the rule in words."""

    most: int
    rule: str


@frozen
class _Rules:
    """The limits of one side of Heap: its server API, or heap.js."""

    identity: _Bound
    event: _Bound
    event_key: _Bound
    event_value: _Bound
    user_key: _Bound
    user_value: _Bound
    reserved_user_keys: frozenset[str]
    reserved_rule: str


_SERVER: Final = _Rules(
    identity=_Bound(255, "Heap's server API takes identities of at most 255 characters"),
    event=_Bound(1024, "Heap's server API takes event names of at most 1024 characters"),
    event_key=_Bound(1023, "Heap's server API takes property names of fewer than 1024 characters"),
    event_value=_Bound(
        1023, "Heap's server API takes property values of fewer than 1024 characters"
    ),
    user_key=_Bound(1023, "Heap's server API takes property names of fewer than 1024 characters"),
    user_value=_Bound(
        1023, "Heap's server API takes property values of fewer than 1024 characters"
    ),
    reserved_user_keys=frozenset({"id", "ID", "Id", "iD"}),
    reserved_rule="Heap's add_user_properties API takes no casing of 'id' as a property name",
)

_HEAP_JS: Final = _Rules(
    identity=_Bound(254, "heap.js takes identities of fewer than 255 characters"),
    event=_Bound(255, "heap.js takes event names of at most 255 characters"),
    event_key=_Bound(511, "heap.js takes event property names of fewer than 512 characters"),
    event_value=_Bound(1023, "heap.js takes event property values of fewer than 1024 characters"),
    user_key=_Bound(
        1023,
        "heap.js documents no limit on user property names and Heap's server API takes "
        "fewer than 1024 characters",
    ),
    user_value=_Bound(255, "heap.js takes user property values of at most 255 characters"),
    reserved_user_keys=frozenset({"user_id"}),
    reserved_rule="heap.js addUserProperties does not take the property name 'user_id'",
)

_NON_UNIQUE_RULE: Final = (
    "heap.js warns never to use non-unique identities such as 'undefined', 'null' or "
    "'user': every user given one is merged into one, which cannot be undone"
)


def apply_limits(calls: list[Call], profile: Profile, message_type: str) -> list[Call]:
    """Hold ``calls`` to Heap's limits as ``profile.limits`` asks (``off``: unchanged)."""
    if profile.limits == "off":
        return calls
    rules = _SERVER if profile.mode == "cloud" else _HEAP_JS
    if profile.limits == "reject":
        for call in calls:
            broken = _first_broken(call, rules)
            if broken is not None:
                return [Unsupported(message_type, f"Heap's limits (limits='reject'): {broken}")]
        return calls
    cut: list[Call] = []
    for call in calls:
        fixed = _truncate(call, rules)
        if isinstance(fixed, str):
            return [Unsupported(message_type, f"Heap's limits (limits='truncate'): {fixed}")]
        cut.append(fixed)
    return cut


# --- measuring and cutting -------------------------------------------------------------


def _units(text: str) -> int:
    """The length of ``text`` as JavaScript counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _fits(text: str, most: int) -> bool:
    """Whether ``text`` has at most ``most`` UTF-16 code units, looking at no more than needed."""
    length = len(text)
    if length > most:
        return False
    if 2 * length <= most:
        return True
    return _units(text) <= most


def _cut(text: str, most: int) -> str:
    """The longest prefix of ``text`` with at most ``most`` UTF-16 code units, whole code points."""
    head = text[:most]
    units = 0
    for index, char in enumerate(head):
        units += 2 if char > "\uffff" else 1
        if units > most:
            return head[:index]
    return head


def _quote(text: str) -> str:
    """``text`` quoted for a message, shortened when long."""
    if len(text) <= _SHOWN:
        return f"'{text}'"
    return f"'{text[:_SHOWN]}…'"


# --- reject ----------------------------------------------------------------------------


def _identity_broken(identity: Identity | None, rules: _Rules) -> str | None:
    if not isinstance(identity, str):
        return None
    if not _fits(identity, rules.identity.most):
        return f"the identity has {_units(identity)} characters; {rules.identity.rule}"
    if identity in _NON_UNIQUE_IDENTITIES:
        return f"the identity {_quote(identity)} is not unique; {_NON_UNIQUE_RULE}"
    return None


def _properties_broken(
    properties: Mapping[str, JSONValue],
    key_bound: _Bound,
    value_bound: _Bound,
    reserved: frozenset[str],
    reserved_rule: str,
    what: str,
) -> str | None:
    for key, value in properties.items():
        if key in reserved:
            return f"the {what} name {_quote(key)} is reserved; {reserved_rule}"
        if not _fits(key, key_bound.most):
            return f"the {what} name {_quote(key)} has {_units(key)} characters; {key_bound.rule}"
        if isinstance(value, str) and not _fits(value, value_bound.most):
            return (
                f"the {what} {_quote(key)} has a value of {_units(value)} characters; "
                f"{value_bound.rule}"
            )
    return None


def _first_broken(call: Call, rules: _Rules) -> str | None:
    """The first limit ``call`` breaks, in words, or None."""
    if type(call) is Identify:
        return _identity_broken(call.identity, rules)
    if type(call) is AddUserProperties:
        return _identity_broken(call.identity, rules) or _properties_broken(
            call.properties,
            rules.user_key,
            rules.user_value,
            rules.reserved_user_keys,
            rules.reserved_rule,
            "user property",
        )
    if type(call) is Track:
        broken = _identity_broken(call.identity, rules)
        if broken is not None:
            return broken
        if not _fits(call.event, rules.event.most):
            return f"the event name has {_units(call.event)} characters; {rules.event.rule}"
        return _properties_broken(
            call.properties, rules.event_key, rules.event_value, frozenset(), "", "event property"
        )
    return None


# --- truncate --------------------------------------------------------------------------


def _identity_warnings(identity: Identity | None, rules: _Rules) -> list[str] | str:
    """Warnings about ``identity``, or, for one too long to send, the reason it is refused.

    An identity is never cut: a shorter identity is a different user.
    """
    if not isinstance(identity, str):
        return []
    if not _fits(identity, rules.identity.most):
        return (
            f"the identity has {_units(identity)} characters; {rules.identity.rule}, and "
            "cutting it would send the calls to a different user"
        )
    if identity in _NON_UNIQUE_IDENTITIES:
        return [f"the identity {_quote(identity)} is not unique; {_NON_UNIQUE_RULE}"]
    return []


def _cut_properties(
    properties: Mapping[str, JSONValue],
    key_bound: _Bound,
    value_bound: _Bound,
    reserved: frozenset[str],
    reserved_rule: str,
    what: str,
    warnings: list[str],
) -> dict[str, JSONValue] | None:
    """``properties`` held to the limits, or None when they already are.

    Reserved names are dropped. A name cut to one that another property already has is
    dropped too, so a cut never overwrites a value; names that fit keep their place.
    """
    broken = _properties_broken(properties, key_bound, value_bound, reserved, reserved_rule, what)
    if broken is None:
        return None
    kept_names = {key for key in properties if key not in reserved and _fits(key, key_bound.most)}
    out: dict[str, JSONValue] = {}
    for key, value in properties.items():
        if key in reserved:
            warnings.append(f"the {what} {_quote(key)} was dropped; {reserved_rule}")
            continue
        name = key
        if key not in kept_names:
            name = _cut(key, key_bound.most)
            if name in kept_names or name in out:
                warnings.append(
                    f"the {what} name {_quote(key)} has {_units(key)} characters and, cut "
                    f"to {key_bound.most}, equals the name of another property; it was "
                    f"dropped; {key_bound.rule}"
                )
                continue
            warnings.append(
                f"the {what} name {_quote(key)} was cut from {_units(key)} to {_units(name)} "
                f"characters; {key_bound.rule}"
            )
        if isinstance(value, str) and not _fits(value, value_bound.most):
            short = _cut(value, value_bound.most)
            warnings.append(
                f"the {what} {_quote(name)} had a value of {_units(value)} characters, cut "
                f"to {_units(short)}; {value_bound.rule}"
            )
            value = short
        out[name] = value
    return out


def _truncate(call: Call, rules: _Rules) -> Call | str:
    """``call`` held to the limits, its changes in ``warnings``; a string when it cannot be."""
    if isinstance(call, Unsupported):
        return call
    found = _identity_warnings(call.identity, rules)
    if isinstance(found, str):
        return found
    warnings = found
    if type(call) is Identify:
        return evolve(call, warnings=(*call.warnings, *warnings)) if warnings else call
    if type(call) is AddUserProperties:
        properties = _cut_properties(
            call.properties,
            rules.user_key,
            rules.user_value,
            rules.reserved_user_keys,
            rules.reserved_rule,
            "user property",
            warnings,
        )
        if not warnings:
            return call
        return evolve(
            call,
            properties=call.properties if properties is None else properties,
            warnings=(*call.warnings, *warnings),
        )
    assert type(call) is Track
    event = call.event
    if not _fits(event, rules.event.most):
        event = _cut(event, rules.event.most)
        warnings.append(
            f"the event name was cut from {_units(call.event)} to {_units(event)} characters; "
            f"{rules.event.rule}"
        )
    properties = _cut_properties(
        call.properties,
        rules.event_key,
        rules.event_value,
        frozenset(),
        "",
        "event property",
        warnings,
    )
    if not warnings:
        return call
    return evolve(
        call,
        event=event,
        properties=call.properties if properties is None else properties,
        warnings=(*call.warnings, *warnings),
    )
