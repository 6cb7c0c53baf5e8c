"""Reading Segment messages for the command line: NDJSON, JSON arrays and batch envelopes.

Every input record comes out as exactly one ``Message``, ``Malformed`` or
``Blank``, tagged with where it came from, so the command line can account for
each one. Reading streams: memory stays flat however long the input is.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Final, TypeVar, cast

from attrs import frozen

from ._calls import describe

__all__ = [
    "FORMATS",
    "Blank",
    "Block",
    "Malformed",
    "Message",
    "Record",
    "Source",
    "block_lines",
    "merge_batch_item",
    "ndjson_records",
    "open_binary",
    "read_blocks",
    "read_records",
]

_JSON_WS: Final = b" \t\r\n"
_BOM: Final = b"\xef\xbb\xbf"
_GZIP_MAGIC: Final = b"\x1f\x8b"
_CHUNK: Final = 1 << 16
_MAX_ITEM: Final = 8 << 20
"""An array item still undecodable with this many characters buffered is malformed.
Segment caps one message at 32 KB, so no real message comes near it."""
_MAX_INPUT: Final = 1 << 20
"""The longest unreadable document or array text reported as a record's input; longer
text is left out of the report. Segment's batch bodies stay under 500 KB."""
_WS_RUN: Final = re.compile(r"[ \t\r\n]*")


@frozen
class Source:
    """Where a record came from: file name, 1-based line, and item index inside an array."""

    file: str
    line: int
    index: int | None = None


@frozen
class Message:
    """A JSON object read from the input; ``text`` is its input text, for error reports."""

    source: Source
    value: dict[str, Any]
    text: str


@frozen
class Malformed:
    """An input record that is not a Segment message object, with a JSON path and reason."""

    source: Source
    path: str
    reason: str
    text: str | None = None


@frozen
class Blank:
    """An empty (whitespace-only) NDJSON line."""

    source: Source


Record = Message | Malformed | Blank


@frozen
class Block:
    """Whole NDJSON lines as read, not yet decoded, the first of them line ``first_line``
    of ``file``: ``block_lines`` splits them, ``ndjson_records`` reads each."""

    file: str
    first_line: int
    data: bytes


BLOCK_BYTES: Final = 1 << 17
"""How many bytes of NDJSON ``read_blocks`` reads at a time (a block then runs on to the
end of its last line)."""

_Unit = TypeVar("_Unit", Record, Record | Block)


class _NotJSON(ValueError):
    """A bare NaN, Infinity or -Infinity: Python's json accepts them, JSON does not."""


def _reject_constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON value")


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(text: str) -> Any:
    """``json.loads`` refusing NaN and infinities.

    A text that is one JSON value from its first character to its last (as a message
    line is) skips the whitespace scans around it; any other text, malformed or not,
    is decoded again the usual way, which gives the usual value or error.
    """
    try:
        value, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        return _DECODER.decode(text)
    if end == len(text):
        return value
    return _DECODER.decode(text)


def open_binary(stream: IO[bytes]) -> IO[bytes]:
    """Wrap ``stream`` so gzip data (recognised by its magic bytes) reads decompressed."""
    raw: Any = stream
    buffered: io.BufferedReader = (
        raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    )
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return cast("IO[bytes]", gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast("IO[bytes]", buffered)


def merge_batch_item(item: dict[str, Any], shared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge a batch envelope's ``context`` and ``integrations`` into one of its items.

    The merge is shallow and the item wins: each top-level key of the batch-level object
    is added unless the item's own object already has it. An item whose own value is not
    an object keeps it, so that translation reports it.
    """
    if not shared:
        return item
    merged = dict(item)
    for key, batch_value in shared.items():
        own = item.get(key)
        if own is None:
            merged[key] = dict(batch_value)
        elif isinstance(own, dict):
            merged[key] = {**batch_value, **own}
    return merged


def _is_envelope(value: dict[str, Any]) -> bool:
    return "batch" in value and "type" not in value


def _envelope_shared(
    envelope: dict[str, Any], source: Source
) -> dict[str, dict[str, Any]] | Malformed:
    shared: dict[str, dict[str, Any]] = {}
    for key in ("context", "integrations"):
        value = envelope.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            return Malformed(
                source,
                f"$.{key}",
                f"the batch-level {key!r} must be an object, found {describe(value)}",
            )
        shared[key] = value
    return shared


def _object_or_malformed(value: Any, source: Source, text: str, path: str = "$") -> Record:
    if isinstance(value, dict):
        return Message(source, value, text)
    return Malformed(
        source,
        path,
        f"expected a JSON object (one Segment message), found {describe(value)}",
        text,
    )


def _expand_envelope(envelope: dict[str, Any], source: Source, text: str) -> Iterator[Record]:
    items = envelope["batch"]
    if not isinstance(items, list):
        yield Malformed(
            source,
            "$.batch",
            f"'batch' must be an array of messages, found {describe(items)}",
            text,
        )
        return
    shared = _envelope_shared(envelope, source)
    if isinstance(shared, Malformed):
        yield shared
        return
    for index, item in enumerate(items):
        item_source = Source(source.file, source.line, index)
        if isinstance(item, dict):
            yield _batch_item(item_source, item, shared)
        else:
            item_text = json.dumps(item, ensure_ascii=False)
            yield _object_or_malformed(item, item_source, item_text, f"$.batch[{index}]")


def _batch_item(
    source: Source,
    item: dict[str, Any],
    shared: dict[str, dict[str, Any]],
    text: str | None = None,
) -> Message:
    """A batch item as the message it stands for: merged with the batch's ``context`` and
    ``integrations``, its text that message's (to fix and replay what the batch sent).
    ``text``, the item's own text where it was read as text, serves when nothing merges."""
    merged = merge_batch_item(item, shared)
    if merged is item and text is not None:
        return Message(source, item, text)
    return Message(source, merged, json.dumps(merged, ensure_ascii=False))


def _bounded(text: str) -> str | None:
    """``text`` as a record's input, or None when it is too long to report."""
    return text if len(text) <= _MAX_INPUT else None


def _decode_failure(error: Exception, *, column: bool = True) -> str:
    if isinstance(error, json.JSONDecodeError):
        where = f" (column {error.colno})" if column else ""
        return f"malformed JSON: {error.msg}{where}"
    if isinstance(error, RecursionError):
        return "malformed JSON: nested too deeply to decode"
    return f"malformed JSON: {error}"


def ndjson_records(raw: bytes, source: Source) -> Iterable[Record]:
    """The records of one NDJSON line: a blank, a malformed line, a message or a batch's items.

    A batch envelope's items come one at a time; any other line gives its one record at once.
    """
    if not raw.strip(_JSON_WS):
        return (Blank(source),)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            Malformed(
                source,
                "$",
                f"the line is not UTF-8 text (bad byte at offset {error.start})",
                raw.decode("utf-8", "replace").rstrip("\r\n"),
            ),
        )
    text = text.rstrip("\r\n")
    try:
        value = _loads(text)
    except (ValueError, RecursionError) as error:
        return (Malformed(source, "$", _decode_failure(error), text),)
    if isinstance(value, dict):
        if _is_envelope(value):
            return _expand_envelope(value, source, text)
        return (Message(source, value, text),)
    return (_object_or_malformed(value, source, text),)


class _Unreadable(Exception):
    """The array text cannot be decoded further (bad UTF-8, malformed or oversized item),
    with the line where decoding failed and the text from there on, when they are known."""

    def __init__(self, reason: str, line: int | None = None, text: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.text = text


class _Cursor:
    """A read position in text that arrives in chunks, keeping only the unread part."""

    def __init__(self, chunks: Iterator[str], first_line: int) -> None:
        self._chunks = chunks
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = first_line
        self._counted = 0

    def fill(self) -> bool:
        """Read at least one more chunk (geometrically more for a big item); False at EOF."""
        if self.pos:
            self._line += self.buf.count("\n", self._counted, self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = 0
            self._counted = 0
        wanted = max(_CHUNK, len(self.buf))
        got = 0
        while got < wanted:
            chunk = next(self._chunks, None)
            if chunk is None:
                self.eof = True
                return got > 0
            self.buf += chunk
            got += len(chunk)
        return True

    def line_here(self) -> int:
        self._line += self.buf.count("\n", self._counted, self.pos)
        self._counted = self.pos
        return self._line

    def skip_ws(self) -> bool:
        """Move past JSON whitespace; False when the text ends first."""
        while True:
            match = _WS_RUN.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf):
                return True
            if self.eof or not self.fill():
                return False

    def char(self) -> str:
        return self.buf[self.pos]

    def unreadable(self, reason: str, at: int | None = None) -> _Unreadable:
        """Reading fails at ``at`` (default: the position): the failure, on the line of
        ``at``, with the text from the position to the end of that line."""
        at = self.pos if at is None else at
        line = self.line_here() + self.buf.count("\n", self.pos, at)
        end = self.buf.find("\n", at)
        text = self.buf[self.pos : len(self.buf) if end < 0 else end].rstrip("\r")
        return _Unreadable(reason, line, _bounded(text))

    def decode(self) -> tuple[Any, str]:
        """Decode one JSON value at the position; return it and its text."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except _NotJSON as error:
                raise self.unreadable(f"malformed JSON: {error}") from None
            except (json.JSONDecodeError, RecursionError) as error:
                if self.eof or len(self.buf) - self.pos > _MAX_ITEM:
                    at = error.pos if isinstance(error, json.JSONDecodeError) else None
                    raise self.unreadable(_decode_failure(error, column=False), at) from None
                self.fill()
                continue
            if end == len(self.buf) and not self.eof:
                self.fill()
                continue
            text = self.buf[self.pos : end]
            self.pos = end
            return value, text


def _array_items(
    chunks: Iterator[str], file: str, first_line: int, *, alone: bool = True
) -> Iterator[Record]:
    """Stream the items of the JSON array that ``chunks`` begins with, one record each.

    With ``alone`` the array must be the whole input: text after it is malformed.
    """
    cursor = _Cursor(chunks, first_line)
    index = 0
    line = first_line
    try:
        cursor.skip_ws()
        cursor.pos += 1  # the opening '[', already checked by the caller
        closed = cursor.skip_ws() and cursor.char() == "]"
        if closed:
            cursor.pos += 1
        while not closed:
            if not cursor.skip_ws():
                raise _Unreadable("the JSON array ends without its closing ']'")
            line = cursor.line_here()
            value, text = cursor.decode()
            yield _object_or_malformed(value, Source(file, line, index), text)
            index += 1
            if not cursor.skip_ws():
                raise _Unreadable("the JSON array ends without its closing ']'")
            separator = cursor.char()
            if separator not in ",]":
                raise cursor.unreadable(
                    f"malformed JSON: expected ',' or ']' after an array item, found {separator!r}"
                )
            cursor.pos += 1
            closed = separator == "]"
        if alone and cursor.skip_ws():
            raise cursor.unreadable("unexpected data after the end of the JSON array")
    except _Unreadable as error:
        reason = error.reason
        if not reason.startswith("unexpected data"):
            reason += "; the rest of the array cannot be read"
        where = Source(file, cursor.line_here() if error.line is None else error.line, index)
        yield Malformed(where, "$", reason, error.text)
    except UnicodeDecodeError as error:
        yield Malformed(
            Source(file, line, index),
            "$",
            f"the input is not UTF-8 text ({error.reason}); the rest of the array cannot be read",
        )


def _text_chunks(head: bytes, stream: IO[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    yield decoder.decode(head)
    while chunk := stream.read(_CHUNK):
        yield decoder.decode(chunk)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _batch_array_offset(text: str) -> int | None:
    """Offset of the ``batch`` array in a JSON object's text, walking its top-level keys."""
    pos = _WS_RUN.match(text, 0).end() + 1  # type: ignore[union-attr]
    while True:
        pos = _WS_RUN.match(text, pos).end()  # type: ignore[union-attr]
        if text[pos] == "}":
            return None
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _WS_RUN.match(text, pos).end() + 1  # type: ignore[union-attr]
        pos = _WS_RUN.match(text, pos).end()  # type: ignore[union-attr]
        if key == "batch":
            return pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _WS_RUN.match(text, pos).end()  # type: ignore[union-attr]
        if text[pos] == ",":
            pos += 1


def _document(whole: bytes, file: str, first_line: int) -> Iterator[Record]:
    """A pretty-printed JSON document: one message, or a batch envelope streamed item by item.

    A document that cannot be read is reported on the line where reading failed, with
    the whole document as its input (the document starts on ``first_line``).
    """
    source = Source(file, first_line)
    try:
        text = whole.decode("utf-8")
    except UnicodeDecodeError as error:
        yield Malformed(
            Source(file, first_line + whole.count(b"\n", 0, error.start)),
            "$",
            f"the input is not UTF-8 text ({error.reason})",
            _bounded(whole.decode("utf-8", "replace")),
        )
        return
    try:
        value = _loads(text)
    except (ValueError, RecursionError) as error:
        line = first_line
        if isinstance(error, json.JSONDecodeError):
            line += error.lineno - 1
        yield Malformed(Source(file, line), "$", _decode_failure(error), _bounded(text))
        return
    if not (isinstance(value, dict) and _is_envelope(value)):
        yield _object_or_malformed(value, source, text)
        return
    offset = _batch_array_offset(text)
    if offset is None or not isinstance(value["batch"], list):
        yield from _expand_envelope(value, source, text)
        return
    shared = _envelope_shared(value, source)
    if isinstance(shared, Malformed):
        yield shared
        return
    items = _array_items(
        iter([text[offset:]]), file, first_line + text.count("\n", 0, offset), alone=False
    )
    for record in items:
        if isinstance(record, Message):
            yield _batch_item(record.source, record.value, shared, record.text)
        else:
            yield record


FORMATS: Final = ("auto", "ndjson", "json")


def read_records(stream: IO[bytes], file: str, form: str = "auto") -> Iterator[Record]:
    """Read every record of one input, in order.

    ``auto`` recognises the form from the first non-blank line: ``[`` starts a JSON
    array (streamed item by item), a line holding only ``{`` starts one pretty-printed
    JSON document (a message or a batch envelope), anything else is NDJSON. ``ndjson``
    and ``json`` skip the guess. In NDJSON, a line holding a batch envelope gives one
    record per item. Lines split on ``\\n`` only: U+2028 and U+2029 may appear inside
    JSON strings.
    """
    return _read(stream, file, form, _lines)


def read_blocks(stream: IO[bytes], file: str, form: str = "auto") -> Iterator[Record | Block]:
    """``read_records``, but NDJSON after its first line comes as blocks of whole lines,
    not yet decoded, for another process to read; anything else comes as records."""
    return _read(stream, file, form, _blocks)


def block_lines(block: Block) -> list[bytes]:
    """The lines of ``block``, without their ``\\n``, as ``read_records`` reads them."""
    lines = block.data.split(b"\n")
    if not lines[-1]:
        lines.pop()  # the block ends with a newline, not with one more line
    return lines


def _blocks(stream: IO[bytes], file: str, line_number: int) -> Iterator[Block]:
    """The rest of ``stream`` as blocks of whole lines, from the line after ``line_number``."""
    pieces: list[bytes] = []
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            if pieces:
                yield Block(file, line_number + 1, b"".join(pieces))
            return
        end = data.rfind(b"\n") + 1
        if not end:  # a line longer than a block: read on to its end
            pieces.append(data)
            continue
        pieces.append(data[:end])
        whole = b"".join(pieces)
        yield Block(file, line_number + 1, whole)
        line_number += whole.count(b"\n")
        pieces = [data[end:]] if end < len(data) else []


def _lines(stream: IO[bytes], file: str, line_number: int) -> Iterator[Record]:
    """The records of the rest of ``stream``'s lines, from the line after ``line_number``."""
    for raw in stream:
        line_number += 1
        yield from ndjson_records(raw, Source(file, line_number))


def _read(
    stream: IO[bytes],
    file: str,
    form: str,
    rest: Callable[[IO[bytes], str, int], Iterator[_Unit]],
) -> Iterator[_Unit]:
    """Every unit of ``stream``: records of arrays, documents and the first NDJSON line;
    ``rest`` for the NDJSON lines after it."""
    line_number = 0
    if form == "ndjson":
        first = stream.readline()
        if first:
            yield from ndjson_records(first.removeprefix(_BOM), Source(file, 1))
            yield from rest(stream, file, 1)
        return
    for raw in stream:
        line_number += 1
        if line_number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        body = raw.strip(_JSON_WS)
        if not body:
            continue
        if body.startswith(b"["):
            yield from _array_items(_text_chunks(raw, stream), file, line_number)
            return
        if body == b"{" or form == "json":
            yield from _document(raw + stream.read(), file, line_number)
            return
        for number in range(1, line_number):
            yield Blank(Source(file, number))
        yield from ndjson_records(raw, Source(file, line_number))
        break
    else:
        if form != "json":
            for number in range(1, line_number + 1):
                yield Blank(Source(file, number))
        return
    yield from rest(stream, file, line_number)
