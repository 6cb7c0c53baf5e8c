"""Segment facade rules used by the classic profiles: lookups, enabled, e-mail test."""

from __future__ import annotations

import pytest

from heapseg._facade import destination_enabled, is_email, lookup


@pytest.mark.parametrize(
    ("obj", "path", "expected"),
    [
        ({"email": "a"}, "email", "a"),
        ({"Email": "a"}, "email", "a"),
        ({"E-mail": "a"}, "email", "a"),
        ({"_email": "a"}, "email", "a"),
        ({"EMAIL": "a", "email": "b"}, "email", "a"),
        ({"Email": None, "email": "b"}, "email", None),
        ({"e": "x"}, "email", None),
        ({"library": {"Name": "lib"}}, "library.name", "lib"),
        ({"library.name": "flat"}, "library.name", "flat"),
        ({"library": "string"}, "library.name", None),
        ("not an object", "email", None),
    ],
)
def test_lookup(obj: object, path: str, expected: object) -> None:
    assert lookup(obj, path) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({}, True),
        ({"integrations": {}}, True),
        ({"integrations": {"Heap": False}}, False),
        ({"integrations": {"All": False}}, False),
        ({"integrations": {"all": False}}, False),
        ({"integrations": {"All": False, "Heap": True}}, True),
        ({"integrations": {"All": False, "Heap": {"option": 1}}}, True),
        ({"integrations": {"heap": False}}, True),
        ({"integrations": {"Mixpanel": False}}, True),
        ({"integrations": {"All": True, "Heap": False}}, False),
        ({"options": {"providers": {"Heap": False}}}, False),
    ],
)
def test_destination_enabled(message: dict[str, object], expected: bool) -> None:
    assert destination_enabled(message, "Heap") is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bob@x.com", True),
        ("a@b.c", True),
        ("user-1", False),
        ("a@b", False),
        ("a@\nb.c", False),
        (42, False),
        (["a@b.co"], True),
        (None, False),
    ],
)
def test_is_email(value: object, expected: bool) -> None:
    assert is_email(value) is expected
