"""``translate``: one Segment message in, the Heap calls a profile makes of it out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ._actions_cloud import translate_actions_cloud
from ._actions_web import translate_actions_web
from ._calls import Call, Unsupported
from ._classic import translate_classic
from ._facade import destination_enabled
from ._heap_cloud import translate_heap_cloud
from ._jsjson import js_truthy
from ._limits import apply_limits
from ._messages import Message, parse_message
from ._normalize import non_json_error
from ._presets import DEFAULT_PROFILE, resolve_profile
from ._profile import Profile
from ._rudderstack import translate_rudderstack
from ._selection import select

__all__ = ["translate"]

_FAMILIES: Final[dict[str, Callable[[Message, Profile], list[Call]]]] = {
    "classic": translate_classic,
    "actions-cloud": translate_actions_cloud,
    "heap-cloud": translate_heap_cloud,
    "actions-web": translate_actions_web,
    "rudderstack": translate_rudderstack,
}


def translate(event: Mapping[str, Any], profile: str | Profile = DEFAULT_PROFILE) -> list[Call]:
    """Translate one Segment message into the Heap calls ``profile`` makes of it.

    ``event`` is a Segment message as decoded from JSON (identify, track, page,
    screen, group or alias). Returns the calls in the order the integration makes
    them; a valid message that Heap cannot take under the profile gives
    ``[Unsupported(type, reason)]``. Raises ``heapseg.InvalidEvent`` (with a
    JSON path) for a message that breaks the Segment spec, and
    ``heapseg.ConfigurationError`` for an unknown profile. ``event`` is never
    changed. Python values that are not JSON data (a ``datetime``, a ``UUID``, ...)
    raise ``InvalidEvent`` naming their path; ``heapseg.normalize`` converts them.
    """
    chosen = resolve_profile(profile)
    message = parse_message(event)
    filtered = select(message, chosen)
    if filtered is not None:
        return [filtered]
    if chosen.integrations_rule == "any-name":
        if not _enabled_by_any_name(message.raw, chosen.integration_keys):
            return [
                Unsupported(
                    message.type,
                    "the message's integrations object turns this destination off (an entry "
                    f"for {' / '.join(chosen.integration_keys)} that is false, or 'All': false "
                    "without a true one)",
                )
            ]
    else:
        for key in chosen.integration_keys:
            if not destination_enabled(message.raw, key):
                return [
                    Unsupported(
                        message.type,
                        f"the message's integrations object turns {key} off "
                        f"(an 'All': false without '{key}': true, or '{key}': false)",
                    )
                ]
    try:
        calls = _FAMILIES[chosen.family](message, chosen)
    except (TypeError, AttributeError) as error:
        # Only non-JSON Python values get here; find the first one and name its path.
        not_json = non_json_error(event)
        if not_json is None:
            raise
        raise not_json from error
    if not calls:
        # Nothing is dropped silently: a message that makes no call says so.
        return [Unsupported(message.type, f"profile {chosen.name!r} makes no Heap call for it")]
    return calls if chosen.limits == "off" else apply_limits(calls, chosen, message.type)


def _enabled_by_any_name(message: Mapping[str, Any], names: tuple[str, ...]) -> bool:
    """RudderStack's reading of ``integrations``: one destination known by several names.

    The last entry under any of ``names`` (in the message's key order) decides by its
    truthiness, an object of options counting as on; without one, ``All`` does: on unless
    it is present and falsy.
    """
    integrations = message.get("integrations")
    if not isinstance(integrations, Mapping):
        return True
    decided: bool | None = None
    for key, value in integrations.items():
        if key in names:
            decided = js_truthy(value)
    if decided is not None:
        return decided
    return "All" not in integrations or js_truthy(integrations["All"])
