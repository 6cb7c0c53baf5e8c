"""JavaScript numbers, strings and ``JSON.stringify``, for values from ``JSON.parse``.

The integrations hold every number as an IEEE double and print it with
``Number.prototype.toString``; their JSON strings come from ``JSON.stringify``
with JS object key order. These functions give the same values and the same
text in Python.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from ._errors import InvalidEvent
from ._isodate import JsDate

__all__ = [
    "in_js_order",
    "is_array_index",
    "js_number",
    "js_number_to_string",
    "js_ordered_keys",
    "js_stringify",
    "js_stringify_utf8",
    "js_to_string",
    "js_truthy",
    "json_encoder",
    "plain_stringify_utf8",
]

_MAX_SAFE: Final = 2**53
_MAX_ARRAY_INDEX: Final = 2**32 - 2
_DIGITS: Final = frozenset("0123456789")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SURROGATE_PAIR_OR_LONE: Final = re.compile("([\ud800-\udbff][\udc00-\udfff])|[\ud800-\udfff]")

_encode_json_string: Final = json.encoder.encode_basestring
_dumps: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=True)


def _encoder_parts(*, compact: bool, allow_nan: bool) -> Callable[[object, int], Sequence[str]]:
    """CPython's C encoder for ``json.dumps`` with ``ensure_ascii=False``, built once: called
    with a value and 0, it gives the text in parts to be joined."""
    item_separator, key_separator = (",", ":") if compact else (", ", ": ")
    try:
        from _json import make_encoder
    except ImportError:  # an interpreter without the C accelerator
        encode = json.JSONEncoder(
            ensure_ascii=False,
            separators=(item_separator, key_separator),
            allow_nan=allow_nan,
            check_circular=False,
        ).encode
        return lambda value, _level: (encode(value),)
    parts: Callable[[object, int], Sequence[str]] = make_encoder(
        None,
        _dumps.default,
        _encode_json_string,
        None,
        key_separator,
        item_separator,
        False,
        False,
        allow_nan,
    )
    return parts


def json_encoder(*, compact: bool, allow_nan: bool) -> Callable[[object], str]:
    """``json.dumps`` with ``ensure_ascii=False`` (``compact`` separators or the default
    ones), with CPython's C encoder built once rather than on every call.

    It keeps no record of open containers: a value that contains itself ends in
    ``RecursionError``, as one nested too deeply does. Without ``allow_nan``, NaN and
    infinities raise ``ValueError``.
    """
    parts = _encoder_parts(compact=compact, allow_nan=allow_nan)

    def dumps(value: object) -> str:
        return "".join(parts(value, 0))

    return dumps


_compact_parts: Final = _encoder_parts(compact=True, allow_nan=False)


def _compact(value: object) -> str:
    """The C encoder's first draft of ``JSON.stringify``; it refuses NaN and infinities,
    which JavaScript writes as null. Hot paths join ``_compact_parts`` themselves."""
    return "".join(_compact_parts(value, 0))


def js_number(value: int | float) -> int | float:
    """The number a JS double holds after ``JSON.parse``, normalised for Python.

    Integers beyond 2^53 round to the nearest double (too large ones to
    infinity); every finite integral double below 1e21 in magnitude is returned
    as an ``int`` holding the double's exact value (``-0.0`` becomes 0), so that
    ``json.dumps`` prints it without ``.0``. Other values stay floats.
    """
    if isinstance(value, int):
        if -_MAX_SAFE <= value <= _MAX_SAFE:
            return value
        try:
            value = float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest round-trip digits of a finite positive double and the
    decimal point position ``n`` with ``value == 0.digits * 10**n``."""
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    significant = all_digits.lstrip("0")
    point = len(whole) + (int(exponent) if exponent else 0)
    point -= len(all_digits) - len(significant)
    return significant.rstrip("0"), point


def js_number_to_string(value: int | float) -> str:
    """``String(n)`` / ``Number.prototype.toString()`` of the double ``value`` stands for.

    Shortest round-trip digits, plain notation for decimal exponents from -7 to
    20 (``1e20`` is ``"100000000000000000000"``, ``1e-6`` is ``"0.000001"``), else
    ``1e+21`` / ``1.23e-7``; ``-0`` is ``"0"``. Integers beyond 2^53 print as the
    double they become: 2**64 is ``"18446744073709552000"``.
    """
    if isinstance(value, int) and -_MAX_SAFE <= value <= _MAX_SAFE:
        return str(value)
    try:
        number = float(value)
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits, point = _shortest_digits(abs(number))
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    exponent = point - 1
    exponent_text = f"e+{exponent}" if exponent >= 0 else f"e-{-exponent}"
    if count == 1:
        return sign + digits + exponent_text
    return sign + digits[0] + "." + digits[1:] + exponent_text


def is_array_index(key: str) -> bool:
    """Whether ``key`` is a canonical JS array index: ``"0"``..``"4294967294"``."""
    if not key or len(key) > 10 or not key.isascii() or not key.isdigit():
        return False
    if key[0] == "0":
        return key == "0"
    return int(key) <= _MAX_ARRAY_INDEX


def js_ordered_keys(mapping: Mapping[str, object]) -> list[str]:
    """The keys in JS own-key order: array indices ascending, then the rest as inserted."""
    keys = list(mapping)
    if not keys or min(keys) >= ":":  # no key starts with a digit (the common case, in C)
        return keys
    if not any(key[:1] in _DIGITS for key in keys):
        return keys
    indices = sorted((key for key in keys if is_array_index(key)), key=int)
    if not indices:
        return keys
    index_set = set(indices)
    return indices + [key for key in keys if key not in index_set]


def in_js_order(mapping: Mapping[str, object]) -> bool:
    """Whether iterating ``mapping`` (as ``json.dumps`` does) gives JS own-key order."""
    return js_ordered_keys(mapping) == list(mapping)


def js_truthy(value: object) -> bool:
    """JS truthiness of a JSON value or ``JsDate``."""
    if value is None or value is False:
        return False
    kind = type(value)
    if kind is str:
        return value != ""
    if kind is dict or kind is list or value is True:
        return True
    if isinstance(value, (int, float)):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def _scalar_to_string(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return js_number_to_string(value)
    if isinstance(value, JsDate):
        return value.to_string()
    return "[object Object]"


def js_to_string(value: object) -> str:
    """JS ``String(value)`` of a JSON value or ``JsDate``.

    Arrays join their items with ``","`` (null items as ``""``, nested arrays
    joined the same way, a nested cycle as ``""``); objects are
    ``"[object Object]"``. Nesting depth is unlimited.
    """
    if not isinstance(value, list):
        return _scalar_to_string(value)
    # Each frame: the list, the position of the next item, the texts so far.
    stack: list[tuple[list[Any], Iterator[Any], list[str]]] = [(value, iter(value), [])]
    open_ids = {id(value)}
    while True:
        current, items, texts = stack[-1]
        for item in items:
            if item is None:
                texts.append("")
            elif isinstance(item, list):
                if id(item) in open_ids:
                    texts.append("")
                    continue
                open_ids.add(id(item))
                stack.append((item, iter(item), []))
                break
            else:
                texts.append(_scalar_to_string(item))
        else:
            stack.pop()
            open_ids.discard(id(current))
            joined = ",".join(texts)
            if not stack:
                return joined
            stack[-1][2].append(joined)


# --- JSON.stringify ------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A JSON string literal as well-formed ``JSON.stringify`` writes it."""
    quoted = str(_encode_json_string(text))
    if text.isascii() or _SURROGATE.search(text) is None:
        return quoted
    return _SURROGATE_PAIR_OR_LONE.sub(_escape_surrogate, quoted)


def _escape_surrogate(match: re.Match[str]) -> str:
    """A high+low pair is one JS character (written as is); a lone surrogate is escaped."""
    pair = match.group(1)
    if pair is not None:
        return chr(0x10000 + ((ord(pair[0]) - 0xD800) << 10) + (ord(pair[1]) - 0xDC00))
    return f"\\u{ord(match.group()):04x}"


_MASK: Final = bytes.maketrans(b"123456789{]}-", b"000000000,,,+")
"""Turns every digit into ``0``, every opening or closing bracket or brace into ``,`` and
``-`` into ``+``, so that the shapes below are plain substrings of the masked text."""
_NOT_IN_SHAPES: Final = bytes(
    sorted(set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdfghijklmnopqrstuvwxyz _:/@\\") - {ord("e")})
)
"""Bytes no shape contains, left out of the masked text: it gets about half as long, and
leaving bytes out never breaks a shape apart, only joins its neighbours (``"ab1"`` reads
as ``"0"``), so every find is confirmed on the text itself."""
_KEY_DIGIT: Final = re.compile(r'[{,]"[0-9]')
_EXPONENT: Final = re.compile(r"[0-9]e[+-]")
_SIXTEEN_DIGITS: Final = b"0" * 16
_INTEGRAL_FLOAT: Final = re.compile(r"\.0(?![0-9])")
_LONG_INTEGER: Final = re.compile(r"(?<![0-9.])[0-9]{16,}(?![0-9.])")


def _fast_encoding(value: object) -> tuple[str, bytes] | None:
    """``json.dumps`` of ``value`` and its UTF-8 bytes when that is exactly what
    ``JSON.stringify`` writes, else None.

    The C encoder runs first and its output is checked afterwards, far cheaper than
    inspecting every item beforehand. Text that may differ sends the value down the
    exact path: lone surrogates, exponents (``1e-05``), integral floats (``1.0``), runs
    of 16 or more digits (integers beyond 2^53) and strings starting with a digit after
    ``{`` or ``,`` (keys JS may order first); the encoder refuses NaN and infinities.
    Such text inside strings only costs time. Values it cannot encode as
    JavaScript would (dates, cycles, very deep nesting) take the exact path too.
    """
    try:
        text = _compact(value)
    except (TypeError, ValueError, RecursionError):
        return None
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON.stringify writes escaped
        return None
    masked = raw.translate(_MASK, _NOT_IN_SHAPES)
    if (
        (b',"0' in masked and _KEY_DIGIT.search(text) is not None)
        or (b"0e+" in masked and _EXPONENT.search(text) is not None)
        # Python writes an integral float as digits and ".0", then "," "]" "}" or the end.
        or (
            (b".0," in masked or masked.endswith(b".0"))
            and _INTEGRAL_FLOAT.search(text) is not None
        )
    ):
        return None
    if _SIXTEEN_DIGITS in masked:
        for match in _LONG_INTEGER.finditer(text):
            digits = match.group()
            # 2^53 has 16 digits; longer runs never reach int() (Python limits its length).
            if len(digits) > 16 or int(digits) > _MAX_SAFE:
                return None
    return text, raw


def _write_scalar(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, (int, float)):
        text = js_number_to_string(value)
        out.append("null" if text in ("NaN", "Infinity", "-Infinity") else text)
    elif isinstance(value, JsDate):
        out.append('"' + value.iso() + '"')
    else:
        raise TypeError(f"{type(value).__name__} is not JSON data")


def _stringify_slow(value: object) -> str:
    """``JSON.stringify`` with an explicit stack, for any value and any depth. A tuple is
    written as an array, as the C encoder of the fast path writes it."""
    out: list[str] = []
    if not isinstance(value, (dict, list, tuple)):
        _write_scalar(value, out)
        return "".join(out)
    # Each frame: the container, an iterator over its (key or None, child) pairs,
    # and whether an item has been written yet.
    stack: list[list[Any]] = []
    open_ids: set[int] = set()
    path: list[str | int] = []

    def open_container(container: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> None:
        if id(container) in open_ids:
            raise InvalidEvent(
                "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path),
                "the value contains itself, so it is not JSON data",
            )
        open_ids.add(id(container))
        if isinstance(container, dict):
            out.append("{")
            keys = js_ordered_keys(container)
            pairs: Iterator[tuple[Any, Any]] = ((key, container[key]) for key in keys)
        else:
            out.append("[")
            pairs = enumerate(container)
        stack.append([container, pairs, False])

    open_container(value)
    while stack:
        frame = stack[-1]
        container, pairs = frame[0], frame[1]
        is_dict = isinstance(container, dict)
        descended = False
        for key, child in pairs:
            if frame[2]:
                out.append(",")
            frame[2] = True
            if is_dict:
                out.append(_quote(key))
                out.append(":")
            if isinstance(child, (dict, list, tuple)):
                path.append(key)
                open_container(child)
                descended = True
                break
            _write_scalar(child, out)
        if descended:
            continue
        out.append("}" if is_dict else "]")
        open_ids.discard(id(container))
        stack.pop()
        if path and stack:
            path.pop()
    return "".join(out)


def js_stringify(value: object) -> str:
    """Exactly ``JSON.stringify(value)`` for JSON data and ``JsDate`` values.

    Compact separators, non-ASCII, ``/``, U+2028 and U+2029 unescaped, control
    characters as ``\\n``/``\\u001f``, lone surrogates as ``\\udxxx``, numbers as
    ``js_number_to_string`` (NaN and infinities as ``null``), object keys in
    JS order, dates as their ISO string. Values that ``json.dumps`` already
    prints identically take that C fast path; any depth is safe.
    """
    found = _fast_encoding(value)
    return _stringify_slow(value) if found is None else found[0]


def js_stringify_utf8(value: object) -> bytes:
    """``js_stringify`` of ``value`` encoded as UTF-8, the bytes a request carries."""
    found = _fast_encoding(value)
    return _stringify_slow(value).encode("utf-8") if found is None else found[1]


def plain_stringify_utf8(value: object) -> bytes:
    """``js_stringify_utf8`` of a value whose numbers and keys are known to print alike
    in Python and JavaScript (``write_values_plain``): only lone surrogates can differ."""
    try:
        return "".join(_compact_parts(value, 0)).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON.stringify writes escaped
        return _stringify_slow(value).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return js_stringify_utf8(value)
