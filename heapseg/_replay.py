"""Replay-safe idempotency keys: the same message always gives the same key.

With ``Profile.idempotency_key = "messageId-or-hash"`` every track call of a cloud
profile carries ``replay_key`` of its message, so sending the same history
twice stores each event once in Heap. The key is

- the ``messageId`` as text (numbers as JavaScript writes them), when that text
  has at least 8 characters (the shortest key Heap's integrations API takes);
- ``"messageId:"`` followed by that text, when it is shorter but not empty;
- otherwise (no ``messageId``, ``null`` or ``""``) ``"sha256:"`` followed by the
  lowercase hex SHA-256 digest of the message's canonical JSON: keys sorted at
  every level, no whitespace (``","`` and ``":"`` separators), every non-ASCII
  character written as a ``\\uXXXX`` escape, numbers as Python's ``json`` writes
  them, encoded as UTF-8. Any change to the message changes this key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from ._jsjson import js_to_string

__all__ = ["MIN_KEY_LENGTH", "canonical_json", "replay_key"]

MIN_KEY_LENGTH: Final = 8
"""Heap's integrations API types require an ``idempotency_key`` of at least 8 characters."""


def _as_dict(value: object) -> dict[str, object]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"a Python {type(value).__name__} is not JSON data")


def canonical_json(message: Mapping[str, object]) -> str:
    """The message as canonical JSON text: sorted keys, compact, ASCII only."""
    return json.dumps(
        message, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_as_dict
    )


def replay_key(message: Mapping[str, object]) -> str:
    """The replay-safe ``idempotency_key`` of ``message`` (see the module docstring)."""
    message_id = message.get("messageId")
    if message_id is not None:
        text = js_to_string(message_id)
        if len(text) >= MIN_KEY_LENGTH:
            return text
        if text:
            return f"messageId:{text}"
    import hashlib  # only replay-safe profiles need it; keeps ``import heapseg`` cheap

    digest = hashlib.sha256(canonical_json(message).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"
