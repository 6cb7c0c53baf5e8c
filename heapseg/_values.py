"""Value writing: how traits and properties become the flat values Heap accepts.

Every integration flattens nested data, each its own way. ``ValueRules``
names the independent choices (objects, arrays, scalars, nulls, empty
containers) and ``write_values`` applies them. Walks never change their input,
and deep input never exhausts Python's stack: recursion stops at a small depth, past
which an iterative walk takes over.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

from attrs import frozen

from ._calls import JSONValue
from ._errors import InvalidEvent
from ._isodate import JsDate, convert_iso_strings, strict_iso_text
from ._jsjson import in_js_order, js_number, js_number_to_string, js_ordered_keys, js_stringify

__all__ = ["ValueRules", "as_identity", "copy_value", "write_values", "write_values_plain"]

_SAFE: Final = 2**53
"""Integers up to this magnitude are exact JS numbers."""
_PLAIN_FLOAT: Final = 1e-4
"""Python writes a float of smaller magnitude with an exponent (``1e-05``) where
JavaScript writes ``0.00001``; above it, every float ``write_values`` keeps prints alike."""

ObjectRule = Literal["flatten", "stringify", "drop", "keep"]
ArrayRule = Literal["stringify", "index", "bracket", "keep", "drop"]
ScalarRule = Literal["keep", "string"]
NullRule = Literal["keep", "drop", "drop-top-level", "string"]
EmptyRule = Literal["keep", "drop"]
SeparateRule = Literal["always", "after-non-empty"]
YearRule = Literal["iso", "unpadded"]


@frozen
class ValueRules:
    """How nested objects, arrays, scalars, nulls and empty containers are written.

    - ``objects``: ``flatten`` into dotted keys (``a.b``), ``stringify`` as JSON
      text, ``drop``, or ``keep`` as a nested object.
    - ``arrays``: ``stringify`` as JSON text (``"[1,2]"``), flatten by ``index``
      (``a.0``) or ``bracket`` (``a[0]``), ``keep``, or ``drop``.
    - ``scalars``: ``keep`` numbers and booleans typed, or write them as
      JavaScript ``string`` values (``1.0`` → ``"1"``, ``true`` → ``"true"``).
    - ``nulls``: ``keep``, ``drop`` everywhere (after flattening, so a null written
      over a value removes it), ``drop-top-level`` (nested nulls stay), or write the
      ``string`` ``"null"``.
    - ``empty``: whether an empty object or array met while flattening stays as
      a value (``keep``) or vanishes (``drop``).
    - ``separate``: when ``separator`` goes between a key and the keys flattened
      under it: ``always`` (``{"": {"a": 1}}`` gives ``.a``), or only
      ``after-non-empty`` keys (gives ``a``), as JavaScript's
      ``prefix ? prefix + "." + key : key`` writes them.
    - ``top_level_years``: how a date written at the top level prints its year: as
      ``toISOString`` does (``iso``: ``0100-01-01T…``, ``+010000-…``), or ``unpadded``
      as Segment's to-iso-string module does (``100-01-01T…``, ``10000-…``), which the
      classic browser integration uses for top-level dates. Years 1000 to 9999 print
      alike.
    """

    objects: ObjectRule = "flatten"
    arrays: ArrayRule = "stringify"
    scalars: ScalarRule = "keep"
    nulls: NullRule = "drop-top-level"
    empty: EmptyRule = "keep"
    separator: str = "."
    separate: SeparateRule = "always"
    top_level_years: YearRule = "iso"


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


def as_identity(value: object) -> str | int | float | None:
    """``value`` as Heap takes an identity (a string or a finite number, as a JavaScript
    double), or None when it is neither."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = js_number(value)
        if math.isfinite(number):
            return number
    return None


def copy_value(value: object) -> JSONValue:
    """Copy a JSON value as JavaScript holds it: numbers as doubles, dates as ISO text.

    Object keys come out in JavaScript order; the input is not changed.
    """
    if type(value) is str:  # names and identifiers, the usual values copied
        return value
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


def _dated_text(text: str, rules: ValueRules, nested: bool) -> str:
    """``text``, or the ISO string of the date a strict-mode traverse makes of it, its
    year as ``rules.top_level_years`` says when not ``nested``."""
    dated = strict_iso_text(text)
    if dated is None:
        return text
    return dated if nested or rules.top_level_years == "iso" else _unpadded_year(dated)


def _unpadded_year(iso: str) -> str:
    """ISO text with the year as a plain number, as Segment's to-iso-string writes it."""
    if iso[0] not in "0+-":
        return iso
    year_end = iso.index("-", 1)
    return f"{int(iso[:year_end])}{iso[year_end:]}"  # 0100 -> 100, +010000 -> 10000


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
    that contains itself raises ``InvalidEvent``.
    """
    return write_values_plain(values, rules, iso_dates=iso_dates, at=at)[0]


def write_values_plain(
    values: Mapping[str, object], rules: ValueRules, *, iso_dates: bool = False, at: str = "$"
) -> tuple[dict[str, JSONValue], bool]:
    """``write_values``, and whether ``json.dumps`` already writes its result exactly as
    ``JSON.stringify`` does: every value a string, boolean, null, safe integer or a float
    Python prints without an exponent, no container (its items could change later), and
    the keys already in JavaScript's order.

    Renderers skip their text checks for such values; noting it here costs a comparison
    on the rare values that need it.
    """
    out: dict[str, JSONValue] = {}
    odd: list[str] = []
    # Every key written starts with a top-level key; when none starts with a digit (or is
    # empty), no key is one JavaScript orders first, so the order written is its order.
    plain_keys = type(values) is dict and (not values or min(values) >= ":")
    items = iter(values.items()) if plain_keys else _ordered_items(values)
    try:
        _write_recursively(items, "", 0, out, rules, iso_dates, odd)
    except (_TooDeep, RecursionError):  # deep or looping input; or called near the limit
        return _write_iteratively(values, rules, iso_dates, at), False
    if rules.nulls == "drop":
        out = _without_nulls(out)
    if odd:
        return out, False
    return out, plain_keys or in_js_order(out)


def _without_nulls(out: dict[str, JSONValue]) -> dict[str, JSONValue]:
    """Nulls dropped after flattening, as ``nulls="drop"`` says: a null written over an
    earlier value under the same key removes it, and a value written over an earlier null
    keeps the null's place in the key order."""
    return {key: value for key, value in out.items() if value is not None}


_RECURSION_LIMIT: Final = 48
"""How deep ``_write_recursively`` goes. Real traits and properties are far
shallower; deeper values, and values that contain themselves (endlessly deep),
take ``_write_iteratively``, which any depth suits and which names the loop."""


class _TooDeep(Exception):
    """Raised by ``_write_recursively`` past ``_RECURSION_LIMIT`` levels."""


def _write_recursively(
    items: Iterator[tuple[str, object]],
    prefix: str,
    depth: int,
    out: dict[str, JSONValue],
    rules: ValueRules,
    iso_dates: bool,
    odd: list[str],
) -> None:
    """Write one object's or array's ``items`` under the key ``prefix``, ``depth`` levels
    down: the walk for every real value, plain recursion being the fastest in Python.
    The names of values whose JSON text may differ from JavaScript's go to ``odd``."""
    nested = depth > 0
    for key, value in items:
        name = prefix + key
        kind = type(value)
        if kind is str:
            if iso_dates and len(value) > 9 and value[4] == value[7] == "-":  # type: ignore[arg-type,index]
                value = _dated_text(value, rules, nested)  # type: ignore[arg-type]
            out[name] = value  # type: ignore[assignment]
        elif kind is int or kind is float:
            number: int | float = value  # type: ignore[assignment]
            if rules.scalars == "string":  # JavaScript's text of the number: prints alike
                out[name] = js_number_to_string(js_number(number))
                continue
            if isinstance(number, float):
                if number.is_integer():  # NaN and infinities are not
                    number = js_number(number)
                    if not -_SAFE <= number <= _SAFE:  # 1e17: JavaScript keeps 17 digits
                        odd.append(name)
                elif -_PLAIN_FLOAT < number < _PLAIN_FLOAT:
                    odd.append(name)
            elif not -_SAFE <= number <= _SAFE:
                number = js_number(number)
                odd.append(name)
            out[name] = number
        elif kind is bool and rules.scalars == "keep":
            out[name] = value  # type: ignore[assignment]
        elif kind is dict and value and rules.objects == "flatten":
            if depth == _RECURSION_LIMIT:
                raise _TooDeep
            children = _ordered_items(value)  # type: ignore[arg-type]
            if name or rules.separate == "always":
                name += rules.separator
            _write_recursively(children, name, depth + 1, out, rules, iso_dates, odd)
        elif value is None or kind is dict or not (value and _opens(value, rules)):
            if not _write_leaf(out, name, value, nested, rules, iso_dates):
                odd.append(name)
        else:  # an array, or a mapping other than a dict, that the rules flatten
            if depth == _RECURSION_LIMIT:
                raise _TooDeep
            children, joint = _children(value, rules, named=bool(name))
            _write_recursively(children, name + joint, depth + 1, out, rules, iso_dates, odd)


def _opens(value: object, rules: ValueRules) -> bool:
    """Whether ``rules`` flatten ``value`` (when it is not empty) into the keys below it."""
    if isinstance(value, Mapping):
        return rules.objects == "flatten"
    return isinstance(value, (list, tuple)) and rules.arrays in ("index", "bracket")


def _children(
    value: Any, rules: ValueRules, *, named: bool
) -> tuple[Iterator[tuple[str, object]], str]:
    """The items of an object or array that ``rules`` flatten, and what goes between its
    key (empty unless ``named``) and theirs: the separator (see ``ValueRules.separate``),
    or nothing before ``[0]``-style indices."""
    separator = rules.separator if named or rules.separate == "always" else ""
    if isinstance(value, Mapping):
        return _ordered_items(value), separator
    if rules.arrays == "index":
        return _indexed(value, "{}"), separator
    return _indexed(value, "[{}]"), ""


def _prints_alike(number: int | float) -> bool:
    """Whether ``json.dumps`` writes the JS number ``number`` as ``JSON.stringify`` does."""
    if type(number) is int:
        return -_SAFE <= number <= _SAFE
    return type(number) is float and not -_PLAIN_FLOAT < number < _PLAIN_FLOAT


def _write_leaf(
    out: dict[str, JSONValue],
    name: str,
    value: object,
    nested: bool,
    rules: ValueRules,
    iso_dates: bool,
) -> bool:
    """Write ``value`` under ``name`` as one value (or not at all), as ``rules`` say for it.

    ``value`` is anything but an object or array the walk flattens; ``nested`` says
    whether it sits below the top level. Returns whether ``json.dumps`` writes what was
    written exactly as ``JSON.stringify`` does (see ``write_values_plain``).
    """
    nulls = rules.nulls
    if value is None:
        if nulls == "keep" or nulls == "drop" or (nulls == "drop-top-level" and nested):
            out[name] = None  # "drop": written, to be dropped after the walk
        elif nulls == "string":
            out[name] = "null"
    elif type(value) is bool:
        out[name] = ("true" if value else "false") if rules.scalars == "string" else value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = js_number(value)
        if rules.scalars == "string":
            out[name] = js_number_to_string(number)
        else:
            out[name] = number
            return _prints_alike(number)
    elif isinstance(value, JsDate):
        iso = value.iso()
        out[name] = iso if nested or rules.top_level_years == "iso" else _unpadded_year(iso)
    elif isinstance(value, str):
        out[name] = _dated_text(value, rules, nested) if iso_dates else value
    elif isinstance(value, Mapping):
        if rules.objects == "flatten":
            if rules.empty == "keep":
                out[name] = {}
                return False
        elif rules.objects == "stringify":
            out[name] = _stringify(value, iso_dates)
        elif rules.objects == "keep":
            out[name] = copy_value(convert_iso_strings(value) if iso_dates else value)
            return False
    elif isinstance(value, (list, tuple)):
        if rules.arrays == "stringify":
            out[name] = _stringify(value, iso_dates)
        elif rules.arrays in ("index", "bracket"):
            if rules.empty == "keep":
                out[name] = []
                return False
        elif rules.arrays == "keep":
            out[name] = copy_value(convert_iso_strings(value) if iso_dates else value)
            return False
    else:
        out[name] = _copy_scalar(value)
        return False
    return True


def _write_iteratively(
    values: Mapping[str, object], rules: ValueRules, iso_dates: bool, at: str
) -> dict[str, JSONValue]:
    """``write_values`` with an explicit stack: any depth, and a value that contains
    itself raises ``InvalidEvent`` at the path where it meets itself again."""
    out: dict[str, JSONValue] = {}
    # One iterator per open object or array; ``path`` holds the key prefix each one adds
    # (``filled`` counts those that are not empty), ``keys`` the key it sits under and
    # ``open_ids`` the containers being walked.
    stack: list[Iterator[tuple[str, object]]] = [_ordered_items(values)]
    path: list[str] = []
    filled = 0
    keys: list[str] = []
    opened: list[int] = [id(values)]
    open_ids = set(opened)
    # A leaf is written to ``leaf`` first, and its key prefix joined only when it writes
    # something: a deep chain then costs time in proportion to what is written.
    leaf: dict[str, JSONValue] = {}
    while stack:
        items = stack[-1]
        nested = len(stack) > 1
        prefix: str | None = None
        for key, value in items:
            if value and _opens(value, rules):
                if id(value) in open_ids:
                    raise _loop_error(at, [*keys, key])
                opened.append(id(value))
                open_ids.add(id(value))
                keys.append(key)
                children, joint = _children(value, rules, named=bool(key) or filled > 0)
                path.append(key + joint)
                filled += bool(key + joint)
                stack.append(children)
                break
            _write_leaf(leaf, key, value, nested, rules, iso_dates)
            if leaf:
                if prefix is None:
                    prefix = "".join(path)
                out[prefix + key] = leaf.pop(key)
        else:
            stack.pop()
            open_ids.discard(opened.pop())
            if path:
                filled -= bool(path.pop())
                keys.pop()
    return _without_nulls(out) if rules.nulls == "drop" else out


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
