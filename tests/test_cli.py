"""The ``heapseg`` command line, run as a real process (``python -m heapseg``)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import heapseg
from heapseg._cli_input import merge_batch_item

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "heapseg" / "data" / "sample.ndjson"
GZIP_MAGIC = b"\x1f\x8b"


def run(*args: str, stdin: bytes = b"", cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m heapseg`` from the worktree, so the worktree's package is used."""
    return run_python("-m", "heapseg", *args, stdin=stdin, cwd=cwd)


def run_python(
    *args: str, stdin: bytes = b"", cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run this Python with ``args``, the worktree's package first on its path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


def records(output: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.decode("utf-8").split("\n") if line]


def ndjson(*messages: object) -> bytes:
    return "".join(json.dumps(m) + "\n" for m in messages).encode("utf-8")


def stats_of(tmp_path: Path, *args: str, stdin: bytes = b"") -> tuple[int, dict[str, Any]]:
    path = tmp_path / "stats.json"
    done = run("translate", "--stats", str(path), *args, stdin=stdin)
    return done.returncode, json.loads(path.read_text("utf-8"))


# Hand-derived from segment-classic.md: device mode tracks the event with its properties
# as they are (flat scalars stay), and adds nothing else.
SIGNED_UP = {
    "type": "track",
    "messageId": "m-1",
    "userId": "u1",
    "event": "Signed Up",
    "properties": {"plan": "pro"},
}
SIGNED_UP_DEVICE_CALL = {"call": "track", "event": "Signed Up", "properties": {"plan": "pro"}}

# Classic drops page calls (segment-classic.md: page/alias/group unsupported).
PAGE = {"type": "page", "messageId": "m-2", "userId": "u1", "name": "Pricing"}


# --- bare command, help, sub-commands ---------------------------------------------------


def test_bare_command_prints_help_on_stdout_and_exits_0() -> None:
    done = run()
    assert done.returncode == 0
    text = done.stdout.decode()
    assert text.startswith("usage: heapseg")
    for command in ("translate", "demo", "profiles"):
        assert command in text
    assert done.stderr == b""


def test_translate_help_names_every_option() -> None:
    done = run("translate", "--help")
    assert done.returncode == 0
    for option in (
        "--profile",
        "--http",
        "--app-id",
        "--region",
        "--bulk",
        "--errors",
        "--stats",
        "--sample",
        "--format",
        "--progress",
    ):
        assert option in done.stdout.decode()


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["translate", "--profile", "no-such-profile", "--sample"],
        ["translate", "--sample", str(SAMPLE)],
        ["translate", "--app-id", "1", "--sample"],
        ["translate", "--region", "EU", "--sample"],
        ["translate", "--http", "--sample"],
        ["translate", "--format", "xml", "--sample"],
    ],
)
def test_usage_errors_exit_2_with_one_message_and_no_output(args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.startswith(b"heapseg: error: ")
    assert b"Traceback" not in done.stderr


# --- translate: input forms ---------------------------------------------------------------


def test_sample_every_output_traces_back_to_its_input_line(tmp_path: Path) -> None:
    lines = SAMPLE.read_text("utf-8").split("\n")
    status, stats = stats_of(tmp_path, "--sample")
    done = run("translate", "--sample")
    assert done.returncode == status == 0
    out = records(done.stdout)
    assert out
    for record in out:
        assert record["file"] == "sample.ndjson"
        source = json.loads(lines[record["line"] - 1])
        assert record["messageId"] == source["messageId"]
    non_blank = sum(1 for line in lines if line.strip())
    assert stats["messages"] == non_blank
    assert stats["translated"] + stats["unsupported"] + stats["invalid"] == non_blank
    assert stats["written"] == len(out)


def test_ndjson_on_stdin_writes_one_line_per_call() -> None:
    done = run("translate", "--profile", "classic-device", stdin=ndjson(SIGNED_UP, PAGE))
    assert done.returncode == 0
    out = records(done.stdout)
    assert out[0] == {"file": "-", "line": 1, "messageId": "m-1", **SIGNED_UP_DEVICE_CALL}
    assert out[1]["line"] == 2
    assert out[1]["messageId"] == "m-2"
    assert out[1]["call"] == "unsupported"
    assert out[1]["type"] == "page"
    assert out[1]["reason"]
    summary = done.stderr.decode()
    assert "2 messages: 1 translated, 1 unsupported, 0 invalid" in summary


def test_dash_means_stdin() -> None:
    done = run("translate", "--profile", "classic-device", "-", stdin=ndjson(SIGNED_UP))
    assert records(done.stdout) == [
        {"file": "-", "line": 1, "messageId": "m-1", **SIGNED_UP_DEVICE_CALL}
    ]


def test_files_are_read_in_order_and_named(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_bytes(ndjson(SIGNED_UP))
    second.write_bytes(b"\n" + ndjson(SIGNED_UP))
    done = run("translate", "--profile", "classic-device", str(first), str(second))
    out = records(done.stdout)
    assert [(r["file"], r["line"]) for r in out] == [(str(first), 1), (str(second), 2)]


def test_files_may_come_before_between_and_after_options(tmp_path: Path) -> None:
    names = [tmp_path / f"{n}.ndjson" for n in "abc"]
    for path in names:
        path.write_bytes(ndjson(SIGNED_UP))
    a, b, c = map(str, names)
    done = run("translate", a, "--profile", "classic-device", b, "--progress", "never", c)
    assert done.returncode == 0, done.stderr
    assert [r["file"] for r in records(done.stdout)] == [a, b, c]
    unknown = run("translate", a, "--bogus")
    assert unknown.returncode == 2
    assert b"unrecognized arguments: --bogus" in unknown.stderr


def test_gzip_files_and_gzip_stdin_are_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(gzip.compress(ndjson(SIGNED_UP, PAGE)))
    from_file = run("translate", "--profile", "classic-device", str(path))
    from_stdin = run("translate", "--profile", "classic-device", stdin=path.read_bytes())
    assert from_file.returncode == from_stdin.returncode == 0
    assert records(from_file.stdout)[0] == {
        "file": str(path),
        "line": 1,
        "messageId": "m-1",
        **SIGNED_UP_DEVICE_CALL,
    }
    assert [r["line"] for r in records(from_stdin.stdout)] == [1, 2]


def test_json_array_streams_items_with_their_line_and_index() -> None:
    text = (f"[\n  {json.dumps(SIGNED_UP)},\n  {json.dumps(PAGE)}\n]\n").encode()
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert done.returncode == 0
    out = records(done.stdout)
    assert out[0] == {
        "file": "-",
        "line": 2,
        "index": 0,
        "messageId": "m-1",
        **SIGNED_UP_DEVICE_CALL,
    }
    assert (out[1]["line"], out[1]["index"], out[1]["call"]) == (3, 1, "unsupported")


def test_json_array_item_that_is_not_an_object_is_invalid_and_reading_goes_on() -> None:
    text = f"[{json.dumps(SIGNED_UP)}, 7, {json.dumps(SIGNED_UP)}]".encode()
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert done.returncode == 1
    assert [r["index"] for r in records(done.stdout)] == [0, 2]
    assert b"[1]: $: expected a JSON object" in done.stderr


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        (', {"type": ', b"malformed JSON"),
        ("", b"without its closing ']'"),
        ("] trailing", b"unexpected data after the end of the JSON array"),
    ],
)
def test_broken_json_array_counts_one_invalid_record(tail: str, reason: bytes) -> None:
    text = f"[{json.dumps(SIGNED_UP)}{tail}".encode()
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert done.returncode == 1
    assert len(records(done.stdout)) == 1
    assert reason in done.stderr
    assert b"2 messages: 1 translated, 0 unsupported, 1 invalid" in done.stderr


def test_pretty_printed_single_message_is_one_record() -> None:
    text = json.dumps(SIGNED_UP, indent=2).encode()
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert records(done.stdout) == [
        {"file": "-", "line": 1, "messageId": "m-1", **SIGNED_UP_DEVICE_CALL}
    ]


def test_format_ndjson_never_guesses(tmp_path: Path) -> None:
    # The first line opens like a JSON array, but --format ndjson reads each line alone.
    text = b"[1,\n" + ndjson(SIGNED_UP)
    status, stats = stats_of(
        tmp_path, "--format", "ndjson", "--profile", "classic-device", stdin=text
    )
    assert status == 1
    assert (stats["translated"], stats["invalid"]) == (1, 1)


def test_format_json_reads_a_one_line_document() -> None:
    batch = {"batch": [SIGNED_UP, SIGNED_UP]}
    done = run(
        "translate",
        "--format",
        "json",
        "--profile",
        "classic-device",
        stdin=json.dumps(batch).encode(),
    )
    assert [r["index"] for r in records(done.stdout)] == [0, 1]


def test_lines_split_on_newline_only_u2028_stays_inside_strings() -> None:
    message = {**SIGNED_UP, "event": "Line\u2028separated\u2029event"}
    text = json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\r\n"
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert done.returncode == 0
    [record] = records(done.stdout)
    assert record["event"] == "Line\u2028separated\u2029event"


def test_lone_surrogate_escapes_are_written_as_valid_json() -> None:
    text = b'{"type":"track","userId":"u1","event":"bad \\ud800 half"}\n'
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert done.returncode == 0
    [record] = records(done.stdout)
    assert record["event"] == "bad \ud800 half"


ITEM = '{"type": "track", "userId": "u1", "event": "E"}'
# Malformations every supported Python's decoder reports at the same place (3.13 reports
# a trailing comma at the comma, earlier versions at the token after it).
PRETTY = '{\n  "type": "track",\n  "userId": "u1"\n  "event": "E",\n  "properties": {"a": 1}\n}\n'
NO_COLON = '{\n  "type": "track",\n  "userId": "u1",\n  "event" "E"\n}\n'
MULTI_LINE_ITEM = '{\n  "type": "track",\n  "userId": "u1"\n  "event": "E"\n}'

# (what, --format, input, the report: line, index, reason ending, input) — the line is
# where the decoder stopped; the input is the document, or for an array the text from
# the unreadable item to the end of that line.
SYNTAX_ERRORS = [
    (
        "a missing comma in a pretty-printed message",
        "auto",
        PRETTY,
        (4, None, "Expecting ',' delimiter (column 3)", PRETTY),
    ),
    (
        "a missing colon in a pretty-printed message",
        "auto",
        NO_COLON,
        (4, None, "Expecting ':' delimiter (column 11)", NO_COLON),
    ),
    (
        "a document after blank lines",
        "auto",
        "\n\n" + NO_COLON,
        (6, None, "(column 11)", NO_COLON),
    ),
    (
        "NDJSON read as one document",
        "json",
        f"{ITEM}\n{ITEM}\n",
        (2, None, "Extra data (column 1)", f"{ITEM}\n{ITEM}\n"),
    ),
    (
        "a malformed array item",
        "auto",
        f'[\n  {ITEM},\n  {{"type": "track",, "event": "F"}},\n  {ITEM}\n]\n',
        (
            3,
            1,
            "enclosed in double quotes; the rest of the array cannot be read",
            '{"type": "track",, "event": "F"},',
        ),
    ),
    (
        "an array item over several lines, missing a comma",
        "auto",
        f"[\n  {ITEM},\n  {MULTI_LINE_ITEM}\n]\n",
        (
            6,
            1,
            "Expecting ',' delimiter; the rest of the array cannot be read",
            MULTI_LINE_ITEM[:-2],
        ),
    ),
    (
        "a missing comma between array items",
        "auto",
        f"[\n  {ITEM}\n  {ITEM}\n]\n",
        (3, 1, "found '{'; the rest of the array cannot be read", ITEM),
    ),
    (
        "NaN in an array item",
        "auto",
        f'[{ITEM},\n {{"type": "track", "n": NaN}}]',
        (
            2,
            1,
            "NaN is not a JSON value; the rest of the array cannot be read",
            '{"type": "track", "n": NaN}]',
        ),
    ),
    (
        "text after the array",
        "auto",
        f"[{ITEM}]\n\nmore text\n",
        (3, 1, "unexpected data after the end of the JSON array", "more text"),
    ),
]


@pytest.mark.parametrize(
    ("form", "text", "expected"),
    [case[1:] for case in SYNTAX_ERRORS],
    ids=[case[0] for case in SYNTAX_ERRORS],
)
def test_syntax_errors_give_the_line_where_decoding_failed_and_the_text(
    tmp_path: Path, form: str, text: str, expected: tuple[int, int | None, str, str]
) -> None:
    line, index, reason, given = expected
    errors = tmp_path / "errors.ndjson"
    done = run("translate", "--format", form, "--errors", str(errors), stdin=text.encode())
    assert done.returncode == 1
    [report] = records(errors.read_bytes())
    assert (report["line"], report.get("index")) == (line, index)
    assert report["reason"].startswith("malformed JSON: ") or "unexpected data" in reason
    assert report["reason"].endswith(reason)
    assert report["input"] == given
    shown = run("translate", "--format", form, stdin=text.encode())
    where = f"-:{line}" + ("" if index is None else f"[{index}]")
    assert f"heapseg: invalid: {where}: $: ".encode() in shown.stderr


def test_a_document_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    text = b'{\n  "type": "track",\n  "event": "\xff"\n}\n'
    errors = tmp_path / "errors.ndjson"
    done = run("translate", "--errors", str(errors), stdin=text)
    assert done.returncode == 1
    [report] = records(errors.read_bytes())
    assert report["line"] == 3
    assert report["reason"].startswith("the input is not UTF-8 text")
    assert report["input"] == text.decode("utf-8", "replace")


def test_an_unreadable_document_over_a_mebibyte_is_reported_without_its_text(
    tmp_path: Path,
) -> None:
    text = '{\n  "type": "track",\n  "note": "' + "x" * (1 << 20) + '",\n  "event" "E"\n}\n'
    errors = tmp_path / "errors.ndjson"
    done = run("translate", "--errors", str(errors), stdin=text.encode())
    assert done.returncode == 1
    [report] = records(errors.read_bytes())
    assert report["line"] == 4
    assert "input" not in report


# --- batch envelopes ------------------------------------------------------------------


def test_batch_context_and_integrations_merge_shallowly_and_the_item_wins() -> None:
    batch = {
        "context": {"library": {"name": "batch-lib", "version": "1"}, "ip": "10.0.0.1"},
        "integrations": {"Heap": False},
        "batch": [
            # Inherits context.library from the batch, and Heap: false turns it off.
            {"type": "track", "userId": "u1", "event": "A", "messageId": "a"},
            # Its own integrations object wins for the key it names.
            {
                "type": "track",
                "userId": "u1",
                "event": "B",
                "messageId": "b",
                "integrations": {"Heap": True},
            },
            # Its own context.library replaces the batch's whole (shallow merge): no name.
            {
                "type": "track",
                "userId": "u1",
                "event": "C",
                "messageId": "c",
                "integrations": {"Heap": True},
                "context": {"library": {"version": "9"}},
            },
        ],
    }
    for text in (json.dumps(batch).encode(), json.dumps(batch, indent=2).encode()):
        done = run("translate", "--profile", "classic-cloud", stdin=text)
        assert done.returncode == 0
        out = {r["messageId"]: r for r in records(done.stdout)}
        assert out["a"]["call"] == "unsupported"
        assert "turns Heap off" in out["a"]["reason"]
        # classic cloud writes context.library.name as segment_library (segment-classic.md)
        assert out["b"]["properties"]["segment_library"] == "batch-lib"
        assert out["c"]["properties"]["segment_library"] == ""
        assert [out[k]["index"] for k in "abc"] == [0, 1, 2]


def test_an_invalid_batch_item_is_reported_as_the_message_it_stands_for(tmp_path: Path) -> None:
    """Its input is the item with the batch's context and integrations merged in:
    replayed after the fix, it is translated as the batch would have had it."""
    item = {"type": "track", "userId": "u1", "messageId": "b1"}
    batch = {"batch": [item], "context": {"library": {"name": "node"}}, "integrations": {"x": 1}}
    merged = {**item, "context": {"library": {"name": "node"}}, "integrations": {"x": 1}}
    for text in (json.dumps(batch), json.dumps(batch, indent=2)):
        errors = tmp_path / "errors.ndjson"
        done = run("translate", "--errors", str(errors), stdin=(text + "\n").encode())
        assert done.returncode == 1
        [report] = records(errors.read_bytes())
        assert (report["path"], report["index"]) == ("$.event", 0)
        assert json.loads(report["input"]) == merged
        fixed = json.dumps({**json.loads(report["input"]), "event": "E"}) + "\n"
        (call,) = records(run("translate", stdin=fixed.encode()).stdout)
        assert call["properties"]["segment_library"] == "node"


def test_pretty_printed_batch_items_carry_their_own_line_numbers() -> None:
    text = (
        '{\n  "context": {"ip": "1"},\n  "batch": [\n'
        f"    {json.dumps(SIGNED_UP)},\n"
        f"    {json.dumps(SIGNED_UP)}\n"
        "  ]\n}\n"
    ).encode()
    done = run("translate", "--profile", "classic-device", stdin=text)
    assert done.returncode == 0
    assert [(r["line"], r["index"]) for r in records(done.stdout)] == [(4, 0), (5, 1)]


def test_merge_batch_item_is_shallow_and_keeps_the_item_unchanged() -> None:
    item = {"type": "track", "context": {"library": {"version": "9"}, "ip": "2"}}
    shared = {"context": {"library": {"name": "x"}, "locale": "en"}, "integrations": {"All": False}}
    merged = merge_batch_item(item, shared)
    assert merged["context"] == {"library": {"version": "9"}, "ip": "2", "locale": "en"}
    assert merged["integrations"] == {"All": False}
    assert item == {"type": "track", "context": {"library": {"version": "9"}, "ip": "2"}}


@pytest.mark.parametrize(
    ("envelope", "path"),
    [
        ({"batch": {"type": "track"}}, "$.batch"),
        ({"batch": [], "context": "nope"}, "$.context"),
        ({"batch": [1]}, "$.batch[0]"),
    ],
)
def test_broken_batch_envelope_is_invalid(tmp_path: Path, envelope: object, path: str) -> None:
    errors = tmp_path / "errors.ndjson"
    done = run("translate", "--errors", str(errors), stdin=ndjson(envelope))
    assert done.returncode == 1
    [report] = records(errors.read_bytes())
    assert report["path"] == path


# --- accounting ---------------------------------------------------------------------------


def test_invalid_lines_are_reported_with_line_path_and_reason(tmp_path: Path) -> None:
    errors = tmp_path / "errors.ndjson"
    lines = [
        json.dumps(SIGNED_UP),
        "{not json",
        "[1, 2]",
        json.dumps({"type": "track", "userId": "u1", "messageId": "m-9"}),
        "NaN",
        "",
    ]
    text = "\n".join(lines).encode() + b"\n\xff\xfe\n"
    status, stats = stats_of(
        tmp_path, "--errors", str(errors), "--profile", "classic-device", stdin=text
    )
    assert status == 1
    reports = {r["line"]: r for r in records(errors.read_bytes())}
    assert sorted(reports) == [2, 3, 4, 5, 7]
    assert reports[2]["reason"].startswith("malformed JSON")
    assert reports[2]["input"] == "{not json"
    assert reports[3]["reason"] == "expected a JSON object (one Segment message), found an array"
    assert reports[4]["messageId"] == "m-9"
    assert reports[4]["path"] == "$.event"
    assert "NaN" in reports[5]["reason"]
    assert "UTF-8" in reports[7]["reason"]
    assert (stats["messages"], stats["translated"], stats["invalid"], stats["blank_lines"]) == (
        6,
        1,
        5,
        1,
    )


# (invalid lines, --errors given, lines shown on stderr, the closing line or None)
INVALID_ON_STDERR = [
    (12, False, 10, "heapseg: 2 more invalid messages not shown; --errors FILE records them all"),
    (11, False, 10, "heapseg: 1 more invalid message not shown; --errors FILE records them all"),
    (10, False, 10, None),
    (3, False, 3, None),
    (12, True, 0, None),
]


@pytest.mark.parametrize(("count", "errors", "shown", "closing"), INVALID_ON_STDERR)
def test_invalid_lines_go_to_stderr_when_there_is_no_errors_file(
    tmp_path: Path, count: int, errors: bool, shown: int, closing: str | None
) -> None:
    options = ["--errors", str(tmp_path / "errors.ndjson")] if errors else []
    done = run("translate", *options, stdin=b"oops\n" * count)
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert len([line for line in lines if line.startswith("heapseg: invalid: -:")]) == shown
    summary = f"heapseg: {count} messages: 0 translated, 0 unsupported, {count} invalid;"
    assert lines[shown].startswith(summary)
    assert lines[shown + 1 :] == ([] if closing is None else [closing])


_message = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["track", "identify", "page", "group", "alias", "screen"]),
        "userId": st.text(min_size=1, max_size=5),
        "event": st.text(max_size=5),
        "messageId": st.text(max_size=5),
        "properties": st.dictionaries(
            st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=3
        ),
    }
).map(lambda m: json.dumps(m, ensure_ascii=False).encode("utf-8"))
_garbage = st.binary(max_size=20).filter(lambda b: b"\n" not in b)
_not_object = st.sampled_from([b"1", b"[]", b'"text"', b"null", b"true"])
_blank = st.sampled_from([b"", b"  ", b"\t\r"])
_line = st.one_of(_message, _message, _garbage, _not_object, _blank)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(_line, min_size=1, max_size=30), profile=st.sampled_from(list(heapseg.PROFILES))
)
def test_every_input_line_is_accounted_for_exactly_once(
    tmp_path: Path, lines: list[bytes], profile: str
) -> None:
    data = b"\n".join(lines) + b"\n"
    # Input opening with gzip's magic bytes is read as gzip, whatever --format says
    # (test_truncated_gzip_stops_with_one_line_and_exit_2 covers what follows).
    assume(not data.startswith(GZIP_MAGIC))
    path = tmp_path / "input.ndjson"
    errors = tmp_path / "errors.ndjson"
    path.write_bytes(data)
    status, stats = stats_of(
        tmp_path, "--format", "ndjson", "--profile", profile, "--errors", str(errors), str(path)
    )
    total = stats["translated"] + stats["unsupported"] + stats["invalid"] + stats["blank_lines"]
    assert total == len(lines)
    # A UTF-8 byte-order mark opening the input is skipped (docs/cli.md).
    first = lines[0].removeprefix(b"\xef\xbb\xbf")
    blank = {n for n, line in enumerate([first, *lines[1:]], 1) if not line.strip(b" \t\r\n")}
    assert stats["blank_lines"] == len(blank)
    invalid = {r["line"] for r in records(errors.read_bytes())}
    assert len(invalid) == stats["invalid"]
    out = records(run("translate", "--format", "ndjson", "--profile", profile, str(path)).stdout)
    written = {r["line"] for r in out}
    assert len(written) == stats["translated"] + stats["unsupported"]
    # Every line lands in exactly one place: output, error report or blank.
    assert written | invalid | blank == set(range(1, len(lines) + 1))
    assert not written & invalid
    assert not (written | invalid) & blank
    for number, line in enumerate([first, *lines[1:]], 1):
        try:
            is_object = isinstance(json.loads(line), dict)
        except ValueError:
            is_object = False
        if number not in blank and not is_object:
            assert number in invalid
    assert status == (1 if invalid else 0)


# --- HTTP requests -----------------------------------------------------------------------


def test_http_writes_the_requests_with_the_exact_body_text() -> None:
    message = {**SIGNED_UP, "properties": {"total": 1.0, "tiny": 1e-7}}
    done = run("translate", "--http", "--app-id", "1535634150", stdin=ndjson(message, PAGE))
    assert done.returncode == 0
    [request] = records(done.stdout)
    assert request["file"] == "-"
    assert request["line"] == 1
    assert request["messageId"] == "m-1"
    assert request["method"] == "POST"
    # heap-api.md: server-side track goes to /api/track on Heap's US host.
    assert request["url"] == "https://heapanalytics.com/api/track"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["content"]
    # JSON.stringify writes 1.0 as 1 and 1e-7 as 1e-7 (README: exactness).
    assert '"total":1,' in body
    assert '"tiny":1e-7' in body
    assert json.loads(body)["app_id"] == "1535634150"
    assert "1 request written" in done.stderr.decode()
    assert "unsupported page x1" in done.stderr.decode()


def test_http_with_a_device_profile_is_a_usage_error() -> None:
    done = run("translate", "--http", "--app-id", "1", "--profile", "classic-device", "--sample")
    assert done.returncode == 2
    assert b"device-mode" in done.stderr


def test_region_picks_the_eu_host_or_is_refused_by_the_profile_rule() -> None:
    # segment-classic.md: the classic cloud integration only knows Heap's US host; profiles
    # with a region rule send to Heap's EU host when region equals it (heap-api.md).
    cloud = {n: p for n, p in heapseg.PROFILES.items() if p.mode == "cloud"}
    assert "classic-cloud" in cloud
    for name, profile in cloud.items():
        region = "EU" if profile.region_rule == "none" else profile.region_rule
        done = run(
            "translate",
            "--http",
            "--app-id",
            "1",
            "--profile",
            name,
            "--region",
            region,
            "--sample",
        )
        if profile.region_rule == "none":
            assert done.returncode == 2, name
            assert b"region" in done.stderr
        else:
            assert done.returncode in (0, 1), name
            urls = [r["url"] for r in records(done.stdout)]
            assert urls
            assert all(url.startswith("https://c.eu.heap-api.com/") for url in urls)


def test_bulk_requests_name_exactly_the_messages_whose_items_they_hold() -> None:
    # Two users, interleaved: identify (add_user_properties) and track calls.
    messages = [
        {"type": "identify", "userId": f"u{n % 2}", "messageId": f"i-{n}", "traits": {"n": n}}
        if n % 3 == 0
        else {"type": "track", "userId": f"u{n % 2}", "messageId": f"t-{n}", "event": "E"}
        for n in range(12)
    ]
    text = ndjson(*messages, PAGE) + b"garbage\n"
    done = run("translate", "--bulk", "--app-id", "1", stdin=text)
    assert done.returncode == 1
    out = records(done.stdout)
    named = [s["messageId"] for r in out for s in r["sources"]]
    assert sorted(named) == sorted(m["messageId"] for m in messages)
    by_id = {m["messageId"]: m for m in messages}
    for request in out:
        body = json.loads(request["content"])
        [items] = [v for v in body.values() if isinstance(v, list)]
        # Each source's user is the identity of the items, source by source.
        assert [i["identity"] for i in items] == [
            by_id[s["messageId"]]["userId"] for s in request["sources"]
        ]
        assert all(
            s["line"] == messages.index(by_id[s["messageId"]]) + 1 for s in request["sources"]
        )
    assert "12 translated, 1 unsupported, 1 invalid" in done.stderr.decode()


# --- outputs, stats, progress ---------------------------------------------------------------


def test_stats_file_holds_the_final_counts(tmp_path: Path) -> None:
    status, stats = stats_of(
        tmp_path, "--profile", "classic-device", stdin=ndjson(SIGNED_UP, PAGE) + b"\n"
    )
    assert status == 0
    assert stats["inputs"] == ["-"]
    assert stats["profile"] == "classic-device"
    assert (stats["messages"], stats["translated"], stats["unsupported"]) == (2, 1, 1)
    assert (stats["invalid"], stats["blank_lines"], stats["written"]) == (0, 1, 2)
    [reason] = stats["unsupported_reasons"]
    assert (reason["type"], reason["count"]) == ("page", 1)
    assert stats["read_error"] is None


def test_progress_goes_to_stderr_only_and_only_when_asked_or_on_a_terminal() -> None:
    quiet = run("translate", "--sample")
    shown = run("translate", "--sample", "--progress", "always")
    assert b"progress:" not in quiet.stderr
    assert b"heapseg: progress: 12 messages" in shown.stderr
    assert shown.stdout == quiet.stdout


def _stderr_on_a_terminal(*args: str) -> bytes:
    """Run with stderr on a pseudo-terminal and return what it showed."""
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "heapseg", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            cwd=ROOT,
            env=env,
            timeout=120,
            check=False,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    return shown


def test_progress_on_a_terminal_rewrites_one_line_and_waits_for_a_long_job() -> None:
    short_job = _stderr_on_a_terminal("translate", "--sample")
    assert b"progress:" not in short_job
    assert b"12 messages" in short_job
    asked = _stderr_on_a_terminal("translate", "--sample", "--progress", "always")
    assert b"\r\x1b[Kheapseg: progress: 12 messages" in asked


# --- files that cannot be read, broken pipes -------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "empty folder"])
def test_unreadable_file_gives_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "nothing.ndjson"
    if kind == "empty folder":
        path.mkdir()
    done = run("translate", str(path))
    assert done.returncode == 2
    assert done.stdout == b""
    [line] = done.stderr.decode().splitlines()
    assert line.startswith(f"heapseg: error: cannot read {path}: ")


def test_unwritable_errors_file_is_a_usage_error(tmp_path: Path) -> None:
    done = run("translate", "--sample", "--errors", str(tmp_path / "no" / "such" / "dir"))
    assert done.returncode == 2
    assert b"cannot write" in done.stderr


def test_truncated_gzip_stops_with_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(gzip.compress(ndjson(*[SIGNED_UP] * 200))[:-30])
    done = run("translate", "--profile", "classic-device", str(path))
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert f"heapseg: cannot read {path}: ".encode() in done.stderr


def test_broken_pipe_exits_quietly(tmp_path: Path) -> None:
    path = tmp_path / "many.ndjson"
    path.write_bytes(ndjson(*[SIGNED_UP] * 50_000))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "heapseg", "translate", "--profile", "classic-device", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        status = process.wait(timeout=120)
    assert status == 141
    assert stderr == b""


# --- demo and profiles --------------------------------------------------------------------


def test_demo_shows_every_sample_message_under_every_profile() -> None:
    done = run("demo")
    assert done.returncode == 0
    text = done.stdout.decode()
    messages = [json.loads(line) for line in SAMPLE.read_text("utf-8").split("\n") if line.strip()]
    blocks = text.split("\n\n")[1:]
    assert len(blocks) == len(messages)
    for block, message in zip(blocks, messages, strict=True):
        assert message["messageId"] in block.splitlines()[0]
        for name in heapseg.PROFILES:
            assert f"  {name} " in block


def test_profiles_lists_every_profile_with_every_field() -> None:

    done = run("profiles")
    assert done.returncode == 0
    text = done.stdout.decode()
    sections = text.split("\n\n")
    assert [s.split()[0] for s in sections] == list(heapseg.PROFILES)
    for section, profile in zip(sections, heapseg.PROFILES.values(), strict=True):
        for field in attrs.fields(heapseg.Profile):
            if field.name != "name":
                assert f"  {field.name} " in section
        assert profile.reproduces in section


def test_profiles_json_round_trips_to_the_presets() -> None:

    done = run("profiles", "--json")
    data = json.loads(done.stdout)
    assert list(data) == list(heapseg.PROFILES)
    for name, profile in heapseg.PROFILES.items():
        assert data[name] == json.loads(json.dumps(attrs.asdict(profile)))


# --- --jobs: the same output from worker processes ---------------------------------------


def _mixed_input(count: int, *, garbage: bool = True) -> bytes:
    """Generated messages of every type, with garbage, blanks, arrays and batch envelopes
    between them, so every kind of record crosses the workers; without ``garbage``, no
    line is invalid, so that blocks come back as counts alone."""
    rng = random.Random(11)
    lines: list[str] = []
    for number in range(count):
        kind = rng.choice(["track", "track", "identify", "page", "group", "alias"])
        message: dict[str, Any] = {"type": kind, "messageId": f"m{number}"}
        if rng.random() < 0.9:
            message["userId"] = f"user-{rng.randrange(50)}"
        else:
            message["anonymousId"] = f"anon-{number}"
        if kind == "track":
            message["event"] = rng.choice(["Order Completed", "Signed Up", ""])
            message["properties"] = {"price": rng.random() * 100, "n": rng.randrange(9)}
            message["timestamp"] = "2024-05-06T07:08:09.123Z"
        elif kind == "identify":
            message["traits"] = {"email": f"u{number}@example.com", "plan": "pro"}
        lines.append(json.dumps(message))
        roll = rng.random() if garbage else 1.0
        if roll < 0.05:
            lines.append("{not json")
        elif roll < 0.08:
            lines.append("   ")
        elif roll < 0.10:
            lines.append("[1, 2]")
        elif roll < 0.12:
            lines.append(json.dumps({"batch": [message, {"type": "track"}]}))
        elif roll < 0.13:
            lines.append('{"type": "track", "userId": "u", "event": "E", "properties": []}')
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--profile", "actions-cloud"],
        ["--profile", "rudderstack-device"],
        ["--http", "--app-id", "42"],
        ["--http", "--app-id", "42", "--profile", "heap-cloud", "--region", "EU"],
        ["--since", "2024-05-06T00:00:00Z", "--max-messages", "1500"],
    ],
)
@pytest.mark.parametrize("garbage", [True, False], ids=["with-invalid", "all-valid"])
def test_jobs_write_exactly_what_one_process_writes(
    tmp_path: Path, options: list[str], garbage: bool
) -> None:
    data = _mixed_input(2000, garbage=garbage) * 2  # several blocks, so several run at once
    outputs = []
    for jobs in ("1", "2"):
        errors = tmp_path / f"errors-{jobs}.ndjson"
        stats = tmp_path / f"stats-{jobs}.json"
        done = run(
            "translate", "--jobs", jobs, "--errors", str(errors), "--stats", str(stats),
            *options, stdin=data,
        )  # fmt: skip
        outputs.append(
            (done.returncode, done.stdout, done.stderr, errors.read_bytes(), stats.read_bytes())
        )
    assert outputs[0] == outputs[1]
    returncode, stdout, _, errors_text, _ = outputs[0]
    assert stdout
    if garbage:
        assert returncode == 1  # the garbage lines are invalid
        assert errors_text
    elif not options:
        assert (returncode, errors_text) == (0, b"")  # blocks came back as counts alone


def test_jobs_keep_files_apart_and_read_arrays_in_place(tmp_path: Path) -> None:
    first = tmp_path / "a.ndjson"
    first.write_bytes(_mixed_input(700))
    second = tmp_path / "b.json"
    second.write_text(json.dumps([SIGNED_UP, PAGE, 3]), "utf-8")
    third = tmp_path / "c.ndjson.gz"
    third.write_bytes(gzip.compress(_mixed_input(300)))
    files = [str(first), str(second), str(third)]
    one = run("translate", "--jobs", "1", *files)
    three = run("translate", "--jobs", "3", *files)
    assert (one.returncode, one.stdout, one.stderr) == (
        three.returncode,
        three.stdout,
        three.stderr,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], b"--jobs takes a number of processes, 1 or more, or auto"),
        (["--jobs", "many"], b"--jobs takes a number of processes, 1 or more, or auto"),
        (["--jobs", "2", "--bulk", "--app-id", "1"], b"--bulk works with --jobs 1 only"),
        (["--jobs", "2", "--checkpoint", "ck.json"], b"--checkpoint works with --jobs 1 only"),
    ],
)
def test_jobs_refuse_what_they_cannot_do_exactly(
    tmp_path: Path, args: list[str], message: bytes
) -> None:
    done = run("translate", *args, "--sample", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr == b"heapseg: error: " + message + b"\n"
    assert not (tmp_path / "ck.json").exists()


@pytest.mark.parametrize(("jobs", "pool_loaded"), [("1", False), ("2", True)])
def test_worker_pool_machinery_is_imported_only_for_jobs(jobs: str, pool_loaded: bool) -> None:
    """Every start pays for what it imports; one process needs no pool."""
    code = (
        "import sys\n"
        "from heapseg._cli import main\n"
        f"status = main(['translate', '--sample', '--jobs', '{jobs}', '--progress', 'never'])\n"
        "print('concurrent.futures.process' in sys.modules, 'multiprocessing' in sys.modules)\n"
        "sys.exit(status)\n"
    )
    done = run_python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"{pool_loaded} {pool_loaded}".encode()


def _main_in_a_child(arguments: list[str], *, cores: int, prelude: str = "") -> list[str]:
    """Run ``main(arguments)`` in a fresh interpreter that sees ``cores`` usable cores; gives
    its exit status, whether the worker pool's machinery was loaded, and its stdout's
    digest."""
    code = (
        "import sys\n"
        "import heapseg._cli as cli\n"
        f"cli._usable_cores = lambda: {cores}\n"
        f"{prelude}"
        f"status = cli.main({arguments!r})\n"
        "loaded = 'concurrent.futures.process' in sys.modules\n"
        "sys.stderr.write(f'\\n{status} {loaded}')\n"
    )
    done = run_python("-c", code, timeout=300)
    assert done.returncode == 0, done.stderr
    status, loaded = done.stderr.decode().rsplit("\n", 1)[-1].split()
    return [status, loaded, hashlib.sha256(done.stdout).hexdigest()]


@pytest.fixture(scope="module")
def large_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NDJSON file past the size ``--jobs auto`` starts workers for."""
    from heapseg._cli import AUTO_JOBS_MIN_BYTES

    path = tmp_path_factory.mktemp("large") / "large.ndjson"
    data = _mixed_input(2000)
    path.write_bytes(data * (AUTO_JOBS_MIN_BYTES // len(data) + 1))
    return path


def test_jobs_auto_uses_workers_for_a_large_file_and_writes_the_same(large_input: Path) -> None:
    one = _main_in_a_child(["translate", "--jobs", "1", str(large_input)], cores=2)
    auto = _main_in_a_child(["translate", str(large_input)], cores=2)
    assert one[1] == "False"
    assert auto[1] == "True"
    assert auto[0] == one[0] == "1"  # the garbage lines are invalid
    assert auto[2] == one[2]


@pytest.mark.parametrize(
    ("arguments", "cores"),
    [
        (["translate", "{large}"], 1),  # one core: nothing to share the work with
        (["translate", "--checkpoint", "{checkpoint}", "{large}"], 2),  # exact in one process
        (["translate", "--sample"], 2),  # small: starting workers costs more than it saves
    ],
)
def test_jobs_auto_stays_in_one_process_where_workers_do_not_pay(
    large_input: Path, tmp_path: Path, arguments: list[str], cores: int
) -> None:
    filled = [
        a.format(large=large_input, checkpoint=tmp_path / "checkpoint.json") for a in arguments
    ]
    status, pool_loaded, _ = _main_in_a_child(filled, cores=cores)
    assert pool_loaded == "False"
    assert status in ("0", "1")


def test_jobs_auto_reads_a_pipe_in_one_process(large_input: Path) -> None:
    """Lines from a pipe may come slowly; a worker's block would hold them back."""
    code = (
        "import sys\n"
        "import heapseg._cli as cli\n"
        "cli._usable_cores = lambda: 2\n"
        "status = cli.main(['translate', '--progress', 'never'])\n"
        "sys.stderr.write(str('concurrent.futures.process' in sys.modules))\n"
    )
    done = run_python("-c", code, stdin=large_input.read_bytes(), timeout=300)
    assert done.stderr.endswith(b"False")
    one = run("translate", "--jobs", "1", stdin=large_input.read_bytes())
    assert done.stdout == one.stdout


_NO_POOL = (
    "import concurrent.futures\n"
    "class Refused:\n"
    "    def __init__(self, *args, **kwargs):\n"
    "        raise OSError('no semaphores here')\n"
    "concurrent.futures.ProcessPoolExecutor = Refused\n"
)
"""A platform where worker processes cannot start (no ``sem_open``, as on AWS Lambda)."""


def test_jobs_auto_goes_on_in_one_process_where_workers_cannot_start(large_input: Path) -> None:
    one = _main_in_a_child(["translate", "--jobs", "1", str(large_input)], cores=2)
    auto = _main_in_a_child(["translate", str(large_input)], cores=2, prelude=_NO_POOL)
    assert (auto[0], auto[2]) == (one[0], one[2])


def test_jobs_n_says_when_workers_cannot_start(large_input: Path) -> None:
    code = (
        _NO_POOL + "import sys\nfrom heapseg._cli import main\n"
        f"sys.exit(main(['translate', '--jobs', '2', {str(large_input)!r}]))\n"
    )
    done = run_python("-c", code)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr == b"heapseg: error: cannot start worker processes: no semaphores here\n"


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_jobs_write_the_same_with_workers_started_afresh(tmp_path: Path, method: str) -> None:
    """macOS and Windows start workers by ``spawn``, Python 3.14 on Linux by
    ``forkserver``: fresh interpreters that import heapseg and receive the job's setup."""
    source = tmp_path / "in.ndjson"
    source.write_bytes(_mixed_input(1500))
    code = (
        "import multiprocessing, sys\n"
        f"multiprocessing.set_start_method({method!r})\n"
        "from heapseg._cli import main\n"
        f"arguments = ['translate', '--jobs', '2', '--http', '--app-id', '7', {str(source)!r}]\n"
        "sys.exit(main(arguments))\n"
    )
    afresh = run_python("-c", code, timeout=300)
    one = run("translate", "--jobs", "1", "--http", "--app-id", "7", str(source))
    assert (afresh.returncode, afresh.stdout, afresh.stderr) == (
        one.returncode,
        one.stdout,
        one.stderr,
    )
    assert one.stdout


def test_a_worker_that_dies_ends_the_run_with_a_message(large_input: Path) -> None:
    """A worker killed (for memory, say) breaks the pool: the run says so, exit 2."""
    code = (
        "import os, sys\n"
        "import heapseg._cli as cli\n"
        "def dying(*args):\n"
        "    os._exit(9)\n"
        "cli._block_outcome = dying\n"
        f"sys.exit(cli.main(['translate', '--jobs', '2', {str(large_input)!r}]))\n"
    )
    done = run_python("-c", code, timeout=300)
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    last = done.stderr.decode().splitlines()[-1]
    assert last.startswith(
        f"heapseg: the worker processes stopped while translating {large_input} ("
    )
    assert last.endswith("); run it again, or with --jobs 1 to translate in this process")


def test_jobs_stop_quietly_when_the_reader_goes_away() -> None:
    done = subprocess.run(
        f"{sys.executable} -m heapseg translate --jobs 2 | head -n 3",
        shell=True,
        input=_mixed_input(3000),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 3
    assert b"Traceback" not in done.stderr


def _take_ctrl_c() -> None:
    """In the child: Ctrl-C at its default. A shell starts background jobs with SIGINT
    ignored, and a command started so is right to keep ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_jobs_stop_with_their_workers_on_ctrl_c(tmp_path: Path) -> None:
    source = tmp_path / "many.ndjson"
    source.write_bytes(_mixed_input(2000) * 40)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "heapseg", "translate", "--jobs", "2", str(source)]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        preexec_fn=_take_ctrl_c,
    ) as process:
        assert process.stdout is not None
        process.stdout.readline()  # the workers are running
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr.decode(errors="replace")
    assert stderr.endswith(b"heapseg: interrupted\n")
