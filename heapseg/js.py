"""Render device-mode call descriptors as JavaScript for an inline ``<script>`` element.

``render`` turns ``Identify``, ``AddUserProperties`` and ``Track`` descriptors
into ``heap.identify(...)``, ``heap.addUserProperties(...)`` and ``heap.track(...)``
statements, one per line, in call order. Every argument is the ``JSON.stringify``
text of its value with ``<``, ``>``, ``&``, U+2028, U+2029 and surrogate code points
written as ``\\uXXXX`` escapes. Those characters occur only inside string literals,
so each literal still evaluates to the same value, and no argument can close the
element (``</script>``), open an HTML comment (``<!--``) or end a line in a string.

``render_script_tag`` wraps the same text in a ``<script>`` element, with an
optional CSP nonce.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from typing import Final

from ._calls import (
    TRACK_OPTIONAL,
    AddUserProperties,
    Call,
    Identify,
    JSONValue,
    Track,
    Unsupported,
    _check_json,
)
from ._errors import ConfigurationError, InvalidCall
from ._jsjson import js_stringify

__all__ = ["render", "render_script_tag"]

_HTML_UNSAFE: Final = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
"""Characters fine in JSON but not in a page: HTML markup, line separators older JS
parsers reject in strings, and surrogate code points, which UTF-8 cannot encode."""

_COMMENT_UNSAFE: Final = re.compile("[\x00-\x1f\x7f<>&\u2028\u2029\ud800-\udfff]")
"""Characters kept out of a ``//`` comment: line ends, controls, HTML markup, lone surrogates."""

_DESCRIPTORS: Final = (Identify, AddUserProperties, Track, Unsupported)
_INDENT: Final = "  "


def _escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _literal(value: JSONValue) -> str:
    """``JSON.stringify(value)``, made safe to stand inside a ``<script>`` element."""
    return _HTML_UNSAFE.sub(_escape_char, js_stringify(value))


def _comment_text(text: str) -> str:
    """``text`` as inert comment content: one line, no markup, backslashes doubled."""
    return _COMMENT_UNSAFE.sub(_escape_char, text.replace("\\", "\\\\"))


def _is_identity(value: object) -> bool:
    """A string or a finite number: ``JSON.stringify`` would turn NaN into ``null``."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _check_properties(call: Track | AddUserProperties, where: str) -> JSONValue:
    """Validate a call's properties as plain JSON data (string keys, JSON values)."""
    if not isinstance(call.properties, Mapping):
        raise InvalidCall(f"{where}.properties", "properties must be a mapping")
    return _check_json(call.properties, f"{where}.properties")


def _cloud_only(call: Track | AddUserProperties) -> list[str]:
    """The fields ``call`` sets that heap.js cannot carry: every optional field of a
    track, the identity of a user-properties call."""
    names = TRACK_OPTIONAL if type(call) is Track else ("identity",)
    return [name for name in names if getattr(call, name) is not None]


def _statement(call: Call, index: int, comments: bool) -> tuple[str | None, str | None]:
    """Return ``(method, line)`` for one call; ``method`` is the heap.js method it calls."""
    where = f"calls[{index}]"
    if type(call) not in _DESCRIPTORS:
        raise ConfigurationError(
            f"{where} is a Python {type(call).__name__}, not a heapseg call descriptor"
            " (Identify, AddUserProperties, Track or Unsupported)"
        )
    if isinstance(call, Unsupported):
        if not (isinstance(call.type, str) and isinstance(call.reason, str)):
            raise InvalidCall(where, "an Unsupported call needs a string type and reason")
        if not comments:
            return None, None
        return None, f"// unsupported {_comment_text(call.type)}: {_comment_text(call.reason)}"
    if isinstance(call, Identify):
        if not _is_identity(call.identity):
            raise InvalidCall(f"{where}.identity", "identity must be a string or a finite number")
        return "identify", f"heap.identify({_literal(call.identity)});"
    cloud = _cloud_only(call)
    if cloud:
        raise ConfigurationError(
            f"{where} sets {', '.join(cloud)}, which heap.js cannot take: it is a cloud-mode"
            " call; render it with heapseg.http.render, or translate with a device profile"
        )
    try:
        properties = _literal(_check_properties(call, where))
    except RecursionError:
        raise InvalidCall(
            f"{where}.properties", "properties are nested too deeply (or contain themselves)"
        ) from None
    if isinstance(call, AddUserProperties):
        return "addUserProperties", f"heap.addUserProperties({properties});"
    if not isinstance(call.event, str):
        raise InvalidCall(f"{where}.event", "event must be a string")
    return "track", f"heap.track({_literal(call.event)}, {properties});"


def _guarded(lines: list[str], methods: list[str]) -> list[str]:
    """Wrap ``lines`` so they run only when ``window.heap`` has every method they call."""
    missing = " || ".join(f'typeof heap.{m} !== "function"' for m in methods)
    return [
        "(function (heap) {",
        f"{_INDENT}if (!heap || {missing}) return;",
        *(_INDENT + line for line in lines),
        "})(window.heap);",
    ]


def render(calls: Iterable[Call], *, guard: bool = False, comments: bool = False) -> str:
    """Return heap.js statements for ``calls``, one per line, each line ending in a newline.

    Unsupported calls render nothing, or a ``// unsupported <type>: <reason>``
    comment when ``comments`` is true. With ``guard``, the statements run only
    if ``window.heap`` exists and every heap method they use is a function: true
    once Heap's snippet has installed its queueing stubs (calls are queued until
    heap.js loads) or heap.js itself has loaded. Otherwise they do nothing.

    Raises ``heapseg.ConfigurationError`` for anything that is not a call
    descriptor or for a cloud-mode call, and ``heapseg.InvalidCall`` for a
    descriptor whose values are not JSON data.
    """
    if isinstance(calls, (str, bytes, Mapping)) or not isinstance(calls, Iterable):
        raise ConfigurationError(
            f"render() takes a list of call descriptors, not a Python {type(calls).__name__}"
        )
    lines: list[str] = []
    methods: list[str] = []
    for index, call in enumerate(calls):
        method, line = _statement(call, index, comments)
        if method is not None and method not in methods:
            methods.append(method)
        if line is not None:
            lines.append(line)
    if guard and methods:
        lines = _guarded(lines, methods)
    return "".join(line + "\n" for line in lines)


def render_script_tag(
    calls: Iterable[Call],
    *,
    nonce: str | None = None,
    guard: bool = False,
    comments: bool = False,
) -> str:
    """Return a complete ``<script>`` element running ``render``'s output.

    ``nonce`` (for a Content-Security-Policy ``script-src 'nonce-...'``) is
    HTML-escaped into the element's ``nonce`` attribute.
    """
    if nonce is not None and not isinstance(nonce, str):
        raise ConfigurationError(f"nonce must be a string, not a Python {type(nonce).__name__}")
    attribute = "" if nonce is None else f' nonce="{html.escape(nonce, quote=True)}"'
    body = render(calls, guard=guard, comments=comments)
    return f"<script{attribute}>\n{body}</script>"
