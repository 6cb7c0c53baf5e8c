"""The cattrs converter that reads a Segment message with a field of the wrong kind.

``_messages`` builds well-formed messages directly; one it cannot build comes here, and
the converter names its first bad field as an ``InvalidEvent`` with a JSON path. The
converter is built once, when this module is imported: the first time a message needs
it, since importing cattrs would cost every import of heapseg.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ._calls import JSONValue, describe
from ._errors import InvalidEvent
from ._messages import (
    _CLASSES,
    _FIELDS,
    JSONObject,
    Message,
    _Id,
    _Object,
    _OptionalObject,
    _Raw,
    _Text,
)

__all__ = ["structure_with_converter"]


class _FieldError(ValueError):
    """Raised by a structure hook; carries the reason without the path."""


def _structure_object(value: Any, _: object) -> JSONObject:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise _FieldError(f"must be an object, found {describe(value)}")


def _structure_optional_object(value: Any, _: object) -> JSONObject | None:
    if value is None or isinstance(value, Mapping):
        return value
    raise _FieldError(f"must be an object, found {describe(value)}")


def _structure_id(value: Any, _: object) -> str | int | float | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise _FieldError(f"must be a string (or a number), found {describe(value)}")


def _structure_text(value: Any, _: object) -> JSONValue:
    """Keep any JSON value: the profile decides whether it needs a string."""
    return value  # type: ignore[no-any-return]


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(detailed_validation=True)
    converter.register_structure_hook(_Object, _structure_object)
    converter.register_structure_hook(_OptionalObject, _structure_optional_object)
    converter.register_structure_hook(_Id, _structure_id)
    converter.register_structure_hook(_Text, _structure_text)
    converter.register_structure_hook(_Raw, _structure_text)
    for cls in _CLASSES.values():
        overrides: dict[str, Any] = {}
        for attribute in cls.__attrs_attrs__:
            key, kind = _FIELDS[attribute.name]
            overrides[attribute.name] = override(
                rename=key, struct_hook=converter.get_structure_hook(kind)
            )
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **overrides))
    return converter


_CONVERTER: Final = _build_converter()


def _first_field_error(error: BaseException) -> tuple[str, str] | None:
    """Find the first failing attribute in a cattrs error and return (JSON key, reason)."""
    if isinstance(error, cattrs.ClassValidationError):
        for inner in error.exceptions:
            for note in getattr(inner, "__notes__", ()):
                name = getattr(note, "name", None)
                if name in _FIELDS:
                    return _FIELDS[name][0], str(inner)
            found = _first_field_error(inner)
            if found:
                return found
    return None


def structure_with_converter(message: Mapping[str, Any], cls: type[Message]) -> Message:
    """Structure with the cattrs converter, turning its errors into ``InvalidEvent``."""
    data = dict(message)
    data["raw"] = message
    try:
        parsed: Message = _CONVERTER.structure(data, cls)
    except cattrs.BaseValidationError as error:
        found = _first_field_error(error)
        if found is None:  # pragma: no cover - every hook failure carries a note
            raise InvalidEvent("$", "the message could not be read") from None
        key, reason = found
        raise InvalidEvent(f"$.{key}", f"'{key}' {reason}") from None
    return parsed
