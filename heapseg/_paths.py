"""Reading a message by dotted paths, the way mapping templates read it.

RudderStack's field mappings and Segment's ``@path`` directives name a value
by a path of exact keys (``context.traits.userId``). These helpers find such
values and pick the first one of a list that a rule accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from heapseg._jsjson import js_truthy

__all__ = ["MISSING", "first_present", "first_truthy", "value_at"]

MISSING: Final = object()
"""Stands for a path that leads nowhere (JavaScript's ``undefined``)."""


def value_at(message: Mapping[str, object], path: str) -> object:
    """The value at the dotted ``path`` of exact keys, or :data:`MISSING`."""
    current: object = message
    for key in path.split("."):
        if not isinstance(current, Mapping) or key not in current:
            return MISSING
        current = current[key]
    return current


def first_truthy(message: Mapping[str, object], paths: tuple[str, ...]) -> tuple[str, object]:
    """The first path whose value is truthy (JavaScript ``||``) and that value.

    When none is, the last path and its value (``MISSING`` if absent), as ``||`` gives.
    """
    path, value = "", MISSING
    for path in paths:
        value = value_at(message, path)
        if value is not MISSING and js_truthy(value):
            return path, value
    return path, value


def first_present(message: Mapping[str, object], paths: tuple[str, ...]) -> tuple[str, object]:
    """The first path whose value is present and not null (JavaScript ``??``) and that value."""
    path, value = "", MISSING
    for path in paths:
        value = value_at(message, path)
        if value is not MISSING and value is not None:
            return path, value
    return path, value
