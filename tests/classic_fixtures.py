"""The two server fixtures of Segment's classic cloud integration (segment-classic.md §5).

Each is the Segment message and the JSON body the integration POSTs for it. The
fixture files write ``property: 3`` and ``pass: 1`` as strings, which passes
upstream only because its comparison is loose; the code keeps numbers (§3.4),
so the bodies here hold numbers.
"""

from __future__ import annotations

from typing import Any, Final

APP_ID: Final = "1535634150"

_NESTED_FOO: Final = {
    "bar": {"hello": "teemo"},
    "cheese": ["1", 2, "cheers"],
    "products": [{"A": "Jello"}, {"B": "Peanut"}],
}
_PRODUCTS: Final = [{"foo": "bar", "bar": "baz"}, {"hello": "hello", "bye": "bye"}]

TRACK_MESSAGE: Final[dict[str, Any]] = {
    "type": "track",
    "userId": "user-id",
    "event": "TEEEMO2",
    "timestamp": "2017-04-21T21:49:04.987Z",
    "context": {"library": {"name": "analytics-node"}},
    "properties": {
        "skipThis": None,
        "pass": 1,
        "email": "jd@example.com",
        "products": _PRODUCTS,
        "foo": _NESTED_FOO,
    },
}

TRACK_PROPERTIES: Final[dict[str, Any]] = {
    "pass": 1,
    "_email": "jd@example.com",
    "segment_library": "analytics-node",
    "foo.bar.hello": "teemo",
    "foo.cheese": '["1",2,"cheers"]',
    "foo.products": '[{"A":"Jello"},{"B":"Peanut"}]',
    "products": '[{"foo":"bar","bar":"baz"},{"hello":"hello","bye":"bye"}]',
}

TRACK_BODY: Final[dict[str, Any]] = {
    "app_id": APP_ID,
    "identity": "user-id",
    "event": "TEEEMO2",
    "timestamp": "2017-04-21T21:49:04.987Z",
    "properties": TRACK_PROPERTIES,
}

IDENTIFY_MESSAGE: Final[dict[str, Any]] = {
    "type": "identify",
    "userId": "123456",
    "context": {"library": {"name": "analytics-ios"}},
    "traits": {
        "email": "teemo@teemo.com",
        "property": 3,
        "products": _PRODUCTS,
        "foo": _NESTED_FOO,
    },
}

IDENTIFY_PROPERTIES: Final[dict[str, Any]] = {
    "property": 3,
    "_email": "teemo@teemo.com",
    "id": "123456",
    "segment_library": "analytics-ios",
    "foo.bar.hello": "teemo",
    "foo.cheese": '["1",2,"cheers"]',
    "foo.products": '[{"A":"Jello"},{"B":"Peanut"}]',
    "products": '[{"foo":"bar","bar":"baz"},{"hello":"hello","bye":"bye"}]',
}

IDENTIFY_BODY: Final[dict[str, Any]] = {
    "app_id": APP_ID,
    "identity": "123456",
    "properties": IDENTIFY_PROPERTIES,
}
