"""Send heapseg's rendered requests to Heap with requests.

Each request is posted as rendered; answers are classified by heapseg; retries use
exponential backoff with full jitter, capped, or Heap's ``Retry-After`` when it sends
one. A request that succeeded is never sent again. Pass ``base_url`` to send to
another host (a local Heap stand-in in tests).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import requests as http

from heapseg.http import Outcome, classify, pace


class Sendable(Protocol):
    """What a sender needs of a request; ``heapseg.http.Request`` has all of it."""

    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> Mapping[str, object]: ...
    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True)
class Summary:
    """The final outcome of each request, in order, and the number of HTTP attempts made."""

    outcomes: tuple[Outcome, ...]
    attempts: int

    @property
    def accepted(self) -> int:
        return sum(o.kind == "success" for o in self.outcomes)

    @property
    def failed(self) -> list[tuple[int, Outcome]]:
        """Requests Heap rejected, or still failing when the attempts ran out."""
        return [(i, o) for i, o in enumerate(self.outcomes) if o.kind != "success"]


def send(
    requests: Sequence[Sendable],
    *,
    base_url: str | None = None,
    max_attempts: int = 5,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    timeout: float = 10.0,
    paced: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> Summary:
    """Send ``requests`` in order, each until it succeeds, is rejected or runs out of attempts.

    With ``paced``, consecutive requests are spaced at least as far apart as
    ``heapseg``'s pacing schedule, which keeps them within Heap's rate limits.
    """
    offsets = pace(requests) if paced else (0.0,) * len(requests)
    outcomes: list[Outcome] = []
    attempts = 0
    last_sent = time.monotonic()
    with http.Session() as session:
        for index, request in enumerate(requests):
            if index and offsets[index] > offsets[index - 1]:
                gap = offsets[index] - offsets[index - 1] - (time.monotonic() - last_sent)
                if gap > 0:
                    sleep(gap)
            for attempt in range(1, max_attempts + 1):
                attempts += 1
                last_sent = time.monotonic()
                outcome = _attempt(session, request, _target(request.url, base_url), timeout)
                if outcome.kind != "retry" or attempt == max_attempts:
                    break
                ceiling = min(max_backoff, backoff * 2 ** (attempt - 1))
                wait = outcome.retry_after
                sleep(random.uniform(0, ceiling) if wait is None else wait)
            outcomes.append(outcome)
    return Summary(tuple(outcomes), attempts)


def _attempt(session: http.Session, request: Sendable, url: str, timeout: float) -> Outcome:
    try:
        response = session.request(
            request.method,
            url,
            data=request.content,
            headers=dict(request.headers),
            timeout=timeout,
            allow_redirects=False,  # Heap's integrations follow none
        )
    except http.RequestException as error:
        return classify(None, body=f"{type(error).__name__}: {error}")
    return classify(response.status_code, response.headers, response.content)


def _target(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base_url``'s, when given."""
    if base_url is None:
        return url
    base, original = urlsplit(base_url), urlsplit(url)
    path = base.path.rstrip("/") + original.path
    return urlunsplit((base.scheme, base.netloc, path, original.query, ""))
