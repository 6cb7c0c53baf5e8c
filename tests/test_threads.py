"""translate keeps no shared mutable state: 8 threads give the serial results."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

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


FIRST_BAD_MESSAGES = """
import sys, threading
sys.path.insert(0, sys.argv[1])
import heapseg
assert "heapseg._message_converter" not in sys.modules
start = threading.Barrier(8)
found = []
def read_bad_message():
    start.wait()
    try:
        heapseg.translate({"type": "track", "userId": "u", "event": "E", "properties": 5})
    except heapseg.InvalidEvent as error:
        found.append((error.path, error.reason))
threads = [threading.Thread(target=read_bad_message) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(found), len(set(found)), found[0][0])
"""


def test_threads_that_first_meet_a_bad_message_at_once_each_get_its_error() -> None:
    """The converter that names a bad field is imported when a message first needs it;
    eight threads needing it at the same moment each get the error."""
    root = Path(heapseg.__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", FIRST_BAD_MESSAGES, str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8", "1", "$.properties"]
