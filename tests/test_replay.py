"""Replay-safe idempotency keys (``idempotency_key = "messageId-or-hash"``, docs/backfill.md)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import heapseg
from heapseg._replay import replay_key

ROOT = Path(__file__).resolve().parent.parent
CLOUD = ["classic-cloud", "actions-cloud", "heap-cloud", "rudderstack-cloud"]


def replay(name: str) -> heapseg.Profile:
    return attrs.evolve(heapseg.PROFILES[name], idempotency_key="messageId-or-hash")


def tracks(message: dict[str, Any], profile: heapseg.Profile) -> list[heapseg.Track]:
    return [c for c in heapseg.translate(message, profile) if type(c) is heapseg.Track]


TRACK: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "user-1",
    "anonymousId": "anon-1",
    "timestamp": "2024-05-01T10:00:00.000Z",
    "properties": {"total": 12.5},
}

# The canonical JSON of TRACK without a messageId, written out by hand from the documented
# rule: keys sorted at every level, "," and ":" separators, no spaces.
TRACK_CANONICAL = (
    '{"anonymousId":"anon-1","event":"Order Completed","properties":{"total":12.5},'
    '"timestamp":"2024-05-01T10:00:00.000Z","type":"track","userId":"user-1"}'
)
TRACK_HASH_KEY = "sha256:" + hashlib.sha256(TRACK_CANONICAL.encode("ascii")).hexdigest()


@pytest.mark.parametrize("name", CLOUD)
def test_a_long_message_id_is_the_key(name: str) -> None:
    [track] = tracks({**TRACK, "messageId": "ajs-next-1714557600"}, replay(name))
    assert track.idempotency_key == "ajs-next-1714557600"


@pytest.mark.parametrize("name", CLOUD)
def test_a_short_message_id_is_prefixed_to_reach_eight_characters(name: str) -> None:
    [track] = tracks({**TRACK, "messageId": "m1"}, replay(name))
    assert track.idempotency_key == "messageId:m1"


@pytest.mark.parametrize("name", ["classic-cloud", "rudderstack-cloud"])
@pytest.mark.parametrize("message_id", ["absent", None, ""])
def test_without_a_message_id_the_key_is_the_hash(name: str, message_id: object) -> None:
    message = dict(TRACK) if message_id == "absent" else {**TRACK, "messageId": message_id}
    [track] = tracks(message, replay(name))
    if message_id == "absent":
        assert track.idempotency_key == TRACK_HASH_KEY
    else:
        assert track.idempotency_key is not None
        assert track.idempotency_key.startswith("sha256:")
        assert len(track.idempotency_key) == len("sha256:") + 64


@pytest.mark.parametrize("name", ["actions-cloud", "heap-cloud"])
def test_the_actions_destinations_still_refuse_a_message_without_message_id(name: str) -> None:
    [call] = heapseg.translate(TRACK, replay(name))
    assert type(call) is heapseg.Unsupported
    assert "message_id" in call.reason


@pytest.mark.parametrize("name", CLOUD)
def test_the_original_event_time_is_kept(name: str) -> None:
    [track] = tracks({**TRACK, "messageId": "ajs-next-1714557600"}, replay(name))
    assert track.timestamp == "2024-05-01T10:00:00.000Z"


def test_numbers_and_non_ascii_in_the_canonical_json() -> None:
    message = {"type": "track", "event": "Café", "userId": 7, "properties": {"n": 1.0, "b": True}}
    canonical = '{"event":"Caf\\u00e9","properties":{"b":true,"n":1.0},"type":"track","userId":7}'
    expected = "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()
    assert replay_key(message) == expected


def test_rudderstack_keeps_idempotency_key_as_an_ordinary_property_under_the_rule() -> None:
    message = {**TRACK, "messageId": "ajs-next-1", "properties": {"idempotencyKey": "k-123456"}}
    [track] = tracks(message, replay("rudderstack-cloud"))
    assert track.idempotency_key == "ajs-next-1"
    assert track.properties == {"idempotencyKey": "k-123456"}


@pytest.mark.parametrize("name", ["classic-device", "actions-web", "rudderstack-device"])
def test_device_profiles_have_no_key_to_give(name: str) -> None:
    for call in heapseg.translate({**TRACK, "messageId": "m-1"}, replay(name)):
        assert getattr(call, "idempotency_key", None) is None


_IDS = st.one_of(st.none(), st.text(max_size=12), st.integers(-(10**6), 10**12))


@given(_IDS)
def test_every_key_has_at_least_eight_characters(message_id: object) -> None:
    message = {**TRACK, "messageId": message_id}
    [track] = tracks(message, replay("classic-cloud"))
    assert isinstance(track.idempotency_key, str)
    assert len(track.idempotency_key) >= 8


@given(st.permutations(list(TRACK)))
def test_the_hash_does_not_depend_on_key_order(order: list[str]) -> None:
    shuffled = {key: TRACK[key] for key in order}
    assert replay_key(shuffled) == TRACK_HASH_KEY


def test_keys_are_the_same_in_another_process_with_another_hash_seed() -> None:
    messages = [
        TRACK,
        {**TRACK, "messageId": "m1"},
        {**TRACK, "properties": {"ü": [1, 2.5, None, {"z": 1, "a": 2}], "big": 2**70}},
    ]
    script = (
        "import json, sys, attrs, heapseg\n"
        "p = attrs.evolve(heapseg.PROFILES['classic-cloud'], idempotency_key='messageId-or-hash')\n"
        "for m in json.load(sys.stdin):\n"
        "    print(heapseg.translate(m, p)[0].idempotency_key)\n"
    )
    here = [tracks(m, replay("classic-cloud"))[0].idempotency_key for m in messages]
    for seed in ("0", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(messages).encode(),
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed},
            check=True,
            timeout=60,
        )
        assert done.stdout.decode().split() == here
