"""Value writing: how traits and properties become the flat values Heap accepts.

Every integration flattens nested data, each its own way. :class:`ValueRules`
names the independent choices (objects, arrays, scalars, nulls, empty
containers) and :func:`write_values` applies them. Walks are iterative, so deep
input never exhausts Python's stack, and they never change their input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

from attrs import frozen

from heapseg._calls import JSONValue
from heapseg._errors import InvalidEvent
from heapseg._isodate import JsDate, convert_iso_strings, strict_iso_text
from heapseg._jsjson import js_number, js_number_to_string, js_ordered_keys, js_stringify

__all__ = ["ValueRules", "copy_value", "write_values"]

_PLAIN_TYPES: Final = frozenset((str, int, float, bool, type(None)))
_SAFE: Final = 2**53
"""Integers up to this magnitude are exact JS numbers."""

ObjectRule = Literal["flatten", "stringify", "drop", "keep"]
ArrayRule = Literal["stringify", "index", "bracket", "keep", "drop"]
ScalarRule = Literal["keep", "string"]
NullRule = Literal["keep", "drop", "drop-top-level", "string"]
EmptyRule = Literal["keep", "drop"]


@frozen
class ValueRules:
    """How nested objects, arrays, scalars, nulls and empty containers are written.

    - ``objects``: ``flatten`` into dotted keys (``a.b``), ``stringify`` as JSON
      text, ``drop``, or ``keep`` as a nested object.
    - ``arrays``: ``stringify`` as JSON text (``"[1,2]"``), flatten by ``index``
      (``a.0``) or ``bracket`` (``a[0]``), ``keep``, or ``drop``.
    - ``scalars``: ``keep`` numbers and booleans typed, or write them as
      JavaScript ``string`` values (``1.0`` → ``"1"``, ``true`` → ``"true"``).
    - ``nulls``: ``keep``, ``drop`` everywhere, ``drop-top-level`` (nested nulls
      stay), or write the ``string`` ``"null"``.
    - ``empty``: whether an empty object or array met while flattening stays as
      a value (``keep``) or vanishes (``drop``).
    """

    objects: ObjectRule = "flatten"
    arrays: ArrayRule = "stringify"
    scalars: ScalarRule = "keep"
    nulls: NullRule = "drop-top-level"
    empty: EmptyRule = "keep"
    separator: str = "."


def _is_container(value: object) -> bool:
    return isinstance(value, (Mapping, list, tuple))


def _copy_scalar(value: object) -> JSONValue:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, JsDate):
        return value.iso()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def copy_value(value: object) -> JSONValue:
    """Copy a JSON value as JavaScript holds it: numbers as doubles, dates as ISO text.

    Object keys come out in JavaScript order; the input is not changed.
    """
    if not _is_container(value):
        return _copy_scalar(value)
    holder: dict[str, JSONValue] = {}
    stack: list[tuple[Any, Any, Any]] = [(value, holder, "")]
    while stack:
        source, parent, slot = stack.pop()
        if isinstance(source, Mapping):
            obj: dict[str, JSONValue] = {}
            parent[slot] = obj
            for key in js_ordered_keys(source):
                item = source[key]
                if _is_container(item):
                    obj[key] = None
                    stack.append((item, obj, key))
                else:
                    obj[key] = _copy_scalar(item)
        else:
            arr: list[JSONValue] = [None] * len(source)
            parent[slot] = arr
            for index, item in enumerate(source):
                if _is_container(item):
                    stack.append((item, arr, index))
                else:
                    arr[index] = _copy_scalar(item)
    return holder[""]


def _ordered_items(value: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    if type(value) is dict and (not value or min(value) >= ":"):
        return iter(value.items())  # no key starts with a digit, so already in JS order
    return ((key, value[key]) for key in js_ordered_keys(value))


def _indexed(values: Any, key_format: str) -> Iterator[tuple[str, object]]:
    return ((key_format.format(index), item) for index, item in enumerate(values))


def _dated_text(text: str) -> str:
    """``text``, or the ISO string of the date a strict-mode traverse makes of it."""
    return strict_iso_text(text) or text


def _loop_error(at: str, keys: list[str]) -> InvalidEvent:
    """The error for a container met again inside itself, at the JSON path of ``keys``."""
    return InvalidEvent(
        at + "".join(key if key[:1] == "[" else f".{key}" for key in keys),
        "the value contains itself, so it is not JSON data",
    )


def write_values(
    values: Mapping[str, object], rules: ValueRules, *, iso_dates: bool = False, at: str = "$"
) -> dict[str, JSONValue]:
    """Write a traits or properties object as flat Heap values following ``rules``.

    Keys are visited in JavaScript order, depth first; when two paths give the
    same key, the later one wins, as it does in every integration. With
    ``iso_dates`` every string a strict-mode ISO traverse would turn into a date
    (at any depth, inside arrays too) is written as that date's ISO string, in
    the same pass. ``at`` is the JSON path of ``values``, for errors: a value
    that contains itself raises :class:`InvalidEvent`.
    """
    out: dict[str, JSONValue] = {}
    string_scalars = rules.scalars == "string"
    nulls = rules.nulls
    objects = rules.objects
    arrays = rules.arrays
    keep_empty = rules.empty == "keep"
    flatten_arrays = arrays == "index" or arrays == "bracket"
    separator = rules.separator
    # One iterator per open object or array; ``path`` holds the key prefix each one adds,
    # ``keys`` the key it sits under and ``open_ids`` the containers being walked.
    stack: list[Iterator[tuple[str, object]]] = [_ordered_items(values)]
    path: list[str] = []
    keys: list[str] = []
    opened: list[int] = [id(values)]
    open_ids = set(opened)
    while stack:
        items = stack[-1]
        nested = len(stack) > 1
        prefix = None  # joined lazily: only leaves need their full key
        for key, value in items:
            kind = type(value)
            if kind in _PLAIN_TYPES:  # the common leaves, written without further checks
                if nested:
                    if prefix is None:
                        prefix = "".join(path)
                    key = prefix + key
                if kind is str:
                    if iso_dates and len(value) > 9 and value[4] == "-":  # type: ignore[arg-type,index]
                        value = _dated_text(value)  # type: ignore[arg-type]
                    out[key] = value  # type: ignore[assignment]
                elif value is None:
                    if nulls == "keep" or (nulls == "drop-top-level" and nested):
                        out[key] = None
                    elif nulls == "string":
                        out[key] = "null"
                elif kind is bool:
                    out[key] = ("true" if value else "false") if string_scalars else value  # type: ignore[assignment]
                else:
                    number: int | float = value  # type: ignore[assignment]
                    if isinstance(number, float):
                        if number.is_integer():  # NaN and infinities are not
                            number = js_number(number)
                    elif not -_SAFE <= number <= _SAFE:
                        number = js_number(number)
                    out[key] = js_number_to_string(number) if string_scalars else number
                continue
            if kind is dict or isinstance(value, Mapping):
                if value and objects == "flatten":
                    if id(value) in open_ids:
                        raise _loop_error(at, [*keys, key])
                    opened.append(id(value))
                    open_ids.add(id(value))
                    path.append(key + separator)
                    keys.append(key)
                    stack.append(_ordered_items(value))  # type: ignore[arg-type]
                    break
            elif (kind is list or kind is tuple) and value and flatten_arrays:
                if id(value) in open_ids:
                    raise _loop_error(at, [*keys, key])
                opened.append(id(value))
                open_ids.add(id(value))
                keys.append(key)
                if arrays == "index":
                    path.append(key + separator)
                    stack.append(_indexed(value, "{}"))
                else:
                    path.append(key)
                    stack.append(_indexed(value, "[{}]"))
                break
            if nested:
                if prefix is None:
                    prefix = "".join(path)
                name = prefix + key
            else:
                name = key
            if value is None:
                if nulls == "keep" or (nulls == "drop-top-level" and nested):
                    out[name] = None
                elif nulls == "string":
                    out[name] = "null"
            elif kind is bool:
                out[name] = ("true" if value else "false") if string_scalars else value  # type: ignore[assignment]
            elif (
                kind is int
                or kind is float
                or (isinstance(value, (int, float)) and not isinstance(value, bool))
            ):
                number = js_number(value)  # type: ignore[arg-type]
                out[name] = js_number_to_string(number) if string_scalars else number
            elif isinstance(value, JsDate):
                out[name] = value.iso()
            elif isinstance(value, str):
                out[name] = _dated_text(value) if iso_dates else value
            elif isinstance(value, Mapping):
                if objects == "flatten":
                    if keep_empty:
                        out[name] = {}
                elif objects == "stringify":
                    out[name] = _stringify(value, iso_dates)
                elif objects == "keep":
                    out[name] = copy_value(convert_iso_strings(value) if iso_dates else value)
            elif isinstance(value, (list, tuple)):
                if arrays == "stringify":
                    out[name] = _stringify(value, iso_dates)
                elif flatten_arrays:
                    if keep_empty:
                        out[name] = []
                elif arrays == "keep":
                    out[name] = copy_value(convert_iso_strings(value) if iso_dates else value)
            else:
                out[name] = _copy_scalar(value)
        else:
            stack.pop()
            open_ids.discard(opened.pop())
            if path:
                path.pop()
                keys.pop()
    return out


_DATE_IN_JSON: Final = re.compile(r'"[0-9]{4}-[0-9]{2}-[0-9]{2}')
"""How a string a strict-mode traverse may turn into a date starts in JSON text."""


def _stringify(value: object, iso_dates: bool) -> str:
    """``JSON.stringify`` of an object or array, after the ISO traverse when ``iso_dates``.

    Most values hold no date-like string, which their JSON text shows; only the
    others are walked.
    """
    text = js_stringify(value)
    if iso_dates and _DATE_IN_JSON.search(text) is not None:
        return js_stringify(convert_iso_strings(value))
    return text
