"""translate keeps no shared mutable state: 8 threads give the serial results."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import heapseg


def _sample() -> list[dict[str, object]]:
    text = resources.files("heapseg").joinpath("data/sample.ndjson").read_text("utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def _translate_all(messages: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    return [
        [heapseg.to_dict(call) for call in heapseg.translate(message, profile=name)]
        for message in messages
        for name in heapseg.PROFILES
    ]


def test_eight_threads_match_serial() -> None:
    messages = _sample() * 20
    serial = _translate_all(messages)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _translate_all(messages), range(8)))
    assert all(result == serial for result in results)
