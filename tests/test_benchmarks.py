"""The premises the benchmarks rest on, checked on every test run (no timing here).

A ratio against the hand-written baseline means something only while the baseline writes
what heapseg writes; the command line measured without ``translate`` must be the same
command line, writing the same lines, with ``translate`` (and only it) taken out.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import heapseg
import heapseg._cli as cli

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module("bench")


@pytest.fixture(scope="module")
def events(bench: ModuleType) -> ModuleType:
    return importlib.import_module("events")


def test_the_hand_written_baseline_writes_exactly_what_heapseg_writes(
    events: ModuleType,
) -> None:
    baseline = importlib.import_module("baseline")
    messages = events.generate_events(400, seed=11)
    assert {message["type"] for message in messages} >= {"identify", "track", "page"}
    for message in messages:
        expected = [heapseg.to_dict(call) for call in heapseg.translate(message, "classic-cloud")]
        assert baseline.classic_cloud(message) == expected


def test_the_command_line_without_translate_writes_what_the_command_line_writes(
    bench: ModuleType, events: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = events.generate_lines(300, seed=5)
    messages_translated: list[Any] = []

    def counting_translate(event: Any, profile: Any = "classic-cloud") -> list[heapseg.Call]:
        messages_translated.append(event)
        return heapseg.translate(event, profile)

    monkeypatch.setattr(cli, "translate", counting_translate)
    _, run_cli = bench._cli_runner()
    with_translate = bench._cli_run(run_cli, [lines], "classic-cloud")
    without_translate = bench._without_translate(with_translate, lines, "classic-cloud")

    written = with_translate(0)
    assert len(messages_translated) == len(lines)
    assert written.count(b"\n") >= len(lines)  # a line per call, unsupported ones included

    assert without_translate(0) == written
    assert len(messages_translated) == len(lines)  # the lookup answered every message
    assert cli.translate is counting_translate  # and the command line got its own back


def test_memory_with_workers_reports_the_main_process_and_the_largest_worker() -> None:
    sizes = ["--small", "300", "--large", "600", "--forms", "ndjson"]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "cli_memory.py"), *sizes, "--jobs", "2"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.decode().splitlines()
    assert header.split() == ["form", "small", "MiB", "large", "MiB", "input", "MiB", "ratio"]
    form, small_main, plus, small_worker, *_ = row.split()
    assert (form, plus) == ("ndjson", "+")
    assert float(small_main) > 0
    assert float(small_worker) > 0
