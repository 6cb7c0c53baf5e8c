"""Profiles: presets, name resolution and evolving single choices."""

from __future__ import annotations

import attrs
import pytest

import heapseg
from heapseg import ConfigurationError, Profile, Track, Unsupported


def test_default_profile_is_classic_cloud() -> None:
    message = {"type": "track", "userId": "u", "event": "E"}
    assert heapseg.translate(message) == heapseg.translate(message, profile="classic-cloud")


def test_presets_are_keyed_by_their_names() -> None:
    for name, profile in heapseg.PROFILES.items():
        assert profile.name == name
        assert profile.mode in ("cloud", "device")


def test_unknown_profile_name_lists_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="classic-cloud"):
        heapseg.translate({"type": "track", "userId": "u", "event": "E"}, profile="classic")


def test_profiles_are_immutable() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        heapseg.PROFILES["classic-cloud"].mode = "device"  # type: ignore[misc]
    with pytest.raises(TypeError):
        heapseg.PROFILES["x"] = heapseg.PROFILES["classic-cloud"]  # type: ignore[index]


def test_evolve_classic_cloud_to_send_page_calls_as_track() -> None:
    page = {
        "type": "page",
        "userId": "u1",
        "name": "Pricing",
        "category": "Docs",
        "timestamp": "2024-01-02T03:04:05Z",
        "properties": {"path": "/pricing"},
        "context": {"library": {"name": "analytics.js"}},
    }
    classic = heapseg.PROFILES["classic-cloud"]
    (unsupported,) = heapseg.translate(page, profile=classic)
    assert isinstance(unsupported, Unsupported)
    assert unsupported.type == "page"
    assert "page" in unsupported.reason
    pages = attrs.evolve(classic, name="classic-pages", page_event="Page viewed")
    assert heapseg.translate(page, profile=pages) == [
        Track(
            "Page viewed",
            {
                "path": "/pricing",
                "name": "Pricing",
                "category": "Docs",
                "segment_library": "analytics.js",
            },
            identity="u1",
            timestamp="2024-01-02T03:04:05.000Z",
        )
    ]
    assert heapseg.PROFILES["classic-cloud"].page_event is None


def test_evolve_validates_choices() -> None:
    with pytest.raises(ValueError, match="mode"):
        attrs.evolve(heapseg.PROFILES["classic-cloud"], mode="server")


def test_profile_argument_must_be_a_name_or_profile() -> None:
    with pytest.raises(ConfigurationError):
        heapseg.translate({"type": "track", "userId": "u", "event": "E"}, profile=3)  # type: ignore[arg-type]


def test_profile_is_exported() -> None:
    assert isinstance(heapseg.PROFILES["classic-device"], Profile)


def test_classic_cloud_without_the_user_id_rule_keys_anonymous_messages_by_anonymous_id() -> None:
    anonymous = attrs.evolve(heapseg.PROFILES["classic-cloud"], require_user_id=False)
    track = {"type": "track", "anonymousId": "anon-1", "event": "E"}
    identify = {"type": "identify", "anonymousId": "anon-1", "traits": {"plan": "pro"}}
    assert heapseg.translate(track, profile=anonymous) == [
        Track("E", {"segment_library": ""}, identity="anon-1")
    ]
    assert heapseg.translate(identify, profile=anonymous) == [
        heapseg.AddUserProperties({"plan": "pro", "segment_library": ""}, identity="anon-1")
    ]


@pytest.mark.parametrize(
    ("field", "value", "readers"),
    [
        ("iso_dates", True, "classic family"),
        ("require_user_id", True, "classic family"),
        ("id_trait", True, "classic family"),
        ("identify_email_alias", "_email", "classic family"),
        ("track_email_alias", "_email", "classic family"),
        ("browser_array_limit", 5, "actions-web family"),
        ("user_values", heapseg.ValueRules(), "actions-cloud and heap-cloud families"),
    ],
)
def test_a_choice_the_family_never_reads_is_refused_by_name(
    field: str, value: object, readers: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        attrs.evolve(heapseg.PROFILES["rudderstack-cloud"], **{field: value})
    message = str(caught.value)
    assert message.startswith(f"{field} is read only by the {readers}")
    assert "rudderstack cloud profile" in message
