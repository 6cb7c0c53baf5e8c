"""The actions-web profile against segment-actions.md §4 (Heap Web (Actions), device mode).

The upstream tests (§4.6) subscribe trackEvent with ``identity ← $.userId`` mapped, so they
run on the preset evolved with ``track_identity_from=("$.userId",)``; "unroll" tests also set
``browser_array_limit`` to 5. Every vector of §4.6 and §4.7 is a row below.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import heapseg
from heapseg import AddUserProperties, Identify, InvalidEvent, Track, Unsupported

LIB = "browser-destination"
PRESET = heapseg.PROFILES["actions-web"]
SUBSCRIBED = attrs.evolve(PRESET, track_identity_from=("$.userId",))
"""The upstream test subscription: the trackEvent identity field mapped to $.userId."""
UNROLL = attrs.evolve(SUBSCRIBED, browser_array_limit=5)


def track(properties: Any = ..., **fields: Any) -> dict[str, Any]:
    """A track message for event "hello!".

    Most upstream vectors carry neither an anonymousId nor a userId, which the Segment spec
    does not allow; those messages get the userId 0, which Heap Web treats as absent (it is
    falsy), so they make no user-properties or identify call, as upstream.
    """
    message: dict[str, Any] = {"type": "track", "event": "hello!"}
    message.update(fields)
    if properties is not ...:
        message["properties"] = properties
    if "anonymousId" not in message and "userId" not in message:
        message["userId"] = 0
    return message


PRODUCTS = [
    {
        "name": "Test Product 1",
        "color": "red",
        "qty": 2,
        "custom_vars": {
            "position": 0,
            "something_else": "test",
            "another_one": ["one", "two", "three"],
        },
    },
    {
        "name": "Test Product 2",
        "color": "blue",
        "qty": 1,
        "custom_vars": {
            "position": 1,
            "something_else": "blah",
            "another_one": ["four", "five", "six"],
        },
    },
]
TEST_ARRAYS = {
    "testArray1": [{"val": 1}, {"val": 2}, {"val": 3}],
    "testArray2": [{"val": 4}, {"val": 5}, {"val": "N/A"}],
}
PRODUCT_LIST = [
    {
        "sku": f"SKU-{n}",
        "url": f"https://example.com/p/{n}",
        "variant": "black",
        "vip_price": 59.95,
        "membership_brand_id": 1,
        "quantity": 1,
    }
    for n in (1, 2, 3)
]

# (name, profile, message, calls in order)
TRACK_VECTORS = [
    (
        "§4.6.1 unroll, limit 5",
        UNROLL,
        track({"products": PRODUCTS}),
        [
            Track(
                "hello! products item",
                {
                    "name": "Test Product 1",
                    "color": "red",
                    "qty": "2",
                    "custom_vars.position": "0",
                    "custom_vars.something_else": "test",
                    "custom_vars.another_one": '["one","two","three"]',
                    "segment_library": LIB,
                },
            ),
            Track(
                "hello! products item",
                {
                    "name": "Test Product 2",
                    "color": "blue",
                    "qty": "1",
                    "custom_vars.position": "1",
                    "custom_vars.something_else": "blah",
                    "custom_vars.another_one": '["four","five","six"]',
                    "segment_library": LIB,
                },
            ),
            Track(
                "hello!",
                {
                    "products": json.dumps(PRODUCTS, separators=(",", ":")),
                    "segment_library": LIB,
                },
            ),
        ],
    ),
    (
        "§4.6.2 limit split, limit 5",
        UNROLL,
        track(TEST_ARRAYS),
        [
            Track("hello! testArray1 item", {"val": "1", "segment_library": LIB}),
            Track("hello! testArray1 item", {"val": "2", "segment_library": LIB}),
            Track("hello! testArray1 item", {"val": "3", "segment_library": LIB}),
            Track("hello! testArray2 item", {"val": "4", "segment_library": LIB}),
            Track("hello! testArray2 item", {"val": "5", "segment_library": LIB}),
            Track(
                "hello!",
                {
                    "testArray1": '[{"val":1},{"val":2},{"val":3}]',
                    "testArray2": '[{"val":4},{"val":5},{"val":"N/A"}]',
                    "segment_library": LIB,
                },
            ),
        ],
    ),
    (
        "§4.6.3 no limit, the same arrays",
        SUBSCRIBED,
        track(TEST_ARRAYS),
        [
            Track(
                "hello!",
                {
                    "testArray1": '[{"val":1},{"val":2},{"val":3}]',
                    "testArray2": '[{"val":4},{"val":5},{"val":"N/A"}]',
                    "segment_library": LIB,
                },
            )
        ],
    ),
    (
        "§4.6.4 no limit, array of strings",
        SUBSCRIBED,
        track({"testArray1": ["test", "testing", "tester"]}),
        [
            Track(
                "hello!",
                {"testArray1": '["test","testing","tester"]', "segment_library": LIB},
            )
        ],
    ),
    (
        "§4.6.5 flatten",
        SUBSCRIBED,
        track(
            {
                "isAutomated": True,
                "isClickable": True,
                "custom_vars": {
                    "bodyText": "Testing text",
                    "ctaText": "Click me",
                    "position": 0,
                    "testNestedValues": {"count": 5, "color": "green"},
                },
            }
        ),
        [
            Track(
                "hello!",
                {
                    "isAutomated": "true",
                    "isClickable": "true",
                    "custom_vars.bodyText": "Testing text",
                    "custom_vars.ctaText": "Click me",
                    "custom_vars.position": "0",
                    "custom_vars.testNestedValues.count": "5",
                    "custom_vars.testNestedValues.color": "green",
                    "segment_library": LIB,
                },
            )
        ],
    ),
    (
        "§4.6.6 limit 5, no arrays",
        UNROLL,
        track(
            {
                "boolean_test": False,
                "string_test": "react",
                "number_test": 0,
                "custom_vars": {"property": 1},
            }
        ),
        [
            Track(
                "hello!",
                {
                    "boolean_test": "false",
                    "string_test": "react",
                    "number_test": "0",
                    "custom_vars.property": "1",
                    "segment_library": LIB,
                },
            )
        ],
    ),
    (
        "§4.6.7 no properties",
        SUBSCRIBED,
        track(),
        [Track("hello!", {"segment_library": LIB})],
    ),
    (
        "§4.6.8 segment_library overwritten, identify with the mapped userId",
        SUBSCRIBED,
        track({"segment_library": "user-provided-value"}, userId="TEST_ID77"),
        [Identify("TEST_ID77"), Track("hello!", {"segment_library": LIB})],
    ),
    (
        "§4.6.9 anonymousId and context.traits become user properties",
        SUBSCRIBED,
        track(
            {"segment_library": "test123"},
            anonymousId="ANON1",
            context={"traits": {"name": "Grace Hopper"}},
        ),
        [
            AddUserProperties({"anonymous_id": "ANON1", "name": "Grace Hopper"}),
            Track("hello!", {"segment_library": LIB}),
        ],
    ),
    (
        "§4.6.10 data test, limit 5",
        UNROLL,
        track(
            {
                "membership_status": "lead",
                "products": PRODUCT_LIST,
                "store_group_id": "16",
                "session_id": "14322962105",
                "user_status_initial": "lead",
                "utm_campaign": None,
                "utm_medium": None,
                "utm_source": None,
                "customer_id": "864832720",
            },
            event="Product List Viewed",
        ),
        [
            *(
                Track(
                    "Product List Viewed products item",
                    {
                        "sku": f"SKU-{n}",
                        "url": f"https://example.com/p/{n}",
                        "variant": "black",
                        "vip_price": "59.95",
                        "membership_brand_id": "1",
                        "quantity": "1",
                        "segment_library": LIB,
                    },
                )
                for n in (1, 2, 3)
            ),
            Track(
                "Product List Viewed",
                {
                    "membership_status": "lead",
                    "products": json.dumps(PRODUCT_LIST, separators=(",", ":")),
                    "store_group_id": "16",
                    "session_id": "14322962105",
                    "user_status_initial": "lead",
                    "utm_campaign": None,
                    "utm_medium": None,
                    "utm_source": None,
                    "customer_id": "864832720",
                    "segment_library": LIB,
                },
            ),
        ],
    ),
    (
        "§4.7 limit 2: the rest stays raw",
        attrs.evolve(SUBSCRIBED, browser_array_limit=2),
        track(
            {"arr": [{"a": 1}, {"a": 2}, {"a": 3}], "count": 3, "obj": {"x": {"y": 1}}}, event="E"
        ),
        [
            Track("E arr item", {"a": "1", "segment_library": LIB}),
            Track("E arr item", {"a": "2", "segment_library": LIB}),
            Track(
                "E",
                {
                    "count": 3,
                    "obj": {"x": {"y": 1}},
                    "arr": '[{"a":1},{"a":2},{"a":3}]',
                    "segment_library": LIB,
                },
            ),
        ],
    ),
    # §4.4 walks Object.entries(props): the keys and values as they were when the walk began.
    # count 0, key "a": delete it, re-append flatB({a: {b: 1}}) = {"a.b": "1"}, which writes
    #   over the existing key "a.b" in its place: props {"a.b": "1"}; not an array.
    # count 0, key "a.b" with its entry value [{"x": 1}] (not the "1" now in props): delete
    #   it, re-append its JSON text: props {"a.b": '[{"x":1}]'}; 1 + 0 <= 5 items, so all
    #   are taken, count 1, and the item is tracked. Then the parent.
    (
        "§4.4 unrolling reads each entry's value from when the walk began",
        UNROLL,
        track({"a": {"b": 1}, "a.b": [{"x": 1}]}, event="E"),
        [
            Track("E a.b item", {"x": "1", "segment_library": LIB}),
            Track("E", {"a.b": '[{"x":1}]', "segment_library": LIB}),
        ],
    ),
    # Limit 2. count 0, key "a": props {"a.b": "1", "c": 5} ("a.b" keeps its place).
    # count 0, key "a.b", entry value of 3 items: deleted and re-appended after "c" as
    #   JSON text; 3 + 0 > 2, so the first 2 - 0 items are tracked; count += 3 (the full
    #   length), 3.
    # key "c": count 3 >= 2, stop; "c" stays the number 5, ahead of "a.b".
    (
        "§4.4 entry values, the count rule and the raw rest together",
        attrs.evolve(SUBSCRIBED, browser_array_limit=2),
        track({"a": {"b": 1}, "a.b": [{"x": 1}, {"x": 2}, {"x": 3}], "c": 5}, event="E"),
        [
            Track("E a.b item", {"x": "1", "segment_library": LIB}),
            Track("E a.b item", {"x": "2", "segment_library": LIB}),
            Track(
                "E",
                {"c": 5, "a.b": '[{"x":1},{"x":2},{"x":3}]', "segment_library": LIB},
            ),
        ],
    ),
    (
        "§4.7 no limit: nulls kept, empty objects gone, arrays as JSON",
        SUBSCRIBED,
        track({"a": None, "b": {}, "c": [], "d": {"e": {}}, "f": 1.5, "g": {"h": [1, {"i": 2}]}}),
        [
            Track(
                "hello!",
                {"a": None, "c": "[]", "f": "1.5", "g.h": '[1,{"i":2}]', "segment_library": LIB},
            )
        ],
    ),
    (
        "§4.7 user properties, identify, then track",
        SUBSCRIBED,
        track(
            anonymousId="a1",
            userId="u1",
            context={"traits": {"email": "e", "addr": {"c": "C"}, "l": [1, 2], "n": None, "z": 0}},
        ),
        [
            AddUserProperties(
                {
                    "anonymous_id": "a1",
                    "email": "e",
                    "addr.c": "C",
                    "l": "[1,2]",
                    "n": None,
                    "z": "0",
                }
            ),
            Identify("u1"),
            Track("hello!", {"segment_library": LIB}),
        ],
    ),
    (
        "§4.3 anonymousId '0' without traits gives empty user properties",
        SUBSCRIBED,
        track(anonymousId="0"),
        [AddUserProperties({}), Track("hello!", {"segment_library": LIB})],
    ),
    (
        "§4.3 the preset does not map identity",
        PRESET,
        track({"segment_library": "user-provided-value"}, userId="TEST_ID77"),
        [Track("hello!", {"segment_library": LIB})],
    ),
]


@pytest.mark.parametrize(
    ("profile", "message", "calls"),
    [case[1:] for case in TRACK_VECTORS],
    ids=[case[0] for case in TRACK_VECTORS],
)
def test_track(profile: heapseg.Profile, message: dict[str, Any], calls: list[Any]) -> None:
    """The calls, and each call's properties in the order heap.js is given them."""
    made = heapseg.translate(message, profile)
    assert made == calls
    assert [list(getattr(c, "properties", ())) for c in made] == [
        list(getattr(c, "properties", ())) for c in calls
    ]


IDENTIFY_VECTORS = [
    (
        "§4.6 anonymous only, traits: no identify",
        {"type": "identify", "anonymousId": "anon", "traits": {"testProp": False}},
        [AddUserProperties({"testProp": False})],
    ),
    (
        "§4.6 userId without traits: identify only",
        {"type": "identify", "userId": "user@example.com"},
        [Identify("user@example.com")],
    ),
    (
        "§4.6 traits stay unflattened and typed",
        {"type": "identify", "anonymousId": "anon", "traits": {"testProp": False}},
        [AddUserProperties({"testProp": False})],
    ),
    (
        "§4.5 raw traits, nested objects included",
        {"type": "identify", "userId": "u", "traits": {"a": {"b": [1, None]}, "n": None}},
        [AddUserProperties({"a": {"b": [1, None]}, "n": None}), Identify("u")],
    ),
    (
        "§4.5 empty traits are still sent",
        {"type": "identify", "userId": "u", "traits": {}},
        [AddUserProperties({}), Identify("u")],
    ),
    (
        "§4.7 userId '0' is identified",
        {"type": "identify", "userId": "0"},
        [Identify("0")],
    ),
]


@pytest.mark.parametrize(
    ("message", "calls"),
    [case[1:] for case in IDENTIFY_VECTORS],
    ids=[case[0] for case in IDENTIFY_VECTORS],
)
def test_identify(message: dict[str, Any], calls: list[Any]) -> None:
    assert heapseg.translate(message, "actions-web") == calls


# ---- §4.4 unrolling, odd cases ----------------------------------------------------------

ODD_ITEMS = [
    ("a string item spreads into characters", ["ab"], {"0": "a", "1": "b"}),
    ("a number item gives only segment_library", [7], {}),
    ("a boolean item gives only segment_library", [True], {}),
    ("an array item spreads by index", [[1, {"a": 2}]], {"0": "1", "1.a": "2"}),
]


@pytest.mark.parametrize(
    ("items", "item_properties"),
    [case[1:] for case in ODD_ITEMS],
    ids=[case[0] for case in ODD_ITEMS],
)
def test_primitive_items_unroll_oddly(items: list[Any], item_properties: dict[str, Any]) -> None:
    calls = heapseg.translate(track({"k": items}, event="E"), UNROLL)
    assert calls[0] == Track("E k item", {**item_properties, "segment_library": LIB})


def test_count_adds_the_full_length_not_the_items_taken() -> None:
    profile = attrs.evolve(PRESET, browser_array_limit=3)
    message = track({"a": [1, 2, 3, 4], "b": [5], "c": 6}, event="E")
    assert heapseg.translate(message, profile) == [
        Track("E a item", {"segment_library": LIB}),
        Track("E a item", {"segment_library": LIB}),
        Track("E a item", {"segment_library": LIB}),
        Track("E", {"b": [5], "c": 6, "a": "[1,2,3,4]", "segment_library": LIB}),
    ]


def test_null_item_throws_in_the_browser() -> None:
    (call,) = heapseg.translate(track({"a": [{"x": 1}, None]}, event="E"), UNROLL)
    assert isinstance(call, Unsupported)
    assert call.type == "track"
    assert "a[1]" in call.reason


def test_null_item_beyond_the_limit_is_never_read() -> None:
    profile = attrs.evolve(PRESET, browser_array_limit=1)
    assert heapseg.translate(track({"a": [{"x": 1}, None]}, event="E"), profile) == [
        Track("E a item", {"x": "1", "segment_library": LIB}),
        Track("E", {"a": '[{"x":1},null]', "segment_library": LIB}),
    ]


# ---- types without an action, bad input -------------------------------------------------


@pytest.mark.parametrize("kind", ["page", "screen", "group", "alias"])
def test_no_action_for_other_types(kind: str) -> None:
    message = {"type": kind, "userId": "u", "previousId": "p", "groupId": "g"}
    (call,) = heapseg.translate(message, "actions-web")
    assert isinstance(call, Unsupported)
    assert call.type == kind


def test_track_without_a_string_event_is_invalid() -> None:
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate({"type": "track", "userId": "u"}, "actions-web")
    assert raised.value.path == "$.event"


def test_context_traits_must_be_an_object() -> None:
    message = track(anonymousId="a", context={"traits": "x"})
    with pytest.raises(InvalidEvent) as raised:
        heapseg.translate(message, "actions-web")
    assert raised.value.path == "$.context.traits"


def test_no_empty_value_removal_or_coercion() -> None:
    """The browser runtime passes values as they come: no framework steps (§1)."""
    message = track({"s": "", "n": None}, anonymousId=12, context={"traits": {"t": ""}})
    assert heapseg.translate(message, "actions-web") == [
        AddUserProperties({"anonymous_id": 12, "t": ""}),
        Track("hello!", {"s": "", "n": None, "segment_library": LIB}),
    ]


def test_device_profile_renders_no_http() -> None:
    with pytest.raises(heapseg.ConfigurationError):
        heapseg.http.render([], app_id="1", profile="actions-web")


def test_integrations_object_names_the_destination() -> None:
    message = track(integrations={"Heap Web (Actions)": False})
    (call,) = heapseg.translate(message, "actions-web")
    assert isinstance(call, Unsupported)


# ---- evolving single choices ------------------------------------------------------------


def test_evolve_only_the_array_limit() -> None:
    """Evolving one choice leaves the rest of the preset as it is."""
    evolved = attrs.evolve(PRESET, browser_array_limit=1)
    assert attrs.evolve(evolved, browser_array_limit=0) == PRESET
    message = track({"a": [{"x": 1}]}, event="E")
    assert heapseg.translate(message, PRESET) == [
        Track("E", {"a": '[{"x":1}]', "segment_library": LIB})
    ]
    assert heapseg.translate(message, evolved) == [
        Track("E a item", {"x": "1", "segment_library": LIB}),
        Track("E", {"a": '[{"x":1}]', "segment_library": LIB}),
    ]


def test_array_limit_must_be_a_non_negative_integer() -> None:
    with pytest.raises(ValueError, match="browser_array_limit"):
        attrs.evolve(PRESET, browser_array_limit=-1)


def test_identify_with_neither_user_id_nor_traits_is_unsupported_not_dropped() -> None:
    (call,) = heapseg.translate({"type": "identify", "anonymousId": "a1"}, profile="actions-web")
    assert isinstance(call, heapseg.Unsupported)
    assert call.type == "identify"
    assert "neither a userId nor traits" in call.reason
