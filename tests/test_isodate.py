"""JS dates as isodate, isodate-traverse, new-date (Facade) and dayjs.utc make them.

Expected values come from the spec (segment-classic.md §2a/§5, segment-actions.md
§2.9/§7.3), from the upstream libraries' own test vectors, or are derived by hand
from the documented rules (epoch arithmetic written out in the comments).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heapseg import InvalidEvent
from heapseg._isodate import (
    MAX_TIME_VALUE,
    JsDate,
    convert_iso_strings,
    date_utc,
    dayjs_utc,
    facade_timestamp,
    impossible_field,
    is_iso_date,
    js_date_parse,
    parse_iso_date,
    strict_instant_ms,
    time_clip,
)

DAY = 86_400_000
JAN_1_2016 = 1_451_606_400_000  # 16436 days after the epoch


def iso_of(date: JsDate | None) -> str | None:
    return None if date is None else date.iso()


# --- JsDate ------------------------------------------------------------------------------------

ISO_STRINGS = [
    (0, "1970-01-01T00:00:00.000Z"),
    (-1, "1969-12-31T23:59:59.999Z"),
    (JAN_1_2016, "2016-01-01T00:00:00.000Z"),
    (951_782_400_000, "2000-02-29T00:00:00.000Z"),  # 10957 days to 2000-01-01, +59
    (1_629_213_675_449, "2021-08-17T15:21:15.449Z"),  # segment-actions.md §2.9
    (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    (253_402_300_800_000, "+010000-01-01T00:00:00.000Z"),
    (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
    (-62_167_219_200_001, "-000001-12-31T23:59:59.999Z"),
    (-62_198_755_200_000, "-000001-01-01T00:00:00.000Z"),
    (MAX_TIME_VALUE, "+275760-09-13T00:00:00.000Z"),
    (-MAX_TIME_VALUE, "-271821-04-20T00:00:00.000Z"),
]


@pytest.mark.parametrize(("ms", "iso"), ISO_STRINGS)
def test_iso_matches_to_iso_string(ms: int, iso: str) -> None:
    assert JsDate(ms).iso() == iso


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (JAN_1_2016, "Fri Jan 01 2016 00:00:00 GMT+0000 (Coordinated Universal Time)"),
        (0, "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"),
        (807_941_423_000, "Wed Aug 09 1995 04:10:23 GMT+0000 (Coordinated Universal Time)"),
        (-62_198_755_200_000, "Fri Jan 01 -0001 00:00:00 GMT+0000 (Coordinated Universal Time)"),
        (MAX_TIME_VALUE, "Sat Sep 13 275760 00:00:00 GMT+0000 (Coordinated Universal Time)"),
    ],
)
def test_to_string_as_on_a_utc_host(ms: int, text: str) -> None:
    assert JsDate(ms).to_string() == text


@pytest.mark.parametrize("ms", [MAX_TIME_VALUE + 1, -MAX_TIME_VALUE - 1])
def test_invalid_time_values_cannot_be_dates(ms: int) -> None:
    with pytest.raises(ValueError, match="outside the range"):
        JsDate(ms)


@given(st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999))
def test_iso_agrees_with_datetime_for_years_1_to_9999(ms: int) -> None:
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
    expected = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M:%S}."
    assert JsDate(ms).iso() == expected + f"{ms % 1000:03d}Z"
    assert JsDate(ms).to_string()[:3] == moment.strftime("%a")


ISO_PATTERN = re.compile(r"([+-][0-9]{6}|[0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9:]{8})\.([0-9]{3})Z")


@given(st.integers(min_value=-MAX_TIME_VALUE, max_value=MAX_TIME_VALUE))
def test_iso_agrees_with_datetime_shifted_by_400_year_cycles(ms: int) -> None:
    # The Gregorian calendar repeats every 400 years (146097 days), so any year can be
    # checked against datetime after shifting it into 1..9999 by whole cycles.
    match = ISO_PATTERN.fullmatch(JsDate(ms).iso())
    assert match is not None
    year_text, month, day, clock, millis = match.groups()
    year = int(year_text)
    assert (0 <= year <= 9999) == (len(year_text) == 4)
    cycles = (5000 - year) // 400
    shifted = dt.datetime(year + 400 * cycles, int(month), int(day))
    shifted += dt.timedelta(hours=int(clock[:2]), minutes=int(clock[3:5]), seconds=int(clock[6:]))
    shifted += dt.timedelta(milliseconds=int(millis))
    since_epoch = shifted - dt.datetime(1970, 1, 1) - dt.timedelta(days=146_097 * cycles)
    assert since_epoch == dt.timedelta(milliseconds=ms)


def test_time_clip() -> None:
    assert time_clip(1.9) == JsDate(1)
    assert time_clip(-1.9) == JsDate(-1)
    assert time_clip(-0.0) == JsDate(0)
    assert time_clip(float(MAX_TIME_VALUE)) == JsDate(MAX_TIME_VALUE)
    assert time_clip(MAX_TIME_VALUE + 1.0) is None
    assert time_clip(float("nan")) is None
    assert time_clip(float("inf")) is None


def test_date_utc_overflows_and_maps_two_digit_years() -> None:
    assert iso_of(date_utc(2016, 12, 45)) == "2017-02-14T00:00:00.000Z"
    assert iso_of(date_utc(2016, -1, 1)) == "2015-12-01T00:00:00.000Z"
    assert iso_of(date_utc(50, 0, 1)) == "1950-01-01T00:00:00.000Z"
    assert iso_of(date_utc(0, 0, 1)) == "1900-01-01T00:00:00.000Z"
    assert iso_of(date_utc(100, 0, 1)) == "0100-01-01T00:00:00.000Z"
    assert iso_of(date_utc(2016, 0, 0)) == "2015-12-31T00:00:00.000Z"
    assert date_utc(275_760, 8, 13, 0, 0, 0, 1) is None


# --- isodate.is / isodate.parse ----------------------------------------------------------------

IS_ISO = [
    # value, strict, non-strict
    ("2016-01-01", True, True),
    ("2016-01-01T10:00", True, True),
    ("2016-01-01T10", False, False),  # spec §2a: not converted
    ("20160101", False, True),  # spec §2a: not converted (strict)
    ("4000", False, True),  # isodate-traverse test: numbers are not converted by default
    ("2016", False, True),
    ("2016-01", False, True),
    ("2016-0101", False, True),
    ("2016-01-01T10:00:00.123456+05:30", True, True),
    ("2016-01-01T10:00:00,5Z", True, True),
    ("2016-01-01T1000", True, True),
    ("2016-01-01 10:00", True, True),
    ("2016-01-01T10:00+05", True, True),
    ("2013-09-04T01:06:46.983-0700", True, True),
    ("2016-01-01t10:00", False, False),  # case-sensitive
    ("2016-01-01T10:00z", False, False),
    ("2016-01-01\n", False, False),  # JS `$` does not match before a final newline
    ("\u0662\u0660\u0661\u0666-\u0660\u0661-\u0660\u0661", False, False),  # JS \d is ASCII
    ("2016-01-01T10:00:00.Z", False, False),
    ("2016-01-01T10:00:00+5", False, False),
    (" 2016-01-01", False, False),
    ("", False, False),
]


@pytest.mark.parametrize(("value", "strict", "loose"), IS_ISO)
def test_is_iso_date(value: str, strict: bool, loose: bool) -> None:
    assert is_iso_date(value, strict=True) is strict
    assert is_iso_date(value, strict=False) is loose


PARSE_ISO = [
    # segment-classic.md §2a
    ("2016-01-01", "2016-01-01T00:00:00.000Z"),
    ("2016-01-01T10:00", "2016-01-01T10:00:00.000Z"),
    ("2016-01-01T10:00:00+05:30", "2016-01-01T04:30:00.000Z"),
    ("2016-01-01T10:00:00,5Z", "2016-01-01T10:00:00.500Z"),
    ("2016-13-45", "2017-02-14T00:00:00.000Z"),
    ("0050-01-01", "1950-01-01T00:00:00.000Z"),
    # isodate-traverse and new-date test vectors
    ("2013-09-04T00:57:26.434Z", "2013-09-04T00:57:26.434Z"),
    ("2013-09-04T01:06:46.983-0700", "2013-09-04T08:06:46.983Z"),
    ("2013-05-31T00:24:47", "2013-05-31T00:24:47.000Z"),
    # hand-derived from the rules
    ("2016-00-00", "2016-01-01T00:00:00.000Z"),
    ("0000-01-01", "1900-01-01T00:00:00.000Z"),
    ("0100-01-01", "0100-01-01T00:00:00.000Z"),
    ("2016-01-01T10:00:00.123456Z", "2016-01-01T10:00:00.123Z"),
    ("2016-01-01T10:00:00.1Z", "2016-01-01T10:00:00.100Z"),
    ("2016-01-01T10:00:00.05Z", "2016-01-01T10:00:00.050Z"),
    ("2016-01-01T10:00:00-0230", "2016-01-01T12:30:00.000Z"),
    ("2016-01-01T10:00+05", "2016-01-01T05:00:00.000Z"),
    ("2016-01-01T25:61:61", "2016-01-02T02:02:01.000Z"),
    ("2016-01-01 10:00:00+05:00", "2016-01-01T10:00:00.000Z"),  # space: host offset, UTC
    ("2016-01-01 10:00", "2016-01-01T10:00:00.000Z"),
    ("2016-01-01T10:00Z", "2016-01-01T10:00:00.000Z"),
    ("2016", "2016-01-01T00:00:00.000Z"),
    ("20160101", "2016-01-01T00:00:00.000Z"),
    ("201602", "2016-02-01T00:00:00.000Z"),
    ("2016-02-30", "2016-03-01T00:00:00.000Z"),
    # not the matcher's: the caller decides
    ("2016-01-01T10", None),
    ("not a date", None),
    ("2016-1-1", None),
]


@pytest.mark.parametrize(("value", "iso"), PARSE_ISO)
def test_parse_iso_date(value: str, iso: str | None) -> None:
    assert iso_of(parse_iso_date(value)) == iso


@given(
    st.integers(1000, 9999),
    st.lists(st.integers(0, 99), min_size=5, max_size=5),
)
def test_impossible_field_is_exactly_a_field_isodate_would_carry(
    year: int, fields: list[int]
) -> None:
    """With no offset, isodate gives back the very fields it read unless one is out of
    range and carried into the next unit: that is when ``impossible_field`` names one."""
    month, day, hour, minute, second = fields
    text = f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
    carried = iso_of(parse_iso_date(text)) != text.replace("Z", ".000Z")
    assert (impossible_field(text) is not None) == carried


@given(
    st.datetimes(dt.datetime(1000, 1, 1), dt.datetime(9999, 12, 30)),
    st.sampled_from(["", "Z", "+02:00", "-0530", "+14", "-23:59"]),
    st.sampled_from(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"]),
)
def test_strict_instants_agree_with_isodate_where_both_read_the_standard(
    moment: dt.datetime, zone: str, pattern: str
) -> None:
    """With a ``T``, a year from 1000 and fields in range, isodate reads the standard's
    instant; ``strict_instant_ms`` reads it the same, and also after a space."""
    text = moment.strftime(pattern) + zone
    parsed = parse_iso_date(text)
    assert parsed is not None
    assert strict_instant_ms(text) == parsed.ms
    assert strict_instant_ms(text.replace("T", " ")) == parsed.ms


# --- isodate-traverse --------------------------------------------------------------------------

D2016 = JsDate(JAN_1_2016)
D2016_10H = JsDate(JAN_1_2016 + 10 * 3_600_000)


def test_convert_walks_objects_and_arrays_and_converts_array_items() -> None:
    message = {
        "a": "2016-01-01",
        "b": ["2016-01-01", ["2016-01-01", "x"], {"c": "2016-01-01T10:00"}, None, 3],
        "d": "foo",
        "e": None,
        "f": 1.5,
        "g": {"h": {"i": "2016-01-01T10:00"}},
        "j": "20160101",
        "k": "2016-01-01t10:00",
    }
    expected = {
        "a": D2016,
        "b": [D2016, [D2016, "x"], {"c": D2016_10H}, None, 3],
        "d": "foo",
        "e": None,
        "f": 1.5,
        "g": {"h": {"i": D2016_10H}},
        "j": "20160101",
        "k": "2016-01-01t10:00",
    }
    assert convert_iso_strings(message) == expected


def test_convert_reads_tuples_as_arrays() -> None:
    untouched = ("x", 1)
    message = {"a": ("2016-01-01", untouched), "b": untouched}
    assert convert_iso_strings(message) == {"a": [D2016, untouched], "b": untouched}
    assert convert_iso_strings(("2016-01-01T10:00",)) == [D2016_10H]


def test_convert_never_mutates_and_shares_unchanged_subtrees() -> None:
    untouched = {"x": ["a", {"y": "b"}], "n": 1}
    message: dict[str, Any] = {"props": untouched, "when": {"at": "2016-01-01"}, "list": [1]}
    snapshot = copy.deepcopy(message)
    result = convert_iso_strings(message)
    assert message == snapshot
    assert isinstance(result, dict)
    assert result is not message
    assert result["props"] is untouched
    assert result["list"] is message["list"]
    assert result["when"] == {"at": D2016}
    assert result["when"] is not message["when"]
    assert list(result) == list(message)


def test_convert_returns_the_same_object_when_nothing_is_date_like() -> None:
    message = {"a": ["2016-01", "4000", {"b": "2016-01-01T10"}], "c": {}, "d": []}
    assert convert_iso_strings(message) is message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2016-01-01", D2016), ("4000", "4000"), (None, None), (5, 5), (D2016, D2016)],
)
def test_convert_top_level_values(value: object, expected: object) -> None:
    assert convert_iso_strings(value) == expected


def test_convert_handles_100000_levels_without_recursion() -> None:
    deep: Any = "2016-01-01"
    for level in range(100_000):
        deep = [deep] if level % 2 else {"k": deep}
    result = convert_iso_strings(deep)
    for level in reversed(range(100_000)):
        result = result[0] if level % 2 else result["k"]
    assert result == D2016


def test_convert_rejects_a_value_that_contains_itself() -> None:
    looped: dict[str, Any] = {"a": [1]}
    looped["a"].append(looped)
    with pytest.raises(InvalidEvent) as caught:
        convert_iso_strings(looped)
    assert caught.value.path == "$.a[1]"


def _reference_traverse(value: object) -> object:
    """isodate-traverse 1.1 transcribed as plain recursion, for comparison."""
    if isinstance(value, dict):
        return {key: _reference_traverse(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_reference_traverse(child) for child in value]
    if isinstance(value, str) and is_iso_date(value, strict=True):
        return parse_iso_date(value)
    return value


date_like = st.sampled_from(
    ["2016-01-01", "2016-01-01T10:00", "2016-13-45", "0050-01-01", "2016-01-01 10:00+05"]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | date_like,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=25,
)


@given(json_values)
def test_convert_agrees_with_the_plain_recursive_definition(value: object) -> None:
    snapshot = copy.deepcopy(value)
    result = convert_iso_strings(value)
    assert repr(value) == repr(snapshot)  # repr: NaN != NaN, but never mutated
    assert repr(result) == repr(_reference_traverse(value))
    if repr(result) == repr(value):
        assert result is value


@given(st.text(alphabet="0123456789-T:+Z ., ", max_size=30))
def test_strict_check_is_prefix_then_matcher(value: str) -> None:
    prefix = (
        len(value) >= 10
        and value[:4].isdigit()
        and value[4] == "-"
        and value[5:7].isdigit()
        and value[7] == "-"
        and value[8:10].isdigit()
    )
    assert is_iso_date(value, strict=True) == (prefix and is_iso_date(value, strict=False))


# --- new Date(string) --------------------------------------------------------------------------

JS_DATE_PARSE = [
    ("2016-01-01T10:00:00.123456+05:30", "2016-01-01T04:30:00.123Z"),
    ("2016-01-01T10:00:00+0530", "2016-01-01T04:30:00.000Z"),
    ("2016-01-01T10:00", "2016-01-01T10:00:00.000Z"),  # local time on a UTC host
    ("2016", "2016-01-01T00:00:00.000Z"),
    ("2016-02-30", "2016-03-01T00:00:00.000Z"),
    ("2016-01-01T24:00", "2016-01-02T00:00:00.000Z"),
    ("+002016-01-01T00:00:00Z", "2016-01-01T00:00:00.000Z"),
    ("-000001-01-01T00:00:00Z", "-000001-01-01T00:00:00.000Z"),
    ("+275760-09-13T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"),
    ("Wed, 09 Aug 1995 04:10:23 GMT", "1995-08-09T04:10:23.000Z"),
    ("Wed, 09 Aug 1995", "1995-08-09T00:00:00.000Z"),
    ("Wed, 09 Aug 1995 04:10:23 +0200", "1995-08-09T02:10:23.000Z"),
    ("Wed, 09 Aug 1995 04:10:23 -0230", "1995-08-09T06:40:23.000Z"),
    ("Wed, 09 Aug 1995 04:10:23 EST", "1995-08-09T09:10:23.000Z"),
    ("Wed, 09 Aug 95 04:10:23 GMT", "1995-08-09T04:10:23.000Z"),
    ("Wed, 09 Aug 49 04:10:23 GMT", "2049-08-09T04:10:23.000Z"),
    ("wed, 09 august 1995 04:10 gmt", "1995-08-09T04:10:00.000Z"),
    ("Wed, 31 Feb 1995 04:10:23 GMT", "1995-03-03T04:10:23.000Z"),
    ("Fri Jan 01 2016 00:00:00 GMT+0000 (Coordinated Universal Time)", "2016-01-01T00:00:00.000Z"),
    ("Fri Jan 01 2016 00:00:00 GMT+0530 (India Standard Time)", "2015-12-31T18:30:00.000Z"),
    ("Fri Jan 01 2016 00:00:00 GMT-0800", "2016-01-01T08:00:00.000Z"),
    ("Fri Jan 01 2016", "2016-01-01T00:00:00.000Z"),
    # invalid in V8
    ("2015-2-02T00:30:08.276Z", None),
    ("2016-13-01", None),
    ("2016-01-32", None),
    ("2016-01-01T24:00:01", None),
    ("2016-01-01T10:00+25:00", None),
    ("+275760-09-13T00:00:00.001Z", None),
    ("1629213675449", None),
    ("Wed, 32 Jan 1995 04:10:23 GMT", None),
    ("Wed, 09 Aug 1995 25:10:23 GMT", None),
    ("28 Oct 6386 +02:00", None),  # a bare offset needs a time before it
    ("string", None),
    ("", None),
]


@pytest.mark.parametrize(("value", "iso"), JS_DATE_PARSE)
def test_js_date_parse(value: str, iso: str | None) -> None:
    assert iso_of(js_date_parse(value)) == iso


# --- Facade timestamp (new-date) ---------------------------------------------------------------

FACADE_TIMESTAMPS: list[tuple[object, int | None]] = [
    # new-date's own test vectors (the local-time ones as a UTC host computes them)
    (1_363_288_923_637, 1_363_288_923_637),
    (1_363_288_923, 1_363_288_923_000),
    ("string", None),
    ("Wed, 09 Aug 1995", 807_926_400_000),
    ("Wed, 09 Aug 1995 04:10:23 GMT", 807_941_423_000),
    ("2013-05-31", 1_369_958_400_000),
    ("2013-05-31 00:24:47", 1_369_959_887_000),
    ("2013-05-31T00:24:47", 1_369_959_887_000),
    ("2013-09-04T01:06:46.983-0700", 1_378_282_006_983),
    ("2013-09-04T01:06:46.983Z", 1_378_256_806_983),
    ("1363288923637", 1_363_288_923_637),
    ("1363288923", 1_363_288_923_000),
    # segment-classic.md §5 fixture
    ("2017-04-21T21:49:04.987Z", 1_492_811_344_987),
    # hand-derived: seconds below 31557600000, truncation, parseInt, non-strict isodate
    (31_557_599_999, 31_557_599_999_000),
    (31_557_600_000, 31_557_600_000),
    (1.5, 1500),
    (-1.5, -1500),
    (0, 0),
    (1_363_288_923_637.9, 1_363_288_923_637),
    (2**70, None),
    (10**400, None),
    (float("nan"), None),
    (float("inf"), None),
    ("2016", JAN_1_2016),
    ("20160101", JAN_1_2016),
    (" 1363288923637", 1_363_288_923_637),
    ("1363288923x", 1_363_288_923_000),
    ("abc1234567890123", None),
    ("x1363288923", None),
    ("Fri Jan 01 2016 00:00:00 GMT+0000 (Coordinated Universal Time)", JAN_1_2016),
    ("2015-2-02T00:30:08.276Z", None),
    # non-strings are left to the caller
    (None, None),
    (True, None),
    (False, None),
    ({}, None),
    (["2016-01-01"], None),
]


@pytest.mark.parametrize(("value", "ms"), FACADE_TIMESTAMPS)
def test_facade_timestamp(value: object, ms: int | None) -> None:
    date = facade_timestamp(value)
    assert (None if date is None else date.ms) == ms


def test_facade_timestamp_keeps_a_date() -> None:
    assert facade_timestamp(D2016) is D2016


# --- dayjs.utc ---------------------------------------------------------------------------------

DAYJS = [
    # segment-actions.md §2.9 and §7.3
    ("2021-08-17T15:21:15.449+02:00", "2021-08-17T13:21:15.449Z"),
    (1_629_213_675_449, "2021-08-17T15:21:15.449Z"),
    ("1629213675449", "1630-10-09T03:44:09.000Z"),
    ("2021-08-17", "2021-08-17T00:00:00.000Z"),
    ("2021-08-17T15:21:15", "2021-08-17T15:21:15.000Z"),
    ("2021-08-17T15:21:15.123456", "2021-08-17T15:21:15.123Z"),
    ("2021-08-17T15:21:15.123456Z", "2021-08-17T15:21:15.123Z"),
    # hand-derived from REGEX_PARSE and Date.UTC
    ("2021-08-17 15:21:15.5", "2021-08-17T15:21:15.005Z"),  # "5".substring(0, 3) ms
    ("2021-00-10", "2020-12-10T00:00:00.000Z"),  # month "00" - 1 is -1
    ("2021-08-0", "2021-07-31T00:00:00.000Z"),  # day "0" is truthy, so day 0
    ("2021/8/17", "2021-08-17T00:00:00.000Z"),
    ("20210817", "2021-08-17T00:00:00.000Z"),
    ("0050", "1950-01-01T00:00:00.000Z"),
    ("2021-08-17T15:21:15+0200", "2021-08-17T13:21:15.000Z"),
    ("Wed, 09 Aug 1995 04:10:23 GMT", "1995-08-09T04:10:23.000Z"),
    (0, "1970-01-01T00:00:00.000Z"),
    (1.9, "1970-01-01T00:00:00.001Z"),
    (True, "1970-01-01T00:00:00.001Z"),
    (None, None),
    ("not a date", None),
    ("", None),
    (MAX_TIME_VALUE + 1, None),
    ({}, None),
]


@pytest.mark.parametrize(("value", "iso"), DAYJS)
def test_dayjs_utc(value: object, iso: str | None) -> None:
    assert iso_of(dayjs_utc(value)) == iso
