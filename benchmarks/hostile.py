"""How translate's time scales on hostile input: huge strings, wide and deep objects.

For every profile (and each with ``limits="truncate"``), each input shape is timed at a
base size and at ten times that size, best of three with the garbage collector paused.
Linear time shows as a ratio near 10 (caches and the allocator push it somewhat above
that for large objects); quadratic time would show as about 100. The ratios are reported,
not asserted (timings depend on the machine)::

    python benchmarks/hostile.py            # 1 MB vs 10 MB strings, 10,000 vs 100,000 keys
                                            # or levels
    python benchmarks/hostile.py --quick    # a tenth of those sizes
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import heapseg

Shape = Callable[[int], dict[str, Any]]

_IDS: dict[str, Any] = {"messageId": "m1", "anonymousId": "a1"}
"""Fields every profile needs, so each one maps the message rather than refusing it."""


def _string_property(size: int) -> dict[str, Any]:
    return {**_IDS, "type": "track", "userId": "u1", "event": "E", "properties": {"p": "s" * size}}


def _string_event(size: int) -> dict[str, Any]:
    return {**_IDS, "type": "track", "userId": "u1", "event": "e" * size}


def _email_like_user(size: int) -> dict[str, Any]:
    return {**_IDS, "type": "identify", "userId": "a." * (size // 2), "traits": {}}


def _digit_timestamp(size: int) -> dict[str, Any]:
    return {**_IDS, "type": "track", "userId": "u1", "event": "E", "timestamp": "0" * size + "1"}


def _wide_properties(size: int) -> dict[str, Any]:
    properties = {f"k{index}": f"v{index}" for index in range(size // 100)}
    return {**_IDS, "type": "track", "userId": "u1", "event": "E", "properties": properties}


def _wide_traits(size: int) -> dict[str, Any]:
    traits = {f"k{index}": index for index in range(size // 100)}
    return {
        **_IDS,
        "type": "identify",
        "userId": "u1",
        "traits": traits,
        "context": {"traits": traits},
    }


def _wide_array(size: int) -> dict[str, Any]:
    items = list(range(size // 100))
    return {**_IDS, "type": "track", "userId": "u1", "event": "E", "properties": {"a": items}}


def _deep_properties(size: int) -> dict[str, Any]:
    nested: dict[str, Any] = {"leaf": 1}
    for _ in range(size // 100):
        nested = {"k": nested}
    return {**_IDS, "type": "track", "userId": "u1", "event": "E", "properties": {"d": nested}}


def _deep_traits(size: int) -> dict[str, Any]:
    nested: Any = {"leaf": "2024-05-01T12:00:00Z"}
    for level in range(size // 100):
        nested = [nested] if level % 2 else {"k": nested}
    return {**_IDS, "type": "identify", "userId": "u1", "traits": {"d": nested}}


SHAPES: dict[str, Shape] = {
    "string property": _string_property,
    "string event name": _string_event,
    "e-mail-like userId": _email_like_user,
    "digit timestamp": _digit_timestamp,
    "wide properties": _wide_properties,
    "wide traits": _wide_traits,
    "wide array": _wide_array,
    "deep properties": _deep_properties,
    "deep traits": _deep_traits,
}


def _seconds(message: dict[str, Any], profile: heapseg.Profile, repeat: int = 3) -> float:
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            with contextlib.suppress(heapseg.HeapsegError):
                heapseg.translate(message, profile)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args()
    base = 100_000 if args.quick else 1_000_000  # characters; base // 100 keys or levels
    profiles = [
        variant
        for preset in heapseg.PROFILES.values()
        for variant in (preset, attrs.evolve(preset, limits="truncate"))
    ]
    print(f"{'shape':20} {'profile':30} {'1x (s)':>9} {'10x (s)':>9} {'ratio':>6}")
    for label, shape in SHAPES.items():
        small, large = shape(base), shape(10 * base)
        for profile in profiles:
            name = profile.name + ("" if profile.limits == "off" else f" ({profile.limits})")
            one, ten = _seconds(small, profile), _seconds(large, profile)
            ratio = ten / one if one > 0 else float("nan")
            print(f"{label:20} {name:30} {one:9.4f} {ten:9.4f} {ratio:6.1f}")


if __name__ == "__main__":
    main()
