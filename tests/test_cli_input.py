"""Reading the command line's inputs: blocks of NDJSON lines give the records lines give."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import heapseg._cli_input as cli_input
from heapseg._cli_input import (
    Blank,
    Block,
    Message,
    Record,
    Source,
    block_lines,
    ndjson_records,
    read_blocks,
    read_records,
)

MESSAGE = json.dumps({"type": "track", "userId": "u", "event": "E"}).encode()

lines = st.one_of(
    st.just(MESSAGE),
    st.just(b""),
    st.just(b"  \t"),
    st.just(MESSAGE + b"\r"),
    st.just(b"{not json"),
    st.just(b'{"batch": [{"type": "page", "userId": "u"}, 3]}'),
    st.just(b"\xff\xfe"),
    st.just(b"7"),
    st.binary(max_size=12),
)


def _records_of_blocks(units: Iterator[Record | Block]) -> list[Record]:
    """What the workers of ``--jobs`` make of ``read_blocks``'s units, in order."""
    found: list[Record] = []
    for unit in units:
        if isinstance(unit, Block):
            for number, raw in enumerate(block_lines(unit), start=unit.first_line):
                found.extend(ndjson_records(raw, Source(unit.file, number)))
        else:
            found.append(unit)
    return found


@given(
    st.lists(lines, max_size=12),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["auto", "ndjson"]),
    st.integers(1, 64),
)
def test_blocks_give_the_records_lines_give(
    chosen: list[bytes], newline_at_end: bool, bom: bool, form: str, block_bytes: int
) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(chosen) + b"\n" * newline_at_end
    expected = list(read_records(io.BytesIO(data), "f.ndjson", form))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_input, "BLOCK_BYTES", block_bytes)  # lines across many reads
        found = _records_of_blocks(read_blocks(io.BytesIO(data), "f.ndjson", form))
    assert found == expected


def test_a_block_holds_whole_lines_and_says_where_it_starts() -> None:
    data = b"\n".join([MESSAGE] * 5) + b"\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_input, "BLOCK_BYTES", len(MESSAGE) * 2 + 5)
        first, *blocks = read_blocks(io.BytesIO(data), "f.ndjson", "ndjson")
    assert isinstance(first, Message)  # the first line, read to tell NDJSON from JSON
    assert all(isinstance(block, Block) for block in blocks)
    assert [block.first_line for block in blocks] == [2, 4]
    assert [block_lines(block) for block in blocks] == [[MESSAGE] * 2, [MESSAGE] * 2]


def test_arrays_and_documents_come_as_records_not_blocks() -> None:
    array = b"\n[" + MESSAGE + b",\n" + MESSAGE + b"]\n"
    units = list(read_blocks(io.BytesIO(array), "f.json"))
    assert [type(unit) for unit in units] == [Message, Message]
    document = b"{\n" + MESSAGE[1:] + b"\n"
    assert [type(unit) for unit in read_blocks(io.BytesIO(document), "f.json")] == [Message]


def test_lines_before_the_first_block_come_as_records() -> None:
    data = b"\n \n" + MESSAGE + b"\n" + MESSAGE + b"\n"
    units = list(read_blocks(io.BytesIO(data), "f.ndjson"))
    assert units[:2] == [Blank(Source("f.ndjson", 1)), Blank(Source("f.ndjson", 2))]
    assert isinstance(units[2], Message)
    assert units[2].source == Source("f.ndjson", 3)
    assert units[3:] == [Block("f.ndjson", 4, MESSAGE + b"\n")]
