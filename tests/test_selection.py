"""Event selection: which messages a profile sends, by type and by event name (docs/backfill.md)."""

from __future__ import annotations

import fnmatch
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import heapseg
from heapseg._selection import matches

# --- patterns --------------------------------------------------------------------------------

# (pattern, name, matches?) by the documented syntax: whole name, case-sensitive, * any run,
# ? one character, backslash escapes, brackets literal.
PATTERN_VECTORS = [
    ("Order Completed", "Order Completed", True),
    ("Order Completed", "order completed", False),
    ("Order Completed", "Order Completed!", False),
    ("Order *", "Order Completed", True),
    ("Order *", "Order ", True),
    ("Order *", "Order", False),
    ("*", "", True),
    ("*", "anything at all", True),
    ("* Test", "Order Test", True),
    ("* Test", "Test", False),
    ("*Test*", "A Test run", True),
    ("a*b*c", "aXbYc", True),
    ("a*b*c", "abcb", False),
    ("a*b*c", "abbbc", True),
    ("?", "x", True),
    ("?", "", False),
    ("?", "xy", False),
    ("Page ?iewed", "Page viewed", True),
    ("Page ?iewed", "Page Viewed", True),
    ("Sale\\*", "Sale*", True),
    ("Sale\\*", "Sales", False),
    ("What\\?", "What?", True),
    ("What\\?", "Whatx", False),
    ("back\\\\slash", "back\\slash", True),
    ("trailing\\", "trailing\\", True),
    ("Button [Primary] Clicked", "Button [Primary] Clicked", True),
    ("Button [Primary] Clicked", "Button P Clicked", False),
    ("[!a]", "[!a]", True),
    ("**", "x", True),
    ("", "", True),
    ("", "x", False),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), PATTERN_VECTORS)
def test_pattern_vectors(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


_TEXT = st.text(alphabet="ab*? [].\\", max_size=8)


@given(_TEXT, st.text(alphabet="ab*? [].\\", max_size=10))
def test_patterns_agree_with_fnmatchcase_once_brackets_and_backslashes_are_quoted(
    pattern: str, name: str
) -> None:
    # fnmatchcase shares the semantics of * and ?; quote [ ] and \ for it, which it reads
    # differently, and turn our escapes into its bracket form.
    translated = ""
    escaped = False
    for char in pattern:
        if escaped or char in "[]":
            translated += f"[{char}]"
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            translated += char
    if escaped:
        translated += "[\\]"
    assert matches(pattern, name) is fnmatch.fnmatchcase(name, translated)


@given(st.text(max_size=20))
def test_a_name_with_its_wildcards_escaped_matches_only_itself(name: str) -> None:
    escaped = "".join("\\" + c if c in "*?\\" else c for c in name)
    assert matches(escaped, name)
    assert not matches(escaped, name + "x")
    assert matches("*", name)


# --- the selection table ---------------------------------------------------------------------

CLASSIC = heapseg.PROFILES["classic-cloud"]
ACTIONS = heapseg.PROFILES["actions-cloud"]

TRACK = {"type": "track", "event": "Order Completed", "userId": "u1", "messageId": "m-000001"}
TEST_TRACK = {**TRACK, "event": "Order Test"}
SIGNUP = {**TRACK, "event": "Signed Up"}
IDENTIFY = {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}, "messageId": "m-2"}
PAGE = {"type": "page", "name": "Pricing", "anonymousId": "a1", "messageId": "m-3"}


def _sent(message: dict[str, Any], profile: heapseg.Profile) -> bool:
    return not all(type(c) is heapseg.Unsupported for c in heapseg.translate(message, profile))


# (choices, message, profile, sent?, reason) — reason is the filtered reason, or None.
SELECTION = [
    ({}, TRACK, CLASSIC, True, None),
    ({"include_types": ("track",)}, TRACK, CLASSIC, True, None),
    (
        {"include_types": ("track",)},
        IDENTIFY,
        CLASSIC,
        False,
        "filtered: identify calls are not among the included types (track)",
    ),
    (
        {"exclude_types": ("identify",)},
        IDENTIFY,
        CLASSIC,
        False,
        "filtered: identify calls are excluded (exclude_types)",
    ),
    (
        {"include_types": ("identify",), "exclude_types": ("identify",)},
        IDENTIFY,
        CLASSIC,
        False,
        "filtered: identify calls are excluded (exclude_types)",
    ),
    ({"include_events": ("Order *",)}, TRACK, CLASSIC, True, None),
    (
        {"include_events": ("Order *",)},
        SIGNUP,
        CLASSIC,
        False,
        "filtered: event 'Signed Up' matches no included event pattern",
    ),
    # identify has no event name: event lists do not apply to it
    ({"include_events": ("Order *",)}, IDENTIFY, CLASSIC, True, None),
    (
        {"include_events": ("Order *",), "exclude_events": ("* Test",)},
        TEST_TRACK,
        CLASSIC,
        False,
        "filtered: event 'Order Test' matches the excluded pattern '* Test'",
    ),
    ({"exclude_events": ("* Test",)}, SIGNUP, CLASSIC, True, None),
    # page: the event name is the profile's page_event ("Page viewed" in actions-cloud)
    ({"include_events": ("Page viewed",)}, PAGE, ACTIONS, True, None),
    (
        {"include_events": ("Pricing",)},
        PAGE,
        ACTIONS,
        False,
        "filtered: event 'Page viewed' matches no included event pattern",
    ),
    (
        {"exclude_events": ("Page *",)},
        PAGE,
        ACTIONS,
        False,
        "filtered: event 'Page viewed' matches the excluded pattern 'Page *'",
    ),
]


@pytest.mark.parametrize(("choices", "message", "profile", "sent", "reason"), SELECTION)
def test_selection_table(
    choices: dict[str, Any],
    message: dict[str, Any],
    profile: heapseg.Profile,
    sent: bool,
    reason: str | None,
) -> None:
    chosen = attrs.evolve(profile, **choices)
    calls = heapseg.translate(message, chosen)
    if reason is None:
        assert calls == heapseg.translate(message, profile)
    else:
        assert calls == [heapseg.Unsupported(message["type"], reason)]
    assert _sent(message, chosen) is sent


def test_a_page_classic_does_not_track_keeps_classics_own_reason() -> None:
    # classic-cloud has no page_event: the page has no event name, so the event lists do not
    # touch it and the profile answers as it always does.
    chosen = attrs.evolve(CLASSIC, include_events=("Order *",))
    [call] = heapseg.translate(PAGE, chosen)
    assert type(call) is heapseg.Unsupported
    assert not call.reason.startswith("filtered")


def test_a_track_whose_event_is_not_a_string_is_still_invalid() -> None:
    chosen = attrs.evolve(CLASSIC, include_events=("Order *",))
    with pytest.raises(heapseg.InvalidEvent) as raised:
        heapseg.translate({**TRACK, "event": 42}, chosen)
    assert raised.value.path == "$.event"


def test_a_filtered_message_with_python_values_is_still_invalid() -> None:
    import datetime

    chosen = attrs.evolve(CLASSIC, exclude_types=("track",))
    with pytest.raises(heapseg.InvalidEvent) as raised:
        heapseg.translate({**TRACK, "properties": {"at": datetime.date(2024, 5, 1)}}, chosen)
    assert raised.value.path == "$.properties.at"


def test_unknown_types_are_refused_when_the_profile_is_built() -> None:
    with pytest.raises(ValueError, match="include_types"):
        attrs.evolve(CLASSIC, include_types=("tracks",))


_EVENTS = st.sampled_from(["Order Completed", "Order Test", "Signed Up", "Page viewed", "x"])
_PATTERNS = st.lists(st.sampled_from(["Order *", "* Test", "Signed Up", "*", "?", "Page*"]))
_TYPES = st.lists(st.sampled_from(["track", "identify", "page"]), max_size=2)


@given(_EVENTS, _PATTERNS, _PATTERNS, _TYPES, _TYPES)
def test_selection_only_ever_drops_and_exclusion_wins(
    event: str,
    include: list[str],
    exclude: list[str],
    include_types: list[str],
    exclude_types: list[str],
) -> None:
    chosen = attrs.evolve(
        CLASSIC,
        include_events=include,
        exclude_events=exclude,
        include_types=include_types,
        exclude_types=exclude_types,
    )
    message = {**TRACK, "event": event}
    calls = heapseg.translate(message, chosen)
    excluded = "track" in exclude_types or any(matches(p, event) for p in exclude)
    included = (not include_types or "track" in include_types) and (
        not include or any(matches(p, event) for p in include)
    )
    if included and not excluded:
        assert calls == heapseg.translate(message, CLASSIC)
    else:
        [call] = calls
        assert type(call) is heapseg.Unsupported
        assert call.type == "track"
        assert call.reason.startswith("filtered: ")
