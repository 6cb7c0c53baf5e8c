"""A local stand-in for Heap's server-side ingestion API, for tests and demos.

Standard library only. It binds 127.0.0.1 on a free port (or the one given), accepts
Heap's documented endpoints and the integrations endpoints Segment uses, checks bodies
against Heap's documented rules and answers as Heap does: 200 with an empty
``text/plain`` body, or 400 with a plain-text reason. It records what it accepted,
keeps one event per ``idempotency_key`` as Heap does, can be told to fail the next
requests (429 with ``Retry-After``, 503, or a dropped connection) and stops itself
after ``lifetime`` seconds.

Choices where Heap's documentation is silent:

- property values may be numbers, strings shorter than 1024 characters, booleans
  (Heap's JavaScript API documents them and the integrations send them), null (taken as
  "no value": nothing is stored) or arrays of those scalars (Heap joins them with ``||``
  and truncates to 1024 characters); nested objects are rejected, as Heap's Ruby client
  rejects them;
- an identity is a non-empty string, or an integer (Heap's Ruby client sends integers as
  strings; RudderStack sends numeric user ids as JSON numbers), of at most 255 characters;
- the ``Content-Type`` must be ``application/json``; bulk bodies hold 1 to 1000 items and a
  bulk request with one bad item is rejected whole;
- ``app_ids``, when given, is the set of environments that exist; any other app_id gets
  400, as Heap answers for an unknown environment.

Run it as a script: ``python docs/examples/heap_standin.py --port 8080``.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

HOST = "127.0.0.1"
BULK_CAP = 1000
IDENTITY_MAX = 255
EVENT_NAME_MAX = 1024
PROPERTY_LIMIT = 1024
"""Property keys and string values must be shorter than this."""
MAX_USER_ID = 2**53 - 1
MAX_BODY_BYTES = 16 * 1024 * 1024
IDENTIFIER_KEYS = ("identity", "anonymous_id", "user_id", "email")

Failure = Literal[429, 503, "drop", "accept-then-drop"]


@dataclass(frozen=True)
class Received:
    """One request as the stand-in saw it; ``status`` is None when the connection was dropped."""

    path: str
    headers: Mapping[str, str]
    body: Any
    status: int | None


class Rejected(Exception):
    """A body Heap would answer with 400; the message is the plain-text reason."""


class UnknownPath(Exception):
    """A path that is none of Heap's ingestion endpoints (answered with 404)."""


@dataclass
class _State:
    received: list[Received] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    event_keys: set[tuple[str, str]] = field(default_factory=set)
    users: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[Failure, str | None]] = field(default_factory=list)


class HeapStandIn:
    """A Heap stand-in on 127.0.0.1; use it as a context manager or call start() and stop()."""

    def __init__(
        self,
        port: int = 0,
        *,
        app_ids: frozenset[str] | None = None,
        lifetime: float = 600.0,
        log: bool = False,
    ) -> None:
        self.app_ids = app_ids
        self.lifetime = lifetime
        self.log = log
        self._port = port
        self._lock = threading.Lock()
        self._state = _State()
        self._server: _Server | None = None
        self._timer: threading.Timer | None = None
        self._stopped = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> HeapStandIn:
        """Bind and serve in a background thread; stop() or the lifetime ends it."""
        self._stopped.clear()
        self._server = _Server((HOST, self._port), _Handler, self)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call more than once."""
        with self._lock:
            server, self._server = self._server, None
            timer, self._timer = self._timer, None
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()
        self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the stand-in stops (or ``timeout`` passes); True once stopped."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> HeapStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return f"http://{HOST}:{self._server.server_address[1]}"

    # --- control and inspection ------------------------------------------------------------

    def fail_next(self, count: int, how: Failure = 503, *, retry_after: str | None = "1") -> None:
        """Answer the next ``count`` requests with 429 (carrying ``Retry-After``), 503, a
        dropped connection, or a dropped connection after the request was accepted."""
        with self._lock:
            self._state.failures.extend([(how, retry_after)] * count)

    def reset(self) -> None:
        """Forget everything received and every pending failure."""
        with self._lock:
            self._state = _State()

    @property
    def received(self) -> list[Received]:
        """Every request, in arrival order, whatever the answer."""
        with self._lock:
            return list(self._state.received)

    @property
    def accepted(self) -> list[Received]:
        """The requests Heap would have taken: answered 200, or accepted and then dropped."""
        return [r for r in self.received if r.status in (200, None) and r.body is not None]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Stored events, one per idempotency key, each with its ``app_id``."""
        with self._lock:
            return [dict(e) for e in self._state.events]

    @property
    def users(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Current user properties by (app_id, identity), later values overwriting earlier."""
        with self._lock:
            return {k: dict(v) for k, v in self._state.users.items()}

    @property
    def identifies(self) -> list[dict[str, Any]]:
        """Bodies of accepted ``/api/v1/identify`` calls."""
        with self._lock:
            return [dict(b) for b in self._state.identifies]

    # --- request handling --------------------------------------------------------------------

    def _next_failure(self) -> tuple[Failure, str | None] | None:
        with self._lock:
            return self._state.failures.pop(0) if self._state.failures else None

    def _record(self, received: Received) -> None:
        with self._lock:
            self._state.received.append(received)

    def _accept(self, path: str, body: dict[str, Any]) -> None:
        """Validate a body for ``path`` (raising Rejected) and store what it carries."""
        app_id = _app_id(body, self.app_ids)
        if path == "/api/track":
            events = _items(body, "events") if "events" in body else [body]
            prefix = "events" if "events" in body else ""
            checked = [_event(e, f"{prefix}[{i}]" if prefix else "") for i, e in enumerate(events)]
            self._store_events(app_id, checked)
        elif path == "/api/add_user_properties":
            users = _items(body, "users") if "users" in body else [body]
            prefix = "users" if "users" in body else ""
            for i, user in enumerate(users):
                _user(user, f"{prefix}[{i}]" if prefix else "")
            self._store_users(app_id, [(str(u["identity"]), u.get("properties")) for u in users])
        elif path == "/api/v1/identify":
            _identity(body.get("identity"), "identity", required=True)
            _user_id(body.get("user_id"), "user_id", required=True)
            _timestamp(body.get("timestamp"), "timestamp")
            with self._lock:
                self._state.identifies.append(body)
        elif path == "/api/integrations/track":
            _library(body)
            events = _items(body, "events")
            checked = [_integration_event(e, f"events[{i}]") for i, e in enumerate(events)]
            self._store_events(app_id, checked)
        elif path == "/api/integrations/add_user_properties":
            _library(body)
            users = _items(body, "users")
            keys = [_integration_user(u, f"users[{i}]") for i, u in enumerate(users)]
            props = [u.get("custom_properties") for u in users]
            self._store_users(app_id, list(zip(keys, props, strict=True)))
        else:
            raise UnknownPath(path)

    def _store_events(self, app_id: str, events: list[dict[str, Any]]) -> None:
        with self._lock:
            for event in events:
                key = event.get("idempotency_key")
                if key is not None:
                    if (app_id, str(key)) in self._state.event_keys:
                        continue
                    self._state.event_keys.add((app_id, str(key)))
                self._state.events.append({**event, "app_id": app_id})

    def _store_users(self, app_id: str, users: list[tuple[str, Any]]) -> None:
        with self._lock:
            for identity, properties in users:
                stored = self._state.users.setdefault((app_id, identity), {})
                for name, value in (properties or {}).items():
                    if value is not None:
                        stored[name] = _joined(value) if isinstance(value, list) else value


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], standin: HeapStandIn):
        self.standin = standin
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "HeapStandIn/1"

    def do_POST(self) -> None:
        standin = self.server.standin
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = headers.get("content-length", "0").strip()
        if not length.isdigit():
            self._answer(411, "Length required")
            return
        if int(length) > MAX_BODY_BYTES:
            self._answer(413, "Payload too large")
            return
        raw = self.rfile.read(int(length))
        failure = standin._next_failure()
        if failure is not None and failure[0] != "accept-then-drop":
            how, retry_after = failure
            status = None if how == "drop" else int(how)
            standin._record(Received(self._path, headers, None, status))
            if status is None:
                self._drop()
            elif status == 429:
                extra = {"Retry-After": retry_after} if retry_after is not None else {}
                self._answer(429, "Too many requests", extra)
            else:
                self._answer(status, "Service unavailable")
            return
        status, reason, body = self._handle(headers, raw)
        if failure is not None and status == 200:
            standin._record(Received(self._path, headers, body, None))
            self._drop()
            return
        standin._record(Received(self._path, headers, body if status == 200 else None, status))
        self._answer(status, reason)

    @property
    def _path(self) -> str:
        return urlsplit(self.path).path

    def _handle(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, str, Any]:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media_type != "application/json":
                raise Rejected("Content-Type must be application/json")
            try:
                body = json.loads(raw, parse_constant=_no_constant)
            except ValueError as error:
                raise Rejected(f"body is not JSON ({error})") from None
            if not isinstance(body, dict):
                raise Rejected("body must be a JSON object")
            self.server.standin._accept(self._path, body)
        except Rejected as rejected:
            return 400, f"Bad request: {rejected}", None
        except UnknownPath:
            return 404, "Not found", None
        return 200, "", body

    def do_GET(self) -> None:
        self._answer(405, "Method not allowed", {"Allow": "POST"})

    def _answer(self, status: int, text: str, extra: Mapping[str, str] | None = None) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self) -> None:
        """Close the connection without an answer, as a failing network would."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.standin.log:
            sys.stderr.write(f"heap stand-in: {format % args}\n")


# --- Heap's documented rules ---------------------------------------------------------------


def _no_constant(name: str) -> None:
    raise Rejected(f"{name} is not a JSON number")


def _app_id(body: Mapping[str, Any], known: frozenset[str] | None) -> str:
    app_id = body.get("app_id")
    if not isinstance(app_id, str) or not app_id:
        raise Rejected("app_id must be a non-empty string")
    if known is not None and app_id not in known:
        raise Rejected(f"unknown app_id {app_id!r}")
    return app_id


def _items(body: Mapping[str, Any], name: str) -> list[Any]:
    items = body.get(name)
    if not isinstance(items, list) or not items:
        raise Rejected(f"{name} must be a non-empty array")
    if len(items) > BULK_CAP:
        raise Rejected(f"{name} holds {len(items)} items; at most {BULK_CAP} are allowed")
    return items


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Rejected(f"{where} must be an object")
    return value


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _identity(value: Any, where: str, *, required: bool) -> None:
    if value is None:
        if required:
            raise Rejected(f"{where} is required")
        return
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise Rejected(f"{where} must be a non-empty string")
    if len(str(value)) > IDENTITY_MAX:
        raise Rejected(f"{where} is longer than {IDENTITY_MAX} characters")


def _user_id(value: Any, where: str, *, required: bool) -> None:
    if value is None:
        if required:
            raise Rejected(f"{where} is required")
        return
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise Rejected(f"{where} must be the string form of an integer")
    if int(text) > MAX_USER_ID:
        raise Rejected(f"{where} is larger than 2^53 - 1")


def _timestamp(value: Any, where: str) -> None:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return
        with suppress(ValueError):
            datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
            return
    raise Rejected(f"{where} must be an ISO 8601 timestamp or epoch milliseconds")


def _event_name(value: Any, where: str) -> None:
    if not isinstance(value, str) or not value:
        raise Rejected(f"{where} must be a non-empty string")
    if len(value) > EVENT_NAME_MAX:
        raise Rejected(f"{where} is longer than {EVENT_NAME_MAX} characters")


def _properties(value: Any, where: str) -> None:
    if value is None:
        return
    for name, item in _object(value, where).items():
        if len(name) >= PROPERTY_LIMIT:
            raise Rejected(f"{where} has a key of {PROPERTY_LIMIT} characters or more")
        if isinstance(item, str) and len(item) >= PROPERTY_LIMIT:
            raise Rejected(f"{where}[{name!r}] has {PROPERTY_LIMIT} characters or more")
        # An array is joined and truncated by Heap, so only its items' types matter.
        if any(isinstance(v, dict | list) for v in (item if isinstance(item, list) else [item])):
            raise Rejected(f"{where}[{name!r}] holds a nested object or array")


def _idempotency_key(value: Any, where: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise Rejected(f"{where} must be a string")


def _event(event: Any, prefix: str) -> dict[str, Any]:
    event = _object(event, prefix or "body")
    _event_name(event.get("event"), _at(prefix, "event"))
    if (event.get("identity") is None) == (event.get("user_id") is None):
        raise Rejected(f"{prefix or 'body'} needs exactly one of identity and user_id")
    _identity(event.get("identity"), _at(prefix, "identity"), required=False)
    _user_id(event.get("user_id"), _at(prefix, "user_id"), required=False)
    if "session_id" in event and not isinstance(event["session_id"], str):
        raise Rejected(f"{_at(prefix, 'session_id')} must be a string")
    _properties(event.get("properties"), _at(prefix, "properties"))
    _timestamp(event.get("timestamp"), _at(prefix, "timestamp"))
    _idempotency_key(event.get("idempotency_key"), _at(prefix, "idempotency_key"))
    return {k: v for k, v in event.items() if k != "app_id"}


def _user(user: Any, prefix: str) -> None:
    user = _object(user, prefix or "body")
    _identity(user.get("identity"), _at(prefix, "identity"), required=True)
    _properties(user.get("properties"), _at(prefix, "properties"))


def _library(body: Mapping[str, Any]) -> None:
    if not isinstance(body.get("library"), str):
        raise Rejected("library must be a string")


def _user_identifier(value: Any, where: str) -> str:
    identifier = _object(value, where)
    present = [k for k in IDENTIFIER_KEYS if identifier.get(k) is not None]
    if not present:
        raise Rejected(f"{where} needs one of {', '.join(IDENTIFIER_KEYS)}")
    for key in present:
        _identity(identifier[key], f"{where}.{key}", required=True)
    return str(identifier[present[0]])


def _integration_event(event: Any, prefix: str) -> dict[str, Any]:
    event = _object(event, prefix)
    _event_name(event.get("event"), f"{prefix}.event")
    _user_identifier(event.get("user_identifier"), f"{prefix}.user_identifier")
    _properties(event.get("custom_properties"), f"{prefix}.custom_properties")
    _timestamp(event.get("timestamp"), f"{prefix}.timestamp")
    _idempotency_key(event.get("idempotency_key"), f"{prefix}.idempotency_key")
    return dict(event)


def _integration_user(user: Any, prefix: str) -> str:
    user = _object(user, prefix)
    _properties(user.get("custom_properties"), f"{prefix}.custom_properties")
    return _user_identifier(user.get("user_identifier"), f"{prefix}.user_identifier")


def _joined(values: list[Any]) -> str:
    """Heap's storage of an array value: items joined with ``||``, cut at 1024 characters."""
    text = "||".join(_text(v) for v in values)
    return text[:PROPERTY_LIMIT]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main(argv: list[str] | None = None) -> None:
    """Serve on 127.0.0.1 until interrupted or until the lifetime is over."""
    parser = argparse.ArgumentParser(description="A local stand-in for Heap's ingestion API.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--app-id", action="append", help="accept only this app id (repeatable)")
    parser.add_argument("--lifetime", type=float, default=3600.0, help="seconds before it stops")
    args = parser.parse_args(argv)
    app_ids = frozenset(args.app_id) if args.app_id else None
    with HeapStandIn(args.port, app_ids=app_ids, lifetime=args.lifetime, log=True) as standin:
        print(f"Heap stand-in listening on {standin.url} for {standin.lifetime:g} s", flush=True)
        with suppress(KeyboardInterrupt):
            standin.wait()


if __name__ == "__main__":
    main()
