"""Interpret Heap's answers and pace requests within Heap's rate limits, without doing I/O.

``classify`` turns a status, headers and body into an ``Outcome`` (success,
retry or reject). ``pace`` turns a list of rendered requests into a schedule of
send offsets that keeps within the rate limits Heap documents (``HeapLimits``).
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import timezone
from types import MappingProxyType
from typing import Final, Literal, Protocol, TypeAlias

from attrs import field, frozen, validators

from ._errors import ConfigurationError

__all__ = [
    "HEAP_LIMITS",
    "HeapLimits",
    "Outcome",
    "OutcomeKind",
    "Paceable",
    "RateLimit",
    "classify",
    "pace",
    "url_path",
]

OutcomeKind: TypeAlias = Literal["success", "retry", "reject"]

_NOT_RETRIED_5XX: Final = frozenset({501, 505})
"""5xx answers that repeating the identical request cannot change: the server does not
implement the method (501) or the HTTP version (505). Every other 5xx is retried."""

_BODY_LIMIT: Final = 500
"""At most this many characters of Heap's body are quoted in a reason."""

_DELTA_SECONDS: Final = re.compile(r"[0-9]+")


@frozen
class Outcome:
    """What to do after one attempt: ``kind`` says success, retry or reject.

    ``reason`` is a sentence naming the status and Heap's plain-text body;
    ``retry_after`` is the wait in seconds Heap asked for (``Retry-After``) on a
    retry, otherwise None; ``status`` is the HTTP status, None for a network error.
    """

    kind: OutcomeKind
    reason: str
    retry_after: float | None = None
    status: int | None = None


def classify(
    status: int | None,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    *,
    now: float | None = None,
) -> Outcome:
    """Classify one answer from Heap.

    ``status=None`` means no answer arrived (connection refused, reset, timeout); pass
    the error's text as ``body`` to have it quoted in the reason. The rules follow
    Heap's clients and the integrations' retry rules:

    - any 2xx is a success (Heap answers 200 with an empty ``text/plain`` body);
    - a network error, 429 and every 5xx except 501 and 505 are retried, honouring
      ``Retry-After`` (delta-seconds or an HTTP-date, taken relative to ``now``,
      seconds since the epoch, or to the current time when ``now`` is None);
    - everything else is rejected: 400 (Heap's answer to an invalid body, with a
      plain-text reason) and the other 4xx, 501 and 505, redirects (Heap's
      integrations follow none) and anything that is not an HTTP status.
    """
    text = _body_text(body)
    if status is None:
        detail = f": {text}" if text else ""
        return Outcome("retry", f"No answer from Heap (network error{detail}).")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        number = status if isinstance(status, int) and not isinstance(status, bool) else None
        return Outcome(
            "reject", f"Heap answered with {status!r}, which is not an HTTP status.", status=number
        )
    answered = f"Heap answered {_status_text(status)}"
    quoted = f": {text}" if text else " with an empty body"
    if 200 <= status <= 299:
        return Outcome("success", f"{answered}{quoted}.", status=status)
    if status == 429 or (status >= 500 and status not in _NOT_RETRIED_5XX):
        wait = _retry_after(headers, now)
        return Outcome("retry", f"{answered}{quoted}.", retry_after=wait, status=status)
    return Outcome("reject", f"{answered}{quoted}.", status=status)


def _status_text(status: int) -> str:
    phrase = _PHRASES.get(status)
    return str(status) if phrase is None else f"{status} {phrase}"


_PHRASES: Final[Mapping[int, str]] = MappingProxyType(
    {
        100: "Continue",
        101: "Switching Protocols",
        102: "Processing",
        103: "Early Hints",
        200: "OK",
        201: "Created",
        202: "Accepted",
        203: "Non-Authoritative Information",
        204: "No Content",
        205: "Reset Content",
        206: "Partial Content",
        207: "Multi-Status",
        208: "Already Reported",
        226: "IM Used",
        300: "Multiple Choices",
        301: "Moved Permanently",
        302: "Found",
        303: "See Other",
        304: "Not Modified",
        305: "Use Proxy",
        307: "Temporary Redirect",
        308: "Permanent Redirect",
        400: "Bad Request",
        401: "Unauthorized",
        402: "Payment Required",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        406: "Not Acceptable",
        407: "Proxy Authentication Required",
        408: "Request Timeout",
        409: "Conflict",
        410: "Gone",
        411: "Length Required",
        412: "Precondition Failed",
        413: "Content Too Large",
        414: "URI Too Long",
        415: "Unsupported Media Type",
        416: "Range Not Satisfiable",
        417: "Expectation Failed",
        418: "I'm a Teapot",
        421: "Misdirected Request",
        422: "Unprocessable Content",
        423: "Locked",
        424: "Failed Dependency",
        425: "Too Early",
        426: "Upgrade Required",
        428: "Precondition Required",
        429: "Too Many Requests",
        431: "Request Header Fields Too Large",
        451: "Unavailable For Legal Reasons",
        500: "Internal Server Error",
        501: "Not Implemented",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        505: "HTTP Version Not Supported",
        506: "Variant Also Negotiates",
        507: "Insufficient Storage",
        508: "Loop Detected",
        510: "Not Extended",
        511: "Network Authentication Required",
    }
)
"""The reason phrase of every registered status, as RFC 9110 names them: reasons read
the same on every Python version (``http.HTTPStatus`` changed four of them in 3.13)."""


def _body_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    if len(text) > _BODY_LIMIT:
        return text[: _BODY_LIMIT - 1] + "…"
    return text


def _retry_after(headers: Mapping[str, str] | None, now: float | None) -> float | None:
    """Seconds to wait per ``Retry-After`` (RFC 9110 §10.2.3), or None when absent or unreadable.

    A date in the past gives 0.
    """
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = str(value).strip()
    if _DELTA_SECONDS.fullmatch(value):
        # Absurdly long digit runs are no wait anyone honours; treat them as unreadable.
        return float(int(value)) if len(value) <= 15 else None
    from email.utils import parsedate_to_datetime  # only HTTP-date answers need it

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    reference = time.time() if now is None else now
    return max(0.0, when.timestamp() - reference)


@frozen
class RateLimit:
    """At most ``limit`` units in any window of ``window`` seconds."""

    limit: int = field(validator=validators.gt(0))
    window: float = field(validator=validators.gt(0))


@frozen
class HeapLimits:
    """The rate limits Heap documents for its server-side API, per app_id.

    - ``requests_per_identity``: single-object track and add_user_properties take
      30 requests per 30 seconds per identity per app_id (each endpoint counted on
      its own, as each page states its own limit).
    - ``events_per_identity`` and ``events_per_app``: bulk track takes 1000 events per
      minute per identity per app_id and 15,000 events per minute per app_id.
      ``pace`` counts every tracked event toward these, single or bulk, public
      ``/api/track`` or ``/api/integrations/track``: counting more can only make the
      schedule more careful.

    Heap documents no limit for bulk add_user_properties, ``/api/v1/identify`` or the
    integrations endpoint for user properties; ``pace`` does not delay those
    beyond keeping order.
    """

    requests_per_identity: RateLimit = RateLimit(30, 30.0)
    events_per_identity: RateLimit = RateLimit(1000, 60.0)
    events_per_app: RateLimit = RateLimit(15_000, 60.0)


HEAP_LIMITS: Final = HeapLimits()


class Paceable(Protocol):
    """What ``pace`` needs of a request: its URL and its JSON body."""

    @property
    def url(self) -> str: ...

    @property
    def body(self) -> Mapping[str, object]: ...


_Bucket: TypeAlias = tuple[str, ...]
_Charge: TypeAlias = tuple[_Bucket, RateLimit, int]

_TRACK_PATHS: Final = frozenset({"/api/track", "/api/integrations/track"})
_SINGLE_PATHS: Final = frozenset({"/api/track", "/api/add_user_properties"})


def pace(requests: Iterable[Paceable], limits: HeapLimits = HEAP_LIMITS) -> tuple[float, ...]:
    """For each request, the earliest offset in seconds (from 0) at which it may be sent.

    Offsets never decrease, so a sender can walk the requests in order and wait for
    each offset; sent that way, no window of any ``HeapLimits`` limit holds more
    than the limit. Each request goes out as early as those two rules allow.

    Requests are recognised by URL path (``/api/track``, ``/api/add_user_properties``,
    ``/api/integrations/track``, ...) and body (``events`` or ``users`` make it bulk);
    an item's identity is its ``identity``, else ``user_id``, else the first of
    ``identity``, ``user_id``, ``anonymous_id``, ``email`` in its ``user_identifier``.
    Raises ``heapseg.ConfigurationError`` when one request alone exceeds a limit.
    """
    offsets: list[float] = []
    sent: dict[_Bucket, deque[tuple[float, int]]] = {}
    totals: dict[_Bucket, int] = {}
    start = 0.0
    for index, request in enumerate(requests):
        charges = _charges(request, limits)
        for bucket, limit, weight in charges:
            if weight > limit.limit:
                raise ConfigurationError(
                    f"request {index} alone needs {weight} {bucket[0]} where Heap allows "
                    f"{limit.limit} per {limit.window:g} s; split it into smaller requests"
                )
        start = _earliest(start, charges, sent, totals)
        for bucket, _, weight in charges:
            sent.setdefault(bucket, deque()).append((start, weight))
            totals[bucket] = totals.get(bucket, 0) + weight
        offsets.append(start)
    return tuple(offsets)


def _earliest(
    start: float,
    charges: Sequence[_Charge],
    sent: dict[_Bucket, deque[tuple[float, int]]],
    totals: dict[_Bucket, int],
) -> float:
    """The first time at or after ``start`` at which every charge fits its window.

    A unit sent at ``t`` counts in the window until ``t + window`` (exclusive), so
    units leave their window for good as time moves on and can be dropped.
    """
    moved = True
    while moved:
        moved = False
        for bucket, limit, weight in charges:
            queue = sent.get(bucket)
            if not queue:
                continue
            total = totals[bucket]
            while queue and (queue[0][0] + limit.window <= start or total + weight > limit.limit):
                sent_at, units = queue.popleft()
                total -= units
                if sent_at + limit.window > start:
                    start = sent_at + limit.window
                    moved = True
            totals[bucket] = total
    return start


def url_path(url: str) -> str:
    """The path of a request's URL, as ``urllib.parse.urlsplit`` reads it. The module is
    imported here, on first use: only bulk rendering and pacing need it, and importing
    it costs every user of heapseg several milliseconds."""
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _charges(request: Paceable, limits: HeapLimits) -> list[_Charge]:
    """The units one request spends, per rate-limit bucket, merged by bucket."""
    path = url_path(request.url)
    body = request.body
    app = _key(body.get("app_id"))
    merged: dict[_Bucket, tuple[RateLimit, int]] = {}

    def charge(bucket: _Bucket, limit: RateLimit, weight: int) -> None:
        previous = merged.get(bucket, (limit, 0))[1]
        merged[bucket] = (limit, previous + weight)

    items = body.get("events") if path in _TRACK_PATHS else body.get("users")
    if path in _SINGLE_PATHS and not isinstance(items, list):
        identity = _identity(body)
        charge(("requests per identity", path, app, *identity), limits.requests_per_identity, 1)
        items = [body] if path == "/api/track" else None
    if path in _TRACK_PATHS and isinstance(items, list):
        for item in items:
            identity = _identity(item) if isinstance(item, Mapping) else ("none", "")
            charge(("events per identity", app, *identity), limits.events_per_identity, 1)
        if items:
            charge(("events per app", app), limits.events_per_app, len(items))
    return [(bucket, limit, weight) for bucket, (limit, weight) in merged.items()]


def _identity(item: Mapping[str, object]) -> tuple[str, str]:
    for name in ("identity", "user_id"):
        if item.get(name) is not None:
            return (name, _key(item[name]))
    identifier = item.get("user_identifier")
    if isinstance(identifier, Mapping):
        for name in ("identity", "user_id", "anonymous_id", "email"):
            if identifier.get(name) is not None:
                return (name, _key(identifier[name]))
    return ("none", "")


def _key(value: object) -> str:
    """A hashable, type-preserving spelling of a JSON value."""
    return json.dumps(value, sort_keys=True, default=repr)
