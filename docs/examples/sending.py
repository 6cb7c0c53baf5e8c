"""What the example senders share: pacing, retries, base-URL rewriting and the summary.

Each ``send_*.py`` example adds only its HTTP client: how to post one request and read
the answer. Requests go out in order, spaced by heapseg's pacing schedule; answers are
classified by heapseg; retries wait Heap's ``Retry-After`` when it sends one, otherwise
back off exponentially with full jitter, capped. A request that succeeded is never sent
again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from typing_extensions import TypedDict, Unpack

from heapseg.http import Outcome, Request, pace

Post = Callable[[Request, str], Outcome]
"""Post one request to the given URL and classify Heap's answer."""


class Options(TypedDict, total=False):
    """What every sender's ``send`` takes besides its client's ``timeout`` and ``sleep``.

    ``base_url`` replaces the scheme and host of every URL (tests point it at a local
    stand-in); ``max_attempts`` counts every attempt at one request; ``backoff`` and
    ``max_backoff`` are the first and the largest backoff ceilings in seconds;
    ``paced=False`` sends without waiting for the pacing schedule.
    """

    base_url: str | None
    max_attempts: int
    backoff: float
    max_backoff: float
    paced: bool


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


class Delivery:
    """One run of ``send``: when to send each attempt, and what came of the requests so far.

    A sender's loop asks :meth:`pause` before each request, :meth:`url` before each
    attempt and :meth:`record` after it, and sleeps as long as they say.
    """

    def __init__(
        self,
        requests: Sequence[Request],
        *,
        base_url: str | None = None,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        paced: bool = True,
    ) -> None:
        self._offsets = pace(requests) if paced else (0.0,) * len(requests)
        self._base_url = base_url
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._outcomes: list[Outcome] = []
        self._attempts = 0
        self._tries = 0  # attempts at the request in hand
        self._last_sent = time.monotonic()

    def pause(self) -> float:
        """Seconds to wait before the next request's first attempt (none when not positive).

        Consecutive requests are spaced at least as far apart as heapseg's pacing
        schedule, which keeps them within Heap's rate limits.
        """
        index = len(self._outcomes)
        if index == 0:
            return 0.0
        spacing = self._offsets[index] - self._offsets[index - 1]
        return spacing - (time.monotonic() - self._last_sent)

    def url(self, request: Request) -> str:
        """Where to send the next attempt at ``request``; counts the attempt and its time."""
        self._attempts += 1
        self._tries += 1
        self._last_sent = time.monotonic()
        return rebase(request.url, self._base_url)

    def record(self, outcome: Outcome) -> float | None:
        """Take the outcome of the attempt just made: seconds to wait before trying again,
        or None when the request is done (succeeded, rejected or out of attempts)."""
        if outcome.kind == "retry" and self._tries < self._max_attempts:
            if outcome.retry_after is not None:
                return outcome.retry_after
            ceiling = min(self._max_backoff, self._backoff * 2 ** (self._tries - 1))
            return random.uniform(0, ceiling)
        self._outcomes.append(outcome)
        self._tries = 0
        return None

    def summary(self) -> Summary:
        return Summary(tuple(self._outcomes), self._attempts)


def deliver(
    requests: Sequence[Request],
    post: Post,
    *,
    sleep: Callable[[float], None] = time.sleep,
    **options: Unpack[Options],
) -> Summary:
    """Send ``requests`` in order with ``post``, each until it succeeds, is rejected or runs
    out of attempts; a blocking client's whole ``send``."""
    delivery = Delivery(requests, **options)
    for request in requests:
        if (pause := delivery.pause()) > 0:
            sleep(pause)
        while (wait := delivery.record(post(request, delivery.url(request)))) is not None:
            sleep(wait)
    return delivery.summary()


def rebase(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base_url``'s, when given."""
    if base_url is None:
        return url
    base, original = urlsplit(base_url), urlsplit(url)
    path = base.path.rstrip("/") + original.path
    return urlunsplit((base.scheme, base.netloc, path, original.query, ""))
