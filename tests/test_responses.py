"""Classification of Heap's answers (heap-api.md §9, the integrations' retry rules) and pacing
within Heap's documented rate limits (heap-api.md §1-§4)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from http import HTTPStatus

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heapseg import ConfigurationError
from heapseg._responses import HEAP_LIMITS, HeapLimits, Outcome, RateLimit, classify, pace

US = "https://heapanalytics.com"

# 1994-11-06 08:49:37 UTC, the date RFC 9110 uses in its examples.
RFC_DATE = calendar.timegm((1994, 11, 6, 8, 49, 37))


# --- classify ---------------------------------------------------------------------------------

CLASSIFY_TABLE = [
    # status, headers, body, expected kind, expected reason
    (200, None, b"", "success", "Heap answered 200 OK with an empty body."),
    (204, None, None, "success", "Heap answered 204 No Content with an empty body."),
    (202, None, "queued", "success", "Heap answered 202 Accepted: queued."),
    (400, None, b"Bad request", "reject", "Heap answered 400 Bad Request: Bad request."),
    (400, None, b"", "reject", "Heap answered 400 Bad Request with an empty body."),
    (401, None, b"Unauthorized", "reject", "Heap answered 401 Unauthorized: Unauthorized."),
    (404, None, b"Not found", "reject", "Heap answered 404 Not Found: Not found."),
    (408, None, b"", "reject", "Heap answered 408 Request Timeout with an empty body."),
    # RFC 9110's names, on every Python version (3.13 renamed these four in http.HTTPStatus).
    (413, None, b"too big", "reject", "Heap answered 413 Content Too Large: too big."),
    (414, None, b"", "reject", "Heap answered 414 URI Too Long with an empty body."),
    (416, None, b"", "reject", "Heap answered 416 Range Not Satisfiable with an empty body."),
    (422, None, b"bad", "reject", "Heap answered 422 Unprocessable Content: bad."),
    (
        429,
        None,
        b"Too many requests",
        "retry",
        "Heap answered 429 Too Many Requests: Too many requests.",
    ),
    (500, None, b"oops", "retry", "Heap answered 500 Internal Server Error: oops."),
    (502, None, b"", "retry", "Heap answered 502 Bad Gateway with an empty body."),
    (503, None, b"", "retry", "Heap answered 503 Service Unavailable with an empty body."),
    (504, None, b"", "retry", "Heap answered 504 Gateway Timeout with an empty body."),
    (507, None, b"", "retry", "Heap answered 507 Insufficient Storage with an empty body."),
    (599, None, b"", "retry", "Heap answered 599 with an empty body."),
    (501, None, b"", "reject", "Heap answered 501 Not Implemented with an empty body."),
    (
        505,
        None,
        b"",
        "reject",
        "Heap answered 505 HTTP Version Not Supported with an empty body.",
    ),
    (
        301,
        {"Location": US},
        b"",
        "reject",
        "Heap answered 301 Moved Permanently with an empty body.",
    ),
    (None, None, None, "retry", "No answer from Heap (network error)."),
    (
        None,
        None,
        "Connection refused",
        "retry",
        "No answer from Heap (network error: Connection refused).",
    ),
    (99, None, b"", "reject", "Heap answered with 99, which is not an HTTP status."),
    (600, None, b"", "reject", "Heap answered with 600, which is not an HTTP status."),
]


@pytest.mark.parametrize(("status", "headers", "body", "kind", "reason"), CLASSIFY_TABLE)
def test_classify_table(
    status: int | None,
    headers: Mapping[str, str] | None,
    body: bytes | str | None,
    kind: str,
    reason: str,
) -> None:
    outcome = classify(status, headers, body)
    assert outcome == Outcome(kind, reason, None, status)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [int(status) for status in HTTPStatus])
def test_every_status_python_registers_is_named_in_the_reason(status: int) -> None:
    reason = classify(status, None, b"").reason
    assert reason.startswith(f"Heap answered {status} ")
    phrase = reason.removeprefix(f"Heap answered {status} ").removesuffix(" with an empty body.")
    renamed = {413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable"}
    renamed[422] = "Unprocessable Content"
    assert phrase == renamed.get(status, HTTPStatus(status).phrase)


def test_body_is_decoded_with_replacement_and_whitespace_collapsed() -> None:
    outcome = classify(400, None, b"bad\n  app_id \xff")
    assert outcome.reason == "Heap answered 400 Bad Request: bad app_id \ufffd."


def test_long_body_is_shortened_in_the_reason() -> None:
    outcome = classify(400, None, "x" * 5000)
    assert len(outcome.reason) < 600
    assert outcome.reason.endswith("….")


RETRY_AFTER_TABLE = [
    # header value, now, expected seconds
    ("120", None, 120.0),
    ("0", None, 0.0),
    ("  7 ", None, 7.0),
    ("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE - 30, 30.0),  # IMF-fixdate
    ("Sunday, 06-Nov-94 08:49:37 GMT", RFC_DATE - 30, 30.0),  # obsolete RFC 850 form
    ("Sun Nov  6 08:49:37 1994", RFC_DATE - 30, 30.0),  # obsolete asctime form
    ("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE + 100, 0.0),  # a date in the past: now
    ("-5", None, None),  # delta-seconds is 1*DIGIT
    ("1.5", None, None),
    ("soon", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("value", "now", "seconds"), RETRY_AFTER_TABLE)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_forms(
    value: str, now: float | None, seconds: float | None, status: int
) -> None:
    outcome = classify(status, {"Retry-After": value}, b"", now=now)
    assert outcome.kind == "retry"
    assert outcome.retry_after == seconds


def test_retry_after_header_name_is_case_insensitive() -> None:
    assert classify(429, {"retry-after": "3"}).retry_after == 3.0
    assert classify(429, {"RETRY-AFTER": "3"}).retry_after == 3.0


def test_retry_after_date_without_now_uses_the_clock() -> None:
    outcome = classify(503, {"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"})
    assert outcome.retry_after == 0.0


@pytest.mark.parametrize("status", [200, 400, 501])
def test_retry_after_only_counts_on_a_retry(status: int) -> None:
    assert classify(status, {"Retry-After": "10"}).retry_after is None


def test_outcome_is_frozen() -> None:
    outcome = classify(200)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        outcome.kind = "retry"  # type: ignore[misc]


# --- pace: fixtures ---------------------------------------------------------------------------


@attrs.frozen
class FakeRequest:
    """Only what pace() reads: a URL and a JSON body."""

    url: str
    body: dict[str, object]


def single_track(identity: str, app: str = "1") -> FakeRequest:
    return FakeRequest(f"{US}/api/track", {"app_id": app, "identity": identity, "event": "e"})


def single_aup(identity: str, app: str = "1") -> FakeRequest:
    return FakeRequest(
        f"{US}/api/add_user_properties", {"app_id": app, "identity": identity, "properties": {}}
    )


def bulk_track(identities: list[str], app: str = "1") -> FakeRequest:
    events = [{"identity": i, "event": "e"} for i in identities]
    return FakeRequest(f"{US}/api/track", {"app_id": app, "events": events})


def integrations_track(identities: list[str], app: str = "1") -> FakeRequest:
    events = [{"event": "e", "user_identifier": {"anonymous_id": i}} for i in identities]
    return FakeRequest(
        f"{US}/api/integrations/track", {"app_id": app, "library": "server", "events": events}
    )


def bulk_aup(identities: list[str], app: str = "1") -> FakeRequest:
    users = [{"identity": i, "properties": {}} for i in identities]
    return FakeRequest(f"{US}/api/add_user_properties", {"app_id": app, "users": users})


def v1_identify(identity: str, app: str = "1") -> FakeRequest:
    return FakeRequest(
        f"{US}/api/v1/identify", {"app_id": app, "identity": identity, "user_id": "1"}
    )


# --- pace: obvious schedules ------------------------------------------------------------------


def test_thirty_single_tracks_per_identity_then_wait_thirty_seconds() -> None:
    # Heap: 30 requests per 30 seconds per identity per app_id.
    schedule = pace([single_track("u1") for _ in range(61)])
    assert schedule == (0.0,) * 30 + (30.0,) * 30 + (60.0,)


def test_identities_and_app_ids_have_their_own_budgets() -> None:
    requests = [single_track(f"u{i}") for i in range(40)]
    requests += [single_track("u0", app="2") for _ in range(30)]
    assert pace(requests) == (0.0,) * 70


def test_track_and_add_user_properties_are_limited_separately() -> None:
    requests = [single_track("u1") for _ in range(30)] + [single_aup("u1") for _ in range(30)]
    assert pace(requests) == (0.0,) * 60


def test_the_thirty_first_add_user_properties_waits() -> None:
    assert pace([single_aup("u1") for _ in range(31)])[-1] == 30.0


def test_fifteen_thousand_events_per_minute_per_app() -> None:
    # Bulk track: 15,000 events per minute per app_id; 1000 per request at most.
    requests = [bulk_track([f"u{r}-{i}" for i in range(1000)]) for r in range(16)]
    assert pace(requests) == (0.0,) * 15 + (60.0,)


def test_a_thousand_events_per_minute_per_identity() -> None:
    requests = [bulk_track(["u1"] * 600), bulk_track(["u1"] * 400), bulk_track(["u1"])]
    assert pace(requests) == (0.0, 0.0, 60.0)


def test_integration_track_events_count_like_bulk_track_events() -> None:
    requests = [integrations_track(["a1"] * 1000), bulk_track(["x"]), integrations_track(["a1"])]
    assert pace(requests) == (0.0, 0.0, 60.0)


def test_an_anonymous_id_is_not_the_identity_of_the_same_spelling() -> None:
    requests = [integrations_track(["u1"] * 1000), bulk_track(["u1"] * 1000)]
    assert pace(requests) == (0.0, 0.0)


def test_single_tracks_count_toward_the_per_app_event_budget() -> None:
    requests = [bulk_track([f"u{r}-{i}" for i in range(1000)]) for r in range(15)]
    requests.append(single_track("someone-else"))
    assert pace(requests)[-1] == 60.0


def test_calls_without_a_documented_limit_are_not_delayed() -> None:
    requests = [bulk_aup(["u1"] * 1000) for _ in range(40)] + [v1_identify("u1")] * 40
    assert pace(requests) == (0.0,) * 80


def test_offsets_never_decrease_even_for_an_unlimited_call() -> None:
    requests = [single_track("u1") for _ in range(31)] + [v1_identify("u2")]
    assert pace(requests)[-2:] == (30.0, 30.0)


def test_empty_input() -> None:
    assert pace([]) == ()


def test_a_request_bigger_than_a_limit_cannot_be_paced() -> None:
    limits = HeapLimits(events_per_identity=RateLimit(10, 60))
    with pytest.raises(ConfigurationError, match="split it"):
        pace([bulk_track(["u1"] * 11)], limits)


def test_default_limits_are_heaps() -> None:
    assert HEAP_LIMITS.requests_per_identity == RateLimit(30, 30.0)
    assert HEAP_LIMITS.events_per_identity == RateLimit(1000, 60.0)
    assert HEAP_LIMITS.events_per_app == RateLimit(15_000, 60.0)


@pytest.mark.parametrize(("limit", "window"), [(0, 1.0), (1, 0.0), (-1, 5.0)])
def test_rate_limit_must_be_positive(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="must be >"):
        RateLimit(limit, window)


# --- pace: properties -------------------------------------------------------------------------

# Small limits with whole-second windows keep every offset a whole number, so the
# checks below are exact.
SMALL = HeapLimits(
    requests_per_identity=RateLimit(3, 10.0),
    events_per_identity=RateLimit(5, 20.0),
    events_per_app=RateLimit(8, 15.0),
)

identities = st.sampled_from(["u1", "u2", "u3"])
apps = st.sampled_from(["1", "2"])
request_specs = st.one_of(
    st.tuples(st.just("track"), apps, st.lists(identities, min_size=1, max_size=1)),
    st.tuples(st.just("aup"), apps, st.lists(identities, min_size=1, max_size=1)),
    st.tuples(st.just("bulk track"), apps, st.lists(identities, min_size=1, max_size=5)),
    st.tuples(st.just("integrations track"), apps, st.lists(identities, min_size=1, max_size=5)),
    st.tuples(st.just("bulk aup"), apps, st.lists(identities, min_size=1, max_size=5)),
    st.tuples(st.just("identify"), apps, st.lists(identities, min_size=1, max_size=1)),
)

Spec = tuple[str, str, list[str]]


def build(spec: Spec) -> FakeRequest:
    kind, app, ids = spec
    builders = {
        "track": lambda: single_track(ids[0], app),
        "aup": lambda: single_aup(ids[0], app),
        "bulk track": lambda: bulk_track(ids, app),
        "integrations track": lambda: integrations_track(ids, app),
        "bulk aup": lambda: bulk_aup(ids, app),
        "identify": lambda: v1_identify(ids[0], app),
    }
    return builders[kind]()


def units(spec: Spec) -> dict[tuple[str, ...], int]:
    """What each request spends, per bucket, written out from the documented limits."""
    kind, app, ids = spec
    spent: dict[tuple[str, ...], int] = defaultdict(int)
    if kind in ("track", "aup"):
        spent[("requests", kind, app, ids[0])] += 1
    if kind in ("track", "bulk track", "integrations track"):
        # The integrations events carry anonymous ids: another user than identity "u1".
        space = "anonymous_id" if kind == "integrations track" else "identity"
        for identity in ids:
            spent[("events", app, space, identity)] += 1
        spent[("app events", app)] += len(ids)
    return spent


def limit_of(bucket: tuple[str, ...]) -> RateLimit:
    return {
        "requests": SMALL.requests_per_identity,
        "events": SMALL.events_per_identity,
        "app events": SMALL.events_per_app,
    }[bucket[0]]


def in_window(
    sends: list[tuple[float, int]], start: float, window: float, *, before: int | None = None
) -> int:
    """Units sent in [start, start + window), among the first ``before`` sends."""
    chosen = sends if before is None else sends[:before]
    return sum(w for t, w in chosen if start <= t < start + window)


@settings(max_examples=200, deadline=None)
@given(st.lists(request_specs, max_size=40))
def test_pace_keeps_every_window_within_its_limit(specs: list[Spec]) -> None:
    schedule = pace([build(s) for s in specs], SMALL)
    assert len(schedule) == len(specs)
    sends: dict[tuple[str, ...], list[tuple[float, int]]] = defaultdict(list)
    for offset, spec in zip(schedule, specs, strict=True):
        for bucket, weight in units(spec).items():
            sends[bucket].append((offset, weight))
    for bucket, timeline in sends.items():
        limit = limit_of(bucket)
        for start, _ in timeline:
            assert in_window(timeline, start, limit.window) <= limit.limit, bucket


@settings(max_examples=200, deadline=None)
@given(st.lists(request_specs, max_size=40))
def test_pace_preserves_order_and_delays_only_when_a_window_is_full(specs: list[Spec]) -> None:
    schedule = pace([build(s) for s in specs], SMALL)
    assert list(schedule) == sorted(schedule)
    assert all(offset == int(offset) for offset in schedule)
    if schedule:
        assert schedule[0] == 0.0
    sends: dict[tuple[str, ...], list[tuple[float, int]]] = defaultdict(list)
    for index, (offset, spec) in enumerate(zip(schedule, specs, strict=True)):
        spent = units(spec)
        if index and offset > schedule[index - 1]:
            # One second earlier, some bucket this request spends from would be over.
            earlier = offset - 1
            assert any(
                in_window(sends[b], earlier - limit_of(b).window + 1, limit_of(b).window) + w
                > limit_of(b).limit
                for b, w in spent.items()
            ), index
        for bucket, weight in spent.items():
            sends[bucket].append((offset, weight))


def test_retry_after_with_an_absurd_number_of_digits_is_unreadable_not_an_error() -> None:
    outcome = classify(429, {"Retry-After": "9" * 400})
    assert outcome.kind == "retry"
    assert outcome.retry_after is None
