"""A server-rendered page that sends Heap calls from the server's own events (standard library).

Run ``python docs/examples/server_rendered.py`` and open http://127.0.0.1:8000/?user=u1.
Paste Heap's installation snippet (the JavaScript between its ``<script>`` tags, with
your app id) into ``HEAP_SNIPPET``; while it is empty, the guarded calls do nothing.
"""

from __future__ import annotations

import html
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import heapseg
from heapseg.js import render_script_tag

PROFILE = "classic-device"
HEAP_SNIPPET = ""


def segment_messages(user_id: str) -> list[dict[str, Any]]:
    """What the server knows happened, as Segment messages."""
    return [
        {"type": "identify", "userId": user_id, "traits": {"plan": "pro"}},
        {
            "type": "track",
            "userId": user_id,
            "event": "Viewed Dashboard",
            "properties": {"widgets": 3, "title": "</script> is escaped"},
        },
    ]


def heap_calls(user_id: str | None) -> list[heapseg.Call]:
    """Heap calls for a signed-in user; none for a visitor (never identify with a placeholder)."""
    if user_id is None:
        return []
    calls: list[heapseg.Call] = []
    for message in segment_messages(user_id):
        calls += heapseg.translate(message, profile=PROFILE)
    return calls


def render_page(user_id: str | None, calls: list[heapseg.Call], nonce: str) -> str:
    """The HTML page: Heap's snippet first, then the calls, both allowed by the nonce."""
    snippet = ""
    if HEAP_SNIPPET:
        snippet = f'<script nonce="{html.escape(nonce)}">{HEAP_SNIPPET}</script>'
    calls_script = render_script_tag(calls, nonce=nonce, guard=True) if calls else ""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Dashboard</title>\n"
        f"{snippet}\n{calls_script}\n"
        f"</head><body><h1>Hello, {html.escape(user_id or 'visitor')}</h1></body></html>\n"
    )


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        user_id = query.get("user", [None])[0]  # stands in for your signed-in user
        nonce = secrets.token_urlsafe(16)
        body = render_page(user_id, heap_calls(user_id), nonce).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header(
            "Content-Security-Policy",
            f"script-src 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'",
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
