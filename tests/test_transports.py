"""The example senders in docs/examples, end to end against the local Heap stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import attrs
import pytest
import send_httpx
import send_httpx_async
import send_requests
import send_urllib
from heap_standin import HeapStandIn

APP = "1535634150"
CLASSIC_HEADERS = {"Content-Type": "application/json", "User-Agent": "Segment.io/1.0"}
ACTIONS_HEADERS = {"content-type": "application/json", "user-agent": "Segment (Actions)"}
RUDDER_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


@attrs.frozen
class Request:
    """A rendered request as heapseg.http describes it: method, URL, headers, body, content."""

    url: str
    body: dict[str, Any]
    headers: Mapping[str, str] = CLASSIC_HEADERS
    method: str = "POST"

    @property
    def content(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


# Bodies as the integrations send them (segment-classic.md §5, segment-actions.md §2.3 and §3.3,
# rudderstack.md A.5 "Test 0").
CLASSIC_TRACK = Request(
    "https://heapanalytics.com/api/track",
    {
        "app_id": APP,
        "identity": "user-id",
        "event": "TEEEMO2",
        "timestamp": "2017-04-21T21:49:04.987Z",
        "properties": {
            "pass": 1,
            "_email": "jd@example.com",
            "segment_library": "analytics-node",
            "foo.bar.hello": "teemo",
            "foo.cheese": '["1",2,"cheers"]',
            "foo.products": '[{"A":"Jello"},{"B":"Peanut"}]',
            "products": '[{"foo":"bar","bar":"baz"},{"hello":"hello","bye":"bye"}]',
        },
    },
)
CLASSIC_IDENTIFY = Request(
    "https://heapanalytics.com/api/add_user_properties",
    {
        "app_id": APP,
        "identity": "123456",
        "properties": {
            "property": 3,
            "_email": "teemo@teemo.com",
            "id": "123456",
            "segment_library": "analytics-ios",
        },
    },
)
ACTIONS_TRACK = Request(
    "https://c.eu.heap-api.com/api/integrations/track",
    {
        "app_id": APP,
        "events": [
            {
                "event": "Page viewed",
                "custom_properties": {"segment_library": "cloud-mode-destination", "name": "Home"},
                "idempotency_key": "message-1",
                "user_identifier": {"anonymous_id": "anon-1"},
                "timestamp": "2024-01-01T00:00:00.000Z",
            }
        ],
        "library": "server",
    },
    ACTIONS_HEADERS,
)
HEAP_CLOUD_USERS = Request(
    "https://heapanalytics.com/api/integrations/add_user_properties",
    {
        "app_id": APP,
        "library": "server",
        "users": [
            {
                "user_identifier": {"identity": "u1"},
                "custom_properties": {"plan": "pro", "vip": True, "seats": 3},
            }
        ],
    },
    ACTIONS_HEADERS,
)
RUDDER_IDENTIFY = Request(
    "https://heapanalytics.com/api/add_user_properties",
    {
        "identity": "sampath",
        "properties": {"anonymousId": "sampath", "email": "sampath@gmail.com"},
        "app_id": APP,
    },
    RUDDER_HEADERS,
)
ALL = [CLASSIC_TRACK, CLASSIC_IDENTIFY, ACTIONS_TRACK, HEAP_CLOUD_USERS, RUDDER_IDENTIFY]


def track(key: str | None = None, identity: str = "user-id") -> Request:
    body: dict[str, Any] = {"app_id": APP, "identity": identity, "event": "Signed Up"}
    if key is not None:
        body["idempotency_key"] = key
    return Request("https://heapanalytics.com/api/track", body)


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


def test_every_rendered_request_is_accepted(send: Run, standin: HeapStandIn) -> None:
    summary, sleeps = send(ALL, base_url=standin.url)
    assert [o.kind for o in summary.outcomes] == ["success"] * len(ALL)
    assert (summary.accepted, summary.attempts, summary.failed) == (len(ALL), len(ALL), [])
    assert sleeps == []
    received = standin.received
    assert [(r.path, r.body) for r in received] == [(urlpath(q.url), q.body) for q in ALL]
    for sent, seen in zip(ALL, received, strict=True):
        for name, value in sent.headers.items():
            assert seen.headers[name.lower()] == value


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_429_is_retried_after_retry_after(send: Run, standin: HeapStandIn) -> None:
    standin.fail_next(2, 429, retry_after="3")
    summary, sleeps = send([track()], base_url=standin.url)
    assert (summary.accepted, summary.attempts) == (1, 3)
    assert sleeps == [3.0, 3.0]
    assert [r.status for r in standin.received] == [429, 429, 200]


def test_503_is_retried_with_capped_jittered_backoff(send: Run, standin: HeapStandIn) -> None:
    standin.fail_next(3, 503)
    summary, sleeps = send([track()], base_url=standin.url, backoff=0.5, max_backoff=1.0)
    assert (summary.accepted, summary.attempts) == (1, 4)
    # Full jitter below 0.5, 1.0, then the cap of 1.0.
    assert len(sleeps) == 3
    assert all(0 <= s <= ceiling for s, ceiling in zip(sleeps, [0.5, 1.0, 1.0], strict=True))


def test_a_dropped_connection_is_retried(send: Run, standin: HeapStandIn) -> None:
    standin.fail_next(1, "drop")
    summary, _ = send([track()], base_url=standin.url)
    assert (summary.accepted, summary.attempts) == (1, 2)
    assert len(standin.events) == 1


def test_nothing_is_stored_twice_where_an_idempotency_key_exists(
    send: Run, standin: HeapStandIn
) -> None:
    # Heap took the first attempt but the answer was lost: the retry carries the same key.
    standin.fail_next(1, "accept-then-drop")
    summary, _ = send([track("message-1"), track("message-2")], base_url=standin.url)
    assert (summary.accepted, summary.attempts) == (2, 3)
    assert len(standin.accepted) == 3
    assert [e["idempotency_key"] for e in standin.events] == ["message-1", "message-2"]


def test_a_rejected_request_is_not_retried_and_the_rest_go_on(
    send: Run, standin: HeapStandIn
) -> None:
    bad = track(identity="x" * 256)
    summary, sleeps = send([bad, track()], base_url=standin.url)
    assert [o.kind for o in summary.outcomes] == ["reject", "success"]
    assert summary.attempts == 2
    assert sleeps == []
    [(index, outcome)] = summary.failed
    assert index == 0
    assert outcome.status == 400
    assert "identity is longer than 255 characters" in outcome.reason


def test_gives_up_after_max_attempts(send: Run, standin: HeapStandIn) -> None:
    standin.fail_next(10, 503)
    summary, sleeps = send([track()], base_url=standin.url, max_attempts=3)
    assert (summary.accepted, summary.attempts, len(sleeps)) == (0, 3, 2)
    [(_, outcome)] = summary.failed
    assert (outcome.kind, outcome.status) == ("retry", 503)


def test_an_unreachable_host_is_a_network_error(send: Run) -> None:
    with HeapStandIn(lifetime=60) as gone:
        url = gone.url
    summary, sleeps = send([track()], base_url=url, max_attempts=2)
    [outcome] = summary.outcomes
    assert (outcome.kind, outcome.status) == ("retry", None)
    assert outcome.reason.startswith("No answer from Heap (network error: ")
    assert len(sleeps) == 1


def test_requests_are_paced_within_heaps_limits(send: Run, standin: HeapStandIn) -> None:
    # 30 requests per 30 seconds per identity: the 31st waits for the window to pass.
    summary, sleeps = send([track() for _ in range(31)], base_url=standin.url)
    assert summary.accepted == 31
    [wait] = sleeps
    assert 0 < wait <= 30  # 30 s less the time the first 30 took


def test_pacing_can_be_turned_off(send: Run, standin: HeapStandIn) -> None:
    summary, sleeps = send([track() for _ in range(31)], base_url=standin.url, paced=False)
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
@pytest.mark.parametrize("module", [send_urllib, send_requests, send_httpx, send_httpx_async])
def test_base_url_replaces_the_host(
    module: ModuleType, url: str, base_url: str | None, target: str
) -> None:
    assert module._target(url, base_url) == target
