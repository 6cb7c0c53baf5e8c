"""The actions-web profile: Segment's "Heap Web (Actions)" destination, device mode.

The browser runtime only resolves the mappings (each field from the first of its
``Profile.*_from`` paths whose value exists, neither missing nor null); it removes no
empty values, validates nothing and coerces nothing. Then, in order:

track (the trackEvent action):

1. When the ``anonymousId`` is truthy or the traits (``Profile.track_traits_from``:
   ``context.traits``) are defined (``isDefined``: not null, and an object with at least
   one key), ``heap.addUserProperties`` with
   ``anonymous_id`` (when ``isDefined``: ``"0"`` is not) followed by the traits flattened by
   ``flatB`` (dotted objects, arrays as JSON text, numbers and booleans as strings, nulls
   kept, empty objects gone).
2. ``heap.identify(identity)`` when ``Profile.track_identity_from`` maps the identity
   (the preset does not) and it is truthy and ``isDefined``.
3. With ``Profile.browser_array_limit`` set, array items are first tracked as
   ``"<event> <key> item"`` events (see ``_unroll``).
4. ``heap.track(event, properties)``: properties flattened as in step 1 (or, when unrolling
   stopped early, the rest left as they came), then ``segment_library`` forced to
   ``"browser-destination"``.

identify (the identifyUser action): ``heap.addUserProperties(traits)`` with the raw,
unflattened traits (``Profile.identify_traits_from``: ``traits``) whenever they are
truthy (even ``{}``), then ``heap.identify(userId)`` when the identity
(``Profile.identify_identity_from``: ``userId``) is truthy (``"0"`` is).

page, screen, group and alias have no action: ``Unsupported``.

Unrolling a ``null`` array item throws a TypeError in the browser, after the calls made
so far; the message is valid Segment, so heapseg answers ``Unsupported`` for the whole
message instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from ._actions_kit import is_defined
from ._calls import (
    AddUserProperties,
    Call,
    Identify,
    Identity,
    JSONValue,
    Track,
    Unsupported,
    shorten,
)
from ._errors import Rejected
from ._jsjson import js_ordered_keys, js_stringify, js_truthy
from ._messages import Message, not_an_object, track_event
from ._paths import MISSING, first_present
from ._profile import Profile
from ._values import as_identity, copy_value, write_values

__all__ = ["translate_actions_web"]

_DESTINATION: Final = "Segment's Heap Web (Actions) destination"
_LIBRARY: Final = "browser-destination"


def translate_actions_web(message: Message, profile: Profile) -> list[Call]:
    """Map one parsed message the way Heap Web (Actions) does with its default presets."""
    kind = message.type
    raw = message.raw
    try:
        if kind == "identify":
            return _identify(raw, profile)
        if kind == "track":
            return _track(raw, profile)
    except Rejected as rejected:
        return [Unsupported(kind, f"{_DESTINATION} {rejected.reason}")]
    return [Unsupported(kind, f"{_DESTINATION} has no action for {kind} calls")]


def _sendable(value: object, path: str) -> Identity:
    """An identity as heap.identify can take it: a string or a finite number."""
    identity = as_identity(value)
    if identity is not None:
        return identity
    raise Rejected(
        f"would call heap.identify with {shorten(js_stringify(value))} (from {path}); "
        "Heap takes only a string or a number"
    )


def _flat(values: Mapping[str, object], profile: Profile) -> dict[str, JSONValue]:
    """``flatB`` / ``flattenProperties`` of an object, by the profile's value rules."""
    return write_values(values, profile.values)


def _identify(raw: Mapping[str, JSONValue], profile: Profile) -> list[Call]:
    calls: list[Call] = []
    path, traits = first_present(raw, profile.identify_traits_from)
    if traits is not MISSING and js_truthy(traits):
        if not isinstance(traits, Mapping):
            raise not_an_object(path, traits)
        properties = copy_value(traits)
        assert isinstance(properties, dict)
        calls.append(AddUserProperties(properties))
    path, user_id = first_present(raw, profile.identify_identity_from)
    if user_id is not MISSING and js_truthy(user_id):
        calls.append(Identify(_sendable(user_id, path)))
    if not calls:
        return [
            Unsupported(
                "identify",
                "Heap Web (Actions) makes no heap.js call for an identify that has neither "
                "a userId nor traits",
            )
        ]
    return calls


def _track(raw: Mapping[str, JSONValue], profile: Profile) -> list[Call]:
    event = track_event(raw)
    calls: list[Call] = []
    anonymous_id = raw.get("anonymousId")
    traits_path, traits = first_present(raw, profile.track_traits_from)
    if traits is not MISSING and traits is not None and not isinstance(traits, Mapping):
        raise not_an_object(traits_path, traits)
    if js_truthy(anonymous_id) or is_defined(traits):
        user_properties: dict[str, JSONValue] = {}
        if is_defined(anonymous_id):
            user_properties["anonymous_id"] = copy_value(anonymous_id)
        if isinstance(traits, Mapping) and traits:
            user_properties.update(_flat(traits, profile))
        calls.append(AddUserProperties(user_properties))
    path, identity = first_present(raw, profile.track_identity_from)
    if identity is not MISSING and js_truthy(identity) and is_defined(identity):
        calls.append(Identify(_sendable(identity, path)))
    source = raw.get("properties")
    properties: Mapping[str, object] = source if isinstance(source, Mapping) else {}
    if profile.browser_array_limit > 0:
        written = _unroll(event, properties, profile, calls)
    else:
        written = _flat(properties, profile)
    written["segment_library"] = _LIBRARY
    calls.append(Track(event, written))
    return calls


def _unroll(
    event: str, properties: Mapping[str, object], profile: Profile, calls: list[Call]
) -> dict[str, JSONValue]:
    """``heapTrackArrays``: track array items as their own events, return the parent's properties.

    Top-level entries are visited in order while fewer than the limit items were counted:
    each key is deleted and its flattened entry appended; an array also has its first items
    (up to the limit) tracked, and its full length counted. Keys left when the count
    reaches the limit stay as they are, numbers and nested objects included.

    The walk is over ``Object.entries``, taken before it starts: each entry keeps the value
    it had then, even when flattening an earlier key has written over that key since
    (``{"a": {"b": 1}, "a.b": [...]}`` unrolls the array, not the ``"1"`` from ``a``).
    """
    limit = profile.browser_array_limit
    props: dict[str, JSONValue] = {}
    for key in js_ordered_keys(properties):
        props[key] = copy_value(properties[key])
    count = 0
    for key, value in list(props.items()):
        if count >= limit:
            break
        del props[key]
        props.update(_flat({key: value}, profile))
        if isinstance(value, list):
            taken = value[: limit - count] if len(value) + count > limit else value
            count += len(value)
            for index, item in enumerate(taken):
                if item is None:
                    raise Rejected(
                        f"throws a TypeError unrolling the null item {key}[{index}] "
                        "(browserArrayLimit), after the calls before it"
                    )
                item_properties = _flat(dict(_entries(item)), profile)
                item_properties["segment_library"] = _LIBRARY
                calls.append(Track(f"{event} {key} item", item_properties))
    return props


def _entries(item: JSONValue) -> Iterator[tuple[str, object]]:
    """``Object.entries(item)``: an object's keys, an array's indices, a string's UTF-16 units."""
    if isinstance(item, dict):
        yield from item.items()
    elif isinstance(item, list):
        for index, value in enumerate(item):
            yield str(index), value
    elif isinstance(item, str):
        units = item.encode("utf-16-le", "surrogatepass")
        for index in range(len(units) // 2):
            yield str(index), units[2 * index : 2 * index + 2].decode("utf-16-le", "surrogatepass")
