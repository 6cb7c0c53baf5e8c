"""Python values that are not JSON: explicit conversion, or InvalidEvent naming the path."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import uuid

import pytest

import heapseg
from heapseg import InvalidEvent


class Plan(enum.Enum):
    PRO = "pro"


TRACK = {"type": "track", "userId": "u", "event": "E"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 5, 1, 12, 0, 0, 123456), "2024-05-01T12:00:00.123Z"),
        (
            dt.datetime(2024, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2024-05-01T12:00:00.000Z",
        ),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (dt.time(9, 30), "09:30:00"),
        (decimal.Decimal("19.95"), 19.95),
        (decimal.Decimal("20.00"), 20),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (Plan.PRO, "pro"),
        ((1, (2, 3)), [1, [2, 3]]),
        ({3, 1, "b", "a"}, [1, 3, "a", "b"]),
        (b"caf\xc3\xa9", "café"),
        ({2: "two", None: "none", False: "no"}, {"2": "two", "null": "none", "false": "no"}),
    ],
)
def test_normalize_converts_explicitly(value: object, expected: object) -> None:
    assert heapseg.normalize({"v": value}) == {"v": expected}


def test_normalize_keeps_nan_as_a_number() -> None:
    result = heapseg.normalize([math.nan])
    assert isinstance(result, list)
    assert math.isnan(result[0])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "path"),
    [(object(), "$.v"), (b"\xff", "$.v"), ({(1, 2): 1}, "$.v[(1, 2)]")],
)
def test_normalize_refuses_what_has_no_json_form(value: object, path: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        heapseg.normalize({"v": value})
    assert caught.value.path == path


@pytest.mark.parametrize("profile", sorted(heapseg.PROFILES))
@pytest.mark.parametrize(
    ("properties", "path"),
    [
        ({"at": dt.datetime(2024, 1, 1)}, "$.properties.at"),
        ({"id": uuid.UUID(int=7)}, "$.properties.id"),
        ({"price": decimal.Decimal("1.5")}, "$.properties.price"),
        ({"nested": {"tags": {"a", "b"}}}, "$.properties.nested.tags"),
        ({"raw": b"x"}, "$.properties.raw"),
        ({3: "three"}, "$.properties[3]"),
    ],
)
def test_translate_names_non_json_values_instead_of_dropping_them(
    profile: str, properties: dict[object, object], path: str
) -> None:
    message = {**TRACK, "anonymousId": "a", "properties": properties}
    with pytest.raises(InvalidEvent) as caught:
        heapseg.translate(message, profile=profile)
    assert caught.value.path == path
    assert "heapseg.normalize" in caught.value.reason


def test_normalized_message_translates() -> None:
    message = {**TRACK, "properties": {"at": dt.datetime(2024, 1, 1), "id": uuid.UUID(int=7)}}
    (call,) = heapseg.translate(heapseg.normalize(message))  # type: ignore[arg-type]
    assert isinstance(call, heapseg.Track)
    assert call.properties["at"] == "2024-01-01T00:00:00.000Z"
    assert call.properties["id"] == "00000000-0000-0000-0000-000000000007"
