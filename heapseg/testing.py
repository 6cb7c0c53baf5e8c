"""Helpers for testing pipelines that use heapseg.

Hypothesis strategies generate valid Segment messages (install ``heapseg[testing]``
for hypothesis; it is imported only when a strategy is asked for), and
``assert_translates`` checks a message's translation against the calls you expect,
failing with a unified diff.

Every generated message is valid for every preset in ``heapseg.PROFILES``:
``heapseg.translate`` never raises ``InvalidEvent`` for it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from ._calls import AddUserProperties, Call, Identify, Track, Unsupported, from_dict, to_dict
from ._errors import ConfigurationError, InvalidCall
from ._messages import MESSAGE_TYPES
from ._presets import DEFAULT_PROFILE, resolve_profile
from ._profile import Profile
from ._translate import translate

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "IdentityChoice",
    "IntegrationsChoice",
    "alias_messages",
    "assert_translates",
    "group_messages",
    "identify_messages",
    "page_messages",
    "screen_messages",
    "segment_messages",
    "track_messages",
]

IdentityChoice: TypeAlias = Literal["user", "anonymous", "both", "any"]
"""Who generated messages are about: ``user`` (a ``userId``, sometimes with an
``anonymousId``), ``anonymous`` (an ``anonymousId`` only), ``both`` (always both ids),
or ``any`` of these."""

IntegrationsChoice: TypeAlias = Literal["none", "enabled", "disabled", "any"]
"""The ``integrations`` object of generated messages: ``none`` leaves it out,
``enabled`` writes one that keeps Heap on for every preset, ``disabled`` one that turns
Heap off for every preset, ``any`` picks among the three."""

_IDENTITY_CHOICES: Final = ("user", "anonymous", "both", "any")
_INTEGRATIONS_CHOICES: Final = ("none", "enabled", "disabled", "any")
_CALL_TYPES: Final = (Identify, AddUserProperties, Track, Unsupported)


def _strategy(
    kinds: Sequence[str],
    max_depth: int,
    identities: IdentityChoice,
    integrations: IntegrationsChoice,
) -> SearchStrategy[dict[str, Any]]:
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise ConfigurationError(f"max_depth must be a whole number >= 0, not {max_depth!r}")
    if identities not in _IDENTITY_CHOICES:
        raise ConfigurationError(
            f"identities must be one of {', '.join(_IDENTITY_CHOICES)}, not {identities!r}"
        )
    if integrations not in _INTEGRATIONS_CHOICES:
        raise ConfigurationError(
            f"integrations must be one of {', '.join(_INTEGRATIONS_CHOICES)}, not {integrations!r}"
        )
    unknown = [kind for kind in kinds if kind not in MESSAGE_TYPES]
    if unknown or not kinds:
        raise ConfigurationError(
            f"types must be a non-empty selection of {', '.join(MESSAGE_TYPES)}; got {kinds!r}"
        )
    try:
        from ._strategies import message_strategy
    except ImportError as error:
        raise ConfigurationError(
            "heapseg.testing strategies need hypothesis: pip install 'heapseg[testing]'"
        ) from error
    return message_strategy(tuple(kinds), max_depth, identities, integrations)


def segment_messages(
    *,
    types: Sequence[str] = MESSAGE_TYPES,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid Segment messages of the given ``types`` (all six by default).

    ``max_depth`` bounds how deeply arrays and objects nest inside traits and
    properties (0: scalar values only). ``identities`` and ``integrations`` are
    described at ``IdentityChoice`` and ``IntegrationsChoice``.
    """
    return _strategy(tuple(types), max_depth, identities, integrations)


def identify_messages(
    *,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid identify messages, with traits (see ``segment_messages`` for the knobs)."""
    return _strategy(("identify",), max_depth, identities, integrations)


def track_messages(
    *,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid track messages: a non-empty ``event`` name and properties."""
    return _strategy(("track",), max_depth, identities, integrations)


def page_messages(
    *,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid page messages, sometimes with a ``name`` and ``category``."""
    return _strategy(("page",), max_depth, identities, integrations)


def screen_messages(
    *,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid screen messages, sometimes with a ``name`` and ``category``."""
    return _strategy(("screen",), max_depth, identities, integrations)


def group_messages(
    *,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid group messages: a ``groupId`` and group traits."""
    return _strategy(("group",), max_depth, identities, integrations)


def alias_messages(
    *,
    max_depth: int = 2,
    identities: IdentityChoice = "any",
    integrations: IntegrationsChoice = "none",
) -> SearchStrategy[dict[str, Any]]:
    """Valid alias messages: a ``previousId`` and the new id."""
    return _strategy(("alias",), max_depth, identities, integrations)


# --- assert_translates -----------------------------------------------------------------


def _same_json(left: object, right: object) -> bool:
    """Equality as JavaScript sees JSON values: ``1 == 1.0``, but ``1 != True``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same_json, left, right))
    return type(left) is type(right) and left == right


def _expected_dicts(expected: Call | Mapping[str, Any] | Sequence[Any]) -> list[dict[str, Any]]:
    """Normalise descriptors and dicts to the ``to_dict`` form, checking each dict."""
    items = [expected] if isinstance(expected, (Mapping, *_CALL_TYPES)) else list(expected)
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if isinstance(item, _CALL_TYPES):
            out.append(to_dict(item))
            continue
        try:
            out.append(to_dict(from_dict(item)))
        except InvalidCall as error:
            raise InvalidCall(
                f"expected[{index}]{error.path[1:]}", f"not a call descriptor: {error.reason}"
            ) from None
    return out


def _pretty(calls: list[dict[str, Any]]) -> list[str]:
    return json.dumps(calls, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def assert_translates(
    message: Mapping[str, Any],
    expected: Call | Mapping[str, Any] | Sequence[Call | Mapping[str, Any]],
    *,
    profile: str | Profile = DEFAULT_PROFILE,
) -> list[Call]:
    """Assert that ``message`` translates to ``expected`` under ``profile``; return the calls.

    ``expected`` is a list of call descriptors or their ``heapseg.to_dict`` dicts
    (or a single one). Calls are compared in order as JSON values, the way JavaScript
    compares them (``1`` equals ``1.0``, but not ``True``); a mismatch raises
    ``AssertionError`` with a unified diff of both sides as pretty JSON.
    """
    chosen = resolve_profile(profile)
    wanted = _expected_dicts(expected)
    calls = translate(message, profile=chosen)
    actual = [to_dict(call) for call in calls]
    if not _same_json(wanted, actual):
        diff = difflib.unified_diff(
            _pretty(wanted),
            _pretty(actual),
            fromfile="expected",
            tofile=f"translated ({chosen.name})",
            lineterm="",
        )
        raise AssertionError(
            f"the message does not translate to the expected calls under {chosen.name!r}:\n"
            + "\n".join(diff)
        )
    return calls
