"""Send heapseg's rendered requests to Heap with the standard library's urllib.

Pacing, retries and ``base_url`` are shared by every example sender (sending.py); this
file holds what is particular to urllib: an opener that follows no redirects, one POST,
and its answer for :func:`heapseg.http.classify`.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from functools import partial
from http.client import HTTPException

from sending import Options, Summary, deliver
from typing_extensions import Unpack

from heapseg.http import Outcome, Request, classify


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Heap's integrations follow no redirects; a 3xx is an answer to classify."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def send(
    requests: Sequence[Request],
    *,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    **options: Unpack[Options],
) -> Summary:
    """Send ``requests`` in order, one connection each, retrying as sending.py says."""
    return deliver(requests, partial(_post, timeout), sleep=sleep, **options)


def _post(timeout: float, request: Request, url: str) -> Outcome:
    prepared = urllib.request.Request(
        url, data=request.content, headers=dict(request.headers), method=request.method
    )
    try:
        with _OPENER.open(prepared, timeout=timeout) as response:
            return classify(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return classify(error.code, dict(error.headers), error.read())
    except (OSError, HTTPException) as error:
        return classify(None, body=f"{type(error).__name__}: {error}")
