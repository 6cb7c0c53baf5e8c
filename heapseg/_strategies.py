"""Hypothesis strategies behind ``heapseg.testing``; this module imports hypothesis.

Messages are built to be valid for every preset: string ids that are never empty or
``"0"``, a ``messageId``, ISO-8601 UTC timestamps with milliseconds, e-mail addresses
that pass strict e-mail checks, event names that are non-empty strings, and
``context.traits`` only on messages that carry a ``userId``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

from hypothesis import strategies as st

from ._calls import JSONValue
from ._presets import PROFILES

__all__ = ["IdentityChoice", "IntegrationsChoice", "message_strategy"]

IdentityChoice: TypeAlias = Literal["user", "anonymous", "both", "any"]
IntegrationsChoice: TypeAlias = Literal["none", "enabled", "disabled", "any"]

Message: TypeAlias = dict[str, Any]
Strategy: TypeAlias = st.SearchStrategy[Any]

_KEY_NAMES: Final = (
    "plan",
    "name",
    "price",
    "currency",
    "revenue",
    "items",
    "color",
    "size",
    "count",
    "is_trial",
    "Last Name",
    "created_at",
    "a.b",
    "0",
)
_EVENT_NAMES: Final = (
    "Signed Up",
    "Order Completed",
    "Product Viewed",
    "Checkout Started",
    "Button Clicked",
    "Video Played",
)
_LIBRARIES: Final = ("analytics-python", "analytics.js", "analytics-node", "analytics-ruby")
_SAFE_INTEGER: Final = 2**53 - 1


def _keys() -> Strategy:
    return st.one_of(st.sampled_from(_KEY_NAMES), st.text(min_size=1, max_size=12))


def _iso_timestamps() -> Strategy:
    """ISO-8601 UTC instants with milliseconds, as Segment's libraries write them."""
    return st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _scalars() -> Strategy:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-_SAFE_INTEGER, max_value=_SAFE_INTEGER),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        _iso_timestamps(),
    )


def _values(max_depth: int) -> Strategy:
    """JSON values with at most ``max_depth`` levels of arrays and objects."""
    values = _scalars()
    for _ in range(max_depth):
        inner = values
        values = st.one_of(
            _scalars(),
            st.lists(inner, max_size=3),
            st.dictionaries(_keys(), inner, max_size=3),
        )
    return values


def _objects(max_depth: int) -> st.SearchStrategy[dict[str, JSONValue]]:
    return st.dictionaries(_keys(), _values(max_depth), max_size=5)


def _user_ids() -> Strategy:
    return st.one_of(
        st.uuids().map(str),
        st.integers(min_value=1, max_value=10**9).map(lambda n: f"user-{n}"),
        st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,23}", fullmatch=True),
    )


def _emails() -> Strategy:
    return st.from_regex(
        r"[a-z][a-z0-9]{0,11}@[a-z][a-z0-9]{0,9}\.(com|org|io|net)", fullmatch=True
    )


def _names() -> Strategy:
    return st.from_regex(r"[A-Z][a-z]{1,9}( [A-Z][a-z]{1,11})?", fullmatch=True)


def _identity_fields(identities: IdentityChoice) -> Strategy:
    user = st.fixed_dictionaries({"userId": _user_ids()})
    anonymous = st.fixed_dictionaries({"anonymousId": st.uuids().map(str)})
    both = st.fixed_dictionaries({"userId": _user_ids(), "anonymousId": st.uuids().map(str)})
    choices: dict[IdentityChoice, Strategy] = {
        "user": st.one_of(user, both),
        "anonymous": anonymous,
        "both": both,
        "any": st.one_of(user, anonymous, both),
    }
    return choices[identities]


def _integration_keys() -> tuple[str, ...]:
    """Every name under which some preset can be switched on or off."""
    return tuple(dict.fromkeys(key for p in PROFILES.values() for key in p.integration_keys))


def _integrations(choice: IntegrationsChoice) -> Strategy:
    keys = _integration_keys()
    options = st.fixed_dictionaries({}, optional={"apiKey": st.text(max_size=8)})
    enabled = st.one_of(
        st.just({}),
        st.just({"All": True}),
        st.just({"Mixpanel": False}),
        st.just({"All": True, "Google Analytics": False}),
        st.just({"All": False, **dict.fromkeys(keys, True)}),
        options.map(lambda value: {"All": False, **dict.fromkeys(keys, value)}),
    )
    disabled = st.one_of(
        st.just({"All": False}),
        st.just({"All": False, "Mixpanel": True}),
        st.just(dict.fromkeys(keys, False)),
        st.just({"All": True, **dict.fromkeys(keys, False)}),
    )
    absent: Strategy = st.just(None)
    choices: dict[IntegrationsChoice, Strategy] = {
        "none": absent,
        "enabled": enabled,
        "disabled": disabled,
        "any": st.one_of(absent, enabled, disabled),
    }
    return choices[choice]


def _context(with_traits: bool) -> Strategy:
    optional: dict[str, Strategy] = {
        "ip": st.ip_addresses(v=4).map(str),
        "locale": st.sampled_from(("en-US", "en-GB", "fr-FR", "de-DE")),
        "userAgent": st.just("Mozilla/5.0 (X11; Linux x86_64)"),
        "page": st.fixed_dictionaries(
            {"path": st.from_regex(r"/[a-z]{0,10}", fullmatch=True)},
            optional={"title": _names()},
        ),
    }
    if with_traits:
        optional["traits"] = st.fixed_dictionaries(
            {}, optional={"email": _emails(), "name": _names()}
        )
    library = st.fixed_dictionaries(
        {
            "name": st.sampled_from(_LIBRARIES),
            "version": st.from_regex(r"[0-9]\.[0-9]{1,2}\.[0-9]", fullmatch=True),
        }
    )
    return st.fixed_dictionaries({"library": library}, optional=optional)


def _traits(max_depth: int) -> Strategy:
    known = st.fixed_dictionaries(
        {},
        optional={
            "email": _emails(),
            "name": _names(),
            "plan": st.sampled_from(("free", "pro", "enterprise")),
            "createdAt": _iso_timestamps(),
        },
    )
    return st.tuples(_objects(max_depth), known).map(lambda parts: {**parts[0], **parts[1]})


def _event_names() -> Strategy:
    return st.one_of(
        st.sampled_from(_EVENT_NAMES),
        st.text(min_size=1, max_size=40).filter(lambda name: name.strip() != ""),
    )


def _fields(kind: str, max_depth: int) -> Strategy:
    """The fields particular to one message type."""
    if kind == "identify":
        return st.fixed_dictionaries({}, optional={"traits": _traits(max_depth)})
    if kind == "track":
        return st.fixed_dictionaries(
            {"event": _event_names()}, optional={"properties": _objects(max_depth)}
        )
    if kind in ("page", "screen"):
        return st.fixed_dictionaries(
            {},
            optional={
                "name": _names(),
                "category": st.sampled_from(("Docs", "Shop", "Account")),
                "properties": _objects(max_depth),
            },
        )
    if kind == "group":
        return st.fixed_dictionaries(
            {"groupId": _user_ids()}, optional={"traits": _traits(max_depth)}
        )
    return st.fixed_dictionaries({"previousId": st.one_of(st.uuids().map(str), _user_ids())})


@st.composite
def _message(
    draw: st.DrawFn,
    kind: str,
    max_depth: int,
    identities: IdentityChoice,
    integrations: IntegrationsChoice,
) -> Message:
    message: Message = {"type": kind, "messageId": draw(st.uuids().map(str))}
    message.update(draw(_identity_fields(identities)))
    message.update(draw(_fields(kind, max_depth)))
    if draw(st.booleans()):
        message["timestamp"] = draw(_iso_timestamps())
    if draw(st.booleans()):
        message["context"] = draw(_context(with_traits="userId" in message))
    chosen = draw(_integrations(integrations))
    if chosen is not None:
        message["integrations"] = chosen
    return message


def message_strategy(
    kinds: Sequence[str],
    max_depth: int,
    identities: IdentityChoice,
    integrations: IntegrationsChoice,
) -> st.SearchStrategy[Message]:
    """Messages of the given types, drawn evenly across them."""
    return st.one_of(*(_message(kind, max_depth, identities, integrations) for kind in kinds))
