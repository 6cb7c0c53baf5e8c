"""JavaScript dates as Segment's and Segment Actions' libraries parse them.

The real integrations run on Node.js: a message's ISO-like strings become JS
``Date`` objects (``isodate`` / ``isodate-traverse``), the classic track
timestamp goes through ``new-date``, and the Actions destinations normalise
timestamps with ``dayjs.utc``. This module reproduces those parsers with
integer millisecond arithmetic, as a server on a UTC host runs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, Final, TypeAlias

from attrs import field, frozen

from ._errors import InvalidEvent

__all__ = [
    "MAX_TIME_VALUE",
    "JsDate",
    "common_iso_text",
    "convert_iso_strings",
    "date_utc",
    "dayjs_utc",
    "facade_timestamp",
    "impossible_field",
    "is_canonical_iso",
    "is_iso_date",
    "js_date_parse",
    "parse_iso_date",
    "strict_instant_ms",
    "strict_iso_date",
    "strict_iso_text",
    "time_clip",
]

MAX_TIME_VALUE: Final = 8_640_000_000_000_000
"""The largest magnitude of a valid JS time value (100,000,000 days)."""

_MS_PER_DAY: Final = 86_400_000
_WEEKDAYS: Final = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def _check_time_value(_instance: object, _attribute: object, ms: int) -> None:
    if not -MAX_TIME_VALUE <= ms <= MAX_TIME_VALUE:
        raise ValueError(f"{ms} is outside the range of a JS date")


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (month 1..12)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month 1..12, day) of a day count since 1970-01-01."""
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (month <= 2), month, day


@frozen
class JsDate:
    """A valid JS ``Date``: its time value in epoch milliseconds (UTC).

    Only valid dates exist as values (``|ms| <= 8.64e15``); the parsers return
    ``None`` where JavaScript would make an Invalid Date.
    """

    ms: int = field(validator=_check_time_value)

    def _fields(self) -> tuple[int, int, int, int, int, int, int]:
        days, ms_of_day = divmod(self.ms, _MS_PER_DAY)
        year, month, day = _civil_from_days(days)
        seconds, millis = divmod(ms_of_day, 1000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return year, month, day, hour, minute, second, millis

    def iso(self) -> str:
        """``Date.prototype.toISOString``: ``YYYY-MM-DDTHH:MM:SS.sssZ``,
        with a signed six-digit year outside 0..9999."""
        year, month, day, hour, minute, second, millis = self._fields()
        if 0 <= year <= 9999:
            year_text = f"{year:04d}"
        else:
            year_text = f"{'+' if year > 0 else '-'}{abs(year):06d}"
        return (
            f"{year_text}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"
        )

    def to_string(self) -> str:
        """``String(date)`` as a Node.js process on a UTC host prints it."""
        year, month, day, hour, minute, second, _ = self._fields()
        weekday = _WEEKDAYS[(self.ms // _MS_PER_DAY + 4) % 7]
        year_text = f"{year:04d}" if year >= 0 else f"-{-year:04d}"
        return (
            f"{weekday} {_MONTHS[month - 1]} {day:02d} {year_text} "
            f"{hour:02d}:{minute:02d}:{second:02d} GMT+0000 (Coordinated Universal Time)"
        )


def time_clip(time: float) -> JsDate | None:
    """ECMAScript TimeClip: the date ``new Date(time)`` makes, or None when invalid."""
    if not math.isfinite(time) or abs(time) > MAX_TIME_VALUE:
        return None
    return JsDate(int(time))


def date_utc(
    year: int,
    month: int,
    day: int = 1,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    millisecond: int = 0,
) -> JsDate | None:
    """``new Date(Date.UTC(...))`` for integer fields: 0-based month, every
    field overflowing into the next, and years 0..99 meaning 1900..1999."""
    if 0 <= year <= 99:
        year += 1900
    days = _days_from_civil(year + month // 12, month % 12 + 1, 1) + day - 1
    time = days * _MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
    if abs(time) > MAX_TIME_VALUE:
        return None
    return JsDate(time)


# --- segmentio/isodate -------------------------------------------------------------------------
# JS `\d` is ASCII only and JS `$` (without the m flag) matches only at the very end, so the
# patterns use [0-9] and fullmatch.

_ISO_MATCHER: Final = re.compile(
    r"([0-9]{4})(?:-?([0-9]{2})(?:-?([0-9]{2}))?)?"
    r"(?:([ T])([0-9]{2}):?([0-9]{2})(?::?([0-9]{2})(?:[,.]([0-9]+))?)?"
    r"(?:(Z)|([+\-])([0-9]{2})(?::?([0-9]{2}))?)?)?"
)
# Strict mode needs both dashes of the date, so it is this single pattern.
_STRICT_MATCHER: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:([ T])([0-9]{2}):?([0-9]{2})(?::?([0-9]{2})(?:[,.]([0-9]+))?)?"
    r"(?:(Z)|([+\-])([0-9]{2})(?::?([0-9]{2}))?)?)?"
)


def is_iso_date(value: str, *, strict: bool) -> bool:
    """``isodate.is``: strict mode first requires a ``YYYY-MM-DD`` prefix."""
    if strict:
        return _STRICT_MATCHER.fullmatch(value) is not None
    return _ISO_MATCHER.fullmatch(value) is not None


_STRICT_FIELDS: Final = (
    (1, "month", 1, 12),
    (2, "day", 1, 31),
    (4, "hour", 0, 23),
    (5, "minute", 0, 59),
    (6, "second", 0, 59),
    (10, "offset hour", 0, 23),
    (11, "offset minute", 0, 59),
)
"""The fields of ``_STRICT_MATCHER`` with a calendar range: group, name, first, last
(a day's last is its month's length)."""


def _days_in_month(year: int, month: int) -> int:
    following = _days_from_civil(year + month // 12, month % 12 + 1, 1)
    return following - _days_from_civil(year, month, 1)


def impossible_field(value: str) -> str | None:
    """The field that makes the strict ISO date-time ``value`` a date no calendar has,
    with its range (``"day 30 is not 01 to 29 in 2024-02"``); None when every field is
    in range, or when ``value`` is no strict ISO date-time at all.

    isodate carries such a field into the next unit, as ``Date.UTC`` does (``2024-13-01``
    is 2025-01-01), which is right for reading messages; a person who types one meant
    another date.
    """
    match = _STRICT_MATCHER.fullmatch(value)
    if match is None:
        return None
    groups = match.groups()
    for group, name, first, last in _STRICT_FIELDS:
        text = groups[group]
        if text is None:
            continue
        within = ""
        if name == "day":
            last = _days_in_month(int(groups[0]), int(groups[1]))
            within = f" in {groups[0]}-{groups[1]}"
        if not first <= int(text) <= last:
            return f"{name} {text} is not {first:02d} to {last:02d}{within}"
    return None


def strict_instant_ms(value: str) -> int | None:
    """Epoch milliseconds of the instant a strict ISO-8601 date or date-time names, read
    as the standard reads it: the year as written, the offset applied with either
    separator, no zone meaning UTC. None when ``value`` is not one, or names a field out
    of range (see ``impossible_field``).

    This is for dates a person types, such as the command line's time window; messages
    are read as isodate reads them (``parse_iso_date``), years 0..99 as 1900..1999 and
    the zone ignored after a space.
    """
    match = _STRICT_MATCHER.fullmatch(value)
    if match is None or impossible_field(value) is not None:
        return None
    year, month, day, _, hour, minute, second, fraction, _, sign, tz_hour, tz_minute = (
        match.groups()
    )
    offset = 0
    if sign is not None:
        offset = int(tz_hour) * 60 + (int(tz_minute) if tz_minute else 0)
        if sign == "-":
            offset = -offset
    days = _days_from_civil(int(year), int(month), int(day))
    minutes = (days * 24 + (int(hour) if hour else 0)) * 60 + (int(minute) if minute else 0)
    milliseconds = (int(second) if second else 0) * 1000
    if fraction:
        milliseconds += int((fraction + "00")[:3])
    return (minutes - offset) * 60_000 + milliseconds


def _iso_from_match(match: re.Match[str]) -> JsDate | None:
    (
        year,
        month,
        day,
        separator,
        hour,
        minute,
        second,
        fraction,
        zulu,
        sign,
        tz_hour,
        tz_minute,
    ) = match.groups()
    offset = 0
    # A space separator means the host's local offset, and the zone is then ignored.
    # heapseg models a server on a UTC host, whose offset is 0.
    if separator != " " and zulu is None and sign is not None:
        offset = int(tz_hour) * 60 + (int(tz_minute) if tz_minute else 0)
        if sign == "+":
            offset = -offset
    return date_utc(
        int(year),
        (int(month) or 1) - 1 if month else 0,
        (int(day) or 1) if day else 1,
        int(hour) if hour else 0,
        (int(minute) if minute else 0) + offset,
        int(second) if second else 0,
        int((fraction + "00")[:3]) if fraction else 0,
    )


def parse_iso_date(value: str) -> JsDate | None:
    """``isodate.parse`` for a string its matcher accepts; None for any other string.

    Month or day ``00`` means 1, out-of-range fields overflow as in ``Date.UTC``
    (``2016-13-45`` is 2017-02-14), years 0..99 mean 1900..1999, the fraction is
    truncated to milliseconds, ``±HH[:MM]`` is applied and ``T`` without a zone
    is UTC. A space separator uses the host's offset and ignores any zone; this
    takes a UTC host, as Segment's servers are.
    """
    match = _ISO_MATCHER.fullmatch(value)
    return None if match is None else _iso_from_match(match)


def strict_iso_date(value: str) -> JsDate | None:
    """The date a strict-mode traverse makes of ``value``, or None if it keeps the string.

    The dash check first turns most strings away before any pattern runs.
    """
    if len(value) < 10 or value[4] != "-" or value[7] != "-":
        return None
    match = _STRICT_MATCHER.fullmatch(value)
    return None if match is None else _iso_from_match(match)


_CANONICAL: Final = re.compile(
    r"(?!00)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z"
)
_LONG_MONTHS: Final = frozenset(("01", "03", "05", "07", "08", "10", "12"))


def is_canonical_iso(text: str) -> bool:
    """Whether ``text`` is exactly the ``toISOString`` of the date it parses to.

    True for ``YYYY-MM-DDTHH:MM:SS.sssZ`` with a year from 0100 (years 0..99 mean
    1900..1999) and every field in range, the form Segment's libraries send; the
    ISO parsers would turn such a string into a date that prints as the string itself.
    """
    if _CANONICAL.fullmatch(text) is None:
        return False
    day = text[8:10]
    if day <= "28":
        return True
    month = text[5:7]
    if month == "02":
        year = int(text[:4])
        return day == "29" and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day != "31" or month in _LONG_MONTHS


_COMMON_ISO: Final = re.compile(
    r"(?!00)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3}(?:[0-9]{3})?)?"
    r"(?:Z|[+\-][0-9]{2}:[0-9]{2})"
)
_UTC: Final = timezone.utc


def common_iso_text(text: str) -> str | None:
    """``toISOString`` of the date every ISO parser here makes of ``text``, for the forms
    servers send (``YYYY-MM-DDTHH:MM:SS[.sss[sss]]`` with ``Z`` or ``±HH:MM``, and the
    date alone, ``YYYY-MM-DD``, which means UTC midnight); None for any other string,
    which then needs the full parse.

    ``datetime`` reads these forms as ``isodate`` does whenever every field is in range
    and the year is not 00xx; otherwise (overflowing fields, which JS carries into the
    next unit) this answers None too.
    """
    if len(text) == 10:
        midnight = text + "T00:00:00.000Z"
        return midnight if is_canonical_iso(midnight) else None
    if text[-1:] == "Z" and is_canonical_iso(text):
        return text
    if _COMMON_ISO.fullmatch(text) is None:
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] == "Z" else text)
        moment = moment.astimezone(_UTC)
    except (ValueError, OverflowError):
        return None
    return _ISO_FORMAT % (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond // 1000,
    )


_ISO_FORMAT: Final = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"
"""``toISOString``'s form, for years 0 to 9999."""


def strict_iso_text(text: str) -> str | None:
    """The ISO string of the date a strict-mode traverse makes of ``text``; None if it
    keeps the string. The common ISO forms skip the full parse."""
    common = common_iso_text(text)
    if common is not None:
        return common
    date = strict_iso_date(text)
    return None if date is None else date.iso()


# --- segmentio/isodate-traverse ----------------------------------------------------------------

_Container: TypeAlias = "dict[Any, object] | list[object] | tuple[object, ...]"


def _json_path(keys: list[str | int]) -> str:
    parts = ["$"]
    for key in keys:
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(parts)


def convert_iso_strings(value: object) -> object:
    """``isodate-traverse`` in strict mode over a whole message, without mutating it.

    Like ``@segment/isodate-traverse`` 1.1.x (what Facade 3.x resolves), every
    object and array is walked, arrays nested in arrays included, and every
    string passing the strict check is replaced by a ``JsDate``, whether it
    is an object value, an array item or ``value`` itself. (The 1.0.x releases
    walked arrays only into objects; current installs do not use them.)

    Subtrees with nothing to convert are returned as the very same objects;
    changed containers are shallow copies (a tuple, read as an array, becomes a list).
    The walk uses an explicit stack, so depth is unlimited. A container that contains
    itself raises InvalidEvent.
    """
    if isinstance(value, str):
        converted = strict_iso_date(value)
        return value if converted is None else converted
    if not isinstance(value, (dict, list, tuple)) or not value:
        return value

    # One frame per open container: the container, an iterator over (key, child)
    # pairs, the key under which the container sits in its parent, and the
    # replacements found so far (None while there are none).
    stack: list[tuple[_Container, Iterator[tuple[Any, object]], Any, dict[Any, object]]]
    open_ids: set[int] = {id(value)}
    stack = [(value, _items(value), "", {})]
    result: object = value
    while stack:
        container, items, key_in_parent, changes = stack[-1]
        descended = False
        for key, child in items:
            if isinstance(child, str):
                converted = strict_iso_date(child)
                if converted is not None:
                    changes[key] = converted
            elif isinstance(child, (dict, list, tuple)) and child:
                if id(child) in open_ids:
                    path = _json_path([frame[2] for frame in stack[1:]] + [key])
                    raise InvalidEvent(path, "the value contains itself, so it is not JSON data")
                open_ids.add(id(child))
                stack.append((child, _items(child), key, {}))
                descended = True
                break
        if descended:
            continue
        stack.pop()
        open_ids.discard(id(container))
        rebuilt = _rebuild(container, changes) if changes else container
        if stack:
            if rebuilt is not container:
                stack[-1][3][key_in_parent] = rebuilt
        else:
            result = rebuilt
    return result


def _items(container: _Container) -> Iterator[tuple[Any, object]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def _rebuild(container: _Container, changes: dict[Any, object]) -> _Container:
    """A shallow copy of ``container`` with the values at the changed keys replaced."""
    if isinstance(container, dict):
        copy = dict(container)
        copy.update(changes)
        return copy
    items = list(container)
    for index, new_value in changes.items():
        items[index] = new_value
    return items


# --- JavaScript Date parsing (new Date(string)) -------------------------------------------------

_MONTH_NAMES: Final = {name.lower(): number for number, name in enumerate(_MONTHS)} | {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
}
_ZONE_NAMES: Final = {
    "gmt": 0,
    "ut": 0,
    "utc": 0,
    "z": 0,
    "est": -300,
    "edt": -240,
    "cst": -360,
    "cdt": -300,
    "mst": -420,
    "mdt": -360,
    "pst": -480,
    "pdt": -420,
}
_ES_DATE_TIME: Final = re.compile(
    r"([0-9]{4}|[+-][0-9]{6})(?:-([0-9]{2})(?:-([0-9]{2}))?)?"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?)?"
)
_WEEKDAY: Final = r"(?:sun|mon|tue|wed|thu|fri|sat)[a-z]*"
_MONTH: Final = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december)"  # noqa: E501
_TIME: Final = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
_ZONE: Final = r"(?:(gmt|utc|ut|z)(?:([+-])([0-9]{2}):?([0-9]{2}))?|([+-])([0-9]{2}):?([0-9]{2})|(est|edt|cst|cdt|mst|mdt|pst|pdt))"  # noqa: E501
_RFC_2822: Final = re.compile(
    rf"(?:{_WEEKDAY},?\s*)?([0-9]{{1,2}})\s+{_MONTH}\s+([0-9]{{1,6}})"
    rf"(?:\s+{_TIME})?(?:\s+{_ZONE})?(?:\s+\([^()]*\))?",
    re.IGNORECASE | re.ASCII,
)
_DATE_TO_STRING: Final = re.compile(
    rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+([0-9]{{1,2}})\s+([0-9]{{1,6}})"
    rf"(?:\s+{_TIME})?(?:\s+{_ZONE})?(?:\s+\([^()]*\))?",
    re.IGNORECASE | re.ASCII,
)


def _es_date_time(match: re.Match[str]) -> JsDate | None:
    # "Z" and no zone at all (local time on a UTC host) both mean UTC, so only a sign matters.
    year_text, month, day, hour, minute, second, fraction, _, sign, tz_hour, tz_minute = (
        match.groups()
    )
    if year_text == "-000000":
        return None
    fields = (
        int(month) if month else 1,
        int(day) if day else 1,
        int(hour) if hour else 0,
        int(minute) if minute else 0,
        int(second) if second else 0,
        int((fraction + "00")[:3]) if fraction else 0,
    )
    month_number, day_number, hours, minutes, seconds, millis = fields
    if not (1 <= month_number <= 12 and 1 <= day_number <= 31 and minutes <= 59 and seconds <= 59):
        return None
    if hours > 24 or (hours == 24 and (minutes or seconds or millis)):
        return None
    offset = 0
    if sign is not None:
        if int(tz_hour) > 23 or int(tz_minute) > 59:
            return None
        offset = int(tz_hour) * 60 + int(tz_minute)
        if sign == "+":
            offset = -offset
    year = int(year_text)
    days = _days_from_civil(year, month_number, 1) + day_number - 1
    time = days * _MS_PER_DAY + ((hours * 60 + minutes + offset) * 60 + seconds) * 1000 + millis
    return time_clip(time)


def _legacy_date(
    day_text: str, month_name: str, year_text: str, time_and_zone: tuple[str | None, ...]
) -> JsDate | None:
    hour, minute, second, zone_name, zone_sign, zone_hour, zone_minute = time_and_zone[:7]
    sign, sign_hour, sign_minute, us_zone = time_and_zone[7:]
    day = int(day_text)
    year = int(year_text)
    if year <= 49:
        year += 2000
    elif year <= 99:
        year += 1900
    hours = int(hour) if hour else 0
    minutes = int(minute) if minute else 0
    seconds = int(second) if second else 0
    if not 1 <= day <= 31 or minutes > 59 or seconds > 59:
        return None
    if hours > 24 or (hours == 24 and (minutes or seconds)):
        return None
    offset = 0
    if zone_name is not None:
        if zone_sign is not None:
            offset = int(zone_hour or 0) * 60 + int(zone_minute or 0)
            offset = offset if zone_sign == "+" else -offset
    elif sign is not None:
        if hour is None:  # V8 reads a bare numeric offset only after a time or "GMT"
            return None
        offset = int(sign_hour or 0) * 60 + int(sign_minute or 0)
        offset = offset if sign == "+" else -offset
    elif us_zone is not None:
        offset = _ZONE_NAMES[us_zone.lower()]
    month = _MONTH_NAMES[month_name.lower()]
    days = _days_from_civil(year + month // 12, month % 12 + 1, 1) + day - 1
    time = days * _MS_PER_DAY + ((hours * 60 + minutes - offset) * 60 + seconds) * 1000
    return time_clip(time)


def js_date_parse(value: str) -> JsDate | None:
    """``new Date(value)`` in V8 on a UTC host, for the formats servers send.

    Supported: the ECMAScript date-time format (``YYYY[-MM[-DD]][THH:mm[:ss[.sss]]][Z|±HH:mm]``,
    with ``±YYYYYY`` years), RFC 2822 / ``toUTCString`` (``Wed, 09 Aug 1995 04:10:23 GMT``)
    and ``Date.prototype.toString`` (``Fri Jan 01 2016 00:00:00 GMT+0000 (...)``).
    V8's legacy parser accepts much more (``"garbage 2016"``); for anything else
    this returns None, which the caller treats as an unparseable date.
    """
    match = _ES_DATE_TIME.fullmatch(value)
    if match is not None:
        return _es_date_time(match)
    match = _RFC_2822.fullmatch(value)
    if match is not None:
        day, month, year, *rest = match.groups()
        return _legacy_date(day, month, year, tuple(rest))
    match = _DATE_TO_STRING.fullmatch(value)
    if match is not None:
        month, day, year, *rest = match.groups()
        return _legacy_date(day, month, year, tuple(rest))
    return None


# --- segmentio/new-date via segmentio/facade ------------------------------------------------------

_MILLISECONDS_STRING: Final = re.compile(r"[0-9]{13}")
_SECONDS_STRING: Final = re.compile(r"[0-9]{10}")
_SECONDS_BELOW: Final = 31_557_600_000
_JS_WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_PARSE_INT: Final = re.compile(r"[+-]?[0-9]+")
_DOUBLE_DIGITS: Final = 309
"""More digits than this (leading zeros aside) exceed the largest double, about 1.8e308."""


def _parse_int(value: str) -> float:
    """JS ``parseInt(value, 10)`` (NaN when there are no leading digits).

    Beyond a double's range the answer is an infinity, found without converting the
    digits (Python refuses to turn very long digit strings into ints).
    """
    match = _PARSE_INT.match(value.lstrip(_JS_WHITESPACE))
    if match is None:
        return math.nan
    text = match.group()
    sign = -1.0 if text[0] == "-" else 1.0
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _DOUBLE_DIGITS:
        return sign * math.inf
    try:
        return sign * float(int(digits or "0"))
    except OverflowError:
        return sign * math.inf


def facade_timestamp(value: object) -> JsDate | None:
    """The date ``new Facade(msg).timestamp()`` holds when ``msg.timestamp`` is ``value``.

    Facade passes a present ``timestamp`` key through ``new-date``: numbers below
    31557600000 are seconds, others milliseconds; strings are tried as non-strict
    ISO dates, then as containing 13 digits (``parseInt`` as milliseconds), then
    10 digits (``parseInt`` as seconds), then ``new Date(string)``
    (``js_date_parse``). None means the date would be invalid (its
    ``toISOString`` throws) or is left to the caller.

    Non-strings are not dates here and give None, although Facade does make
    something of them: a present but ``null`` timestamp becomes ``new Date(null)``,
    the epoch (``1970-01-01T00:00:00.000Z``); ``true``/``false`` become 1 ms / 0 ms
    after the epoch; an object gives an Invalid Date; an array is read as its
    comma-joined string. A missing key means "now".
    """
    if isinstance(value, JsDate):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            time = float(value)
        except OverflowError:
            return None
        if time < _SECONDS_BELOW:
            time *= 1000
        return time_clip(time)
    if not isinstance(value, str):
        return None
    match = _ISO_MATCHER.fullmatch(value)
    if match is not None:
        return _iso_from_match(match)
    if _MILLISECONDS_STRING.search(value):
        return time_clip(_parse_int(value))
    if _SECONDS_STRING.search(value):
        return time_clip(_parse_int(value) * 1000)
    return js_date_parse(value)


# --- dayjs.utc ---------------------------------------------------------------------------------

_DAYJS_PARSE: Final = re.compile(
    rf"([0-9]{{4}})[-/]?([0-9]{{1,2}})?[-/]?([0-9]{{0,2}})[Tt{_JS_WHITESPACE}]*"
    r"([0-9]{1,2})?:?([0-9]{1,2})?:?([0-9]{1,2})?[.:]?([0-9]+)?"
)


def dayjs_utc(value: object) -> JsDate | None:
    """The date ``dayjs.utc(value)`` holds (dayjs 1.11 with the utc plugin); None if invalid.

    A number is epoch milliseconds. A string not ending in ``Z``/``z`` that
    matches dayjs's ``REGEX_PARSE`` is built field by field with ``Date.UTC``,
    which is why ``"1629213675449"`` reads as year 1629, month 21, day 36,
    75:44:09 (1630-10-09T03:44:09.000Z). Other strings go to ``new Date``
    (``js_date_parse``). ``null`` is invalid; booleans are 0 / 1 ms as
    ``new Date(false/true)``; objects and arrays give None.
    """
    if isinstance(value, JsDate):
        return value
    if value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            return time_clip(float(value))
        except OverflowError:
            return None
    if not isinstance(value, str):
        return None
    if not value.endswith(("Z", "z")):
        match = _DAYJS_PARSE.fullmatch(value)
        if match is not None:
            year, month, day, hour, minute, second, fraction = match.groups()
            return date_utc(
                int(year),
                int(month) - 1 if month is not None else 0,
                int(day) if day else 1,
                int(hour) if hour else 0,
                int(minute) if minute else 0,
                int(second) if second else 0,
                int((fraction or "0")[:3]),
            )
    return js_date_parse(value)
