"""Send heapseg's rendered requests to Heap with requests.

Pacing, retries and ``base_url`` are shared by every example sender (sending.py); this
file holds what is particular to requests: one session, one POST, and its answer for
:func:`heapseg.http.classify`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

import requests as http
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
    """Send ``requests`` in order through one requests session, retrying as sending.py says."""
    with http.Session() as session:
        return deliver(requests, partial(_post, session, timeout), sleep=sleep, **options)


def _post(session: http.Session, timeout: float, request: Request, url: str) -> Outcome:
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
