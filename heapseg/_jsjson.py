"""Temporary stand-in for ``js_stringify`` until the real module lands on main."""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["js_stringify"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_INDEX_KEY = re.compile(r"0|[1-9][0-9]*")


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "null"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa.removesuffix('.0')}e{sign}{exponent.lstrip('+-').lstrip('0')}"


def _string(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _key_order(key: str) -> tuple[int, int, str]:
    if _INDEX_KEY.fullmatch(key) and int(key) < 2**32 - 1:
        return (0, int(key), "")
    return (1, 0, "")


def js_stringify(value: Any) -> str:
    """Stand-in for ``JSON.stringify(value)``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _number(float(value)) if abs(value) >= 2**53 else str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_stringify(item) for item in value) + "]"
    keys = sorted(value, key=_key_order)
    return "{" + ",".join(f"{_string(k)}:{js_stringify(value[k])}" for k in keys) + "}"
