"""Value writing: how traits and properties become the flat values Heap accepts.

Every integration flattens nested data, each its own way. :class:`ValueRules`
names the independent choices (objects, arrays, scalars, nulls, empty
containers) and :func:`write_values` applies them. Walks are iterative, so deep
input never exhausts Python's stack, and they never change their input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from attrs import frozen

from heapseg._calls import JSONValue
from heapseg._isodate import JsDate
from heapseg._jsjson import js_number, js_number_to_string, js_ordered_keys, js_stringify

__all__ = ["ValueRules", "copy_value", "write_values"]

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
    return ((key, value[key]) for key in js_ordered_keys(value))


def _indexed(values: Any, key_format: str) -> Iterator[tuple[str, object]]:
    return ((key_format.format(index), item) for index, item in enumerate(values))


def write_values(values: Mapping[str, object], rules: ValueRules) -> dict[str, JSONValue]:
    """Write a traits or properties object as flat Heap values following ``rules``.

    Keys are visited in JavaScript order, depth first; when two paths give the
    same key, the later one wins, as it does in every integration.
    """
    out: dict[str, JSONValue] = {}
    string_scalars = rules.scalars == "string"
    nulls = rules.nulls
    objects = rules.objects
    arrays = rules.arrays
    keep_empty = rules.empty == "keep"
    flatten_arrays = arrays == "index" or arrays == "bracket"
    separator = rules.separator
    # One iterator per open object or array; ``path`` holds the key prefix each one adds.
    stack: list[Iterator[tuple[str, object]]] = [_ordered_items(values)]
    path: list[str] = []
    while stack:
        items = stack[-1]
        nested = len(stack) > 1
        prefix = None  # joined lazily: only leaves need their full key
        for key, value in items:
            kind = type(value)
            if kind is dict or (kind is not str and isinstance(value, Mapping)):
                if value and objects == "flatten":
                    path.append(key + separator)
                    stack.append(_ordered_items(value))  # type: ignore[arg-type]
                    break
            elif (kind is list or kind is tuple) and value and flatten_arrays:
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
            if kind is str:
                out[name] = value  # type: ignore[assignment]
            elif value is None:
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
            elif isinstance(value, Mapping):
                if objects == "flatten":
                    if keep_empty:
                        out[name] = {}
                elif objects == "stringify":
                    out[name] = js_stringify(value)
                elif objects == "keep":
                    out[name] = copy_value(value)
            elif isinstance(value, (list, tuple)):
                if arrays == "stringify":
                    out[name] = js_stringify(value)
                elif flatten_arrays:
                    if keep_empty:
                        out[name] = []
                elif arrays == "keep":
                    out[name] = copy_value(value)
            else:
                out[name] = _copy_scalar(value)
        else:
            stack.pop()
            if path:
                path.pop()
    return out
