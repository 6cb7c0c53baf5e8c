"""The ``*_from`` fields of :class:`heapseg.Profile`: one field per source, read by every family
that has the concept, refused by the families that do not.

Each table evolves one preset's field to a path the preset does not read and states, by hand
from the documented rules (docs/profiles/), the calls that follow. The presets' own outputs
are pinned by the per-family test files.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import heapseg
from heapseg import AddUserProperties, ConfigurationError, Identify, Track, Unsupported

CLOUD_LIBRARY = "cloud-mode-destination"
BROWSER_LIBRARY = "browser-destination"

TRACK: dict[str, Any] = {
    "type": "track",
    "event": "E",
    "userId": "u1",
    "anonymousId": "a1",
    "messageId": "m1",
    "properties": {"p": 1, "contact": "c@x.com"},
    "context": {
        "traits": {"plan": "pro"},
        "profile": {"tier": "gold", "uid": "T9", "heap_user_id": "123"},
    },
}
"""A track whose ``context.profile`` holds values no preset reads."""

IDENTIFY: dict[str, Any] = {
    "type": "identify",
    "userId": "u1",
    "anonymousId": "a1",
    "messageId": "m1",
    "traits": {"plan": "pro"},
    "context": {"profile": {"tier": "gold", "uid": "T9"}},
}
"""An identify whose ``context.profile`` holds values no preset reads."""

Case = tuple[str, dict[str, Any], dict[str, Any], list[heapseg.Call]]
"""(preset, evolved fields, message, calls of the evolved profile)."""

TRACK_PROPERTIES = {"p": "1", "contact": "c@x.com"}
"""``TRACK``'s properties as the Segment cloud destinations write them (every value a string)."""

TRACK_IDENTITY: list[Case] = [
    (
        "actions-cloud",
        {"track_identity_from": ("$.context.profile.uid",)},
        TRACK,
        [
            AddUserProperties({"anonymous_id": "a1", "plan": "pro"}, identity="T9", origin="track"),
            Track(
                "E",
                {"segment_library": CLOUD_LIBRARY, **TRACK_PROPERTIES},
                identity="T9",
                idempotency_key="m1",
            ),
        ],
    ),
    (
        "heap-cloud",
        {"track_identity_from": ("$.context.profile.uid",)},
        TRACK,
        [
            AddUserProperties({"plan": "pro"}, identity="T9"),
            Track(
                "E",
                {"segment_library": CLOUD_LIBRARY, **TRACK_PROPERTIES},
                identity="T9",
                anonymous_id="a1",
                idempotency_key="m1",
            ),
        ],
    ),
    (
        "actions-web",
        {"track_identity_from": ("$.context.profile.uid",)},
        TRACK,
        [
            AddUserProperties({"anonymous_id": "a1", "plan": "pro"}),
            Identify("T9"),
            Track("E", {**TRACK_PROPERTIES, "segment_library": BROWSER_LIBRARY}),
        ],
    ),
    (
        "rudderstack-cloud",
        {"track_identity_from": ("$.context.profile.uid",)},
        TRACK,
        [Track("E", {"p": 1, "contact": "c@x.com"}, identity="T9")],
    ),
]

IDENTIFY_IDENTITY: list[Case] = [
    (
        "actions-cloud",
        {"identify_identity_from": ("$.context.profile.uid",)},
        IDENTIFY,
        [AddUserProperties({"anonymous_id": "a1", "plan": "pro"}, identity="T9")],
    ),
    (
        "heap-cloud",
        {"identify_identity_from": ("$.context.profile.uid",)},
        IDENTIFY,
        [AddUserProperties({"plan": "pro"}, identity="T9")],
    ),
    (
        "actions-web",
        {"identify_identity_from": ("$.context.profile.uid",)},
        IDENTIFY,
        [AddUserProperties({"plan": "pro"}), Identify("T9")],
    ),
    (
        "rudderstack-cloud",
        {"identify_identity_from": ("$.context.profile.uid",)},
        IDENTIFY,
        [AddUserProperties({"plan": "pro"}, identity="T9")],
    ),
    (
        "rudderstack-device",
        {"identify_identity_from": ("$.context.profile.uid",)},
        IDENTIFY,
        [Identify("T9"), AddUserProperties({})],
    ),
]

USER_ID_AND_EMAIL: list[Case] = [
    (
        "heap-cloud",
        {"user_id_from": ("$.context.profile.heap_user_id",)},
        TRACK,
        [
            AddUserProperties({"plan": "pro"}, identity="u1"),
            Track(
                "E",
                {"segment_library": CLOUD_LIBRARY, **TRACK_PROPERTIES},
                identity="u1",
                anonymous_id="a1",
                user_id="123",
                idempotency_key="m1",
            ),
        ],
    ),
    (
        "heap-cloud",
        {"email_from": ("$.properties.contact",)},
        TRACK,
        [
            AddUserProperties({"plan": "pro"}, identity="u1"),
            Track(
                "E",
                {"segment_library": CLOUD_LIBRARY, **TRACK_PROPERTIES},
                identity="u1",
                anonymous_id="a1",
                email="c@x.com",
                idempotency_key="m1",
            ),
        ],
    ),
]

TRACK_TRAITS: list[Case] = [
    (
        "actions-cloud",
        {"track_identity_from": ("$.userId",), "track_traits_from": ("$.context.profile",)},
        TRACK,
        [
            AddUserProperties(
                {"anonymous_id": "a1", "tier": "gold", "uid": "T9", "heap_user_id": "123"},
                identity="u1",
                origin="track",
            ),
            Track(
                "E",
                {"segment_library": CLOUD_LIBRARY, **TRACK_PROPERTIES},
                identity="u1",
                idempotency_key="m1",
            ),
        ],
    ),
    (
        "heap-cloud",
        {"track_traits_from": ("$.context.profile",)},
        TRACK,
        [
            AddUserProperties({"tier": "gold", "uid": "T9", "heap_user_id": "123"}, identity="u1"),
            Track(
                "E",
                {"segment_library": CLOUD_LIBRARY, **TRACK_PROPERTIES},
                identity="u1",
                anonymous_id="a1",
                idempotency_key="m1",
            ),
        ],
    ),
    (
        "actions-web",
        {"track_traits_from": ("$.context.profile",)},
        TRACK,
        [
            AddUserProperties(
                {"anonymous_id": "a1", "tier": "gold", "uid": "T9", "heap_user_id": "123"}
            ),
            Track("E", {**TRACK_PROPERTIES, "segment_library": BROWSER_LIBRARY}),
        ],
    ),
]

IDENTIFY_TRAITS: list[Case] = [
    (
        "actions-cloud",
        {"identify_traits_from": ("$.context.profile",)},
        IDENTIFY,
        [AddUserProperties({"anonymous_id": "a1", "tier": "gold", "uid": "T9"}, identity="u1")],
    ),
    (
        "heap-cloud",
        {"identify_traits_from": ("$.context.profile",)},
        IDENTIFY,
        [AddUserProperties({"tier": "gold", "uid": "T9"}, identity="u1")],
    ),
    (
        "actions-web",
        {"identify_traits_from": ("$.context.profile",)},
        IDENTIFY,
        [AddUserProperties({"tier": "gold", "uid": "T9"}), Identify("u1")],
    ),
    (
        "rudderstack-cloud",
        {"identify_traits_from": ("$.context.profile",)},
        IDENTIFY,
        [AddUserProperties({"tier": "gold", "uid": "T9"}, identity="u1")],
    ),
    (
        "rudderstack-device",
        {"identify_traits_from": ("$.context.profile",)},
        IDENTIFY,
        [Identify("u1"), AddUserProperties({"tier": "gold", "uid": "T9"})],
    ),
]

CASES = TRACK_IDENTITY + IDENTIFY_IDENTITY + USER_ID_AND_EMAIL + TRACK_TRAITS + IDENTIFY_TRAITS


@pytest.mark.parametrize(
    ("preset", "fields", "message", "calls"),
    CASES,
    ids=[f"{case[0]}-{'+'.join(case[1])}" for case in CASES],
)
def test_an_evolved_source_changes_what_the_family_sends(
    preset: str, fields: dict[str, Any], message: dict[str, Any], calls: list[heapseg.Call]
) -> None:
    evolved = attrs.evolve(heapseg.PROFILES[preset], name=f"{preset}-evolved", **fields)
    assert heapseg.translate(message, profile=evolved) == calls
    assert heapseg.translate(message, profile=preset) != calls


def test_every_source_field_is_evolved_for_every_family_that_reads_it() -> None:
    evolved = {
        (field, heapseg.PROFILES[preset].family)
        for preset, fields, _, _ in CASES
        for field in fields
    }
    for field, readers in READERS.items():
        for family in readers:
            assert (field, family.split()[0]) in evolved, (field, family)


# ---- how a list of paths is picked from: the integration's own rule ------------------------

FALLING_THROUGH = {**IDENTIFY, "context": {"profile": {"uid": ""}}}
"""An identify whose first mapped identity path holds ``""``: it exists but is falsy."""


def test_segment_families_take_the_first_path_that_exists() -> None:
    paths = {"identify_identity_from": ("$.context.profile.uid", "$.userId")}
    cloud = attrs.evolve(heapseg.PROFILES["actions-cloud"], **paths)
    web = attrs.evolve(heapseg.PROFILES["actions-web"], **paths)
    (refused,) = heapseg.translate(FALLING_THROUGH, profile=cloud)
    assert isinstance(refused, Unsupported)
    assert "Missing identity" in refused.reason
    assert heapseg.translate(FALLING_THROUGH, profile=web) == [AddUserProperties({"plan": "pro"})]


def test_rudderstack_takes_the_first_truthy_identity() -> None:
    paths = {"identify_identity_from": ("$.context.profile.uid", "$.userId")}
    cloud = attrs.evolve(heapseg.PROFILES["rudderstack-cloud"], **paths)
    assert heapseg.translate(FALLING_THROUGH, profile=cloud) == [
        AddUserProperties({"plan": "pro"}, identity="u1")
    ]


def test_rudderstack_takes_the_first_traits_that_exist() -> None:
    """``traits ?? context.traits``: empty traits exist, so the second path is not read."""
    message = {**IDENTIFY, "traits": {}, "context": {"traits": {"plan": "ctx"}}}
    assert heapseg.translate(message, profile="rudderstack-cloud") == [
        AddUserProperties({}, identity="u1")
    ]


def test_an_empty_source_is_not_mapped() -> None:
    unmapped = attrs.evolve(heapseg.PROFILES["actions-web"], identify_identity_from=())
    assert heapseg.translate(IDENTIFY, profile=unmapped) == [AddUserProperties({"plan": "pro"})]


# ---- refusing a field the family does not read -------------------------------------------

READERS: dict[str, tuple[str, ...]] = {
    "track_identity_from": ("actions-cloud", "heap-cloud", "actions-web", "rudderstack cloud"),
    "identify_identity_from": ("actions-cloud", "heap-cloud", "actions-web", "rudderstack"),
    "user_id_from": ("heap-cloud",),
    "email_from": ("heap-cloud",),
    "track_traits_from": ("actions-cloud", "heap-cloud", "actions-web"),
    "identify_traits_from": ("actions-cloud", "heap-cloud", "actions-web", "rudderstack"),
}
"""Which families read each field, as the field docstrings and docs/profiles/index.md say."""


def _reads(field: str, profile: heapseg.Profile) -> bool:
    readers = READERS[field]
    return profile.family in readers or f"{profile.family} {profile.mode}" in readers


REFUSALS = [
    (field, name)
    for field in READERS
    for name, profile in heapseg.PROFILES.items()
    if not _reads(field, profile)
]


@pytest.mark.parametrize(("field", "preset"), REFUSALS)
def test_a_field_the_family_does_not_read_is_refused_by_name(field: str, preset: str) -> None:
    profile = heapseg.PROFILES[preset]
    assert getattr(profile, field) == ()
    with pytest.raises(ConfigurationError) as raised:
        attrs.evolve(profile, **{field: ("$.userId",)})
    message = str(raised.value)
    assert message.startswith(f"{field} is read only by the ")
    assert f"in a {profile.family} {profile.mode} profile" in message
    assert "('$.userId',)" in message


def test_every_family_and_mode_lacks_some_reader() -> None:
    """The refusals cover both classic presets and rudderstack's device-only gaps."""
    refused = {preset for _, preset in REFUSALS}
    assert {"classic-cloud", "classic-device", "rudderstack-cloud", "rudderstack-device"} <= refused
    assert ("track_identity_from", "rudderstack-device") in REFUSALS
    assert ("track_identity_from", "rudderstack-cloud") not in REFUSALS


@pytest.mark.parametrize("field", list(READERS))
def test_an_empty_source_is_accepted_by_every_family(field: str) -> None:
    for profile in heapseg.PROFILES.values():
        assert getattr(attrs.evolve(profile, **{field: ()}), field) == ()


def test_the_refusal_lists_the_reading_families() -> None:
    with pytest.raises(ConfigurationError) as raised:
        attrs.evolve(heapseg.PROFILES["classic-cloud"], track_identity_from=["$.userId"])
    assert str(raised.value) == (
        "track_identity_from is read only by the actions-cloud, heap-cloud, actions-web and "
        "rudderstack (cloud mode) families, so it would do nothing in a classic cloud profile; "
        "leave it empty (), not ('$.userId',)"
    )


def test_a_path_without_the_root_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"identify_traits_from takes message paths"):
        attrs.evolve(heapseg.PROFILES["rudderstack-cloud"], identify_traits_from=["traits"])


@pytest.mark.parametrize(
    ("old", "value"),
    [
        ("identity_sources", ("userId",)),
        ("traits_sources", ("traits",)),
        ("identify_on_track", True),
    ],
)
def test_the_overlapping_fields_cannot_be_set(old: str, value: object) -> None:
    """The fields that some families silently ignored are gone, so setting one fails loudly."""
    with pytest.raises(TypeError, match=old):
        attrs.evolve(heapseg.PROFILES["actions-cloud"], **{old: value})
