"""Fuzz ``heapseg.translate`` with arbitrary JSON under every profile (atheris, on demand).

Each input is read as JSON text; input that is not JSON is turned into a message built from
its bytes instead, so every run reaches the mapping code. Every preset in
``heapseg.PROFILES`` is tried, and each preset with ``limits="truncate"`` and
``limits="reject"``. A finding is any of:

- an exception other than :class:`heapseg.HeapsegError` (from ``translate``, ``to_dict``,
  ``from_dict`` or, for cloud profiles, ``heapseg.http.render``);
- an input changed by ``translate``;
- two runs on the same input that differ;
- a call whose dict form does not read back as the same call.

Run it from the repository root (it imports the ``heapseg`` beside it) once atheris is
installed (``pip install -e '.[fuzz]'``)::

    mkdir -p fuzz-corpus
    python fuzz/fuzz_translate.py -max_total_time=120 -rss_limit_mb=2048 fuzz-corpus/

The directory keeps the inputs that reached new code between runs (the lines of
``heapseg/data/sample.ndjson``, one per file, make good seeds); ``-jobs=N`` runs N at
once. A finding is written as ``crash-<hash>``; rerun it with the file as the argument.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import atheris
import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports():
    import heapseg
    import heapseg.http

PROFILES: tuple[heapseg.Profile, ...] = tuple(
    variant
    for preset in heapseg.PROFILES.values()
    for variant in (
        preset,
        attrs.evolve(preset, limits="truncate"),
        attrs.evolve(preset, limits="reject"),
    )
)

_TYPES = ["identify", "track", "page", "screen", "group", "alias", "", "Track"]
_KEYS = [
    "type",
    "userId",
    "anonymousId",
    "event",
    "traits",
    "properties",
    "context",
    "integrations",
    "timestamp",
    "originalTimestamp",
    "messageId",
    "name",
    "category",
    "email",
    "id",
    "library",
    "All",
    "Heap",
    "idempotencyKey",
]


def _value(data: atheris.FuzzedDataProvider, depth: int) -> Any:
    """One JSON value drawn from the fuzzer's bytes, with keys Segment messages use."""
    choice = data.ConsumeIntInRange(0, 9 if depth < 6 else 5)
    if choice == 0:
        return None
    if choice == 1:
        return data.ConsumeBool()
    if choice == 2:
        return data.ConsumeInt(8)
    if choice == 3:
        return data.ConsumeRegularFloat()
    if choice == 4:
        text = data.ConsumeUnicodeNoSurrogates(data.ConsumeIntInRange(0, 40))
        # Now and then long enough to reach Heap's limits (255, 512, 1024 characters).
        return "x" * data.ConsumeIntInRange(0, 1100) + text if data.ConsumeBool() else text
    if choice == 5:
        return data.PickValueInList(["2024-05-01T12:00:00Z", "a@b.co", "null", "user", "1e21"])
    if choice in (6, 7):
        return {
            (data.PickValueInList(_KEYS) if data.ConsumeBool() else data.ConsumeUnicode(6)): _value(
                data, depth + 1
            )
            for _ in range(data.ConsumeIntInRange(0, 5))
        }
    if choice == 8:
        return [_value(data, depth + 1) for _ in range(data.ConsumeIntInRange(0, 4))]
    return data.ConsumeFloat()


def _message(raw: bytes) -> Any:
    """The input as JSON if it is JSON text, else a message built from its bytes."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        data = atheris.FuzzedDataProvider(raw)
        message = _value(data, 5)
        if isinstance(message, dict) and data.ConsumeBool():
            message["type"] = data.PickValueInList(_TYPES)
        return message


def _outcome(message: Any, profile: heapseg.Profile) -> Any:
    try:
        return [heapseg.to_dict(call) for call in heapseg.translate(message, profile)]
    except heapseg.HeapsegError as error:
        return (type(error).__name__, str(error))


def test_one_input(raw: bytes) -> None:
    message = _message(raw)
    before = repr(message)
    for profile in PROFILES:
        first = _outcome(message, profile)
        if repr(message) != before:
            raise AssertionError(f"{profile.name} changed its input")
        second = _outcome(message, profile)
        if repr(first) != repr(second):
            raise AssertionError(f"{profile.name} gave two answers: {first!r} / {second!r}")
        if not isinstance(first, list):
            continue
        calls = [heapseg.from_dict(data) for data in first]
        if repr([heapseg.to_dict(call) for call in calls]) != repr(first):
            raise AssertionError(f"{profile.name}: a call does not read back as itself")
        if profile.mode == "cloud":
            with contextlib.suppress(heapseg.HeapsegError):
                heapseg.http.render(calls, app_id="1", profile=profile)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
