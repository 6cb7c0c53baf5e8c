"""Python values that are not JSON: explicit conversion, and finding them for clear errors.

``translate`` takes JSON data: dicts with string keys, lists, strings, numbers,
booleans and None. ``normalize`` converts the other values Python callers
commonly hold (datetimes, Decimals, UUIDs, Enums, sets, tuples, bytes) into
JSON data explicitly, so nothing is dropped or guessed at silently.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Mapping
from typing import Any

from ._calls import JSONValue
from ._errors import InvalidEvent
from ._jsjson import js_stringify, js_to_string

__all__ = ["find_non_json", "non_json_error", "normalize"]


def _key_path(path: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def find_non_json(value: object, root: str = "$") -> tuple[str, str] | None:
    """Return ``(path, what)`` for the first value or key in ``value`` that is not JSON data."""
    stack: list[tuple[object, str]] = [(value, root)]
    while stack:
        item, path = stack.pop()
        if item is None or isinstance(item, (str, bool, int, float)):
            continue
        if type(item) is dict or isinstance(item, Mapping):
            for key, child in reversed(list(item.items())):
                if not isinstance(key, str):
                    return _key_path(path, key), f"a key that is a Python {type(key).__name__}"
                stack.append((child, _key_path(path, key)))
        elif type(item) is list or type(item) is tuple:  # a tuple is read as an array
            for index in range(len(item) - 1, -1, -1):
                stack.append((item[index], f"{path}[{index}]"))
        else:
            return path, f"a Python {type(item).__name__}"
    return None


def non_json_error(value: object) -> InvalidEvent | None:
    """The error naming the first value in ``value`` that is not JSON data, if any."""
    found = find_non_json(value)
    if found is None:
        return None
    path, what = found
    return InvalidEvent(
        path,
        f"{what} is not JSON data; pass JSON values, or convert the message with "
        "heapseg.normalize() first",
    )


def _date_text(value: dt.datetime) -> str:
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _scalar(value: object, path: str) -> JSONValue:
    """Convert one non-container Python value, or raise InvalidEvent naming ``path``."""
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, enum.Enum):
            return _convert(value.value, path)
        return value
    if isinstance(value, enum.Enum):
        return _convert(value.value, path)
    if isinstance(value, dt.datetime):
        return _date_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEvent(
                path, "bytes that are not UTF-8 text cannot become a JSON string; decode them first"
            ) from None
    raise InvalidEvent(
        path, f"a Python {type(value).__name__} has no JSON form; convert it to JSON data first"
    )


def _convert(value: object, path: str) -> JSONValue:
    if not isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return _scalar(value, path)
    holder: dict[str, JSONValue] = {}
    stack: list[tuple[Any, Any, Any, str]] = [(value, holder, "", path)]
    while stack:
        source, parent, slot, where = stack.pop()
        if isinstance(source, Mapping):
            obj: dict[str, JSONValue] = {}
            parent[slot] = obj
            for key, item in source.items():
                if isinstance(key, str):
                    name = key
                elif key is None or isinstance(key, (bool, int, float)):
                    name = js_to_string(key)
                else:
                    raise InvalidEvent(
                        _key_path(where, key),
                        f"object keys must be strings; a Python {type(key).__name__} key "
                        "has no JSON form",
                    )
                obj[name] = None
                stack.append((item, obj, name, _key_path(where, name)))
            continue
        if isinstance(source, (set, frozenset)):
            # Set items are hashable (never lists or dicts), so converting each is shallow.
            converted = [_convert(item, f"{where}[]") for item in source]
            parent[slot] = sorted(converted, key=lambda v: (type(v).__name__, js_stringify(v)))
            continue
        if not isinstance(source, (list, tuple)):
            parent[slot] = _scalar(source, where)
            continue
        arr: list[JSONValue] = [None] * len(source)
        parent[slot] = arr
        for index, item in enumerate(source):
            stack.append((item, arr, index, f"{where}[{index}]"))
    return holder[""]


def normalize(value: object) -> JSONValue:
    """Return ``value`` as JSON data, converting common Python values explicitly.

    - ``datetime``: ISO-8601 in UTC with milliseconds (``2024-05-01T12:00:00.000Z``);
      a naive datetime is taken to be UTC already.
    - ``date`` and ``time``: ``isoformat()``.
    - ``Decimal``: an int when integral, else a float.
    - ``UUID``: its string form. ``Enum``: its value, converted in turn.
    - ``tuple``: a list. ``set``/``frozenset``: a list in a stable sorted order.
    - ``bytes``: decoded as UTF-8 (anything else raises).
    - Keys that are numbers, booleans or None become strings as JavaScript writes them.

    NaN and infinities stay floats: the integrations keep them as numbers, and they
    serialise as ``null``. Anything else raises ``heapseg.InvalidEvent`` naming
    its path. The input is not changed.
    """
    return _convert(value, "$")
