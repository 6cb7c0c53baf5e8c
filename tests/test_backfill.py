"""The command line's backfill options: export folders, the time window, selection options and
--config, --replay-safe, and resumable runs with --checkpoint (docs/backfill.md)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from heap_standin import HeapStandIn
from send_urllib import send

from heapseg._cli_backfill import BackfillError, parse_bound

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
APP_ID = "1535634150"


def run(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "heapseg", "translate", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=ENV,
        timeout=120,
        check=False,
    )


def records(output: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.decode("utf-8").splitlines()]


def track(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": f"user-{number}",
        "messageId": f"message-{number:05d}",
        "timestamp": f"2024-05-01T10:{number // 60 % 60:02d}:{number % 60:02d}.000Z",
        **extra,
    }


def write_gz(path: Path, messages: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.writelines(json.dumps(m) + "\n" for m in messages)


# --- folders ---------------------------------------------------------------------------------


def test_a_folder_is_walked_depth_first_in_name_order(tmp_path: Path) -> None:
    export = tmp_path / "export"
    # Created out of order; read in code-point order of names, files and folders together.
    layout = {
        "b/2.gz": 5,
        "a.json": 3,
        "b/10.gz": 4,
        "a/z.ndjson": 2,
        "a/y/x.jsonl": 1,
        "B.gz": 0,
    }
    for name, number in layout.items():
        path = export / name
        if name.endswith(".gz"):
            write_gz(path, [track(number)])
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(track(number)) + "\n", encoding="utf-8")
    (export / ".hidden.gz").write_bytes(b"")
    (export / "a" / "notes.txt").write_text("not an export file", encoding="utf-8")
    # The run's own report files are never read as input, even inside the folder.
    (export / "errors.ndjson").write_text(json.dumps(track(99)) + "\n", encoding="utf-8")
    done = run("export", "--errors", "export/errors.ndjson", "--stats", "s", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = [r["file"] for r in records(done.stdout)]
    assert files == [
        "export/B.gz",
        "export/a/y/x.jsonl",
        "export/a/z.ndjson",
        "export/a.json",
        "export/b/10.gz",
        "export/b/2.gz",
    ]
    assert [r["messageId"] for r in records(done.stdout)] == [f"message-{n:05d}" for n in range(6)]
    stats = json.loads((tmp_path / "s").read_text("utf-8"))
    assert stats["files_not_read"] == ["export/.hidden.gz", "export/a/notes.txt"]
    assert b"2 folder entries not read" in done.stderr


# --- the window ------------------------------------------------------------------------------

SINCE, UNTIL = "2024-05-01T00:00:00Z", "2024-05-02"

# (what, timestamp fields, counted as) — derived from the documented rule: the window is
# [since, until); a message's time is its timestamp, else its originalTimestamp.
WINDOW = [
    ("at since", {"timestamp": "2024-05-01T00:00:00.000Z"}, "translated"),
    ("1 ms before since", {"timestamp": "2024-04-30T23:59:59.999Z"}, "outside_window"),
    ("1 ms before until", {"timestamp": "2024-05-01T23:59:59.999Z"}, "translated"),
    ("at until", {"timestamp": "2024-05-02T00:00:00.000Z"}, "outside_window"),
    ("an offset moves it in", {"timestamp": "2024-05-02T01:00:00+02:00"}, "translated"),
    ("epoch milliseconds", {"timestamp": 1714564800000}, "translated"),
    (
        "originalTimestamp when no timestamp",
        {"originalTimestamp": "2024-05-01T12:00:00Z"},
        "translated",
    ),
    (
        "timestamp wins over originalTimestamp",
        {"timestamp": "2024-06-01T00:00:00Z", "originalTimestamp": "2024-05-01T12:00:00Z"},
        "outside_window",
    ),
    (
        "null timestamp falls back",
        {"timestamp": None, "originalTimestamp": "2024-05-01T01:00:00Z"},
        "translated",
    ),
    ("no time at all", {}, "outside_window"),
    ("unreadable", {"timestamp": "next tuesday-ish"}, "invalid"),
]


def test_the_window(tmp_path: Path) -> None:
    lines = []
    for number, (_, fields, _) in enumerate(WINDOW):
        message = {k: v for k, v in track(number).items() if k != "timestamp"}
        lines.append(json.dumps({**message, **fields}))
    lines.insert(3, "")  # a blank line still counts as blank, not as a message
    (tmp_path / "in.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run(
        "in.ndjson",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--stats",
        "s",
        "--errors",
        "e",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    translated = {r["messageId"] for r in records(done.stdout)}
    stats = json.loads((tmp_path / "s").read_text("utf-8"))
    expected = Counter(kind for _, _, kind in WINDOW)
    for number, (what, _, kind) in enumerate(WINDOW):
        assert (f"message-{number:05d}" in translated) is (kind == "translated"), what
    assert stats["translated"] == expected["translated"]
    assert stats["outside_window"] == expected["outside_window"]
    assert stats["invalid"] == expected["invalid"] == 1
    assert stats["blank_lines"] == 1
    assert stats["translated"] + stats["unsupported"] + stats["invalid"] + stats[
        "outside_window"
    ] + stats["blank_lines"] == len(lines)
    [error] = records((tmp_path / "e").read_bytes())
    assert error["path"] == "$.timestamp"
    assert "window" in error["reason"]


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "May 1st"],
        ["--until", "2024"],
        ["--since", "2024-05-02", "--until", "2024-05-01"],
        ["--since", "2024-05-01", "--until", "2024-05-01"],
    ],
)
def test_bad_windows_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    done = run("--sample", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""


# (bound, the field named in the refusal) — dates no calendar has, which isodate would
# carry into the next unit (2024-13-01 would be 2025-01-01).
IMPOSSIBLE = [
    ("2024-13-01", "month 13"),
    ("2024-00-10", "month 00"),
    ("2024-02-30", "day 30"),
    ("2023-02-29", "day 29"),
    ("2024-04-31", "day 31"),
    ("2024-05-32", "day 32"),
    ("2024-05-00", "day 00"),
    ("2024-05-01T25:00:00Z", "hour 25"),
    ("2024-05-01T24:00", "hour 24"),
    ("2024-05-01T23:60", "minute 60"),
    ("2024-05-01T23:59:60Z", "second 60"),
    ("2024-05-01T12:00:00+24:00", "offset hour 24"),
    ("2024-05-01T12:00:00+02:60", "offset minute 60"),
]


@pytest.mark.parametrize(("bound", "field"), IMPOSSIBLE)
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_impossible_dates_are_refused_not_rolled_over(
    tmp_path: Path, option: str, bound: str, field: str
) -> None:
    done = run("--sample", option, bound, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    [line] = done.stderr.decode().splitlines()
    assert line.startswith(f"heapseg: error: {option} {bound!r} is not a real date: {field} ")


# The last moment of each field's range is a real date and still accepted.
@pytest.mark.parametrize(
    "bound",
    ["2024-02-29", "2024-12-31T23:59:59.999Z", "2024-04-30T00:00", "2024-05-01T12:00:00-23:59"],
)
def test_dates_at_the_edge_of_their_ranges_are_accepted(tmp_path: Path, bound: str) -> None:
    done = run("--sample", "--since", bound, cwd=tmp_path)
    assert done.returncode == 0, done.stderr


_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)

# (bound as typed, the instant it names) — read as ISO 8601 reads it, which is not always
# how isodate reads a message's time: after a space the offset still counts, and a year
# below 100 is that year, not one in the 1900s.
BOUNDS = [
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=_UTC)),
    ("2024-05-01T12:00", datetime(2024, 5, 1, 12, tzinfo=_UTC)),
    ("2024-05-01 12:00", datetime(2024, 5, 1, 12, tzinfo=_UTC)),
    ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=_UTC)),
    ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=_UTC)),
    ("2024-05-01 12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=_UTC)),
    ("2024-05-01 12:00:00-0530", datetime(2024, 5, 1, 17, 30, tzinfo=_UTC)),
    ("2024-05-01T00:30+01", datetime(2024, 4, 30, 23, 30, tzinfo=_UTC)),
    ("2024-05-01T12:00:00.1239Z", datetime(2024, 5, 1, 12, 0, 0, 123_000, tzinfo=_UTC)),
    ("2024-05-01T12:00:00,5Z", datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=_UTC)),
    ("0099-01-01", datetime(99, 1, 1, tzinfo=_UTC)),
    ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=_UTC)),
    ("9999-12-31T23:59:59.999Z", datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=_UTC)),
]


@pytest.mark.parametrize(("bound", "instant"), BOUNDS)
def test_window_bounds_name_the_instant_iso_8601_gives(bound: str, instant: datetime) -> None:
    assert parse_bound(bound, "--since") == (instant - _EPOCH) // timedelta(milliseconds=1)


def test_a_year_below_100_has_that_year_s_calendar() -> None:
    """Year 0 is a leap year and year 100 is not, as the proleptic Gregorian calendar has
    them; read as 1900 and 2000 they would be the other way round."""
    day_before_year_1 = (datetime(1, 1, 1, tzinfo=_UTC) - _EPOCH) // timedelta(days=1) - 1
    assert parse_bound("0000-12-31", "--since") == day_before_year_1 * 86_400_000
    assert parse_bound("0000-02-29", "--since") == (day_before_year_1 - 306) * 86_400_000
    with pytest.raises(BackfillError, match="day 29 is not 01 to 28 in 0100-02"):
        parse_bound("0100-02-29", "--since")


# --- selection and replay options ------------------------------------------------------------


def test_selection_options_add_to_the_config_file(tmp_path: Path) -> None:
    messages = [
        track(0),
        track(1, event="Order Test"),
        track(2, event="Signed Up"),
        {"type": "identify", "userId": "user-3", "traits": {"plan": "pro"}, "messageId": "m-3"},
    ]
    (tmp_path / "in.ndjson").write_text("".join(json.dumps(m) + "\n" for m in messages), "utf-8")
    config = {"include_events": ["Order *", "Signed Up"], "replay_safe": True}
    (tmp_path / "c.json").write_text(json.dumps(config), encoding="utf-8")
    done = run(
        "in.ndjson",
        "--config",
        "c.json",
        "--exclude-event",
        "* Test",
        "--exclude-type",
        "identify",
        "--stats",
        "s",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = records(done.stdout)
    sent = [(r["messageId"], r.get("idempotency_key")) for r in out if r["call"] != "unsupported"]
    assert sent == [("message-00000", "message-00000"), ("message-00002", "message-00002")]
    reasons = {r["messageId"]: r["reason"] for r in out if r["call"] == "unsupported"}
    assert reasons == {
        "message-00001": "filtered: event 'Order Test' matches the excluded pattern '* Test'",
        "m-3": "filtered: identify calls are excluded (exclude_types)",
    }


@pytest.mark.parametrize(
    ("config", "args"),
    [
        ({"include_event": ["x"]}, []),
        ({"include_types": ["tracks"]}, []),
        ({"include_events": "Order *"}, []),
        ({"profile": "nope"}, []),
        ({}, ["--profile", "classic-device", "--replay-safe"]),
        ({}, ["--include-type", "tracks"]),
    ],
)
def test_bad_selection_is_a_usage_error(
    tmp_path: Path, config: dict[str, Any], args: list[str]
) -> None:
    (tmp_path / "c.json").write_text(json.dumps(config), encoding="utf-8")
    done = run("--sample", "--config", "c.json", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == b""


# --- checkpoints -----------------------------------------------------------------------------


def export_of(tmp_path: Path, files: int, per_file: int) -> list[str]:
    """An export folder of gzipped NDJSON files; returns the message ids in reading order."""
    ids = []
    for part in range(files):
        messages = [track(part * per_file + n) for n in range(per_file)]
        write_gz(tmp_path / "export" / f"day-{part}" / "part.gz", messages)
        ids += [m["messageId"] for m in messages]
    return ids


def test_slices_with_max_messages_add_up_to_one_full_run(tmp_path: Path) -> None:
    export_of(tmp_path, files=3, per_file=4)
    full = run("export", cwd=tmp_path)
    outputs = []
    for _ in range(4):
        done = run("export", "--checkpoint", "cp", "--max-messages", "5", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert [len(records(o)) for o in outputs] == [5, 5, 2, 0]
    assert b"".join(outputs) == full.stdout
    assert json.loads((tmp_path / "cp").read_text("utf-8"))["complete"] is True


@pytest.mark.parametrize("inputs", [["--sample"], ["in.ndjson"], ["export"], ["-"]])
def test_a_complete_checkpoint_reads_nothing(tmp_path: Path, inputs: list[str]) -> None:
    export_of(tmp_path, files=2, per_file=3)
    messages = "".join(json.dumps(track(n)) + "\n" for n in range(3)).encode()
    (tmp_path / "in.ndjson").write_bytes(messages)
    first = run(*inputs, "--checkpoint", "cp", cwd=tmp_path, stdin=messages)
    assert first.returncode == 0, first.stderr
    assert records(first.stdout)
    assert json.loads((tmp_path / "cp").read_text("utf-8"))["complete"] is True
    again = run(*inputs, "--checkpoint", "cp", cwd=tmp_path, stdin=messages)
    assert again.returncode == 0, again.stderr
    assert again.stdout == b""
    assert again.stderr.startswith(b"heapseg: 0 messages: ")
    assert b"not read again" in again.stderr


def test_a_checkpoint_inside_batch_envelopes_resumes_at_the_item(tmp_path: Path) -> None:
    envelope = {"batch": [track(n) for n in range(3)], "context": {"ip": "10.0.0.1"}}
    (tmp_path / "in.ndjson").write_text(json.dumps(envelope) + "\n" + json.dumps(envelope) + "\n")
    full = run("in.ndjson", cwd=tmp_path)
    first = run("in.ndjson", "--checkpoint", "cp", "--max-messages", "2", cwd=tmp_path)
    assert json.loads((tmp_path / "cp").read_text("utf-8"))["index"] == 1
    second = run("in.ndjson", "--checkpoint", "cp", cwd=tmp_path)
    assert first.stdout + second.stdout == full.stdout


def test_bulk_slices_add_up_to_the_same_events(tmp_path: Path) -> None:
    ids = export_of(tmp_path, files=2, per_file=3)
    options = ["export", "--bulk", "--app-id", APP_ID, "--replay-safe", "--checkpoint", "cp"]
    first = run(*options, "--max-messages", "4", cwd=tmp_path)
    second = run(*options, cwd=tmp_path)
    keys = [
        event["idempotency_key"]
        for output in (first.stdout, second.stdout)
        for request in records(output)
        for event in json.loads(request["content"])["events"]
    ]
    assert keys == ids


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("not json", [], b"cannot be used"),
        (
            json.dumps(
                {
                    "version": 1,
                    "inputs": ["other"],
                    "file": None,
                    "line": 0,
                    "index": None,
                    "complete": False,
                }
            ),
            [],
            b"belongs to a run over other",
        ),
        (
            json.dumps(
                {
                    "version": 1,
                    "inputs": ["export"],
                    "file": "export/gone.gz",
                    "line": 3,
                    "index": None,
                    "complete": False,
                }
            ),
            [],
            b"not among the inputs",
        ),
    ],
)
def test_a_checkpoint_that_does_not_fit_is_refused(
    tmp_path: Path, content: str, args: list[str], message: bytes
) -> None:
    export_of(tmp_path, files=1, per_file=2)
    (tmp_path / "cp").write_text(content, encoding="utf-8")
    done = run("export", "--checkpoint", "cp", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == b""


def test_an_unwritable_checkpoint_is_refused_before_any_output(tmp_path: Path) -> None:
    export_of(tmp_path, files=1, per_file=2)
    done = run("export", "--checkpoint", "no/such/folder/cp", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("heapseg: error: cannot write the checkpoint no/such/folder/cp: ")
    assert list(tmp_path.iterdir()) == [tmp_path / "export"]


# The command line, with syncing a file failing as on a full disk: the checkpoint
# check made before any output passes, and the first checkpoint write fails.
FULL_DISK = """
import errno, os, sys
from heapseg._cli import main

def full(descriptor):
    raise OSError(errno.ENOSPC, "No space left on device")

os.fsync = full
sys.exit(main(sys.argv[1:]))
"""


def test_a_checkpoint_that_fails_part_way_stops_the_run_with_one_line(tmp_path: Path) -> None:
    ids = export_of(tmp_path, files=1, per_file=2500)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "translate", "export", "--checkpoint", "cp"],
        capture_output=True,
        cwd=tmp_path,
        env=ENV,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    summary, *_, last = done.stderr.decode().splitlines()
    assert summary.startswith("heapseg: 1,000 messages: 1,000 translated")
    assert last.startswith("heapseg: cannot write the checkpoint cp: No space left on device; ")
    assert [r["messageId"] for r in records(done.stdout)] == ids[:1000]
    assert list(tmp_path.iterdir()) == [tmp_path / "export"]  # no checkpoint, no leftovers


class Line(NamedTuple):
    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    content: bytes


def as_requests(output: bytes) -> list[Line]:
    return [
        Line(r["method"], r["url"], r["headers"], json.loads(r["content"]), r["content"].encode())
        for r in records(output)
    ]


def interrupted(tmp_path: Path, how: signal.Signals, after: int, *options: str) -> bytes:
    """Run with --checkpoint, send ``how`` once ``after`` lines are out, read to the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "heapseg", "translate", *options, "--checkpoint", "cp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=ENV,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(after)]
    process.send_signal(how)
    lines.append(process.stdout.read())
    status = process.wait(timeout=60)
    assert status == (130 if how == signal.SIGTERM else -signal.SIGKILL)
    return b"".join(lines)


def test_an_interrupted_run_resumes_and_heap_receives_every_event_once(tmp_path: Path) -> None:
    # 1,200 single requests (~400 KB) overfill the pipe, so the run is still going when
    # the signal comes.
    ids = export_of(tmp_path, files=3, per_file=400)
    options = ["export", "--http", "--app-id", APP_ID, "--replay-safe"]
    first = interrupted(tmp_path, signal.SIGTERM, 50, *options)
    checkpoint = json.loads((tmp_path / "cp").read_text("utf-8"))
    assert checkpoint["complete"] is False
    second = run(*options, "--checkpoint", "cp", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert len(records(first)) < len(ids)
    with HeapStandIn(app_ids=frozenset({APP_ID}), lifetime=120.0) as standin:
        for output in (first, second.stdout):
            summary = send(as_requests(output), base_url=standin.url, paced=False)
            assert not summary.failed
        received = [r.body["idempotency_key"] for r in standin.accepted]
        assert received == ids
        assert len(standin.events) == len(ids)


def test_a_killed_run_repeats_at_most_its_last_slice_and_the_keys_dedupe(tmp_path: Path) -> None:
    ids = export_of(tmp_path, files=3, per_file=400)
    options = ["export", "--replay-safe", "--profile", "rudderstack-cloud"]
    first = interrupted(tmp_path, signal.SIGKILL, 50, *options)
    second = run(*options, "--checkpoint", "cp", cwd=tmp_path)
    keys = [r["idempotency_key"] for r in records(first) + records(second.stdout)]
    assert set(keys) == set(ids)  # nothing lost
    assert len(keys) - len(ids) <= 1000  # repeats: at most one checkpoint interval
    repeated = [
        r
        for r in records(second.stdout)
        if r["messageId"] in {x["messageId"] for x in records(first)}
    ]
    for record in repeated:
        assert record["idempotency_key"] == record["messageId"]
