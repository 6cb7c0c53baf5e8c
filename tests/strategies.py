"""Hypothesis strategies shared by the property tests.

They generate what ``json.loads`` can produce (no NaN or infinities), biased
towards the keys and strings the mapping rules treat specially: e-mail keys in
every spelling, ``id``, dotted and integer-like keys, ISO-like date strings,
numbers a JavaScript double cannot hold exactly.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import heapseg
from heapseg._values import ValueRules

MESSAGE_TYPES = ("identify", "track", "page", "screen", "group", "alias")

SPECIAL_KEYS = (
    "email",
    "Email",
    "_email",
    "E-mail",
    "EMAIL",
    "id",
    "segment_library",
    "a",
    "b",
    "a.b",
    "0",
    "1",
    "10",
    "01",
    "",
    "Last Name",
    "__proto__",
    "constructor",
)

DATE_LIKE = (
    "2016-01-01",
    "2016-01-01T10:00",
    "2016-01-01T10",
    "2016-01-01T10:00:00+05:30",
    "2016-01-01T10:00:00,5Z",
    "2016-01-01 10:00",
    "2016-01-01t10:00",
    "2016-13-45",
    "2016-00-00",
    "0050-01-01",
    "0000-00-00T00:00",
    "20160101",
    "2017-04-21T21:49:04.987654321Z",
    "9999-99-99T99:99:99.999-99:99",
    "2014-09-03T00:00:00.000+00:00",
)

EMAIL_LIKE = ("a@b.co", "bob@x.com", "u@host", "")

keys = st.one_of(st.sampled_from(SPECIAL_KEYS), st.text(max_size=6))
strings = st.one_of(st.sampled_from(DATE_LIKE + EMAIL_LIKE), st.text(max_size=10))
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from((2**53 + 1, 2**64 + 1, 1e-7, 1e21, -0.0, 1.0)),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, strings)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=16,
)
"""Any JSON value, nested."""

json_objects: st.SearchStrategy[dict[str, Any]] = st.dictionaries(keys, json_values, max_size=5)
"""A JSON object with arbitrary nested values."""

all_rules = st.builds(
    ValueRules,
    objects=st.sampled_from(["flatten", "stringify", "drop", "keep"]),
    arrays=st.sampled_from(["stringify", "index", "bracket", "keep", "drop"]),
    scalars=st.sampled_from(["keep", "string"]),
    nulls=st.sampled_from(["keep", "drop", "drop-top-level", "string"]),
    empty=st.sampled_from(["keep", "drop"]),
    separate=st.sampled_from(["always", "after-non-empty"]),
    top_level_years=st.sampled_from(["iso", "unpadded"]),
)
"""Every combination of ``ValueRules`` choices."""

mostly_objects = st.one_of(json_objects, json_objects, json_values)
identities = st.one_of(
    st.sampled_from(("u1", "bob@x.com", "", "2016-01-01")),
    st.text(max_size=8),
    numbers,
    st.none(),
    json_values,
)
timestamps = st.one_of(st.sampled_from(DATE_LIKE), st.text(max_size=8), numbers, json_values)
integrations = st.one_of(
    st.dictionaries(
        st.sampled_from(("All", "Heap", "heap", "all", "Mixpanel")),
        st.one_of(st.booleans(), json_objects, json_values),
        max_size=3,
    ),
    json_values,
)
contexts = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "traits": mostly_objects,
            "library": st.one_of(
                st.fixed_dictionaries({}, optional={"name": st.one_of(strings, json_values)}),
                json_values,
            ),
            "page": json_objects,
        },
    ),
    json_values,
)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    """A Segment-like message: usually well formed, with junk mixed into every field."""
    message: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "userId": identities,
                "anonymousId": st.one_of(st.text(max_size=8), json_values),
                "event": st.one_of(st.text(max_size=8), json_values),
                "traits": mostly_objects,
                "properties": mostly_objects,
                "context": contexts,
                "integrations": integrations,
                "timestamp": timestamps,
                "messageId": st.text(max_size=8),
                "name": strings,
                "groupId": st.text(max_size=8),
                "previousId": st.text(max_size=8),
            },
        )
    )
    message_type = draw(
        st.one_of(
            st.sampled_from(MESSAGE_TYPES),
            st.sampled_from(MESSAGE_TYPES),
            st.sampled_from(("", "Identify", "TRACK", "delete", "extract")),
            json_values,
            st.just(None),
        )
    )
    if message_type is not None:
        message["type"] = message_type
    return message


identity_values = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
)
optional_text = st.none() | st.text(max_size=8)
warnings = st.lists(st.text(max_size=8), max_size=3).map(tuple)


def _user_property_calls(identity: st.SearchStrategy[Any]) -> st.SearchStrategy[heapseg.Call]:
    return st.builds(
        heapseg.AddUserProperties,
        json_objects,
        identity,
        origin=st.none() | st.just("track"),
        warnings=warnings,
    )


def _track_calls(identity: st.SearchStrategy[Any]) -> st.SearchStrategy[heapseg.Call]:
    return st.builds(
        heapseg.Track,
        st.text(max_size=8),
        json_objects,
        identity=identity,
        anonymous_id=optional_text,
        user_id=optional_text,
        email=optional_text,
        timestamp=st.none() | st.text(max_size=8) | identity_values,
        idempotency_key=st.none() | st.text(max_size=8) | identity_values,
        warnings=warnings,
    )


sendable_calls: st.SearchStrategy[heapseg.Call] = st.one_of(
    _user_property_calls(identity_values), _track_calls(identity_values)
)
"""Calls a cloud renderer sends: tracks and user properties that carry an identity."""

calls: st.SearchStrategy[heapseg.Call] = st.one_of(
    st.builds(heapseg.Identify, identity_values, warnings=warnings),
    _user_property_calls(st.none() | identity_values),
    _track_calls(st.none() | identity_values),
    st.builds(heapseg.Unsupported, st.text(max_size=8), st.text(max_size=20)),
)
"""Any call descriptor, with every optional field sometimes set."""
