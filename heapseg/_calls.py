"""Heap call descriptors: what a Segment message becomes, as immutable values.

A descriptor names one Heap call (``identify``, ``addUserProperties``, ``track``)
or says why there is none (``unsupported``). ``to_dict`` and
``from_dict`` convert to and from JSON-ready dicts and are exact inverses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias

from attrs import field, frozen

from ._errors import InvalidCall

__all__ = [
    "TRACK_OPTIONAL",
    "AddUserProperties",
    "Call",
    "Identify",
    "Identity",
    "JSONValue",
    "Origin",
    "Track",
    "Unsupported",
    "from_dict",
    "to_dict",
]

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
"""A value as ``json.loads`` produces it."""

Identity: TypeAlias = str | int | float
"""A Heap identity: a string, or a number where the integration keeps numeric user ids."""

Properties: TypeAlias = Mapping[str, JSONValue]

Origin: TypeAlias = Literal["track"]
"""What made a user-properties call, where its integration writes it differently for that
(see ``AddUserProperties.origin``)."""

_EMPTY: Final[Mapping[str, JSONValue]] = MappingProxyType({})


def _freeze(value: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    """Keep a private, read-only copy of a properties mapping. A read-only view is
    copied too: whoever made it may still change the dict behind it."""
    return MappingProxyType(shallow_properties(value))


def _warnings(value: Any) -> tuple[str, ...]:
    return tuple(value)


@frozen
class Identify:
    """``heap.identify(identity)``: attach the current user to ``identity``."""

    identity: Identity
    warnings: tuple[str, ...] = field(default=(), converter=_warnings, kw_only=True)


@frozen
class AddUserProperties:
    """``heap.addUserProperties(properties)``, or ``POST /api/add_user_properties``.

    ``identity`` is ``None`` for a device-mode call, where heap.js applies the
    properties to whoever the current user is.

    ``origin`` is ``"track"`` for the request Heap Cloud (Actions) makes beside a track
    call (its trackEvent action), whose body starts with ``app_id`` where the one its
    identifyUser action makes starts with ``identity``. The call has to say so: a
    user-properties call followed by a track looks the same either way. It is ``None``
    (the default, left out of ``to_dict``) for every other call.
    """

    properties: Properties = field(converter=_freeze)
    identity: Identity | None = None
    origin: Origin | None = field(default=None, kw_only=True)
    warnings: tuple[str, ...] = field(default=(), converter=_warnings, kw_only=True)
    _plain_json: bool = field(default=False, init=False, eq=False, repr=False)
    """Set by ``translate`` when ``json.dumps`` of the call's values is already the text
    ``JSON.stringify`` writes, so that ``http.render`` can skip its checks of that text."""


@frozen
class Track:
    """``heap.track(event, properties)``, or one event for ``POST /api/track``.

    The optional identifiers are set only by the profiles whose integration
    sends them: ``identity`` (a user's identity), ``anonymous_id``, ``user_id``
    (Heap's numeric user id) and ``email``. ``timestamp`` is what the
    integration sends as the event time; ``idempotency_key`` lets Heap drop
    repeats of the same event.
    """

    event: str
    properties: Properties = field(default=_EMPTY, converter=_freeze)
    identity: Identity | None = None
    anonymous_id: str | None = None
    user_id: str | None = None
    email: str | None = None
    timestamp: str | int | float | None = None
    idempotency_key: str | int | float | None = None
    warnings: tuple[str, ...] = field(default=(), converter=_warnings, kw_only=True)
    _plain_json: bool = field(default=False, init=False, eq=False, repr=False)
    """As for ``AddUserProperties``: set by ``translate``, read by ``http.render``."""


@frozen
class Unsupported:
    """A valid message that Heap cannot take under the profile, and why.

    ``type`` is the Segment message type (``"page"``, ``"alias"``, ...).
    """

    type: str
    reason: str


Call: TypeAlias = Identify | AddUserProperties | Track | Unsupported
"""One Heap call descriptor."""


def written_track(
    event: str,
    properties: MappingProxyType[str, JSONValue],
    *,
    identity: Identity | None = None,
    anonymous_id: str | None = None,
    user_id: str | None = None,
    email: str | None = None,
    timestamp: str | int | float | None = None,
    idempotency_key: str | int | float | None = None,
    plain: bool = False,
) -> Track:
    """``Track(...)`` for values a profile has just written and nobody else holds.

    ``properties`` is already the private read-only mapping the converter would make,
    so the slots are filled directly; ``plain`` says ``write_values_plain`` found them
    printing alike in Python and JavaScript. The call is marked plain only when every
    other value is a string too (a number's text is not checked here).
    """
    track: Track = _new(Track)
    _set_event(track, event)
    _set_properties(track, properties)
    _set_identity(track, identity)
    _set_anonymous_id(track, anonymous_id)
    _set_user_id(track, user_id)
    _set_email(track, email)
    _set_timestamp(track, timestamp)
    _set_idempotency_key(track, idempotency_key)
    _set_warnings(track, ())
    _set_plain(
        track,
        plain
        and type(event) is str
        and (identity is None or type(identity) is str)
        and (anonymous_id is None or type(anonymous_id) is str)
        and (user_id is None or type(user_id) is str)
        and (email is None or type(email) is str)
        and (timestamp is None or type(timestamp) is str)
        and (idempotency_key is None or type(idempotency_key) is str),
    )
    return track


def plain_json(call: Track | AddUserProperties) -> bool:
    """Whether ``translate`` found ``json.dumps`` of ``call``'s values to be exactly the
    text ``JSON.stringify`` writes (never for calls made any other way)."""
    return call._plain_json


def written_user_properties(
    properties: MappingProxyType[str, JSONValue],
    *,
    identity: Identity | None = None,
    origin: Origin | None = None,
    plain: bool = False,
) -> AddUserProperties:
    """``AddUserProperties(...)`` for values a profile has just written (see ``written_track``)."""
    call: AddUserProperties = _new(AddUserProperties)
    _set_user_properties(call, properties)
    _set_user_identity(call, identity)
    _set_user_origin(call, origin)
    _set_user_warnings(call, ())
    _set_user_plain(call, plain and (identity is None or type(identity) is str))
    return call


TRACK_OPTIONAL: Final = (
    "identity",
    "anonymous_id",
    "user_id",
    "email",
    "timestamp",
    "idempotency_key",
)
"""The optional fields of ``Track``, in the order they are written out."""

_new: Final = object.__new__
(
    _set_event,
    _set_properties,
    _set_identity,
    _set_anonymous_id,
    _set_user_id,
    _set_email,
    _set_timestamp,
    _set_idempotency_key,
    _set_warnings,
    _set_plain,
) = (
    Track.__dict__[name].__set__
    for name in ("event", "properties", *TRACK_OPTIONAL, "warnings", "_plain_json")
)
(
    _set_user_properties,
    _set_user_identity,
    _set_user_origin,
    _set_user_warnings,
    _set_user_plain,
) = (
    AddUserProperties.__dict__[name].__set__
    for name in ("properties", "identity", "origin", "warnings", "_plain_json")
)


def shallow_properties(properties: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """A one-level dict copy of a call's properties, for a body encoded at once: copying
    the dict a read-only mapping wraps is the quickest way when it wraps a dict."""
    if type(properties) is MappingProxyType:
        copied = properties.copy()
        if type(copied) is dict:
            return copied
    return dict(properties)


def _walk_copy(value: object, path: str, check: bool) -> JSONValue:
    """Copy nested JSON containers iteratively; with ``check``, refuse anything not JSON."""
    if not isinstance(value, (dict, list, Mapping)):
        if check and not (value is None or isinstance(value, (str, bool, int, float))):
            raise InvalidCall(path, f"expected a JSON value, found {describe(value)}")
        return value  # type: ignore[return-value]
    holder: dict[str, JSONValue] = {}
    stack: list[tuple[Any, Any, Any, str]] = [(value, holder, "", path)]
    while stack:
        source, parent, slot, where = stack.pop()
        if isinstance(source, Mapping):
            obj: dict[str, JSONValue] = {}
            parent[slot] = obj
            for key, item in source.items():
                if check and not isinstance(key, str):
                    raise InvalidCall(where, f"object keys must be strings, found {key!r}")
                obj[key] = None
                stack.append((item, obj, key, f"{where}[{key!r}]"))
        elif isinstance(source, list):
            arr: list[JSONValue] = [None] * len(source)
            parent[slot] = arr
            for index, item in enumerate(source):
                stack.append((item, arr, index, f"{where}[{index}]"))
        elif check and not (source is None or isinstance(source, (str, bool, int, float))):
            raise InvalidCall(where, f"expected a JSON value, found {describe(source)}")
        else:
            parent[slot] = source
    return holder[""]


def _copy_json(value: JSONValue) -> JSONValue:
    """Copy nested containers so a returned dict shares nothing mutable with a call."""
    return _walk_copy(value, "$", check=False)


def _properties_dict(properties: Properties) -> dict[str, JSONValue]:
    out = dict(properties)
    for key, value in out.items():
        if isinstance(value, (dict, list)):
            out[key] = _copy_json(value)
    return out


def to_dict(call: Call) -> dict[str, Any]:
    """Return the JSON-ready dict form of ``call`` (key ``"call"`` names its kind)."""
    return _call_dict(call, _properties_dict)


def shallow_dict(call: Call) -> dict[str, Any]:
    """``to_dict`` with the properties copied one level deep, for a dict that is encoded
    at once and dropped: nobody can change its nested values in between."""
    return _call_dict(call, shallow_properties)


def _call_dict(
    call: Call, copy_properties: Callable[[Properties], dict[str, JSONValue]]
) -> dict[str, Any]:
    """The dict form of ``call``, its properties copied by ``copy_properties``."""
    out: dict[str, Any]
    if type(call) is Track:
        out = {
            "call": "track",
            "event": call.event,
            "properties": copy_properties(call.properties),
        }
        for name in TRACK_OPTIONAL:
            value = getattr(call, name)
            if value is not None:
                out[name] = value
    elif type(call) is AddUserProperties:
        out = {"call": "addUserProperties", "properties": copy_properties(call.properties)}
        if call.identity is not None:
            out["identity"] = call.identity
        if call.origin is not None:
            out["origin"] = call.origin
    elif type(call) is Identify:
        out = {"call": "identify", "identity": call.identity}
    elif type(call) is Unsupported:
        return {"call": "unsupported", "type": call.type, "reason": call.reason}
    else:
        raise TypeError(f"to_dict() takes a heapseg call descriptor, not {type(call).__name__}")
    if call.warnings:
        out["warnings"] = list(call.warnings)
    return out


# --- from_dict: strict structuring with JSON paths in every error -------------------------

_KINDS: Final = ("identify", "addUserProperties", "track", "unsupported")
_ALLOWED_KEYS: Final[dict[str, frozenset[str]]] = {
    "identify": frozenset({"call", "identity", "warnings"}),
    "addUserProperties": frozenset({"call", "properties", "identity", "origin", "warnings"}),
    "track": frozenset({"call", "event", "properties", "warnings", *TRACK_OPTIONAL}),
    "unsupported": frozenset({"call", "type", "reason"}),
}


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters for an error message, however long it is."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value: object) -> str:
    """Name a JSON value's type the way a person reading the message would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a Python {type(value).__name__}"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_json(value: object, path: str) -> JSONValue:
    """Validate that ``value`` is plain JSON data and return a private copy of it."""
    return _walk_copy(value, path, check=True)


def _required_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise InvalidCall(f"$.{key}", f"'{key}' must be a string, found {describe(value)}")
    return value


def _identity(data: Mapping[str, Any], *, required: bool) -> Identity | None:
    value = data.get("identity")
    if value is None and not required:
        return None
    if isinstance(value, str) or _is_number(value):
        return value
    raise InvalidCall(
        "$.identity", f"'identity' must be a string or a number, found {describe(value)}"
    )


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InvalidCall(f"$.{key}", f"'{key}' must be a string when present, found {describe(value)}")


def _origin(data: Mapping[str, Any]) -> Origin | None:
    value = data.get("origin")
    if value is None:
        return None
    if isinstance(value, str) and value == "track":
        return "track"
    raise InvalidCall(
        "$.origin", f"'origin' must be 'track' when present, found {shorten(repr(value))}"
    )


def _idempotency_key(data: Mapping[str, Any]) -> str | int | float | None:
    value = data.get("idempotency_key")
    if value is None or isinstance(value, str) or _is_number(value):
        return value
    raise InvalidCall(
        "$.idempotency_key",
        f"'idempotency_key' must be a string or a number when present, found {describe(value)}",
    )


def _properties(data: Mapping[str, Any], *, required: bool) -> Properties:
    value = data.get("properties")
    if value is None and not required:
        return _EMPTY
    if not isinstance(value, Mapping):
        raise InvalidCall(
            "$.properties", f"'properties' must be an object, found {describe(value)}"
        )
    checked = _check_json(value, "$.properties")
    assert isinstance(checked, dict)
    return MappingProxyType(checked)


def _warnings_of(data: Mapping[str, Any]) -> tuple[str, ...]:
    value = data.get("warnings", ())
    if not isinstance(value, (list, tuple)) or not all(isinstance(w, str) for w in value):
        raise InvalidCall("$.warnings", "'warnings' must be an array of strings")
    return tuple(value)


def from_dict(data: Mapping[str, Any]) -> Call:
    """Build a call descriptor from its ``to_dict`` form.

    Raises ``heapseg.InvalidCall`` naming the offending key when ``data``
    is not such a dict; ``from_dict(to_dict(c)) == c`` for every call ``c``.
    """
    if not isinstance(data, Mapping):
        raise InvalidCall("$", f"a call descriptor must be an object, found {describe(data)}")
    kind = data.get("call")
    if kind not in _KINDS:
        raise InvalidCall("$.call", f"'call' must be one of {', '.join(_KINDS)}; found {kind!r}")
    unknown = sorted(k for k in data if k not in _ALLOWED_KEYS[kind])
    if unknown:
        raise InvalidCall(
            f"$.{unknown[0]}",
            f"unknown key for a {kind} call; allowed: " + ", ".join(sorted(_ALLOWED_KEYS[kind])),
        )
    if kind == "unsupported":
        return Unsupported(type=_required_str(data, "type"), reason=_required_str(data, "reason"))
    warnings = _warnings_of(data)
    if kind == "identify":
        identity = _identity(data, required=True)
        assert identity is not None
        return Identify(identity, warnings=warnings)
    if kind == "addUserProperties":
        return AddUserProperties(
            _properties(data, required=True),
            _identity(data, required=False),
            origin=_origin(data),
            warnings=warnings,
        )
    timestamp = data.get("timestamp")
    if timestamp is not None and not (isinstance(timestamp, str) or _is_number(timestamp)):
        raise InvalidCall(
            "$.timestamp", f"'timestamp' must be a string or a number, found {describe(timestamp)}"
        )
    return Track(
        _required_str(data, "event"),
        _properties(data, required=True),
        identity=_identity(data, required=False),
        anonymous_id=_optional_str(data, "anonymous_id"),
        user_id=_optional_str(data, "user_id"),
        email=_optional_str(data, "email"),
        timestamp=timestamp,
        idempotency_key=_idempotency_key(data),
        warnings=warnings,
    )
