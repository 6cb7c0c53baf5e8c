"""Send heapseg's rendered requests to Heap with httpx, asynchronously.

Pacing, retries and ``base_url`` are shared by every example sender (sending.py): its
:class:`~sending.Delivery` says how long to wait, and the loop below awaits. The rest is
particular to httpx: one async client, one POST, and its answer for
:func:`heapseg.http.classify`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import httpx
from sending import Delivery, Options, Summary
from typing_extensions import Unpack

from heapseg.http import Outcome, Request, classify


async def send(
    requests: Sequence[Request],
    *,
    timeout: float = 10.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    **options: Unpack[Options],
) -> Summary:
    """Send ``requests`` in order through one httpx async client, retrying as sending.py says."""
    delivery = Delivery(requests, **options)
    async with httpx.AsyncClient(timeout=timeout) as client:
        for request in requests:
            if (pause := delivery.pause()) > 0:
                await sleep(pause)
            while True:
                outcome = await _post(client, request, delivery.url(request))
                if (wait := delivery.record(outcome)) is None:
                    break
                await sleep(wait)
    return delivery.summary()


async def _post(client: httpx.AsyncClient, request: Request, url: str) -> Outcome:
    try:
        # httpx follows no redirects unless told to, like Heap's integrations.
        response = await client.request(
            request.method, url, content=request.content, headers=dict(request.headers)
        )
    except httpx.TransportError as error:
        return classify(None, body=f"{type(error).__name__}: {error}")
    return classify(response.status_code, response.headers, response.content)
