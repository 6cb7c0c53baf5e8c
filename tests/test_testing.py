"""heapseg.testing: the message strategies and assert_translates."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import heapseg
from heapseg import testing

ROOT = Path(__file__).resolve().parent.parent
PROFILE_NAMES = list(heapseg.PROFILES)

BY_TYPE: dict[str, Callable[..., st.SearchStrategy[dict[str, Any]]]] = {
    "identify": testing.identify_messages,
    "track": testing.track_messages,
    "page": testing.page_messages,
    "screen": testing.screen_messages,
    "group": testing.group_messages,
    "alias": testing.alias_messages,
}

few = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def depth(value: object) -> int:
    """How many levels of arrays and objects a JSON value has (a scalar has 0)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


# --- generated messages are valid for every profile --------------------------------------


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@few
@given(message=testing.segment_messages(integrations="any"))
def test_every_generated_message_translates_under_every_profile(
    profile: str, message: dict[str, Any]
) -> None:
    calls = heapseg.translate(message, profile=profile)
    assert calls
    for call in calls:
        assert heapseg.from_dict(heapseg.to_dict(call)) == call


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@pytest.mark.parametrize("kind", list(BY_TYPE))
@few
@given(data=st.data())
def test_each_type_strategy_gives_valid_messages_of_its_type(
    profile: str, kind: str, data: st.DataObject
) -> None:
    message = data.draw(BY_TYPE[kind](identities="any", integrations="any"))
    assert message["type"] == kind
    heapseg.translate(message, profile=profile)


@few
@given(data=st.data())
def test_types_knob_restricts_the_message_types(data: st.DataObject) -> None:
    message = data.draw(testing.segment_messages(types=("page", "alias")))
    assert message["type"] in ("page", "alias")


# --- the knobs -------------------------------------------------------------------------


@few
@given(message=testing.segment_messages(identities="user"))
def test_user_identities_always_carry_a_user_id(message: dict[str, Any]) -> None:
    assert isinstance(message["userId"], str)
    assert message["userId"] not in ("", "0")


@few
@given(message=testing.segment_messages(identities="anonymous"))
def test_anonymous_identities_carry_only_an_anonymous_id(message: dict[str, Any]) -> None:
    assert "userId" not in message
    assert message["anonymousId"]
    assert "traits" not in message.get("context", {})


@few
@given(message=testing.segment_messages(identities="both"))
def test_both_identities_carry_both_ids(message: dict[str, Any]) -> None:
    assert message["userId"]
    assert message["anonymousId"]


@pytest.mark.parametrize("max_depth", [0, 1, 3])
@few
@given(data=st.data())
def test_max_depth_bounds_the_nesting_of_traits_and_properties(
    max_depth: int, data: st.DataObject
) -> None:
    message = data.draw(testing.segment_messages(max_depth=max_depth))
    for key in ("traits", "properties"):
        for value in message.get(key, {}).values():
            assert depth(value) <= max_depth


@few
@given(message=testing.segment_messages())
def test_no_integrations_object_by_default(message: dict[str, Any]) -> None:
    assert "integrations" not in message


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@few
@given(message=testing.segment_messages(integrations="disabled"))
def test_disabled_integrations_turn_heap_off_for_every_profile(
    profile: str, message: dict[str, Any]
) -> None:
    [call] = heapseg.translate(message, profile=profile)
    assert call == heapseg.Unsupported(message["type"], call.reason)
    assert "integrations" in call.reason


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@few
@given(message=testing.segment_messages(integrations="enabled"))
def test_enabled_integrations_change_nothing(profile: str, message: dict[str, Any]) -> None:
    without = {key: value for key, value in message.items() if key != "integrations"}
    assert heapseg.translate(message, profile=profile) == heapseg.translate(
        without, profile=profile
    )


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("max_depth", -1),
        ("max_depth", 1.5),
        ("max_depth", True),
        ("identities", "users"),
        ("integrations", "off"),
        ("types", ("identify", "delete")),
        ("types", ()),
    ],
)
def test_bad_knobs_raise_configuration_error(knob: str, value: object) -> None:
    with pytest.raises(heapseg.ConfigurationError, match=knob):
        testing.segment_messages(**{knob: value})


# --- heapseg's classic rules, checked on generated messages ----------------------------
# segment-classic.md: identify becomes identify (when there is a userId) plus user
# properties with the userId as the `id` trait; cloud mode needs a userId; page, screen,
# alias and group are not sent.


@few
@given(message=testing.identify_messages(identities="user"))
def test_classic_device_identify_with_a_user_id(message: dict[str, Any]) -> None:
    identify, properties = heapseg.translate(message, profile="classic-device")
    assert identify == heapseg.Identify(message["userId"])
    assert isinstance(properties, heapseg.AddUserProperties)
    assert properties.identity is None
    assert properties.properties["id"] == message["userId"]


@few
@given(message=testing.identify_messages(identities="user"))
def test_classic_cloud_identify_is_one_user_properties_call(message: dict[str, Any]) -> None:
    [call] = heapseg.translate(message, profile="classic-cloud")
    assert isinstance(call, heapseg.AddUserProperties)
    assert call.identity == message["userId"]
    assert call.properties["id"] == message["userId"]


@few
@given(message=testing.segment_messages(identities="anonymous"))
def test_classic_cloud_sends_nothing_for_anonymous_messages(message: dict[str, Any]) -> None:
    [call] = heapseg.translate(message, profile="classic-cloud")
    assert isinstance(call, heapseg.Unsupported)
    assert call.type == message["type"]


@pytest.mark.parametrize("profile", ["classic-cloud", "classic-device"])
@few
@given(message=testing.segment_messages(types=("page", "screen", "alias", "group")))
def test_classic_sends_no_page_screen_alias_or_group(profile: str, message: dict[str, Any]) -> None:
    [call] = heapseg.translate(message, profile=profile)
    assert isinstance(call, heapseg.Unsupported)
    assert call.type == message["type"]


@few
@given(message=testing.track_messages())
def test_classic_device_tracks_the_event_name(message: dict[str, Any]) -> None:
    [call] = heapseg.translate(message, profile="classic-device")
    assert isinstance(call, heapseg.Track)
    assert call.event == message["event"]


# --- assert_translates -----------------------------------------------------------------

IDENTIFY = {"type": "identify", "userId": "u1", "traits": {"plan": "pro", "seats": 3.0}}
# classic-device: heap.identify(userId), then the traits with the userId as `id`.
IDENTIFY_DEVICE = [
    heapseg.Identify("u1"),
    heapseg.AddUserProperties({"plan": "pro", "seats": 3, "id": "u1"}),
]


def test_assert_translates_accepts_descriptors_and_returns_the_calls() -> None:
    calls = testing.assert_translates(IDENTIFY, IDENTIFY_DEVICE, profile="classic-device")
    assert calls == IDENTIFY_DEVICE


def test_assert_translates_accepts_dicts_and_ignores_key_order() -> None:
    testing.assert_translates(
        IDENTIFY,
        [
            {"call": "identify", "identity": "u1"},
            {"properties": {"id": "u1", "seats": 3, "plan": "pro"}, "call": "addUserProperties"},
        ],
        profile="classic-device",
    )


def test_assert_translates_accepts_a_single_expected_call() -> None:
    page = {"type": "page", "userId": "u1", "name": "Home"}
    testing.assert_translates(
        page,
        {
            "call": "unsupported",
            "type": "page",
            "reason": heapseg.translate(page)[0].reason,
        },
    )


def test_assert_translates_uses_the_default_profile() -> None:
    # classic-cloud: one add_user_properties with identity, `id` and an empty segment_library.
    testing.assert_translates(
        IDENTIFY,
        [
            heapseg.AddUserProperties(
                {"plan": "pro", "seats": 3, "id": "u1", "segment_library": ""}, identity="u1"
            )
        ],
    )


def test_numbers_compare_as_javascript_numbers() -> None:
    track = {"type": "track", "userId": "u1", "event": "E", "properties": {"n": 2}}
    testing.assert_translates(track, [heapseg.Track("E", {"n": 2.0})], profile="classic-device")
    with pytest.raises(AssertionError):
        testing.assert_translates(
            {**track, "properties": {"n": 1}},
            [heapseg.Track("E", {"n": True})],
            profile="classic-device",
        )


def test_a_mismatch_fails_with_a_unified_diff() -> None:
    wrong = [IDENTIFY_DEVICE[0], heapseg.AddUserProperties({"plan": "free", "id": "u1"})]
    with pytest.raises(AssertionError) as raised:
        testing.assert_translates(IDENTIFY, wrong, profile="classic-device")
    text = str(raised.value)
    assert "'classic-device'" in text
    lines = text.splitlines()
    assert "--- expected" in lines
    assert "+++ translated (classic-device)" in lines
    assert '-      "plan": "free"' in lines
    assert '+      "plan": "pro",' in lines
    assert '+      "seats": 3' in lines


def test_a_missing_call_shows_in_the_diff() -> None:
    with pytest.raises(AssertionError, match=r'\n\+    "identity": "u1"'):
        testing.assert_translates(IDENTIFY, IDENTIFY_DEVICE[1:], profile="classic-device")


def test_a_malformed_expected_dict_names_its_position() -> None:
    with pytest.raises(heapseg.InvalidCall) as raised:
        testing.assert_translates(
            IDENTIFY, [{"call": "identify", "identity": "u1"}, {"call": "track"}]
        )
    assert raised.value.path == "expected[1].event"


def test_an_invalid_message_raises_invalid_event() -> None:
    with pytest.raises(heapseg.InvalidEvent):
        testing.assert_translates({"type": "track", "userId": "u1"}, [])


# --- imports -----------------------------------------------------------------------------


def run_python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_importing_heapseg_imports_neither_testing_nor_hypothesis() -> None:
    run_python(
        "import sys, heapseg\n"
        "assert 'heapseg.testing' not in sys.modules\n"
        "assert 'hypothesis' not in sys.modules\n"
    )


def test_assert_translates_works_without_hypothesis() -> None:
    run_python(
        "import sys\n"
        "sys.modules['hypothesis'] = None  # makes `import hypothesis` fail\n"
        "import heapseg\n"
        "from heapseg.testing import assert_translates, track_messages\n"
        "assert_translates({'type': 'track', 'userId': 'u', 'event': 'E'},\n"
        "                  [heapseg.Track('E')], profile='classic-device')\n"
        "try:\n"
        "    track_messages()\n"
        "except heapseg.ConfigurationError as error:\n"
        "    assert 'heapseg[testing]' in str(error)\n"
        "else:\n"
        "    raise SystemExit('expected ConfigurationError')\n"
    )
