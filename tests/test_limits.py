"""Profile.limits: Heap's documented limits (heap-api.md §1, §3, §10, §11), off, cut or refused.

The numbers below are Heap's, as the spec quotes them; lengths are counted in UTF-16 code
units (JavaScript's ``length``), the stricter of the two readings (docs/guarantees.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import heapseg
from heapseg import AddUserProperties, Call, Identify, Track, Unsupported
from heapseg._limits import apply_limits

# --- Heap's limits, as documented -------------------------------------------------------

# Server API (§1 track, §3 add_user_properties): identity "limited to 255 characters"; event
# "limited to 1024 characters"; each property key and value "fewer than 1024 characters";
# no casing of "id" as a user property name.
SERVER: Mapping[str, Any] = {
    "identity": 255,
    "event": 1024,
    "event_key": 1023,
    "event_value": 1023,
    "user_key": 1023,
    "user_value": 1023,
    "reserved": {"id", "ID", "Id", "iD"},
}
# heap.js (§11): identify "fewer than 255 characters"; track event name "255 characters",
# keys "under 512", values "under 1024"; addUserProperties values "at most 255", no "user_id".
# heap.js documents no user property key length: the server's "fewer than 1024" applies.
HEAP_JS: Mapping[str, Any] = {
    "identity": 254,
    "event": 255,
    "event_key": 511,
    "event_value": 1023,
    "user_key": 1023,
    "user_value": 255,
    "reserved": {"user_id"},
}
NON_UNIQUE = ("undefined", "null", "user")
SMILE = "\U0001f600"  # outside the BMP: two UTF-16 code units


def units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def broken_limits(call: Call, mode: str) -> list[str]:
    """Every length or reserved-name limit ``call`` breaks (Unsupported breaks none)."""
    limits = SERVER if mode == "cloud" else HEAP_JS
    broken: list[str] = []
    if isinstance(call, Unsupported):
        return broken
    identity = call.identity
    if isinstance(identity, str) and units(identity) > limits["identity"]:
        broken.append("identity")
    if isinstance(call, Identify):
        return broken
    if isinstance(call, Track):
        if units(call.event) > limits["event"]:
            broken.append("event")
        key_most, value_most, reserved = limits["event_key"], limits["event_value"], set()
    else:
        key_most, value_most = limits["user_key"], limits["user_value"]
        reserved = limits["reserved"]
    for key, value in call.properties.items():
        if key in reserved:
            broken.append(f"reserved {key}")
        if units(key) > key_most:
            broken.append("key")
        if isinstance(value, str) and units(value) > value_most:
            broken.append("value")
    return broken


def with_limits(name: str, limits: str) -> heapseg.Profile:
    return attrs.evolve(heapseg.PROFILES[name], limits=limits)


# --- one limit at a time, at its boundary ------------------------------------------------


def track(event: str = "E", properties: Mapping[str, Any] | None = None, user: str = "u1") -> dict:
    return {
        "type": "track",
        "messageId": "m1",
        "anonymousId": "a1",
        "userId": user,
        "event": event,
        "properties": dict(properties or {}),
    }


def identify(traits: Mapping[str, Any] | None = None, user: str = "u1") -> dict:
    # RudderStack device mode reads context.traits, the others traits.
    traits = dict(traits or {})
    return {
        "type": "identify",
        "messageId": "m1",
        "anonymousId": "a1",
        "userId": user,
        "traits": traits,
        "context": {"traits": traits},
    }


def only(calls: list[Call], kind: type) -> Any:
    found = [call for call in calls if isinstance(call, kind)]
    assert len(found) == 1, calls
    return found[0]


def own_key(properties: Mapping[str, Any]) -> str:
    """The one property key the test put there (not one the integration adds)."""
    keys = [k for k in properties if k not in ("segment_library", "id")]
    assert len(keys) == 1, properties
    return keys[0]


@attrs.frozen
class Case:
    label: str
    profile: str
    build: Callable[[str], dict]
    read: Callable[[list[Call]], str]
    most: int
    rule: str  # the documented rule, as the reason words it


CUTTABLE = [
    Case(
        "server event name",
        "classic-cloud",
        lambda s: track(event=s),
        lambda calls: only(calls, Track).event,
        1024,
        "event names of at most 1024 characters",
    ),
    Case(
        "server track property value",
        "classic-cloud",
        lambda s: track(properties={"p": s}),
        lambda calls: only(calls, Track).properties["p"],
        1023,
        "property values of fewer than 1024 characters",
    ),
    Case(
        "server track property key",
        "classic-cloud",
        lambda s: track(properties={s: 1}),
        lambda calls: own_key(only(calls, Track).properties),
        1023,
        "property names of fewer than 1024 characters",
    ),
    Case(
        "server user property value",
        "rudderstack-cloud",
        lambda s: identify({"p": s}),
        lambda calls: only(calls, AddUserProperties).properties["p"],
        1023,
        "property values of fewer than 1024 characters",
    ),
    Case(
        "server user property key",
        "rudderstack-cloud",
        lambda s: identify({s: 1}),
        lambda calls: own_key(only(calls, AddUserProperties).properties),
        1023,
        "property names of fewer than 1024 characters",
    ),
    Case(
        "heap.js event name",
        "classic-device",
        lambda s: track(event=s),
        lambda calls: only(calls, Track).event,
        255,
        "event names of at most 255 characters",
    ),
    Case(
        "heap.js event property key",
        "classic-device",
        lambda s: track(properties={s: 1}),
        lambda calls: own_key(only(calls, Track).properties),
        511,
        "event property names of fewer than 512 characters",
    ),
    Case(
        "heap.js event property value",
        "rudderstack-device",
        lambda s: track(properties={"p": s}),
        lambda calls: only(calls, Track).properties["p"],
        1023,
        "event property values of fewer than 1024 characters",
    ),
    Case(
        "heap.js user property value",
        "classic-device",
        lambda s: identify({"p": s}),
        lambda calls: only(calls, AddUserProperties).properties["p"],
        255,
        "user property values of at most 255 characters",
    ),
    Case(
        "heap.js user property key (the server's limit)",
        "rudderstack-device",
        lambda s: identify({s: 1}),
        lambda calls: own_key(only(calls, AddUserProperties).properties),
        1023,
        "fewer than 1024 characters",
    ),
]


@pytest.mark.parametrize("case", CUTTABLE, ids=lambda c: c.label)
@pytest.mark.parametrize("mode", ["off", "truncate", "reject"])
def test_within_the_limit_nothing_changes(case: Case, mode: str) -> None:
    for text in ("x" * (case.most - 1), "x" * case.most, "x" * (case.most - 2) + SMILE):
        message = case.build(text)
        preset = heapseg.translate(message, case.profile)
        assert heapseg.translate(message, with_limits(case.profile, mode)) == preset
        assert case.read(preset) == text


@pytest.mark.parametrize("case", CUTTABLE, ids=lambda c: c.label)
def test_one_past_the_limit(case: Case) -> None:
    # Plain text one unit too long, and text whose last character straddles the limit.
    for text, cut in (
        ("x" * (case.most + 1), "x" * case.most),
        ("x" * (case.most - 1) + SMILE, "x" * (case.most - 1)),
        ("x" * (case.most - 1) + SMILE + "yz", "x" * (case.most - 1)),
        (SMILE * case.most, SMILE * (case.most // 2)),
    ):
        message = case.build(text)
        assert case.read(heapseg.translate(message, with_limits(case.profile, "off"))) == text

        truncated = heapseg.translate(message, with_limits(case.profile, "truncate"))
        assert case.read(truncated) == cut
        changed = [call for call in truncated if call.warnings]
        assert len(changed) == 1
        assert len(changed[0].warnings) == 1
        assert case.rule in changed[0].warnings[0]
        assert heapseg.to_dict(changed[0])["warnings"] == list(changed[0].warnings)

        rejected = heapseg.translate(message, with_limits(case.profile, "reject"))
        assert len(rejected) == 1
        assert isinstance(rejected[0], Unsupported)
        assert rejected[0].type == message["type"]
        assert case.rule in rejected[0].reason


IDENTITIES = [
    # (profile, message builder, the most characters allowed, the rule's words)
    ("classic-cloud", lambda s: track(user=s), 255, "identities of at most 255 characters"),
    ("rudderstack-cloud", lambda s: identify({"a": 1}, user=s), 255, "at most 255 characters"),
    ("classic-device", lambda s: identify(user=s), 254, "identities of fewer than 255 characters"),
    ("actions-web", lambda s: identify(user=s), 254, "fewer than 255 characters"),
]


@pytest.mark.parametrize(("profile", "build", "most", "rule"), IDENTITIES)
def test_identity_length(profile: str, build: Callable[[str], dict], most: int, rule: str) -> None:
    fits, long = build("i" * most), build("i" * (most + 1))
    straddles = build("i" * (most - 1) + SMILE)
    for mode in ("off", "truncate", "reject"):
        assert heapseg.translate(fits, with_limits(profile, mode)) == heapseg.translate(
            fits, profile
        )
    assert heapseg.translate(long, with_limits(profile, "off")) == heapseg.translate(long, profile)
    # An identity is never cut: a shorter identity is somebody else.
    for mode in ("truncate", "reject"):
        for message in (long, straddles):
            (answer,) = heapseg.translate(message, with_limits(profile, mode))
            assert isinstance(answer, Unsupported)
            assert answer.type == message["type"]
            assert rule in answer.reason


@pytest.mark.parametrize("identity", NON_UNIQUE)
@pytest.mark.parametrize(
    ("profile", "build", "kind"),
    [
        ("classic-device", lambda s: identify(user=s), Identify),
        ("rudderstack-device", lambda s: identify(user=s), Identify),
        ("classic-cloud", lambda s: track(user=s), Track),
        ("rudderstack-cloud", lambda s: identify({"a": 1}, user=s), AddUserProperties),
    ],
)
def test_non_unique_identities(
    identity: str, profile: str, build: Callable[[str], dict], kind: type
) -> None:
    message = build(identity)
    preset = heapseg.translate(message, profile)
    assert heapseg.translate(message, with_limits(profile, "off")) == preset

    warned = heapseg.translate(message, with_limits(profile, "truncate"))
    assert len(warned) == len(preset)
    for before, after in zip(preset, warned, strict=True):
        if isinstance(after, kind):
            assert attrs.evolve(after, warnings=()) == before
            (warning,) = after.warnings
            assert f"'{identity}' is not unique" in warning
        else:
            assert after == before

    (rejected,) = heapseg.translate(message, with_limits(profile, "reject"))
    assert isinstance(rejected, Unsupported)
    assert f"'{identity}' is not unique" in rejected.reason


@pytest.mark.parametrize("identity", ["User", "NULL", "nullable", "user-1"])
def test_identities_are_compared_exactly(identity: str) -> None:
    message = identify(user=identity)
    for mode in ("truncate", "reject"):
        assert heapseg.translate(message, with_limits("classic-device", mode)) == (
            heapseg.translate(message, "classic-device")
        )


def test_server_reserves_id_in_every_casing() -> None:
    traits = {"ID": 1, "name": "Ada", "Id": 2, "iD": 3, "idx": 4}
    message = identify(traits)
    (preset,) = heapseg.translate(message, "classic-cloud")
    # Classic cloud always adds id = userId itself.
    assert preset.properties["id"] == "u1"

    (cut,) = heapseg.translate(message, with_limits("classic-cloud", "truncate"))
    assert isinstance(cut, AddUserProperties)
    assert cut.identity == "u1"
    assert dict(cut.properties) == {"name": "Ada", "idx": 4, "segment_library": ""}
    assert len(cut.warnings) == 4
    assert all("no casing of 'id'" in warning for warning in cut.warnings)

    (rejected,) = heapseg.translate(message, with_limits("classic-cloud", "reject"))
    assert isinstance(rejected, Unsupported)
    assert "no casing of 'id'" in rejected.reason
    # So classic cloud identify calls always break it; without the id trait they need not.
    (plain,) = heapseg.translate(
        identify({"name": "Ada"}),
        attrs.evolve(with_limits("classic-cloud", "reject"), id_trait=False),
    )
    assert isinstance(plain, AddUserProperties)
    assert dict(plain.properties) == {"name": "Ada", "segment_library": ""}


def test_id_is_only_reserved_for_user_properties_on_the_server() -> None:
    message = track(properties={"id": 1, "ID": 2})
    for mode in ("truncate", "reject"):
        assert heapseg.translate(message, with_limits("classic-cloud", mode)) == (
            heapseg.translate(message, "classic-cloud")
        )
        device_identify = identify({"id": 1, "Id": 2})
        assert heapseg.translate(device_identify, with_limits("classic-device", mode)) == (
            heapseg.translate(device_identify, "classic-device")
        )


@pytest.mark.parametrize("profile", ["classic-device", "actions-web", "rudderstack-device"])
def test_heap_js_reserves_user_id(profile: str) -> None:
    message = identify({"user_id": 7, "plan": "pro", "User_Id": 8})
    preset = heapseg.translate(message, profile)
    cut = heapseg.translate(message, with_limits(profile, "truncate"))
    before = only(preset, AddUserProperties)
    after = only(cut, AddUserProperties)
    expected = {k: v for k, v in before.properties.items() if k != "user_id"}
    assert dict(after.properties) == expected
    assert "User_Id" in after.properties
    (warning,) = after.warnings
    assert "'user_id'" in warning

    (rejected,) = heapseg.translate(message, with_limits(profile, "reject"))
    assert isinstance(rejected, Unsupported)
    assert "'user_id'" in rejected.reason
    # Track properties may use the name.
    event = track(properties={"user_id": 7})
    assert heapseg.translate(event, with_limits(profile, "reject")) == heapseg.translate(
        event, profile
    )


def test_a_cut_name_never_overwrites_another_property() -> None:
    long_a, long_b, short = "k" * 600 + "a", "k" * 600 + "b", "k" * 511
    message = track(properties={long_a: 1, long_b: 2, "other": "o"})
    (cut,) = heapseg.translate(message, with_limits("classic-device", "truncate"))
    assert dict(cut.properties) == {short: 1, "other": "o"}
    assert len(cut.warnings) == 2
    assert "was cut from 601 to 511" in cut.warnings[0]
    assert "dropped" in cut.warnings[1]

    # A name that already fits keeps its value and its place; the cut one goes.
    message = track(properties={long_a: 1, short: 2})
    (cut,) = heapseg.translate(message, with_limits("classic-device", "truncate"))
    assert list(cut.properties.items()) == [(short, 2)]
    (warning,) = cut.warnings
    assert "dropped" in warning


def test_cut_keeps_the_property_order() -> None:
    message = track(properties={"a": 1, "b" * 600: 2, "c": "x" * 2000, "d": 4})
    (cut,) = heapseg.translate(message, with_limits("classic-device", "truncate"))
    assert list(cut.properties) == ["a", "b" * 511, "c", "d"]
    assert cut.properties["c"] == "x" * 1023
    assert len(cut.warnings) == 2


def test_every_change_is_named_and_round_trips() -> None:
    message = track(event="e" * 300, properties={"k" * 512: "v" * 1024})
    (cut,) = heapseg.translate(message, with_limits("classic-device", "truncate"))
    assert cut.event == "e" * 255
    assert dict(cut.properties) == {"k" * 511: "v" * 1023}
    assert len(cut.warnings) == 3
    assert heapseg.from_dict(heapseg.to_dict(cut)) == cut


def test_numbers_and_nested_values_are_not_lengths() -> None:
    # Limits are on text; numbers, booleans and null pass as they are.
    message = track(properties={"n": 10**300, "b": True, "z": None, "f": 1.5})
    for mode in ("truncate", "reject"):
        assert heapseg.translate(message, with_limits("classic-cloud", mode)) == (
            heapseg.translate(message, "classic-cloud")
        )


def test_unsupported_calls_pass_through() -> None:
    page = {"type": "page", "userId": "u1", "name": "p" * 5000}
    for mode in ("truncate", "reject"):
        assert heapseg.translate(page, with_limits("classic-cloud", mode)) == (
            heapseg.translate(page, "classic-cloud")
        )


def test_off_returns_the_very_same_calls() -> None:
    calls: list[Call] = [Track("e" * 5000, {"k": "v" * 5000})]
    for name, profile in heapseg.PROFILES.items():
        assert profile.limits == "off", name
        assert apply_limits(calls, profile, "track") is calls


def test_calls_within_limits_are_returned_as_they_are() -> None:
    call = Track("E", {"k": "v"}, identity="u1")
    for mode in ("truncate", "reject"):
        profile = with_limits("classic-cloud", mode)
        (same,) = apply_limits([call], profile, "track")
        assert same is call


def test_limits_takes_only_the_three_choices() -> None:
    with pytest.raises(ValueError, match="limits"):
        attrs.evolve(heapseg.PROFILES["classic-cloud"], limits="cut")


# --- every preset, and properties over generated messages --------------------------------


@pytest.mark.parametrize("name", list(heapseg.PROFILES))
@pytest.mark.parametrize("mode", ["off", "truncate", "reject"])
def test_every_preset_evolves(name: str, mode: str) -> None:
    preset = heapseg.PROFILES[name]
    evolved = attrs.evolve(preset, limits=mode)
    assert evolved.limits == mode
    assert attrs.evolve(evolved, limits="off") == preset
    long = track(event="E" * 2000, properties={"p": "v" * 3000, "q" * 2000: 1})
    calls = heapseg.translate(long, evolved)
    if mode == "off":
        assert calls == heapseg.translate(long, preset)
    else:
        assert all(not broken_limits(call, preset.mode) for call in calls)


_TEXT_ALPHABET = st.sampled_from(["a", "é", SMILE, "\u4e2d"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Text near the documented limits, often ending in a character that straddles one."""
    length = draw(st.sampled_from([0, 1, 253, 254, 255, 256, 510, 511, 512, 1022, 1023, 1024]))
    length = draw(st.integers(max(0, length - 2), length + 2))
    tail = draw(st.text(_TEXT_ALPHABET, max_size=3))
    return "x" * length + tail


identities = st.one_of(texts(), st.sampled_from([*NON_UNIQUE, "u1"]))
keys = st.one_of(texts(), st.sampled_from(["id", "ID", "Id", "user_id", "email", "name"]))
values = st.one_of(texts(), st.integers(), st.booleans(), st.none())
property_maps = st.dictionaries(keys, values, max_size=5)
messages = st.one_of(
    st.builds(
        lambda user, event, props: {
            "type": "track",
            "userId": user,
            "event": event,
            "properties": props,
        },
        identities,
        texts(),
        property_maps,
    ),
    st.builds(
        lambda user, traits: {"type": "identify", "userId": user, "traits": traits},
        identities,
        property_maps,
    ),
)


def _translate(message: dict, profile: heapseg.Profile) -> list[Call] | None:
    try:
        return heapseg.translate(message, profile)
    except heapseg.InvalidEvent:
        return None


@settings(max_examples=150, deadline=None)
@given(message=messages, name=st.sampled_from(list(heapseg.PROFILES)))
def test_truncate_and_reject_always_keep_the_limits(message: dict, name: str) -> None:
    preset = heapseg.PROFILES[name]
    off = _translate(message, preset)
    truncated = _translate(message, attrs.evolve(preset, limits="truncate"))
    rejected = _translate(message, attrs.evolve(preset, limits="reject"))
    if off is None:
        assert truncated is None
        assert rejected is None
        return
    assert truncated is not None
    assert rejected is not None
    for call in truncated:
        assert broken_limits(call, preset.mode) == [], call
    for call in rejected:
        assert broken_limits(call, preset.mode) == [], call
    # Nothing changes silently: a call that differs from the integration's carries warnings.
    if not (len(truncated) == 1 and isinstance(truncated[0], Unsupported)):
        assert len(truncated) == len(off)
        for before, after in zip(off, truncated, strict=True):
            if after != before:
                assert after.warnings
    # reject either leaves the calls alone or refuses the whole message.
    assert rejected == off or (len(rejected) == 1 and isinstance(rejected[0], Unsupported))
