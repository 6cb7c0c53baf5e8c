"""Send heapseg's rendered requests to Heap with httpx.

Pacing, retries and ``base_url`` are shared by every example sender (sending.py); this
file holds what is particular to httpx: one client, one POST, and its answer for
:func:`heapseg.http.classify`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

import httpx
from sending import Options, Summary, deliver
from typing_extensions import Unpack

from heapseg.http import Outcome, Request, classify


def send(
    requests: Sequence[Request],
    *,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    **options: Unpack[Options],
) -> Summary:
    """Send ``requests`` in order through one httpx client, retrying as sending.py says."""
    with httpx.Client(timeout=timeout) as client:
        return deliver(requests, partial(_post, client), sleep=sleep, **options)


def _post(client: httpx.Client, request: Request, url: str) -> Outcome:
    try:
        # httpx follows no redirects unless told to, like Heap's integrations.
        response = client.request(
            request.method, url, content=request.content, headers=dict(request.headers)
        )
    except httpx.TransportError as error:
        return classify(None, body=f"{type(error).__name__}: {error}")
    return classify(response.status_code, response.headers, response.content)
