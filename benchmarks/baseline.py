"""The hand-written baselines the benchmark compares heapseg with.

:func:`classic_cloud` writes, for the messages ``events.py`` generates, the
same dicts as ``heapseg.to_dict`` of ``translate(message, "classic-cloud")``,
straight from the rules in the classic specification: no validation, no
profiles, no descriptors, only the work the output needs. It is not a general
implementation (it assumes plain ``email`` keys, JSON-safe numbers and ISO
dates that ``datetime`` reads); the benchmark checks its output against
heapseg's before timing it. :func:`json_round_trip` is the CLI's baseline.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from typing import Any

__all__ = ["classic_cloud", "json_round_trip"]

_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9:.]+(?:Z|[+-][0-9:]+)?)?")
_EMAIL_LIKE = re.compile(r".+@.+\..+")
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_DESTINATION = "Segment's classic Heap destination"
_ANONYMOUS = (
    f"{_DESTINATION} in cloud mode sends only messages that have a userId; "
    "this one has none (anonymous events are rejected)"
)
_REASONS = {
    "page": f"{_DESTINATION} does not send page calls; Heap captures page views itself",
    "screen": f"{_DESTINATION} does not send screen calls",
    "group": f"{_DESTINATION} does not support group calls",
    "alias": f"{_DESTINATION} does not support alias calls",
}


if sys.version_info >= (3, 11):
    _parse_iso = datetime.fromisoformat
else:

    def _parse_iso(text: str) -> datetime:
        """Python 3.10's ``fromisoformat`` does not read a trailing ``Z``."""
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def _iso_ms(text: str) -> str:
    moment = _parse_iso(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _date_or_text(text: str) -> str:
    return _iso_ms(text) if _DATE_LIKE.fullmatch(text) else text


def _dates_in(value: Any) -> Any:
    if isinstance(value, str):
        return _date_or_text(value)
    if isinstance(value, dict):
        return {key: _dates_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_in(item) for item in value]
    return value


def _flatten(prefix: str, value: dict[str, Any], out: dict[str, Any]) -> None:
    for key, item in value.items():
        name = prefix + key
        if isinstance(item, dict) and item:
            _flatten(name + ".", item, out)
        elif isinstance(item, list):
            out[name] = _COMPACT.encode(_dates_in(item))
        elif isinstance(item, str):
            out[name] = _date_or_text(item)
        else:
            out[name] = item


def _clean(values: dict[str, Any], library: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, dict):
            if value:
                _flatten(key + ".", value, out)
            else:
                out[key] = {}
        elif isinstance(value, list):
            out[key] = _COMPACT.encode(_dates_in(value))
        elif isinstance(value, str):
            out[key] = _date_or_text(value)
        else:
            out[key] = value
    out["segment_library"] = library
    return out


def _email(user_id: Any, *candidates: Any) -> Any:
    for candidate in candidates:
        if candidate:
            return candidate
    if isinstance(user_id, str) and _EMAIL_LIKE.search(user_id):
        return user_id
    return None


def classic_cloud(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Classic cloud mode's output for one generated message, as ``to_dict`` dicts."""
    kind = message["type"]
    user_id = message.get("userId")
    if user_id is None:
        return [{"call": "unsupported", "type": kind, "reason": _ANONYMOUS}]
    context = message.get("context") or {}
    library = (context.get("library") or {}).get("name") or ""
    if kind == "identify":
        traits = dict(message.get("traits") or {})
        if user_id:
            traits["id"] = user_id
        email = _email(user_id, traits.get("email"))
        if email is not None:
            traits["_email"] = email
            traits.pop("email", None)
        return [
            {
                "call": "addUserProperties",
                "properties": _clean(traits, library),
                "identity": user_id,
            }
        ]
    if kind == "track":
        properties = dict(message.get("properties") or {})
        email = _email(user_id, (context.get("traits") or {}).get("email"), properties.get("email"))
        if email is not None:
            properties["_email"] = email
            properties.pop("email", None)
        out = {
            "call": "track",
            "event": message["event"],
            "properties": _clean(properties, library),
            "identity": user_id,
        }
        if message.get("timestamp") is not None:
            out["timestamp"] = _iso_ms(message["timestamp"])
        return [out]
    return [{"call": "unsupported", "type": kind, "reason": _REASONS[kind]}]


def json_round_trip(line: str) -> str:
    """What a CLI costs at the least: read one NDJSON line and write it back."""
    return json.dumps(json.loads(line), ensure_ascii=False)
