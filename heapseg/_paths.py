"""Reading a message by ``$.`` paths, the way the integrations' mappings read it.

Segment's ``@path`` directives and RudderStack's field mappings name a value by a path
of exact keys from the message root, written here as ``$.context.traits.userId``; a
key of digits also picks an array item (``$.products.0``). The integrations differ only
in how they pick from a list of paths: Segment's ``@if exists`` and JavaScript's ``??``
take the first value that exists (``first_present``), JavaScript's ``||`` the first
truthy one (``first_truthy``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Final, cast

from ._jsjson import js_truthy

__all__ = ["MISSING", "Missing", "first_present", "first_truthy", "value_at"]


class Missing(Enum):
    """The JavaScript ``undefined`` a path gives when it leads nowhere."""

    MISSING = "missing"


MISSING: Final = Missing.MISSING


def value_at(message: Mapping[str, object], path: str) -> object:
    """The value at the ``$.`` path (``$.context.traits.email``), or ``MISSING``."""
    value: object = message
    for key in path.split(".")[1:]:
        if isinstance(value, Mapping):
            if key not in value:
                return MISSING
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return MISSING
    return value


def first_present(message: Mapping[str, object], paths: Sequence[str]) -> tuple[str, object]:
    """The first path whose value exists (neither missing nor null) and that value.

    When none does, the last path and its value (``None`` or ``MISSING``), as a chain
    of ``@if exists`` or ``??`` gives; ``("$", MISSING)`` for no paths.
    """
    path, value = "$", cast(object, MISSING)
    for path in paths:
        value = value_at(message, path)
        if value is not MISSING and value is not None:
            break
    return path, value


def first_truthy(message: Mapping[str, object], paths: Sequence[str]) -> tuple[str, object]:
    """The first path whose value is truthy (JavaScript ``||``) and that value.

    When none is, the last path and its value, as ``||`` gives; ``("$", MISSING)`` for no paths.
    """
    path, value = "$", cast(object, MISSING)
    for path in paths:
        value = value_at(message, path)
        if value is not MISSING and js_truthy(value):
            break
    return path, value
