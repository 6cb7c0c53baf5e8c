"""The example senders in docs/examples, end to end against the local Heap stand-in.

Every request here is rendered by heapseg from real Segment messages (the bundled sample
and a few made for the case), single and bulk, for every cloud profile heapseg has.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
import send_httpx
import send_httpx_async
import send_requests
import send_urllib
import sending
from heap_standin import HeapStandIn

import heapseg
from heapseg import HeapsegError, Profile, Track
from heapseg.http import Request, render

APP = "1535634150"
SAMPLE = Path(heapseg.__file__).parent / "data" / "sample.ndjson"
MESSAGES = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
CLOUD = sorted(name for name, profile in heapseg.PROFILES.items() if profile.mode == "cloud")


def calls_for(profile: str | Profile, messages: list[dict[str, Any]]) -> list[heapseg.Call]:
    """The calls of every message the profile's integration takes (others raise and are left)."""
    calls: list[heapseg.Call] = []
    for message in messages:
        try:
            calls.extend(heapseg.translate(message, profile=profile))
        except HeapsegError:
            continue
    return calls


def rendered(
    profile: str | Profile, bulk: bool, messages: list[dict[str, Any]] = MESSAGES
) -> list[Request]:
    requests = render(calls_for(profile, messages), app_id=APP, profile=profile, bulk=bulk)
    assert requests, "the messages render to no request at all"
    return requests


def keyed(name: str) -> Profile:
    """The cloud profile ``name``, with idempotency keys from messageId where it sets none."""
    return attrs.evolve(heapseg.PROFILES[name], idempotency_key="messageId")


def track_message(n: int, user_id: str = "user-42") -> dict[str, Any]:
    """A track message as Segment's libraries send it, numbered ``n``."""
    return {
        "type": "track",
        "messageId": f"msg-t{n}",
        "userId": user_id,
        "anonymousId": "anon-1",
        "event": "Signed Up",
        "timestamp": "2024-05-01T09:15:02.123Z",
        "properties": {"n": n},
    }


Run = Callable[..., tuple[Any, list[float]]]


def runner(module: ModuleType) -> Run:
    """Call ``module.send`` with a fake sleep; return its summary and the sleeps asked for."""

    def run(requests: list[Request], **options: Any) -> tuple[Any, list[float]]:
        sleeps: list[float] = []
        if module is send_httpx_async:

            async def fake_sleep(seconds: float) -> None:
                sleeps.append(seconds)

            return asyncio.run(module.send(requests, sleep=fake_sleep, **options)), sleeps
        return module.send(requests, sleep=sleeps.append, **options), sleeps

    return run


@pytest.fixture(
    params=[send_urllib, send_requests, send_httpx, send_httpx_async],
    ids=lambda m: m.__name__,
)
def send(request: pytest.FixtureRequest) -> Run:
    return runner(request.param)


BULK = pytest.mark.parametrize("bulk", [False, True], ids=["single", "bulk"])
PROFILE = pytest.mark.parametrize("profile", CLOUD)


@PROFILE
@BULK
def test_every_rendered_request_is_accepted(
    send: Run, standin: HeapStandIn, profile: str, bulk: bool
) -> None:
    requests = rendered(profile, bulk)
    summary, sleeps = send(requests, base_url=standin.url)
    assert [o.kind for o in summary.outcomes] == ["success"] * len(requests)
    assert (summary.attempts, summary.failed, sleeps) == (len(requests), [], [])
    received = standin.received
    assert [(r.path, r.body) for r in received] == [(urlpath(q.url), q.body) for q in requests]
    for sent, seen in zip(requests, received, strict=True):
        for name, value in sent.headers.items():
            assert seen.headers[name.lower()] == value


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@PROFILE
def test_bulk_and_single_leave_heap_in_the_same_state(standin: HeapStandIn, profile: str) -> None:
    singles = rendered(profile, bulk=False)
    bulks = rendered(profile, bulk=True)
    assert len(bulks) < len(singles)
    assert send_urllib.send(bulks, base_url=standin.url).accepted == len(bulks)
    from_bulk = (standin.events, standin.users, standin.identifies)
    standin.reset()
    assert send_urllib.send(singles, base_url=standin.url).accepted == len(singles)
    assert (standin.events, standin.users, standin.identifies) == from_bulk


@PROFILE
@BULK
def test_429_is_retried_after_retry_after(
    send: Run, standin: HeapStandIn, profile: str, bulk: bool
) -> None:
    requests = rendered(profile, bulk)
    standin.fail_next(2, 429, retry_after="3")
    summary, sleeps = send(requests, base_url=standin.url)
    assert (summary.accepted, summary.attempts) == (len(requests), len(requests) + 2)
    assert sleeps == [3.0, 3.0]
    assert [r.status for r in standin.received] == [429, 429] + [200] * len(requests)


@PROFILE
@BULK
def test_503_is_retried_with_capped_jittered_backoff(
    send: Run, standin: HeapStandIn, profile: str, bulk: bool
) -> None:
    requests = rendered(profile, bulk)
    standin.fail_next(3, 503)
    summary, sleeps = send(requests, base_url=standin.url, backoff=0.5, max_backoff=1.0)
    assert (summary.accepted, summary.attempts) == (len(requests), len(requests) + 3)
    # Full jitter below 0.5, 1.0, then the cap of 1.0.
    assert len(sleeps) == 3
    assert all(0 <= s <= ceiling for s, ceiling in zip(sleeps, [0.5, 1.0, 1.0], strict=True))
    assert [r.body for r in standin.accepted] == [q.body for q in requests]


@PROFILE
@BULK
def test_a_dropped_connection_is_retried(
    send: Run, standin: HeapStandIn, profile: str, bulk: bool
) -> None:
    requests = rendered(profile, bulk)
    standin.fail_next(1, "drop")
    summary, sleeps = send(requests, base_url=standin.url)
    assert (summary.accepted, summary.attempts, len(sleeps)) == (
        len(requests),
        len(requests) + 1,
        1,
    )
    assert [r.status for r in standin.received] == [None] + [200] * len(requests)
    assert [r.body for r in standin.accepted] == [q.body for q in requests]


@PROFILE
@BULK
def test_nothing_is_stored_twice_where_an_idempotency_key_exists(
    send: Run, standin: HeapStandIn, profile: str, bulk: bool
) -> None:
    # Heap takes the first attempt but the answer is lost: the retry carries the same keys.
    chosen = keyed(profile)
    tracks = [c for c in calls_for(chosen, MESSAGES) if type(c) is Track]
    keys = [c.idempotency_key for c in tracks]
    assert len(keys) > 1
    assert None not in keys
    requests = render(tracks, app_id=APP, profile=chosen, bulk=bulk)
    standin.fail_next(1, "accept-then-drop")
    summary, _ = send(requests, base_url=standin.url)
    assert (summary.accepted, summary.attempts) == (len(requests), len(requests) + 1)
    assert len(standin.accepted) == len(requests) + 1
    assert [e["idempotency_key"] for e in standin.events] == keys


@PROFILE
@BULK
def test_a_rejected_request_is_not_retried_and_the_rest_go_on(
    send: Run, standin: HeapStandIn, profile: str, bulk: bool
) -> None:
    too_long = "x" * 256
    messages = [{**track_message(1, too_long), "anonymousId": too_long}, track_message(2)]
    requests = rendered(profile, bulk, messages)
    summary, sleeps = send(requests, base_url=standin.url)
    # Heap rejects a bulk request whole when one item breaks its rules.
    expected = ["reject" if too_long in r.content.decode() else "success" for r in requests]
    assert [o.kind for o in summary.outcomes] == expected
    assert (summary.attempts, sleeps) == (len(requests), [])
    [(index, outcome)] = summary.failed
    assert (index, outcome.status) == (0, 400)
    assert "is longer than 255 characters" in outcome.reason


@PROFILE
def test_gives_up_after_max_attempts(send: Run, standin: HeapStandIn, profile: str) -> None:
    standin.fail_next(10, 503)
    summary, sleeps = send(
        rendered(profile, False, [track_message(1)]), base_url=standin.url, max_attempts=3
    )
    assert (summary.accepted, summary.attempts, len(sleeps)) == (0, 3, 2)
    [(_, outcome)] = summary.failed
    assert (outcome.kind, outcome.status) == ("retry", 503)


@PROFILE
def test_an_unreachable_host_is_a_network_error(send: Run, profile: str) -> None:
    with HeapStandIn(lifetime=60) as gone:
        url = gone.url
    summary, sleeps = send(
        rendered(profile, False, [track_message(1)]), base_url=url, max_attempts=2
    )
    [outcome] = summary.outcomes
    assert (outcome.kind, outcome.status) == ("retry", None)
    assert outcome.reason.startswith("No answer from Heap (network error: ")
    assert len(sleeps) == 1


THIRTY_ONE = [track_message(n) for n in range(31)]
SINGLE_OBJECT = [
    name for name in CLOUD if urlpath(rendered(name, False, THIRTY_ONE[:1])[0].url) == "/api/track"
]
"""Cloud profiles whose track requests carry one event object (not an ``events`` array)."""
EVENTS_ARRAY = [name for name in CLOUD if name not in SINGLE_OBJECT]


@pytest.mark.parametrize("profile", SINGLE_OBJECT)
def test_requests_are_paced_within_heaps_limits(
    send: Run, standin: HeapStandIn, profile: str
) -> None:
    # 30 requests per 30 seconds per identity: the 31st waits for the window to pass.
    summary, sleeps = send(rendered(profile, False, THIRTY_ONE), base_url=standin.url)
    assert summary.accepted == 31
    [wait] = sleeps
    assert 0 < wait <= 30  # 30 s less the time the first 30 took


@pytest.mark.parametrize("profile", EVENTS_ARRAY)
def test_events_array_requests_count_against_the_bulk_limits(
    send: Run, standin: HeapStandIn, profile: str
) -> None:
    # Each request is a bulk body of one event: 1000 events per minute per identity.
    summary, sleeps = send(rendered(profile, False, THIRTY_ONE), base_url=standin.url)
    assert (summary.accepted, sleeps) == (31, [])


@PROFILE
def test_one_bulk_request_needs_no_pacing(send: Run, standin: HeapStandIn, profile: str) -> None:
    summary, sleeps = send(rendered(profile, True, THIRTY_ONE), base_url=standin.url)
    assert (summary.accepted, summary.attempts, sleeps) == (1, 1, [])
    sent = [e.get("properties", e.get("custom_properties")) for e in standin.events]
    assert [int(properties["n"]) for properties in sent] == list(range(31))


@PROFILE
def test_pacing_can_be_turned_off(send: Run, standin: HeapStandIn, profile: str) -> None:
    summary, sleeps = send(rendered(profile, False, THIRTY_ONE), base_url=standin.url, paced=False)
    assert (summary.accepted, sleeps) == (31, [])


@pytest.mark.parametrize(
    ("url", "base_url", "target"),
    [
        ("https://heapanalytics.com/api/track", None, "https://heapanalytics.com/api/track"),
        (
            "https://heapanalytics.com/api/track",
            "http://127.0.0.1:9",
            "http://127.0.0.1:9/api/track",
        ),
        (
            "https://c.eu.heap-api.com/api/integrations/track",
            "http://127.0.0.1:9/",
            "http://127.0.0.1:9/api/integrations/track",
        ),
        ("https://heapanalytics.com/api/track", "http://h:1/heap/", "http://h:1/heap/api/track"),
    ],
)
def test_base_url_replaces_the_host(url: str, base_url: str | None, target: str) -> None:
    assert sending.rebase(url, base_url) == target
