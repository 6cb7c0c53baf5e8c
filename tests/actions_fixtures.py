"""What the vectors of Segment's two Heap destinations on Actions share.

Both upstream suites (segment-actions.md §2.7 and §3.5) build their messages with
createTestEvent, each suite with its own messageId, and state the requests sent as
``(URL, JSON body)`` pairs; the checks here compare heapseg's requests the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import heapseg
from heapseg import AddUserProperties, Track, Unsupported

TS: Final = "2021-08-17T15:21:15.449Z"
US: Final = "https://heapanalytics.com"
EU: Final = "https://c.eu.heap-api.com"
TRACK_URL: Final = "/api/integrations/track"
LIB: Final = {"segment_library": "cloud-mode-destination"}

Requests = list[tuple[str, dict[str, Any]]]


def event_builder(message_id: str) -> Callable[..., dict[str, Any]]:
    """createTestEvent for a suite whose messages carry ``message_id``."""

    def test_event(**fields: Any) -> dict[str, Any]:
        """createTestEvent's defaults, with ``fields`` replacing them (None removes a key)."""
        event: dict[str, Any] = {
            "type": "track",
            "event": "Test Event",
            "userId": "user1234",
            "anonymousId": "anonId1234",
            "messageId": message_id,
            "timestamp": TS,
            "properties": {},
            "traits": {},
            "context": {"library": {"name": "analytics.js", "version": "2.11.1"}},
        }
        event.update(fields)
        return {key: value for key, value in event.items() if value is not None}

    test_event.__test__ = False  # type: ignore[attr-defined]
    return test_event


def rendered(
    calls: list[heapseg.Call], *, app_id: str, region: str, profile: heapseg.Profile
) -> Requests:
    """The requests heapseg renders for ``calls``, as (URL, parsed JSON body) pairs."""
    return [
        (request.url, json.loads(request.content))
        for request in heapseg.http.render(calls, app_id=app_id, profile=profile, region=region)
    ]


def check_sent(
    message: dict[str, Any],
    profile: heapseg.Profile,
    region: str,
    expected: Requests,
    *,
    app_id: str,
    user_url: str,
) -> None:
    """``message`` becomes exactly the ``expected`` requests, one call for each: a user
    properties call for each request to ``user_url``, a track call for each other."""
    calls = heapseg.translate(message, profile=profile)
    assert rendered(calls, app_id=app_id, region=region, profile=profile) == expected
    kinds = [AddUserProperties if url.endswith(user_url) else Track for url, _ in expected]
    assert [type(call) for call in calls] == kinds


def check_refused(
    message: dict[str, Any], profile: heapseg.Profile, reason: str, *, app_id: str
) -> Unsupported:
    """The destination refuses ``message`` with ``reason`` and sends nothing; returns the call."""
    (call,) = heapseg.translate(message, profile=profile)
    assert isinstance(call, Unsupported)
    assert call.type == message["type"]
    assert reason in call.reason
    assert rendered([call], app_id=app_id, region="US", profile=profile) == []
    return call
