"""Huge strings and wide objects go through every profile once, complete and come out right.

No timing is asserted here; ``benchmarks/hostile.py`` reports how the time scales.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import heapseg
from heapseg import AddUserProperties, Track, Unsupported

TEN_MB = 10_000_000
WIDE = 100_000
PROFILE_NAMES = list(heapseg.PROFILES)


def _track(properties: dict[str, Any], event: str = "E", user: str = "u1") -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": "m1",
        "anonymousId": "a1",
        "userId": user,
        "event": event,
        "properties": properties,
    }


def _identify(traits: dict[str, Any], user: str = "u1") -> dict[str, Any]:
    return {
        "type": "identify",
        "messageId": "m1",
        "anonymousId": "a1",
        "userId": user,
        "traits": traits,
        "context": {"traits": traits},
    }


def _one(calls: list[heapseg.Call], kind: type) -> Any:
    found = [call for call in calls if isinstance(call, kind)]
    assert len(found) == 1, calls
    return found[0]


@pytest.fixture(scope="module")
def huge() -> str:
    return "h" * TEN_MB


@pytest.fixture(scope="module")
def wide() -> dict[str, str]:
    return {f"k{index}": f"v{index}" for index in range(WIDE)}


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_huge_string_property_and_event(name: str, huge: str) -> None:
    call = _one(heapseg.translate(_track({"big": huge}, event=huge), name), Track)
    assert call.event == huge
    assert call.properties["big"] == huge


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_huge_string_trait(name: str, huge: str) -> None:
    call = _one(heapseg.translate(_identify({"big": huge}), name), AddUserProperties)
    assert call.properties["big"] == huge


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_huge_strings_cut_by_the_limits(name: str, huge: str) -> None:
    profile = attrs.evolve(heapseg.PROFILES[name], limits="truncate")
    call = _one(heapseg.translate(_track({"big": huge}, event=huge), profile), Track)
    event_most = 1024 if profile.mode == "cloud" else 255
    assert call.event == "h" * event_most
    assert call.properties["big"] == "h" * 1023
    assert len(call.warnings) == 2


@pytest.mark.parametrize("name", ["classic-cloud", "classic-device"])
def test_huge_user_ids_are_tested_for_an_email_shape(name: str) -> None:
    # Segment's e-mail test is /.+@.+\..+/: a userId of that shape becomes the _email trait.
    not_email = "a." * (TEN_MB // 2)
    props = _one(heapseg.translate(_identify({}, user=not_email), name), AddUserProperties)
    assert "_email" not in props.properties
    email = "a" * TEN_MB + "@b.co"
    props = _one(heapseg.translate(_identify({}, user=email), name), AddUserProperties)
    assert props.properties["_email"] == email


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_huge_digit_timestamps(name: str) -> None:
    # parseInt reads leading zeros away: this is epoch milliseconds 1700000000000.
    padded = "0" * TEN_MB + "1700000000000"
    message = {**_track({}), "timestamp": padded}
    call = _one(heapseg.translate(message, name), Track)
    if heapseg.PROFILES[name].timestamp == "facade":
        assert call.timestamp == "2023-11-14T22:13:20.000Z"
    # Beyond a double's range: not epoch milliseconds. Profiles that must read a date say
    # so; the others send text on, or nothing.
    try:
        answer: object = heapseg.translate({**_track({}), "timestamp": "1" * 5000}, name)
    except heapseg.InvalidEvent as error:
        answer = error.path
    if answer != "$.timestamp":
        assert isinstance(answer, list)
        assert isinstance(_one(answer, Track).timestamp, (str, type(None)))


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_wide_properties(name: str, wide: dict[str, str]) -> None:
    call = _one(heapseg.translate(_track(wide), name), Track)
    for key, value in wide.items():
        assert call.properties[key] == value
    assert len(call.properties) - WIDE <= 2  # what the integration adds itself


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_wide_traits(name: str, wide: dict[str, str]) -> None:
    call = _one(heapseg.translate(_identify(wide), name), AddUserProperties)
    for key, value in wide.items():
        assert call.properties[key] == value


@pytest.mark.parametrize("name", PROFILE_NAMES)
@pytest.mark.parametrize("mode", ["truncate", "reject"])
def test_wide_properties_under_the_limits(name: str, mode: str, wide: dict[str, str]) -> None:
    profile = attrs.evolve(heapseg.PROFILES[name], limits=mode)
    assert heapseg.translate(_track(wide), profile) == heapseg.translate(_track(wide), name)
    long_keys = {f"{index:06d}" + "k" * 1100: "v" for index in range(1000)}
    calls = heapseg.translate(_track(long_keys), profile)
    if mode == "reject":
        (call,) = calls
        assert isinstance(call, Unsupported)
    else:
        call = _one(calls, Track)
        key_most = 1023 if profile.mode == "cloud" else 511
        for key in long_keys:
            assert call.properties[key[:key_most]] == "v"
        assert len(call.warnings) == 1000


@pytest.mark.parametrize(
    "profile",
    ["classic-cloud", "classic-device", "actions-cloud", "heap-cloud", "rudderstack-cloud"],
)
def test_an_unreadable_huge_timestamp_is_quoted_briefly(profile: str) -> None:
    message = {
        "type": "track",
        "userId": "u",
        "anonymousId": "a",
        "messageId": "m-12345678",
        "event": "E",
        "timestamp": "x" * 100_000,
    }
    with pytest.raises(heapseg.InvalidEvent) as caught:
        heapseg.translate(message, profile=profile)
    assert caught.value.path == "$.timestamp"
    assert len(str(caught.value)) < 300
