"""The command line's shortcuts write exactly what its general code writes.

Without ``--http`` each message is translated, written and counted on a path of its
own, and each line is built from the call with its properties copied one level deep
rather than through ``to_dict``. These tests hold both to the general definitions:
``json.dumps`` of ``{**where, **to_dict(call)}``, and the outcome path that
``--jobs`` workers take, on input that reaches every kind of record.
"""

from __future__ import annotations

import io
import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heapseg import PROFILES, Profile, Track, ValueRules, to_dict
from heapseg._cli import _block_outcome, _call_text, _Job, _Progress, _Tally
from heapseg._cli_input import Block, read_records
from tests.strategies import calls, json_values

heads = st.builds(
    lambda file, line, index, message_id: {
        "file": file,
        "line": line,
        **({} if index is None else {"index": index}),
        "messageId": message_id,
    },
    st.text(max_size=6),
    st.integers(1, 10**6),
    st.none() | st.integers(0, 99),
    json_values,
)


@given(heads, calls)
def test_a_call_line_is_the_json_of_its_place_and_its_dict(head: dict[str, Any], call: Any) -> None:
    assert _call_text(head, call) == json.dumps({**head, **to_dict(call)}, ensure_ascii=False)


def test_a_call_line_writes_nested_values_and_any_text_as_json_does() -> None:
    call = Track(
        "Café ☕",
        {"list": [1, 2.5, {"ß": "\ud800"}], "obj": {"a": [], "b": {"c": None}}, "n": -0.0},
        identity="ü",
        warnings=("w",),
    )
    head = {"file": "ä.ndjson", "line": 3, "index": 0, "messageId": "m\udfff"}
    expected = (
        '{"file": "ä.ndjson", "line": 3, "index": 0, "messageId": "m\udfff", "call": "track", '
        '"event": "Café ☕", "properties": {"list": [1, 2.5, {"ß": "\ud800"}], '
        '"obj": {"a": [], "b": {"c": null}}, "n": -0.0}, "identity": "ü", "warnings": ["w"]}'
    )
    assert _call_text(head, call) == expected


KEEP_NESTED = attrs.evolve(
    PROFILES["classic-cloud"], values=ValueRules(objects="keep", arrays="keep")
)
"""No preset keeps nested objects and arrays in properties; this profile does."""

LINES = [
    # tracks with nested, non-ASCII and lone-surrogate properties
    '{"type":"track","messageId":"é☃","userId":"ü","anonymousId":"a","event":"Café ☕",'
    '"properties":{"name":"naïve","nested":{"a":[1,{"b":"ß"}],"c":{"d":[[]]}},'
    '"list":[1,2.5,"x",null,true,{"k":"v"}]},"timestamp":"2024-05-06T07:08:09+02:00"}',
    '{"type":"track","messageId":"s1","userId":"u","anonymousId":"a","event":"E\\ud800",'
    '"properties":{"lone":"\\udc00x","pair":"\\ud83d\\ude00","obj":{"\\ud800k":["\\udfff"]}}}',
    # identify: two calls in the cloud profiles; traits with nested values
    '{"type":"identify","messageId":"i1","userId":"u9","anonymousId":"a",'
    '"traits":{"email":"a@b.c","address":{"city":"Zürich","zip":[8000]},"tags":["a","b"]}}',
    '{"type":"identify","messageId":{"nested":["id"]},"userId":"u9","traits":{}}',
    '{"type":"identify","messageId":12345,"userId":"u9","anonymousId":"a","traits":{"x":1e400}}',
    '{"type":"identify","anonymousId":"an"}',
    # unsupported under some or all profiles
    '{"type":"page","messageId":"p1","userId":"u","anonymousId":"a","name":"Home"}',
    '{"type":"alias","messageId":"a1","userId":"u","previousId":"p"}',
    '{"type":"group","messageId":"g1","userId":"u","groupId":"g"}',
    # invalid messages and lines
    '{"type":"track","messageId":"bad1","userId":"u","event":"E","properties":[]}',
    '{"type":"bogus","messageId":"bad2"}',
    '{"type":"track","messageId":"t1","userId":"u","event":"E","timestamp":"not a date"}',
    "{not json",
    "[1, 2] ",
    "NaN",
    "   ",
    # a batch envelope: items with their index, one of them not an object
    '{"batch":[{"type":"track","userId":"u","anonymousId":"a","event":"B",'
    '"properties":{"é":[1]}},3,{"type":"page","userId":"u"}],'
    '"context":{"library":{"name":"analytics-python"}}}',
    '  {"type":"track","messageId":"spaced","userId":"u","anonymousId":"a","event":"S"}\t',
]
DATA = "\n".join(LINES * 3).encode("utf-8", "surrogatepass") + b'\n{"type":"track",\xff}\n'


def _quiet_job(profile: str | Profile, out: io.BytesIO, errors: io.BytesIO) -> _Job:
    """A translate job without ``--http``, writing to ``out`` and ``errors``, no progress."""
    return _Job(
        profile=profile,
        http=False,
        bulk=False,
        app_id="",
        region="US",
        out=out,
        errors=errors,
        progress=_Progress(io.StringIO(), False, 2.0),
    )


def _one_by_one(profile: str | Profile) -> tuple[bytes, bytes, _Tally]:
    out, errors = io.BytesIO(), io.BytesIO()
    job = _quiet_job(profile, out, errors)
    assert job.run(read_records(io.BytesIO(DATA), "in.ndjson", "ndjson"))
    job.finish()
    return out.getvalue(), errors.getvalue(), job.tally


def _through_blocks(profile: str | Profile, rows_wanted: bool) -> tuple[bytes, bytes, _Tally]:
    """The ``--jobs`` path, in this process: blocks of two lines, each worked out as a
    worker would, then counted and written by the run. Blocks without an invalid record
    come as counts alone unless ``rows_wanted``; the others come record by record."""
    out, errors = io.BytesIO(), io.BytesIO()
    job = _quiet_job(profile, out, errors)
    lines = DATA.splitlines(keepends=True)
    blocks = [
        Block("in.ndjson", start + 1, b"".join(lines[start : start + 2]))
        for start in range(0, len(lines), 2)
    ]
    outcomes = [_block_outcome(job.setup, rows_wanted, block) for block in blocks]
    counted_at_once = sum(outcome.rows is None for outcome in outcomes)
    assert counted_at_once == 0 if rows_wanted else 0 < counted_at_once < len(blocks)
    assert job.run_outcomes(iter(outcomes))
    job.finish()
    return out.getvalue(), errors.getvalue(), job.tally


@pytest.mark.parametrize(
    "profile",
    [*PROFILES, KEEP_NESTED],
    ids=[*PROFILES, "keep-nested"],
)
def test_one_by_one_writes_and_counts_what_the_outcome_path_does(
    profile: str | Profile,
) -> None:
    fast = _one_by_one(profile)
    assert fast == _through_blocks(profile, rows_wanted=False)
    assert fast == _through_blocks(profile, rows_wanted=True)
    written, errors, tally = fast
    assert tally.translated > 0
    assert tally.invalid > 0
    assert tally.blank == 3
    assert written.count(b"\n") == tally.written
    assert errors.count(b"\n") == tally.invalid


def test_one_by_one_keeps_nested_properties_and_escapes_lone_surrogates() -> None:
    written, _, _ = _one_by_one(KEEP_NESTED)
    first = written.split(b"\n")[0].decode("utf-8")
    # classic-cloud: the track's identity is the userId; the timestamp is the message's,
    # in UTC; nested values stay as they are under objects="keep" and arrays="keep".
    assert first == (
        '{"file": "in.ndjson", "line": 1, "messageId": "é☃", "call": "track", '
        '"event": "Café ☕", "properties": {"name": "naïve", "nested": {"a": [1, {"b": "ß"}], '
        '"c": {"d": [[]]}}, "list": [1, 2.5, "x", null, true, {"k": "v"}], '
        '"segment_library": ""}, "identity": "ü", "timestamp": "2024-05-06T05:08:09.000Z"}'
    )
    second = written.split(b"\n")[1].decode("utf-8")
    assert '"event": "E\\ud800"' in second
    assert '"properties": {"lone": "\\udc00x", "pair": "😀", "obj": {"\\ud800k": ["\\udfff"]}' in (
        second
    )
