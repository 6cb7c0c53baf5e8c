"""Profiles: named, immutable sets of mapping choices, one per real integration.

A ``Profile`` is plain data. Each field is one documented choice; the
presets in ``heapseg.PROFILES`` (``_presets.py``) set them so that heapseg's output equals what one
real integration sends. Start from a preset and change single choices with
``attrs.evolve`` (for example classic cloud, but page calls become track calls).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal

from attrs import Attribute, field, frozen
from attrs.validators import deep_iterable, ge, in_, instance_of, optional

from ._errors import ConfigurationError
from ._messages import MESSAGE_TYPES
from ._values import ValueRules

__all__ = ["FAMILIES", "Profile", "SegmentLibrary"]

Family = Literal["classic", "actions-cloud", "heap-cloud", "actions-web", "rudderstack"]
Mode = Literal["cloud", "device"]
TimestampRule = Literal["none", "facade", "passthrough-or-original", "dayjs", "passthrough"]
IdempotencyRule = Literal["none", "messageId", "properties.idempotencyKey", "messageId-or-hash"]
IDEMPOTENCY_RULES: Final = ("none", "messageId", "properties.idempotencyKey", "messageId-or-hash")
RegionRule = Literal["none", "EU", "eu"]
IntegrationsRule = Literal["facade", "any-name"]
LimitsRule = Literal["off", "truncate", "reject"]

FAMILIES: Final = ("classic", "actions-cloud", "heap-cloud", "actions-web", "rudderstack")


def _names(value: Iterable[str]) -> tuple[str, ...]:
    """Keep a sequence of names or paths as an immutable tuple."""
    return tuple(value)


_MESSAGE_PATH: Final = re.compile(r"\$(?:\.[^.]+)+")


def _message_paths(
    _instance: object, attribute: Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    """Check a tuple of message paths such as ``("$.userId", "$.context.traits.id")``."""
    for path in value:
        if not isinstance(path, str) or _MESSAGE_PATH.fullmatch(path) is None:
            raise ConfigurationError(
                f"{attribute.name} takes message paths such as '$.userId' or "
                f"'$.context.traits.email', not {path!r}"
            )


def _leave_it(value: object) -> str:
    if isinstance(value, tuple):
        return "leave it empty ()"
    default = "False" if isinstance(value, bool) else "0" if isinstance(value, int) else "None"
    return f"leave it at its default {default}"


def _read_by(
    *readers: str | tuple[str, str],
) -> Callable[[Profile, Attribute[Any], object], None]:
    """A validator: only these families (or ``(family, mode)`` pairs) read the field, so any
    other profile must leave it empty rather than set a choice that would do nothing."""

    def check(instance: Profile, attribute: Attribute[Any], value: object) -> None:
        if not value or instance.family in readers:
            return
        if (instance.family, instance.mode) in readers:
            return
        names = [r if isinstance(r, str) else f"{r[0]} ({r[1]} mode)" for r in readers]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        raise ConfigurationError(
            f"{attribute.name} is read only by the {listed} "
            f"{'family' if len(names) == 1 else 'families'}, so it would do nothing in a "
            f"{instance.family} {instance.mode} profile; {_leave_it(value)}, not {value!r}"
        )

    return check


@frozen
class SegmentLibrary:
    """The ``segment_library`` property some integrations add to every call.

    ``value`` is the constant written; with ``from_context`` the message's
    ``context.library.name`` is written instead (``value`` when it is missing).
    With ``user_value_wins`` a ``segment_library`` the message already carries is
    kept; otherwise the integration's value overwrites it.
    """

    value: str = ""
    from_context: bool = False
    user_value_wins: bool = False


@frozen
class Profile:
    """One integration's mapping choices. Build variants with ``attrs.evolve``."""

    name: str = field(validator=instance_of(str))
    """The preset's name, or a name of your own for an evolved profile."""

    reproduces: str = field(validator=instance_of(str))
    """The integration (and version) whose output this profile reproduces."""

    family: Family = field(validator=in_(FAMILIES))
    """Which integration's call plan maps each message type (what calls a type becomes)."""

    mode: Mode = field(validator=in_(("cloud", "device")))
    """``cloud``: calls become HTTP requests (``heapseg.http``); ``device``: heap.js calls."""

    integration_keys: tuple[str, ...] = field(default=("Heap",), converter=_names)
    """Names under which the ``integrations`` object can turn this destination on or off."""

    iso_dates: bool = field(default=False, validator=_read_by("classic"))
    """Turn every string that looks like an ISO-8601 date, anywhere in the message, into a
    date first (Segment's classic libraries do), so dates come out re-formatted as
    ``YYYY-MM-DDTHH:MM:SS.sssZ``."""

    require_user_id: bool = field(default=False, validator=_read_by("classic"))
    """Answer ``Unsupported`` for messages whose ``userId`` is missing or null.
    Turned off in a cloud profile of the classic family, such messages are sent with the
    ``anonymousId`` as their identity."""

    id_trait: bool = field(default=False, validator=_read_by("classic"))
    """Add the ``userId`` (when truthy) to identify traits as ``id``."""

    identify_email_alias: str | None = field(
        default=None, validator=[optional(instance_of(str)), _read_by("classic")]
    )
    """Rename the e-mail trait to this key on identify (classic: ``_email``, so Heap does not
    treat it as an identity); ``None`` keeps ``email`` as it is."""

    track_email_alias: str | None = field(
        default=None, validator=[optional(instance_of(str)), _read_by("classic")]
    )
    """Add the user's e-mail to track properties under this key (classic cloud: ``_email``)."""

    values: ValueRules = field(factory=ValueRules, validator=instance_of(ValueRules))
    """How nested objects, arrays, nulls and scalars in traits and properties are written."""

    segment_library: SegmentLibrary | None = field(
        default=None, validator=optional(instance_of(SegmentLibrary))
    )
    """The ``segment_library`` property added to every call, or ``None`` for none."""

    timestamp: TimestampRule = field(
        default="none",
        validator=in_(("none", "facade", "passthrough-or-original", "dayjs", "passthrough")),
    )
    """What track calls carry as the event time: ``none``; ``facade``: the message's
    ``timestamp`` read as Segment's classic libraries read it, as an ISO-8601 UTC string with
    milliseconds (left out when the message has none, so Heap uses the time of receipt);
    ``passthrough-or-original``: ``timestamp``, else ``originalTimestamp``, sent exactly as
    the message carries it (RudderStack); ``dayjs``: read as ``dayjs.utc`` reads it, as the
    same UTC form (left out when falsy or unreadable); ``passthrough``: the message's value
    unchanged, string or number."""

    idempotency_key: IdempotencyRule = field(default="none", validator=in_(IDEMPOTENCY_RULES))
    """Where a cloud track call's ``idempotency_key`` comes from, if anywhere: the
    ``messageId``; a truthy ``properties.idempotencyKey``, which is then left out of the
    properties (RudderStack); or ``messageId-or-hash``, replay-safe: every track gets a key,
    the ``messageId`` or else a hash of the message (see docs/backfill.md)."""

    page_event: str | None = field(default=None, validator=optional(instance_of(str)))
    """The event name page calls are tracked under, or ``None``: page calls are unsupported."""

    screen_event: str | None = field(default=None, validator=optional(instance_of(str)))
    """The event name screen calls are tracked under, or ``None``: unsupported."""

    region_rule: RegionRule = field(default="none", validator=in_(("none", "EU", "eu")))
    """Which ``region`` value selects Heap's EU host (compared exactly, as the integration
    compares it); ``none``: the integration only knows the US host."""

    # Heap Web (Actions) and RudderStack choices

    browser_array_limit: int = field(
        default=0, validator=[instance_of(int), ge(0), _read_by("actions-web")]
    )
    """Heap Web (Actions)' ``browserArrayLimit``: up to this many array items across a track
    call's top-level arrays are also tracked as ``"<event> <key> item"`` events; 0 turns
    unrolling off."""

    integrations_rule: IntegrationsRule = field(
        default="facade", validator=in_(("facade", "any-name"))
    )
    """How the ``integrations`` object is read for ``integration_keys``: ``facade``, as
    Segment's libraries read it, every key must leave the destination on; ``any-name``, as
    RudderStack reads its destination aliases, an entry under any of the names decides (the
    last one in the message's key order; JavaScript truthiness), else ``All`` (on unless
    falsy)."""

    # Where identities and traits come from: message paths, read only by the families named

    track_identity_from: tuple[str, ...] = field(
        default=(),
        converter=_names,
        validator=[
            _message_paths,
            _read_by("actions-cloud", "heap-cloud", "actions-web", ("rudderstack", "cloud")),
        ],
    )
    """Message paths (``$.userId``) track, page and screen calls read the user's identity from;
    ``()``: not mapped (the actions-cloud and actions-web presets leave it so: their track calls
    carry no identity). Read by the actions-cloud, heap-cloud and actions-web families and by
    rudderstack in cloud mode. The Segment families take the first path whose value exists
    (neither missing nor null: ``@if exists``); rudderstack takes the first truthy value
    (JavaScript ``||``), as its transformer does."""

    identify_identity_from: tuple[str, ...] = field(
        default=(),
        converter=_names,
        validator=[
            _message_paths,
            _read_by("actions-cloud", "heap-cloud", "actions-web", "rudderstack"),
        ],
    )
    """Message paths identify calls read the user's identity from, picked as for
    ``track_identity_from``; ``()``: not mapped. Read by the actions-cloud, heap-cloud,
    actions-web and rudderstack families (classic reads ``userId`` by a fixed rule)."""

    user_id_from: tuple[str, ...] = field(
        default=(), converter=_names, validator=[_message_paths, _read_by("heap-cloud")]
    )
    """Message paths of Heap's own numeric ``user_id`` that track calls carry: the first path
    whose value exists (neither missing nor null) wins; ``()``: not mapped. Read by the
    heap-cloud family only."""

    email_from: tuple[str, ...] = field(
        default=(), converter=_names, validator=[_message_paths, _read_by("heap-cloud")]
    )
    """Message paths of the e-mail address that identifies the user on track calls, picked as
    for ``user_id_from``; ``()``: not mapped. Read by the heap-cloud family only (classic's
    e-mail rules are ``identify_email_alias`` and ``track_email_alias``)."""

    track_traits_from: tuple[str, ...] = field(
        default=(),
        converter=_names,
        validator=[_message_paths, _read_by("actions-cloud", "heap-cloud", "actions-web")],
    )
    """Message paths of the user traits track, page and screen calls send: the first path
    whose value exists (neither missing nor null: Segment's ``@if exists``) wins, the others
    are not merged; ``()``: not mapped. Read by the actions-cloud, heap-cloud and actions-web
    families (rudderstack and classic send no user traits with track calls)."""

    identify_traits_from: tuple[str, ...] = field(
        default=(),
        converter=_names,
        validator=[
            _message_paths,
            _read_by("actions-cloud", "heap-cloud", "actions-web", "rudderstack"),
        ],
    )
    """Message paths of the user traits identify calls send, picked as for
    ``track_traits_from`` (which is also JavaScript's ``??``, as rudderstack reads them);
    ``()``: not mapped. Read by the actions-cloud, heap-cloud, actions-web and rudderstack
    families (classic reads ``traits`` by a fixed rule)."""

    # Segment Actions choices

    user_values: ValueRules | None = field(
        default=None,
        validator=[optional(instance_of(ValueRules)), _read_by("actions-cloud", "heap-cloud")],
    )
    """How user properties are written when the integration writes them differently from
    event properties; ``None``: by ``values``."""

    # Event selection

    include_types: tuple[str, ...] = field(
        default=(), converter=_names, validator=deep_iterable(in_(MESSAGE_TYPES))
    )
    """Message types sent at all; ``()``: every type. Other types answer
    ``Unsupported(type, "filtered: ...")``."""

    exclude_types: tuple[str, ...] = field(
        default=(), converter=_names, validator=deep_iterable(in_(MESSAGE_TYPES))
    )
    """Message types never sent; an exclusion wins over an inclusion."""

    include_events: tuple[str, ...] = field(
        default=(), converter=_names, validator=deep_iterable(instance_of(str))
    )
    """Event-name patterns a message with an event name must match one of to be sent;
    ``()``: every name. The event name is a track's ``event``, and ``page_event`` /
    ``screen_event`` for page and screen calls; ``*`` matches any run of characters,
    ``?`` one character, ``\\`` escapes the next (docs/backfill.md)."""

    exclude_events: tuple[str, ...] = field(
        default=(), converter=_names, validator=deep_iterable(instance_of(str))
    )
    """Event-name patterns never sent, as above; an exclusion wins over an inclusion."""

    # Heap's limits

    limits: LimitsRule = field(default="off", validator=in_(("off", "truncate", "reject")))
    """What to do with calls that break Heap's documented limits (lengths of identities, event
    names, property keys and values; reserved property names; identities heap.js calls
    non-unique), read for ``mode``: ``off`` sends what the integration sends; ``truncate`` cuts
    names and values to length and drops reserved names, saying so in each call's
    ``warnings``; ``reject`` answers ``Unsupported`` naming the rule broken.
    See ``docs/guarantees.md``."""
