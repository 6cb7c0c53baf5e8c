"""The named presets: each reproduces one real integration exactly."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from attrs import evolve

from ._errors import ConfigurationError
from ._profile import Profile, SegmentLibrary
from ._values import ValueRules

__all__ = ["DEFAULT_PROFILE", "PROFILES", "resolve_profile"]

_CLASSIC_VALUES: Final = ValueRules(
    objects="flatten",
    arrays="stringify",
    scalars="keep",
    nulls="drop-top-level",
    empty="keep",
    separate="after-non-empty",
)

# Segment classic (segment-classic.md)
_CLASSIC: Final = (
    Profile(
        name="classic-cloud",
        reproduces="Segment's classic Heap destination, cloud mode "
        "(@segment/integration-heap 1.1.5)",
        family="classic",
        mode="cloud",
        iso_dates=True,
        require_user_id=True,
        id_trait=True,
        identify_email_alias="_email",
        track_email_alias="_email",
        values=_CLASSIC_VALUES,
        segment_library=SegmentLibrary(value="", from_context=True),
        timestamp="facade",
    ),
    Profile(
        name="classic-device",
        reproduces="Segment's classic Heap destination, device mode "
        "(analytics.js-integration-heap 2.1.x)",
        family="classic",
        mode="device",
        iso_dates=True,
        id_trait=True,
        identify_email_alias="_email",
        values=evolve(_CLASSIC_VALUES, top_level_years="unpadded"),
    ),
)

# Segment Actions: Heap Cloud (Actions), Heap Cloud, Heap Web (Actions) (segment-actions.md)
_ACTIONS_FLAT: Final = ValueRules(
    objects="flatten", arrays="index", scalars="string", nulls="string", empty="drop"
)
"""The cloud destinations' ``flat()``: dotted keys, arrays by index, every value a string."""

_HEAP_CLOUD_USER_FLAT: Final = ValueRules(
    objects="flatten", arrays="index", scalars="keep", nulls="keep", empty="drop"
)
"""Heap Cloud's user properties: flattened the same way, values kept as JSON primitives."""

_CLOUD_LIBRARY: Final = SegmentLibrary(value="cloud-mode-destination", user_value_wins=True)

_ACTIONS: Final[tuple[Profile, ...]] = (
    Profile(
        name="actions-cloud",
        reproduces='Segment\'s "Heap Cloud (Actions)" destination (actions-heap-cloud), '
        "default presets",
        family="actions-cloud",
        mode="cloud",
        integration_keys=("Heap Cloud (Actions)",),
        values=_ACTIONS_FLAT,
        segment_library=_CLOUD_LIBRARY,
        timestamp="dayjs",
        idempotency_key="messageId",
        page_event="Page viewed",
        screen_event="Screen viewed",
        region_rule="EU",
        track_identity_from=(),
        identify_identity_from=("$.userId",),
        track_traits_from=("$.context.traits",),
        identify_traits_from=("$.traits",),
    ),
    Profile(
        name="heap-cloud",
        reproduces='Segment\'s "Heap Cloud" destination (actions-heap-cloud-server, 2026), '
        "default presets",
        family="heap-cloud",
        mode="cloud",
        integration_keys=("Heap Cloud",),
        values=_ACTIONS_FLAT,
        user_values=_HEAP_CLOUD_USER_FLAT,
        segment_library=_CLOUD_LIBRARY,
        timestamp="passthrough",
        idempotency_key="messageId",
        page_event="Page viewed",
        screen_event="Screen viewed",
        region_rule="EU",
        track_identity_from=("$.userId",),
        identify_identity_from=("$.userId",),
        email_from=("$.email", "$.context.traits.email"),
        track_traits_from=("$.context.traits",),
        identify_traits_from=("$.traits",),
    ),
    Profile(
        name="actions-web",
        reproduces="Segment's Heap Web (Actions) destination, device mode, default presets "
        "(@segment/analytics-browser-actions-heap 1.107.0)",
        family="actions-web",
        mode="device",
        integration_keys=("Heap Web (Actions)",),
        values=ValueRules(
            objects="flatten", arrays="stringify", scalars="string", nulls="keep", empty="drop"
        ),
        track_identity_from=(),
        identify_identity_from=("$.userId",),
        track_traits_from=("$.context.traits",),
        identify_traits_from=("$.traits",),
    ),
)

# RudderStack (rudderstack.md)
_RUDDERSTACK_NAMES: Final = ("HEAP", "Heap", "heap", "Heap.io")
_RUDDERSTACK_IDENTITY: Final = (
    "$.userId",
    "$.traits.userId",
    "$.traits.id",
    "$.context.traits.userId",
    "$.context.traits.id",
    "$.anonymousId",
)
"""The transformer's ``userId`` mapping, joined with ``||``: the first truthy value wins."""

_FLATTEN_JSON: Final = ValueRules(
    objects="flatten",
    arrays="bracket",
    scalars="keep",
    nulls="keep",
    empty="keep",
    separate="after-non-empty",
)
"""RudderStack's ``flattenJson``: dotted objects, ``key[i]`` arrays, nothing dropped."""

_RUDDERSTACK: Final[tuple[Profile, ...]] = (
    Profile(
        name="rudderstack-cloud",
        reproduces="RudderStack's Heap destination, cloud mode "
        "(rudder-transformer CDK v2 procWorkflow, 2026-08)",
        family="rudderstack",
        mode="cloud",
        integration_keys=_RUDDERSTACK_NAMES,
        integrations_rule="any-name",
        values=_FLATTEN_JSON,
        timestamp="passthrough-or-original",
        idempotency_key="properties.idempotencyKey",
        region_rule="eu",
        identify_identity_from=_RUDDERSTACK_IDENTITY,
        track_identity_from=_RUDDERSTACK_IDENTITY,
        identify_traits_from=("$.traits", "$.context.traits"),
    ),
    Profile(
        name="rudderstack-device",
        reproduces="RudderStack's Heap device-mode integration "
        "(rudder-sdk-js analytics-js-integrations Heap, 2025-08)",
        family="rudderstack",
        mode="device",
        integration_keys=_RUDDERSTACK_NAMES,
        integrations_rule="any-name",
        values=evolve(_FLATTEN_JSON, nulls="drop"),  # then nulls dropped
        identify_identity_from=("$.userId",),
        identify_traits_from=("$.context.traits",),
    ),
)

PROFILES: Final[Mapping[str, Profile]] = MappingProxyType(
    {p.name: p for p in (*_CLASSIC, *_ACTIONS, *_RUDDERSTACK)}
)
"""The named presets, each reproducing one real integration exactly."""

DEFAULT_PROFILE: Final = "classic-cloud"


def resolve_profile(profile: str | Profile) -> Profile:
    """Return the ``Profile`` named by ``profile`` (or ``profile`` itself)."""
    if isinstance(profile, str):
        found = PROFILES.get(profile)
        if found is not None:
            return found
        raise ConfigurationError(
            f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}"
        )
    if isinstance(profile, Profile):
        return profile
    raise ConfigurationError(
        f"profile must be a profile name or a heapseg.Profile, not {type(profile).__name__}"
    )
