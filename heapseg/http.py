"""Cloud mode: render call descriptors as the HTTP requests the integration sends.

heapseg does no I/O. ``render`` returns ``Request`` values (method, URL,
headers, JSON body and its exact bytes); any HTTP client can send them.
``classify`` reads Heap's answer (success, retry or reject) and ``pace``
schedules requests within Heap's rate limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from attrs import evolve, field, frozen

from ._bulk import HEAP_BULK_CAP, batch, bulk_caps
from ._calls import (
    AddUserProperties,
    Call,
    Identify,
    JSONValue,
    Track,
    Unsupported,
    shallow_properties,
)
from ._errors import ConfigurationError
from ._jsjson import js_stringify_utf8, plain_stringify_utf8
from ._presets import DEFAULT_PROFILE, PROFILES, resolve_profile
from ._profile import Profile
from ._responses import HEAP_LIMITS, HeapLimits, Outcome, RateLimit, classify, pace

__all__ = [
    "EU_HOST",
    "HEAP_LIMITS",
    "US_HOST",
    "HeapLimits",
    "Outcome",
    "RateLimit",
    "Request",
    "base_url",
    "classify",
    "pace",
    "render",
]

US_HOST: Final = "https://heapanalytics.com"
EU_HOST: Final = "https://c.eu.heap-api.com"


def _read_only(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A private read-only copy of ``headers``; the renderers' own constants need none."""
    if (
        headers is _CLASSIC_HEADERS
        or headers is _ACTIONS_HEADERS
        or headers is _RUDDERSTACK_HEADERS
    ):
        return headers
    return MappingProxyType(dict(headers))


@frozen
class Request:
    """One HTTP request, ready for any client: ``POST url`` with ``headers`` and ``content``.

    ``body`` is the JSON body as a dict; ``content`` is the same body as bytes,
    serialised exactly as the integration's ``JSON.stringify`` writes it.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(converter=_read_only)
    body: dict[str, Any]
    content: bytes = field(init=False)

    @content.default
    def _serialise(self) -> bytes:
        return js_stringify_utf8(self.body)


_new_request: Final = object.__new__
_set_method: Final = Request.__dict__["method"].__set__
_set_url: Final = Request.__dict__["url"].__set__
_set_headers: Final = Request.__dict__["headers"].__set__
_set_body: Final = Request.__dict__["body"].__set__
_set_content: Final = Request.__dict__["content"].__set__


def _post(
    url: str, headers: Mapping[str, str], body: dict[str, Any], call: Track | AddUserProperties
) -> Request:
    """``Request("POST", url, headers, body)`` for the renderers, whose ``headers`` are
    already read-only constants: the slots are filled directly, skipping the converter.
    The body of a ``call`` whose values ``translate`` found printing alike in Python and
    JavaScript skips the checks of its text; the mark ``plain_json`` returns is read here
    directly, as this runs for every request rendered."""
    request: Request = _new_request(Request)
    _set_method(request, "POST")
    _set_url(request, url)
    _set_headers(request, headers)
    _set_body(request, body)
    _set_content(
        request, plain_stringify_utf8(body) if call._plain_json else js_stringify_utf8(body)
    )
    return request


_CLASSIC_HEADERS: Final = MappingProxyType(
    {"Content-Type": "application/json", "User-Agent": "Segment.io/1.0"}
)


def base_url(profile: Profile, region: str) -> str:
    """The Heap host a profile sends to for ``region``, by the profile's own region rule."""
    if profile.region_rule == "none":
        if region != "US":
            raise ConfigurationError(
                f"profile {profile.name!r} reproduces an integration that only sends to Heap's "
                f"US host, so region {region!r} is not available; evolve the profile with "
                "region_rule='EU' to send to Heap's EU host"
            )
        return US_HOST
    return EU_HOST if region == profile.region_rule else US_HOST


def _refuse(integration: str, call: Call) -> ConfigurationError:
    """The error for a call ``integration`` never sends, such as an identify in cloud mode."""
    return ConfigurationError(
        f"{integration} sends no request for {_kind(call)}; "
        "render only the calls that translate() returned for its profile"
    )


def _render_classic(calls: list[Call], app_id: str, base: str) -> list[Request]:
    """The classic integration: a ``POST`` for each track and user-properties call.

    The track request is built here rather than by ``_post``: it is the default profile's
    request for nearly every message, and one call fewer per message shows.
    """
    requests: list[Request] = []
    track_url = base + "/api/track"
    for call in calls:
        body: dict[str, JSONValue]
        if type(call) is Track:
            body = {
                "app_id": app_id,
                "identity": call.identity,
                "event": call.event,
                "properties": shallow_properties(call.properties),
            }
            if call.timestamp is not None:
                body["timestamp"] = call.timestamp
            if call.idempotency_key is not None:
                body["idempotency_key"] = call.idempotency_key
            request: Request = _new_request(Request)
            _set_method(request, "POST")
            _set_url(request, track_url)
            _set_headers(request, _CLASSIC_HEADERS)
            _set_body(request, body)
            _set_content(
                request,
                plain_stringify_utf8(body) if call._plain_json else js_stringify_utf8(body),
            )
            requests.append(request)
        elif type(call) is AddUserProperties and call.identity is not None:
            body = {
                "app_id": app_id,
                "identity": call.identity,
                "properties": shallow_properties(call.properties),
            }
            requests.append(_post(f"{base}/api/add_user_properties", _CLASSIC_HEADERS, body, call))
        elif type(call) is not Unsupported:
            raise _refuse("the classic cloud integration", call)
    return requests


_ACTIONS_HEADERS: Final = MappingProxyType(
    {"content-type": "application/json", "user-agent": "Segment (Actions)"}
)


def _user_identifier(call: Track) -> dict[str, JSONValue]:
    """The identifiers a Track carries, in the order the Actions destinations write them."""
    found: dict[str, JSONValue] = {}
    for key in ("identity", "anonymous_id", "user_id", "email"):
        value = getattr(call, key)
        if value is not None:
            found[key] = value
    return found


def _actions_event(call: Track, *, identifier_first: bool) -> dict[str, JSONValue]:
    event: dict[str, JSONValue] = {"event": call.event}
    if identifier_first:
        event["user_identifier"] = _user_identifier(call)
    event["custom_properties"] = shallow_properties(call.properties)
    if call.idempotency_key is not None:
        event["idempotency_key"] = call.idempotency_key
    if not identifier_first:
        event["user_identifier"] = _user_identifier(call)
    if call.timestamp is not None:
        event["timestamp"] = call.timestamp
    return event


def _render_actions_cloud(calls: list[Call], app_id: str, base: str) -> list[Request]:
    """Heap Cloud (Actions): the legacy user-properties body, the integrations track body.

    trackEvent's side call (``origin="track"``) writes ``app_id`` first; identifyUser's
    writes ``identity`` first. The call says which it is: its neighbours cannot, since an
    identify followed by a track that makes no side call looks the same.
    """
    requests: list[Request] = []
    for call in calls:
        body: dict[str, JSONValue]
        if type(call) is Track:
            body = {
                "app_id": app_id,
                "events": [_actions_event(call, identifier_first=False)],
                "library": "server",
            }
            requests.append(_post(f"{base}/api/integrations/track", _ACTIONS_HEADERS, body, call))
        elif type(call) is AddUserProperties and call.identity is not None:
            properties: JSONValue = shallow_properties(call.properties)
            if call.origin == "track":
                body = {"app_id": app_id, "identity": call.identity, "properties": properties}
            else:
                body = {"identity": call.identity, "app_id": app_id, "properties": properties}
            requests.append(_post(f"{base}/api/add_user_properties", _ACTIONS_HEADERS, body, call))
        elif type(call) is not Unsupported:
            raise _refuse("Heap Cloud (Actions)", call)
    return requests


def _render_heap_cloud(calls: list[Call], app_id: str, base: str) -> list[Request]:
    """Heap Cloud: the integrations ``users[]`` and ``events[]`` bodies."""
    requests: list[Request] = []
    for call in calls:
        body: dict[str, JSONValue]
        if type(call) is Track:
            body = {
                "app_id": app_id,
                "library": "server",
                "events": [_actions_event(call, identifier_first=True)],
            }
            requests.append(_post(f"{base}/api/integrations/track", _ACTIONS_HEADERS, body, call))
        elif type(call) is AddUserProperties and call.identity is not None:
            user: dict[str, JSONValue] = {
                "user_identifier": {"identity": call.identity},
                "custom_properties": shallow_properties(call.properties),
            }
            body = {"app_id": app_id, "library": "server", "users": [user]}
            requests.append(
                _post(f"{base}/api/integrations/add_user_properties", _ACTIONS_HEADERS, body, call)
            )
        elif type(call) is not Unsupported:
            raise _refuse("Heap Cloud", call)
    return requests


_RUDDERSTACK_HEADERS: Final = MappingProxyType(
    {"Accept": "application/json", "Content-Type": "application/json"}
)


def _render_rudderstack(calls: list[Call], app_id: str, base: str) -> list[Request]:
    """RudderStack's transformer: one request per event, keys in the order it builds them."""
    requests: list[Request] = []
    for call in calls:
        body: dict[str, JSONValue]
        if type(call) is Track and call.identity is not None:
            body = {
                "identity": call.identity,
                "properties": shallow_properties(call.properties),
                "app_id": app_id,
                "event": call.event,
            }
            if call.timestamp is not None:
                body["timestamp"] = call.timestamp
            if call.idempotency_key is not None:
                body["idempotency_key"] = call.idempotency_key
            requests.append(_post(f"{base}/api/track", _RUDDERSTACK_HEADERS, body, call))
        elif type(call) is AddUserProperties and call.identity is not None:
            body = {
                "identity": call.identity,
                "properties": shallow_properties(call.properties),
                "app_id": app_id,
            }
            requests.append(
                _post(f"{base}/api/add_user_properties", _RUDDERSTACK_HEADERS, body, call)
            )
        elif type(call) is not Unsupported:
            raise _refuse("RudderStack's Heap destination", call)
    return requests


_RENDERERS: Final[dict[str, Callable[[list[Call], str, str], list[Request]]]] = {
    "classic": _render_classic,
    "actions-cloud": _render_actions_cloud,
    "heap-cloud": _render_heap_cloud,
    "rudderstack": _render_rudderstack,
}


def _kind(call: object) -> str:
    if type(call) is AddUserProperties:
        return "an addUserProperties call without an identity"
    if type(call) is Identify:
        return "an identify call"
    return f"a {type(call).__name__}"


_DESCRIPTORS: Final = frozenset({Identify, AddUserProperties, Track, Unsupported})
_DEFAULT_CAPS: Final = bulk_caps(HEAP_BULK_CAP, None)
_US_RENDERERS: Final[dict[str, Callable[[list[Call], str, str], list[Request]]]] = {
    name: _RENDERERS[profile.family]
    for name, profile in PROFILES.items()
    if profile.mode == "cloud" and base_url(profile, "US") == US_HOST
}
"""The renderer of each cloud preset, by name, for its usual call: region US, no bulk."""


def render(
    calls: Iterable[Call],
    *,
    app_id: str,
    profile: str | Profile = DEFAULT_PROFILE,
    region: str = "US",
    bulk: bool = False,
    max_items: int = HEAP_BULK_CAP,
    max_bytes: int | None = None,
) -> list[Request]:
    """Render cloud-mode ``calls`` as the exact HTTP requests the profile's integration sends.

    ``app_id`` is the Heap environment id. ``region`` picks Heap's EU host where
    the profile's integration supports it, compared exactly as the integration
    compares it. Unsupported calls produce no request. With ``bulk=True`` the
    requests are grouped into Heap's bulk bodies, at most ``max_items`` items
    (1 to 1000) and ``max_bytes`` bytes of content each, keeping the order of
    every identity (see docs/http.md). Raises ``heapseg.ConfigurationError``
    for a device-mode profile, a missing ``app_id``, a call the integration never
    sends, caps out of range or a single item larger than ``max_bytes``.
    """
    if (
        type(profile) is str
        and profile in _US_RENDERERS
        and bulk is False
        and max_bytes is None
        and max_items is HEAP_BULK_CAP
        and type(calls) is list
        and type(app_id) is str
        and app_id
        and type(region) is str
        and region == "US"
    ):  # a preset's usual call, its options left at their defaults: the checks below
        # come to its renderer and the US host
        try:
            return _US_RENDERERS[profile](calls, app_id, US_HOST)
        except ConfigurationError:
            pass  # a call it does not send, or no call at all: reported as below
    default_caps = max_bytes is None and type(max_items) is int and max_items == HEAP_BULK_CAP
    caps = _DEFAULT_CAPS if default_caps else bulk_caps(max_items, max_bytes)
    chosen = resolve_profile(profile)
    if chosen.mode != "cloud":
        raise ConfigurationError(
            f"profile {chosen.name!r} is a device-mode profile: its calls are heap.js calls, "
            "not HTTP requests; use heapseg.js.render for a page, or a cloud profile"
        )
    if not isinstance(app_id, str) or not app_id:
        raise ConfigurationError("app_id is required: the Heap environment id, a non-empty string")
    if not isinstance(region, str):
        raise ConfigurationError(f"region must be a string such as 'US' or 'EU', not {region!r}")
    call_list = calls if type(calls) is list else list(calls)  # read, never changed
    if not _DESCRIPTORS.issuperset(map(type, call_list)):
        for index, call in enumerate(call_list):
            if type(call) not in _DESCRIPTORS:
                raise ConfigurationError(
                    f"calls[{index}] is {type(call).__name__}, not a heapseg call descriptor"
                )
    requests = _RENDERERS[chosen.family](call_list, app_id, base_url(chosen, region))
    if not bulk:
        return requests
    return batch(requests, caps, lambda request, body: evolve(request, body=body))
