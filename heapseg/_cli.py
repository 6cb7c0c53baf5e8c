"""The ``heapseg`` command line: translate exported Segment messages in bulk, losing none.

``heapseg translate`` streams NDJSON, JSON arrays or batch envelopes (gzip or not) and
writes one JSON line per Heap call or HTTP request; every input message is counted as
translated, unsupported or invalid. ``heapseg demo`` and ``heapseg profiles`` show what the
profiles do.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import stat
import sys
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, Final, NamedTuple, NoReturn

import attrs

from . import __version__
from ._bulk import HEAP_BULK_CAP
from ._calls import (
    Call,
    Unsupported,
    shallow_dict,
    to_dict,
)
from ._cli_backfill import (
    BackfillError,
    Checkpoint,
    CheckpointNotSaved,
    InputFile,
    Window,
    check_checkpoint_writable,
    expand_inputs,
    load_checkpoint,
    load_config,
    parse_bound,
    save_checkpoint,
)
from ._cli_input import (
    FORMATS,
    Blank,
    Block,
    Malformed,
    Message,
    Record,
    Source,
    block_lines,
    ndjson_records,
    open_binary,
    read_blocks,
    read_records,
)
from ._errors import HeapsegError, InvalidEvent
from ._jsjson import json_encoder
from ._messages import MESSAGE_TYPES
from ._presets import DEFAULT_PROFILE, PROFILES
from ._profile import Profile
from ._translate import translate
from .http import Request, render

if TYPE_CHECKING:  # the worker pool's machinery is imported only when --jobs asks for it
    from concurrent.futures import Executor, Future

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
EXIT_BROKEN_PIPE: Final = 141
"""What a shell reports for a process ended by SIGPIPE, as ``cat`` or ``grep`` would be."""

CHECKPOINT_EVERY: Final = 1000
"""Messages between checkpoint writes (and at the end of every input file)."""

SAMPLE_NAME: Final = "sample.ndjson"
_STDERR_INVALID_LIMIT: Final = 10
_PROGRESS_AFTER: Final = 2.0
_PROGRESS_EVERY: Final = 1.0


class _UsageError(Exception):
    """A bad command line or an unusable input or output file: exit status 2."""


_encode: Final = json_encoder(compact=False, allow_nan=True)
"""``json.dumps(value, ensure_ascii=False)``, its C encoder built once for every line."""


def _lines(texts: list[str]) -> bytes:
    """JSON texts as lines, encoded in one go; lone surrogates from ``\\ud800`` escapes
    are written back as escapes."""
    if not texts:
        return b""
    return ("\n".join(texts) + "\n").encode("utf-8", "backslashreplace")


def _dumps(value: object) -> bytes:
    """One JSON line, as ``_lines`` writes it."""
    return _lines([_encode(value)])


def _head(source: Source, message_id: object) -> dict[str, Any]:
    """The keys every output line of a message starts with: where it was read, its id."""
    if source.index is None:
        return {"file": source.file, "line": source.line, "messageId": message_id}
    return {
        "file": source.file,
        "line": source.line,
        "index": source.index,
        "messageId": message_id,
    }


def _where(source: Source) -> dict[str, Any]:
    where: dict[str, Any] = {"file": source.file, "line": source.line}
    if source.index is not None:
        where["index"] = source.index
    return where


def _location(source: Source) -> str:
    index = f"[{source.index}]" if source.index is not None else ""
    return f"{source.file}:{source.line}{index}"


@attrs.define
class _Tally:
    """Running counts for the summary and the ``--stats`` file."""

    translated: int = 0
    unsupported: int = 0
    invalid: int = 0
    outside_window: int = 0
    blank: int = 0
    already_done: int = 0
    files_done: int = 0
    written: int = 0
    unsupported_reasons: Counter[tuple[str, str]] = attrs.Factory(Counter)

    @property
    def messages(self) -> int:
        return self.translated + self.unsupported + self.invalid + self.outside_window

    def add(self, outcome: _Outcome) -> None:
        """Count a record's outcome, unless it is invalid: that needs its report written."""
        kind = outcome.kind
        if kind == "translated":
            self.translated += 1
        elif kind == "unsupported":
            self.unsupported += 1
            self.unsupported_reasons.update(outcome.reasons)
        elif kind == "outside":
            self.outside_window += 1
        elif kind != "invalid":
            self.blank += 1
        self.written += outcome.written

    def merge(self, other: _Tally) -> None:
        """Add the counts of ``other``: a block's, counted by a worker with ``add``."""
        self.translated += other.translated
        self.unsupported += other.unsupported
        self.outside_window += other.outside_window
        self.blank += other.blank
        self.written += other.written
        self.unsupported_reasons.update(other.unsupported_reasons)


@attrs.define
class _Progress:
    """Progress on stderr: only for a terminal (or when asked) and only once a job runs long."""

    stream: IO[str]
    enabled: bool
    after: float
    started: float = attrs.Factory(time.monotonic)
    shown_at: float | None = None

    def update(self, tally: _Tally, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.after and not (final and self.after == 0):
            return
        if not final and self.shown_at is not None and now - self.shown_at < _PROGRESS_EVERY:
            return
        self.shown_at = now
        text = (
            f"heapseg: progress: {tally.messages:,} messages, {tally.translated:,} translated, "
            f"{tally.unsupported:,} unsupported, {tally.invalid:,} invalid"
        )
        if self.stream.isatty():
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self.shown_at is not None and self.stream.isatty():
            self.stream.write("\r\x1b[K")
            self.stream.flush()


_ItemKey = tuple[str, str, str]
"""A bulk item's method, URL and canonical JSON text."""


@attrs.define
class _Pending:
    """A translated message waiting for its bulk render, with the bulk items it makes."""

    record: Message
    calls: list[Call]
    alone: list[Request]
    items: list[_ItemKey]


def _bulk_items(request: Request) -> list[_ItemKey]:
    """The items of a bulk request: the entries of its arrays of objects, or the whole body.

    A bulk body joins the items of single requests unchanged (docs/http.md), so an item
    found here is found again in any bulk request rendered from the same call.
    """
    arrays = [
        value
        for value in request.body.values()
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    ]
    entries: list[Any] = [item for array in arrays for item in array] if arrays else [request.body]
    return [
        (request.method, request.url, json.dumps(item, sort_keys=True, ensure_ascii=False))
        for item in entries
    ]


def _position(source: Source) -> tuple[int, int]:
    """A record's place in its file: records of one file compare in reading order."""
    return source.line, -1 if source.index is None else source.index


@attrs.frozen
class _Setup:
    """What translating a message needs to know, and nothing it would write to."""

    profile: str | Profile
    http: bool
    app_id: str
    region: str
    window: Window


class _Outcome(NamedTuple):
    """What one record comes to, worked out without I/O, for the run to count and write.

    ``kind`` is ``translated``, ``unsupported``, ``outside`` (the window), ``invalid``
    or ``blank``; ``lines`` are the output lines, ``written`` how many. An invalid
    record carries its message id, JSON path, reason and input text for the report.
    """

    kind: str
    lines: bytes = b""
    written: int = 0
    reasons: tuple[tuple[str, str], ...] = ()
    message_id: object = None
    path: str = "$"
    reason: str = ""
    text: str | None = None


_BLANK: Final = _Outcome("blank")
_OUTSIDE: Final = _Outcome("outside")


def _calls_of(record: Message, setup: _Setup) -> list[Call] | _Outcome:
    """The calls a message makes, or the outcome that ends it first (window, invalid)."""
    if setup.window.active:
        placed = setup.window.place(record.value)
        if placed is False:
            return _OUTSIDE
        if placed is not True:
            return _invalid_outcome(record, *placed)
    try:
        return translate(record.value, profile=setup.profile)
    except InvalidEvent as error:
        return _invalid_outcome(record, error.path, error.reason)
    except HeapsegError as error:
        return _invalid_outcome(record, "$", str(error))
    except RecursionError:
        return _invalid_outcome(record, "$", "the message is nested too deeply to translate")


def _invalid_outcome(record: Message, path: str, reason: str) -> _Outcome:
    return _Outcome(
        "invalid",
        message_id=record.value.get("messageId"),
        path=path,
        reason=reason,
        text=record.text,
    )


def _unsupported_outcome(record: Message, calls: list[Call], http: bool) -> _Outcome:
    if not calls:
        calls = [
            Unsupported(str(record.value.get("type")), "the profile makes no call of this message")
        ]
    reasons: list[tuple[str, str]] = []
    for call in calls:
        assert type(call) is Unsupported
        reasons.append((call.type, call.reason))
    if http:
        return _Outcome("unsupported", reasons=tuple(reasons))
    return _Outcome("unsupported", _call_lines(record, calls), len(calls), tuple(reasons))


def _call_text(head: dict[str, Any], call: Call) -> str:
    """The JSON text of ``{**head, **to_dict(call)}``, without ``to_dict``'s deep copy."""
    return _encode({**head, **shallow_dict(call)})


def _call_lines(record: Message, calls: list[Call]) -> bytes:
    head = _head(record.source, record.value.get("messageId"))
    return _lines([_call_text(head, call) for call in calls])


def _request_text(head: dict[str, Any], request: Request) -> str:
    return _encode(
        {
            **head,
            "method": request.method,
            "url": request.url,
            "headers": dict(request.headers),
            "content": request.content.decode("utf-8", "surrogatepass"),
        }
    )


def _message_outcome(record: Message, setup: _Setup) -> _Outcome:
    """Translate one message (and render it with ``http``, requests one by one)."""
    calls = _calls_of(record, setup)
    if type(calls) is _Outcome:
        return calls
    assert isinstance(calls, list)
    made = [call for call in calls if type(call) is not Unsupported]
    if not made:
        return _unsupported_outcome(record, calls, setup.http)
    if not setup.http:
        return _Outcome("translated", _call_lines(record, calls), len(calls))
    try:
        requests = render(made, app_id=setup.app_id, profile=setup.profile, region=setup.region)
    except HeapsegError as error:
        return _invalid_outcome(record, "$", str(error))
    head = _head(record.source, record.value.get("messageId"))
    return _Outcome("translated", _lines([_request_text(head, r) for r in requests]), len(requests))


def _record_outcome(record: Record, setup: _Setup) -> _Outcome:
    if type(record) is Message:
        return _message_outcome(record, setup)
    if type(record) is Malformed:
        return _Outcome("invalid", path=record.path, reason=record.reason, text=record.text)
    return _BLANK


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_Row = tuple[
    int, int | None, str, int, int, tuple[tuple[str, str], ...], object, str, str, str | None
]
"""One record of a block as plain values, cheap to send between processes: its line and
index, then the fields of its ``_Outcome`` with the size of its output in the place of
the output itself."""


class _BlockOutcome(NamedTuple):
    """What a block of NDJSON lines comes to: its output, in order, and its counts.

    ``rows`` has one entry per record, for the run to go through record by record; it is
    left out (None) unless the block holds an invalid record or the worker was asked for
    it, since the counts say all the run needs for any other block.
    """

    file: str
    output: bytes
    tally: _Tally
    last_line: int | None
    last_index: int | None
    rows: list[_Row] | None


def _block_outcome(setup: _Setup, rows_wanted: bool, block: Block) -> _BlockOutcome:
    """A worker's part of ``--jobs``: translate every record of a block of NDJSON lines."""
    output: list[bytes] = []
    rows: list[_Row] = []
    tally = _Tally()
    invalid = False
    where: Source | None = None
    file = block.file
    for number, raw in enumerate(block_lines(block), start=block.first_line):
        for record in ndjson_records(raw, Source(file, number)):
            outcome = _record_outcome(record, setup)
            where = record.source
            if outcome.written:
                output.append(outcome.lines)
            if outcome.kind == "invalid":
                invalid = True
            tally.add(outcome)
            rows.append((where.line, where.index, outcome.kind, len(outcome.lines), *outcome[2:]))
    return _BlockOutcome(
        file,
        b"".join(output),
        tally,
        None if where is None else where.line,
        None if where is None else where.index,
        rows if rows_wanted or invalid else None,
    )


def _parallel_outcomes(
    units: Iterator[Record | Block], setup: _Setup, pool: Executor, jobs: int, rows_wanted: bool
) -> Iterator[tuple[Source, _Outcome] | _BlockOutcome]:
    """Every record's outcome in input order: blocks of NDJSON lines worked out by ``pool``
    (at most two per worker in flight, so memory stays flat), other records here, in place.

    Should reading fail, the blocks already read are still given before the error.
    """
    waiting: deque[Future[_BlockOutcome]] = deque()
    reading = iter(units)
    while True:
        problem: Exception | None = None
        try:
            unit = next(reading, None)
        except (OSError, EOFError, zlib.error) as error:
            unit, problem = None, error
        if type(unit) is Block:
            waiting.append(pool.submit(_block_outcome, setup, rows_wanted, unit))
        # A block waits only for room; anything else for every block before it.
        room = 2 * jobs - 1 if type(unit) is Block else 0
        while len(waiting) > room:
            yield waiting.popleft().result()
        if problem is not None:
            raise problem
        if unit is None:
            return
        if type(unit) is not Block:
            assert not isinstance(unit, Block)
            yield unit.source, _record_outcome(unit, setup)


@attrs.define
class _Job:
    """One ``translate`` run: options, outputs and counts.

    ``settled`` is the last record whose output is written (none of it waits for a
    bulk render); a checkpoint records it after the outputs are flushed.
    """

    profile: str | Profile
    http: bool
    bulk: bool
    app_id: str
    region: str
    out: IO[bytes]
    errors: IO[bytes] | None
    progress: _Progress
    window: Window = attrs.Factory(Window)
    checkpoint: str | None = None
    inputs: tuple[str, ...] = ()
    resume_at: Checkpoint | None = None
    max_messages: int | None = None
    stop_signal: int | None = None
    tally: _Tally = attrs.Factory(_Tally)
    pending: list[_Pending] = attrs.Factory(list)
    pending_calls: int = 0
    invalid_shown: int = 0
    last: Source | None = None
    settled: Source | None = None
    saved: Source | None = None
    since_saved: int = 0
    handled: int = 0
    """Messages handled in this run, including those still waiting for a bulk render."""
    setup: _Setup = attrs.field(
        init=False,
        default=attrs.Factory(
            lambda job: _Setup(job.profile, job.http, job.app_id, job.region, job.window),
            takes_self=True,
        ),
    )

    @property
    def stopping(self) -> bool:
        """A signal asked the run to stop, or ``--max-messages`` is reached."""
        if self.stop_signal is not None:
            return True
        return self.max_messages is not None and self.handled >= self.max_messages

    def run(self, records: Iterator[Blank | Malformed | Message]) -> bool:
        """Handle every record; False when the run stops first (see ``stopping``)."""
        one_by_one = not self.http
        for record in records:
            if self.stopping:
                return False
            if self.resume_at is not None and self._done_earlier(record.source):
                self.tally.already_done += 1
                continue
            if type(record) is Message:
                self.handled += 1
                if one_by_one:
                    self._calls_message(record)
                else:
                    self._message(record)
            elif type(record) is Malformed:
                self.handled += 1
                self._invalid(record.source, None, record.path, record.reason, record.text)
            else:
                self.tally.blank += 1
            self._after(record.source)
        return True

    def run_outcomes(self, outcomes: Iterator[tuple[Source, _Outcome] | _BlockOutcome]) -> bool:
        """``run`` for records and blocks already worked out elsewhere (``--jobs``)."""
        for outcome in outcomes:
            if type(outcome) is _BlockOutcome:
                if not self._block(outcome):
                    return False
                continue
            assert not isinstance(outcome, _BlockOutcome)
            if not self._record(*outcome):
                return False
        return True

    def _record(self, source: Source, outcome: _Outcome) -> bool:
        """Count and write one record worked out elsewhere; False when the run stops first."""
        if self.stopping:
            return False
        if outcome.kind != "blank":
            self.handled += 1
        self.count(source, outcome)
        self._after(source)
        return True

    def _block(self, block: _BlockOutcome) -> bool:
        """Count and write a block's records, all at once when its counts say all there is
        to say (no invalid record, no ``--max-messages`` to stop at inside it)."""
        if self.stopping:
            return False
        file = block.file
        if block.rows is not None:
            output, start = block.output, 0
            for row in block.rows:
                line, index, kind, size = row[:4]
                outcome = _Outcome._make((kind, output[start : start + size], *row[4:]))
                start += size
                if not self._record(Source(file, line, index), outcome):
                    return False
            return True
        tally = self.tally
        before = tally.messages
        tally.merge(block.tally)
        self.handled += tally.messages - before
        if block.output:
            self.out.write(block.output)
        if block.last_line is not None:
            self.last = Source(file, block.last_line, block.last_index)
            if not self.pending:
                self.settled = self.last
        if self.progress.enabled and before >> 10 != tally.messages >> 10:
            self.progress.update(tally)
        return True

    def _after(self, source: Source) -> None:
        """Note a record as handled: position, checkpoint and progress."""
        self.last = source
        if not self.pending:
            self.settled = source
        if self.checkpoint is not None:
            self.since_saved += 1
            if self.since_saved >= CHECKPOINT_EVERY:
                self.save()
        if self.progress.enabled and not self.tally.messages & 1023:
            self.progress.update(self.tally)

    def _done_earlier(self, source: Source) -> bool:
        """Whether the checkpoint being resumed says this record was handled already."""
        done = self.resume_at
        assert done is not None
        if source.file == done.file and _position(source) <= (
            done.line,
            -1 if done.index is None else done.index,
        ):
            return True
        self.resume_at = None
        return False

    def finish(self) -> None:
        self._flush_bulk()
        if self.last is not None:
            self.settled = self.last

    def save(self, *, complete: bool = False) -> None:
        """Flush the outputs, then record the settled position in the checkpoint file."""
        if self.checkpoint is None or (not complete and self.settled == self.saved):
            return
        self.out.flush()
        if self.errors is not None:
            self.errors.flush()
        where = self.settled
        position = Checkpoint(
            self.inputs,
            where.file if where else None,
            where.line if where else 0,
            where.index if where else None,
            complete,
        )
        save_checkpoint(self.checkpoint, position)
        self.saved = where
        self.since_saved = 0

    def _calls_message(self, record: Message) -> None:
        """``_message`` without ``--http``: a message that makes a call is written and
        counted here, any other outcome goes through ``count``."""
        calls = _calls_of(record, self.setup)
        if type(calls) is _Outcome:
            self.count(record.source, calls)
            return
        assert isinstance(calls, list)
        for call in calls:
            if type(call) is not Unsupported:
                self._translated(_call_lines(record, calls), len(calls))
                return
        self.count(record.source, _unsupported_outcome(record, calls, http=False))

    def _message(self, record: Message) -> None:
        if not (self.http and self.bulk):
            self.count(record.source, _message_outcome(record, self.setup))
            return
        calls = _calls_of(record, self.setup)
        if type(calls) is _Outcome:
            self.count(record.source, calls)
            return
        assert isinstance(calls, list)
        made = [call for call in calls if type(call) is not Unsupported]
        if made:
            self._queue_bulk(record, made)
        else:
            self.count(record.source, _unsupported_outcome(record, calls, http=True))

    def count(self, source: Source, outcome: _Outcome) -> None:
        """Account for one record's outcome and write its lines."""
        if outcome.kind == "invalid":
            self._invalid(source, outcome.message_id, outcome.path, outcome.reason, outcome.text)
        self.tally.add(outcome)
        if outcome.written:
            self.out.write(outcome.lines)

    def _translated(self, lines: bytes, written: int) -> None:
        """Account for a translated message and write its ``written`` lines."""
        self.tally.translated += 1
        if written:
            self.out.write(lines)
            self.tally.written += written

    def _render(self, calls: list[Call]) -> list[Request]:
        return render(
            calls, app_id=self.app_id, profile=self.profile, region=self.region, bulk=self.bulk
        )

    def _write_request(self, head: dict[str, Any], request: Request) -> None:
        self.out.write(_lines([_request_text(head, request)]))
        self.tally.written += 1

    def _queue_bulk(self, record: Message, calls: list[Call]) -> None:
        try:
            alone = self._render(calls)
        except HeapsegError as error:
            message_id = record.value.get("messageId")
            self._invalid(record.source, message_id, "$", str(error), record.text)
            return
        if self.pending_calls + len(calls) > HEAP_BULK_CAP:
            self._flush_bulk()
            self.settled = self.last
        items = [key for request in alone for key in _bulk_items(request)]
        self.pending.append(_Pending(record, calls, alone, items))
        self.pending_calls += len(calls)

    def _flush_bulk(self) -> None:
        """Render the pending messages together; each request names the messages in it."""
        batch, self.pending, self.pending_calls = self.pending, [], 0
        if not batch:
            return
        self.tally.translated += len(batch)
        try:
            requests = self._render([call for pending in batch for call in pending.calls])
        except HeapsegError:
            # Each message rendered alone; should they not render together, send them apart.
            for pending in batch:
                source = {
                    **_where(pending.record.source),
                    "messageId": pending.record.value.get("messageId"),
                }
                for request in pending.alone:
                    self._write_request({"sources": [source]}, request)
            return
        owners: dict[_ItemKey, deque[int]] = {}
        for number, pending in enumerate(batch):
            for key in pending.items:
                owners.setdefault(key, deque()).append(number)
        everyone = list(range(len(batch)))
        for request in requests:
            numbers: dict[int, None] = {}
            for key in _bulk_items(request):
                queue = owners.get(key)
                for number in [queue.popleft()] if queue else everyone:
                    numbers[number] = None
            sources = [
                {
                    **_where(batch[n].record.source),
                    "messageId": batch[n].record.value.get("messageId"),
                }
                for n in sorted(numbers)
            ]
            self._write_request({"sources": sources}, request)

    def _invalid(
        self, source: Source, message_id: object, path: str, reason: str, text: str | None
    ) -> None:
        self.tally.invalid += 1
        if self.errors is not None:
            report: dict[str, Any] = _where(source)
            if message_id is not None:
                report["messageId"] = message_id
            report["path"] = path
            report["reason"] = reason
            if text is not None:
                report["input"] = text
            self.errors.write(_dumps(report))
        elif self.invalid_shown < _STDERR_INVALID_LIMIT:
            self.invalid_shown += 1
            self.progress.clear()
            sys.stderr.write(f"heapseg: invalid: {_location(source)}: {path}: {reason}\n")


def _sample_stream() -> IO[bytes]:
    from importlib import resources  # here: only --sample needs it, and it is slow to import

    return resources.files("heapseg").joinpath("data").joinpath(SAMPLE_NAME).open("rb")


_Opener = Callable[[], IO[bytes]]


def _open_inputs(
    files: Sequence[InputFile], sample: bool, stack: ExitStack
) -> list[tuple[str, _Opener]]:
    """Open every named input before reading any, so a missing file fails before output
    starts; files found in folders are opened one at a time as they are reached.

    With ``sample``, ``files`` holds the sample, or nothing once a complete checkpoint
    has it: like any input, it is opened only when it is still to be read.
    """
    opened: list[tuple[str, _Opener]] = []
    for item in files:
        name = item.name
        if name == "-":
            if sys.stdin.isatty():
                sys.stderr.write("heapseg: reading messages from the terminal; end with Ctrl-D\n")
            opened.append(("-", lambda: sys.stdin.buffer))
            continue
        if item.in_folder:
            opened.append((name, lambda name=name: _open_found(name)))  # type: ignore[misc]
            continue
        stream = stack.enter_context(_sample_stream() if sample else _open_file(name))
        opened.append((name, lambda stream=stream: stream))  # type: ignore[misc]
    return opened


def _open_found(name: str) -> IO[bytes]:
    """Open a file found in a folder; an error then ends the run as a read error."""
    return open(name, "rb")


def _open_file(name: str) -> IO[bytes]:
    try:
        return open(name, "rb")
    except OSError as error:
        raise _UsageError(f"cannot read {name}: {error.strerror or error}") from None


def _open_output(name: str | None, stack: ExitStack, *, append: bool = False) -> IO[bytes] | None:
    if name is None:
        return None
    try:
        return stack.enter_context(open(name, "ab" if append else "wb"))
    except OSError as error:
        raise _UsageError(f"cannot write {name}: {error.strerror or error}") from None


_SELECTION_OPTIONS: Final = ("include_events", "exclude_events", "include_types", "exclude_types")


def _build_profile(args: argparse.Namespace) -> Profile:
    """The chosen preset with the selection and replay choices of the options and --config."""
    try:
        config = load_config(args.config) if args.config else {}
    except BackfillError as error:
        raise _UsageError(f"--config: {error}") from None
    name = args.profile or config.get("profile") or DEFAULT_PROFILE
    preset = PROFILES.get(name)
    if preset is None:
        raise _UsageError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}")
    args.profile = name
    changes: dict[str, Any] = {}
    for key in _SELECTION_OPTIONS:
        chosen = (*config.get(key, ()), *(getattr(args, key) or ()))
        if chosen:
            changes[key] = chosen
    if args.replay_safe or config.get("replay_safe", False):
        if preset.mode != "cloud":
            raise _UsageError(
                f"--replay-safe needs a cloud profile; {name!r} makes heap.js calls, which carry "
                "no idempotency key"
            )
        changes["idempotency_key"] = "messageId-or-hash"
    try:
        return attrs.evolve(preset, **changes)
    except (TypeError, ValueError) as error:
        raise _UsageError(f"--config {args.config}: {error}") from None


def _check_translate_options(args: argparse.Namespace, profile: Profile) -> None:
    if args.sample and args.files:
        raise _UsageError("give input files or --sample, not both")
    if args.bulk:
        args.http = True
    if args.max_messages is not None and args.max_messages < 1:
        raise _UsageError("--max-messages takes a number of messages, 1 or more")
    args.jobs_auto = args.jobs == "auto"
    if args.jobs_auto:
        exact = args.checkpoint or args.bulk  # kept exact in one process (docs/cli.md)
        args.jobs = 1 if exact else min(_usable_cores(), AUTO_JOBS_MAX)
    else:
        try:
            args.jobs = int(args.jobs)
        except ValueError:
            args.jobs = 0
        if args.jobs < 1:
            raise _UsageError("--jobs takes a number of processes, 1 or more, or auto")
        if args.jobs > 1:
            for option, given in (("--checkpoint", args.checkpoint), ("--bulk", args.bulk)):
                if given:
                    raise _UsageError(f"{option} works with --jobs 1 only")
    if not args.http:
        for option, value in (("--app-id", args.app_id), ("--region", args.region)):
            if value is not None:
                raise _UsageError(f"{option} only applies with --http")
        return
    if not args.app_id:
        raise _UsageError("--http needs --app-id: the Heap environment id")
    try:
        render([], app_id=args.app_id, profile=profile, region=args.region or "US")
    except HeapsegError as error:
        raise _UsageError(str(error)) from None


def _window(args: argparse.Namespace) -> Window:
    try:
        since = parse_bound(args.since, "--since") if args.since else None
        until = parse_bound(args.until, "--until") if args.until else None
    except BackfillError as error:
        raise _UsageError(str(error)) from None
    if since is not None and until is not None and since >= until:
        raise _UsageError("--since must be earlier than --until (the window is [since, until))")
    return Window(since, until)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _summary(tally: _Tally, http: bool, window: Window) -> str:
    text = (
        f"heapseg: {_count(tally.messages, 'message')}: {tally.translated:,} translated, "
        f"{tally.unsupported:,} unsupported, {tally.invalid:,} invalid"
    )
    if window.active:
        text += f", {tally.outside_window:,} outside the window"
    if tally.blank:
        text += f" ({_count(tally.blank, 'blank line')} skipped)"
    text += f"; {_count(tally.written, 'request' if http else 'line')} written"
    if tally.already_done or tally.files_done:
        text += (
            f"\nheapseg: resumed from the checkpoint: {_count(tally.files_done, 'input file')} "
            f"and {_count(tally.already_done, 'record')} done by an earlier run, not read again"
        )
    for (kind, reason), count in sorted(tally.unsupported_reasons.items()):
        text += f"\nheapseg:   unsupported {kind} x{count:,}: {reason}"
    return text


def _invalid_not_shown(job: _Job) -> str | None:
    """The line after the summary that says how many invalid messages stderr did not show,
    when some were left out for want of an ``--errors`` file; None otherwise."""
    left_out = job.tally.invalid - job.invalid_shown
    if job.errors is not None or not left_out:
        return None
    return (
        f"heapseg: {_count(left_out, 'more invalid message')} not shown; "
        "--errors FILE records them all"
    )


def _stats(
    tally: _Tally,
    args: argparse.Namespace,
    inputs: list[str],
    skipped: Sequence[str],
    error: str | None,
    complete: bool,
) -> dict[str, Any]:
    return {
        "inputs": inputs,
        "profile": args.profile,
        "output": "bulk requests" if args.bulk else "requests" if args.http else "calls",
        "messages": tally.messages,
        "translated": tally.translated,
        "unsupported": tally.unsupported,
        "invalid": tally.invalid,
        "outside_window": tally.outside_window,
        "blank_lines": tally.blank,
        "already_done": tally.already_done,
        "files_done": tally.files_done,
        "files_not_read": list(skipped),
        "written": tally.written,
        "unsupported_reasons": [
            {"type": kind, "reason": reason, "count": count}
            for (kind, reason), count in sorted(tally.unsupported_reasons.items())
        ],
        "read_error": error,
        "complete": complete,
    }


def _catch_stop_signals(job: _Job) -> Callable[[], None]:
    """Turn SIGINT and SIGTERM into a request to stop at the next record, so the run ends
    with its outputs flushed and its checkpoint written; a second signal acts as usual."""
    previous: dict[int, Any] = {}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)

    def stop(number: int, frame: FrameType | None) -> None:
        del frame
        job.stop_signal = number
        restore()

    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            previous[number] = signal.signal(number, stop)
    except ValueError:  # not the main thread: signals keep their usual meaning
        pass
    return restore


def _resume_start(
    checkpoint: Checkpoint | None, given: tuple[str, ...], files: Sequence[InputFile], path: str
) -> int:
    """How many input files the checkpoint says are finished (reading starts after them)."""
    if checkpoint is None:
        return 0
    if checkpoint.inputs != given:
        raise _UsageError(
            f"the checkpoint {path} belongs to a run over {' '.join(checkpoint.inputs)}; give "
            "the same inputs to resume it, or another --checkpoint file for a new run"
        )
    if checkpoint.complete:
        return len(files)
    if checkpoint.file is None:
        return 0
    names = [item.name for item in files]
    if checkpoint.file not in names:
        raise _UsageError(
            f"the checkpoint {path} stopped in {checkpoint.file}, which is not among the "
            "inputs any more; remove the checkpoint to start over"
        )
    return names.index(checkpoint.file)


AUTO_JOBS_MAX: Final = 4
"""The most worker processes ``--jobs auto`` starts."""
AUTO_JOBS_MIN_BYTES: Final = 1 << 20
"""The smallest input file ``--jobs auto`` starts workers for: below it, starting them
costs about what they save."""


def _usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity (macOS, Windows)
        return os.cpu_count() or 1


def _large_file(stream: IO[bytes]) -> bool:
    """Whether ``stream`` reads a regular file of ``AUTO_JOBS_MIN_BYTES`` or more: not a
    pipe or a terminal, where lines may come slowly and should not wait for a block."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor (a BytesIO), closed
        return False
    return stat.S_ISREG(status.st_mode) and status.st_size >= AUTO_JOBS_MIN_BYTES


@attrs.define
class _Workers:
    """The worker processes of ``--jobs``, started when the first input needs them.

    ``--jobs N`` (N > 1) uses them for every input; ``auto`` only for large regular files,
    and quietly goes on in this process where they cannot start.
    """

    jobs: int
    auto: bool
    stack: ExitStack
    pool: Executor | None = None
    unavailable: bool = False

    def for_input(self, stream: IO[bytes]) -> Executor | None:
        """The pool to translate ``stream`` with, started now if need be; None: this process."""
        if self.jobs < 2 or self.unavailable or (self.auto and not _large_file(stream)):
            return None
        if self.pool is None:
            from concurrent.futures import ProcessPoolExecutor

            try:
                self.pool = ProcessPoolExecutor(self.jobs, initializer=_ignore_interrupts)
            except (OSError, ImportError, NotImplementedError) as error:
                if not self.auto:
                    raise _UsageError(f"cannot start worker processes: {error}") from None
                self.unavailable = True
                return None
            self.stack.callback(self.pool.shutdown, cancel_futures=True)
        return self.pool

    def release_broken(self) -> None:
        """Let a pool whose worker died shut down on Python 3.10, where its feeder thread
        can be stuck for good writing a block to workers that are gone: closing the call
        queue's reading end makes that write fail. Python 3.11 and later do it themselves."""
        if sys.version_info < (3, 11):
            reader = getattr(getattr(self.pool, "_call_queue", None), "_reader", None)
            if reader is not None:
                reader.close()


def _run_inputs(
    job: _Job,
    inputs: list[tuple[str, _Opener]],
    opened_early: set[str],
    workers: _Workers,
    args: argparse.Namespace,
) -> tuple[bool, str | None]:
    """Read every input through ``job``, saving the checkpoint after each file.

    Gives whether the run went through (False when it was stopped) and the read error
    that ended it, if any (a worker process that died, killed for memory say, counts as
    one); a checkpoint that cannot be written raises ``CheckpointNotSaved`` (never taken
    for a read error, though both are ``OSError`` underneath).
    """
    for name, opener in inputs:
        try:
            with ExitStack() as reading:
                stream = opener()
                if name not in opened_early:
                    reading.callback(stream.close)
                pool = workers.for_input(stream)
                if pool is None:
                    ran = job.run(read_records(open_binary(stream), name, args.format))
                else:
                    units = read_blocks(open_binary(stream), name, args.format)
                    outcomes = _parallel_outcomes(
                        units, job.setup, pool, workers.jobs, args.max_messages is not None
                    )
                    ran = job.run_outcomes(outcomes)
                if not ran:
                    return False, None
        except BrokenPipeError:
            raise
        except (OSError, EOFError, zlib.error) as error:
            return True, f"cannot read {name}: {error}"
        except RuntimeError as error:
            if workers.pool is None:
                raise
            from concurrent.futures import BrokenExecutor

            if not isinstance(error, BrokenExecutor):
                raise
            workers.release_broken()
            return True, (
                f"the worker processes stopped while translating {name} "
                f"({str(error).rstrip('.')}); "
                "run it again, or with --jobs 1 to translate in this process"
            )
        job.save()
    return True, None


def _final_save(job: _Job, complete: bool) -> str | None:
    """Write the run's last checkpoint; what went wrong, or None when it is saved."""
    try:
        job.save(complete=complete)
    except CheckpointNotSaved as error:
        return str(error)
    return None


def _translate(args: argparse.Namespace) -> int:
    profile = _build_profile(args)
    _check_translate_options(args, profile)
    window = _window(args)
    given = ("--sample",) if args.sample else tuple(args.files or ["-"])
    try:
        if args.sample:
            files: Sequence[InputFile] = (InputFile(SAMPLE_NAME),)
            not_read: Sequence[str] = ()
        else:
            outputs = [name for name in (args.checkpoint, args.errors, args.stats) if name]
            expanded = expand_inputs(given, outputs)
            files, not_read = expanded.files, expanded.skipped
        checkpoint = load_checkpoint(args.checkpoint) if args.checkpoint else None
        if args.checkpoint:
            check_checkpoint_writable(args.checkpoint)
    except BackfillError as error:
        raise _UsageError(str(error)) from None
    start = _resume_start(checkpoint, given, files, args.checkpoint)
    with ExitStack() as stack:
        inputs = _open_inputs(files[start:], args.sample, stack)
        opened_early = {item.name for item in files if not item.in_folder}
        errors = _open_output(args.errors, stack, append=checkpoint is not None)
        stats = _open_output(args.stats, stack)
        show = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
        job = _Job(
            profile=profile,
            http=args.http,
            bulk=args.bulk,
            app_id=args.app_id or "",
            region=args.region or "US",
            out=sys.stdout.buffer,
            errors=errors,
            progress=_Progress(
                sys.stderr, show, 0.0 if args.progress == "always" else _PROGRESS_AFTER
            ),
            window=window,
            checkpoint=args.checkpoint,
            inputs=given,
            max_messages=args.max_messages,
        )
        job.tally.files_done = start
        if checkpoint is not None and checkpoint.file is not None:
            job.settled = job.saved = Source(checkpoint.file, checkpoint.line, checkpoint.index)
            if not checkpoint.complete:
                job.resume_at = checkpoint
        restore = _catch_stop_signals(job) if args.checkpoint else None
        workers = _Workers(args.jobs, args.jobs_auto, stack)
        read_error: str | None = None
        save_error: str | None = None
        finished = True
        try:
            try:
                finished, read_error = _run_inputs(job, inputs, opened_early, workers, args)
            except CheckpointNotSaved as error:
                save_error = str(error)
            job.finish()
            sys.stdout.flush()
            complete = finished and read_error is None and save_error is None
            if save_error is None:
                save_error = _final_save(job, complete)
        finally:
            if restore is not None:
                restore()
        job.progress.update(job.tally, final=True)
        job.progress.clear()
        sys.stderr.write(_summary(job.tally, args.http, window) + "\n")
        not_shown = _invalid_not_shown(job)
        if not_shown is not None:
            sys.stderr.write(not_shown + "\n")
        if not finished:
            why = "interrupted" if job.stop_signal is not None else "stopped at --max-messages"
            again = f"; run it again with --checkpoint {args.checkpoint} to go on" * bool(
                args.checkpoint
            )
            sys.stderr.write(f"heapseg: {why}{again}\n")
        if not_read:
            sys.stderr.write(
                f"heapseg: {len(not_read):,} folder entries not read (hidden, or not named .gz, "
                ".ndjson, .jsonl or .json); --stats lists them\n"
            )
        if read_error is not None:
            sys.stderr.write(f"heapseg: {read_error}\n")
        if save_error is not None:
            sys.stderr.write(
                f"heapseg: {save_error}; the run stopped. Once the checkpoint can be written, "
                "run the same command again: it goes on from the last checkpoint saved\n"
            )
        if stats is not None:
            names = [item.name for item in files]
            stats.write(_dumps(_stats(job.tally, args, names, not_read, read_error, complete)))
    if read_error is not None or save_error is not None:
        return EXIT_USAGE
    if job.stop_signal is not None:
        return EXIT_INTERRUPTED
    return EXIT_INVALID if job.tally.invalid else EXIT_OK


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _describe_call(call: Call) -> str:
    if type(call) is Unsupported:
        return f"unsupported: {call.reason}"
    data = to_dict(call)
    kind = data.pop("call")
    return f"{kind} {_compact(data)}"


def _demo(args: argparse.Namespace) -> int:
    del args
    names = list(PROFILES)
    width = max(len(name) for name in names) + 2
    out = sys.stdout
    out.write(
        "The bundled sample through every profile: each message, then what each makes of it.\n"
    )
    with _sample_stream() as stream:
        for record in read_records(open_binary(stream), SAMPLE_NAME):
            if type(record) is not Message:
                continue
            value = record.value
            label = value.get("event") or value.get("name") or value.get("userId") or ""
            out.write(
                f"\nline {record.source.line}  {value.get('type')}  {value.get('messageId')}  "
                f"{label}\n"
            )
            for name in names:
                try:
                    lines = [_describe_call(c) for c in translate(value, profile=name)]
                except InvalidEvent as error:
                    lines = [f"invalid {error.path}: {error.reason}"]
                if not lines:
                    lines = ["(no call)"]
                for number, line in enumerate(lines):
                    out.write(f"  {name if number == 0 else '':<{width}}{line}\n")
    return EXIT_OK


def _show_value(value: object) -> str:
    if attrs.has(type(value)):
        kind: Any = type(value)
        inner = ", ".join(
            f"{field.name}={_show_value(getattr(value, field.name))}"
            for field in attrs.fields(kind)
        )
        return inner or "-"
    if isinstance(value, tuple):
        return _compact(list(value))
    return _compact(value)


def _profiles(args: argparse.Namespace) -> int:
    if args.json:
        data = {name: attrs.asdict(profile) for name, profile in PROFILES.items()}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    out = sys.stdout
    fields = attrs.fields(Profile)
    width = max(len(field.name) for field in fields) + 2
    for number, (name, profile) in enumerate(PROFILES.items()):
        if number:
            out.write("\n")
        out.write(f"{name}{'  (default)' if name == DEFAULT_PROFILE else ''}\n")
        for field in fields:
            if field.name == "name":
                continue
            value = getattr(profile, field.name)
            shown = value if field.name == "reproduces" else _show_value(value)
            out.write(f"  {field.name:<{width}}{shown}\n")
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors through ``_UsageError``, not ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message}\n{self.format_usage().rstrip()}")


class _IntermixedParser(_Parser):
    """A command's parser, taking its positional arguments before, between and after its
    options (``heapseg translate a.ndjson --jobs 2 b.ndjson``), as argparse's intermixed
    parsing does; the parent parser calls ``parse_known_args``, so intermixing starts
    there."""

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._intermixing:  # the intermixed parse calling back in (Python < 3.13)
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="heapseg",
        description="Translate Segment messages into Heap calls or HTTP requests, "
        "exactly as a chosen integration does.",
        epilog="Start with:  heapseg translate --sample    (see docs/cli.md)",
    )
    parser.add_argument("--version", action="version", version=f"heapseg {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_IntermixedParser
    )

    translate = commands.add_parser(
        "translate",
        help="translate NDJSON, JSON arrays or batch envelopes (gzip too) to NDJSON",
        description="Translate Segment messages, one JSON line out per Heap call (or HTTP "
        "request with --http). Every input message is counted as translated, unsupported or "
        "invalid; the summary goes to stderr. Exit status: 0 when no message was invalid, 1 "
        "when some were (the others are still written), 2 for usage errors and unreadable "
        "input.",
    )
    translate.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="input files or folders ('-' or none: stdin); .gz is read; a folder is walked "
        "recursively in name order for .gz, .ndjson, .jsonl and .json files",
    )
    translate.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="input form: ndjson, json (an array, a message or a batch envelope), or auto "
        "(the default: guessed from the first non-blank line)",
    )
    translate.add_argument("--sample", action="store_true", help="read the bundled sample messages")
    translate.add_argument(
        "--profile",
        choices=list(PROFILES),
        help=f"the integration to reproduce (default: {DEFAULT_PROFILE})",
    )
    translate.add_argument(
        "--http", action="store_true", help="write the HTTP requests a cloud profile sends"
    )
    translate.add_argument("--app-id", help="the Heap environment id (needed with --http)")
    translate.add_argument(
        "--region", help="the region setting, as the integration reads it (default: US)"
    )
    translate.add_argument(
        "--bulk",
        action="store_true",
        help=f"write bulk requests, up to {HEAP_BULK_CAP} calls rendered together (implies --http)",
    )
    translate.add_argument(
        "--errors", metavar="FILE", help="write each invalid message as a JSON line to FILE"
    )
    translate.add_argument("--stats", metavar="FILE", help="write the final counts as JSON to FILE")
    selection = translate.add_argument_group(
        "selection", "which messages go (see docs/backfill.md); an exclusion wins"
    )
    for option, dest, what in (
        ("--include-event", "include_events", "send only events whose name matches PATTERN"),
        ("--exclude-event", "exclude_events", "never send events whose name matches PATTERN"),
    ):
        selection.add_argument(
            option,
            dest=dest,
            action="append",
            metavar="PATTERN",
            help=f"{what} (* any run, ? one character, \\ escapes; repeatable)",
        )
    for option, dest, what in (
        ("--include-type", "include_types", "send only messages of TYPE"),
        ("--exclude-type", "exclude_types", "never send messages of TYPE"),
    ):
        selection.add_argument(
            option,
            dest=dest,
            action="append",
            choices=MESSAGE_TYPES,
            metavar="TYPE",
            help=f"{what} ({', '.join(MESSAGE_TYPES)}; repeatable)",
        )
    selection.add_argument(
        "--config",
        metavar="FILE",
        help="a JSON object with profile, include_events, exclude_events, include_types, "
        "exclude_types and replay_safe; options on the command line add to its lists",
    )
    backfill = translate.add_argument_group("backfill", "sending history (see docs/backfill.md)")
    backfill.add_argument(
        "--replay-safe",
        action="store_true",
        help="give every track an idempotency key (its messageId, or a hash of the message), "
        "so sending the same history again adds nothing in Heap",
    )
    backfill.add_argument(
        "--since",
        metavar="TIME",
        help="only messages whose timestamp is at or after TIME, an ISO-8601 date or "
        "date-time, UTC unless it carries an offset (2024-05-01, 2024-05-01T12:00+02:00)",
    )
    backfill.add_argument(
        "--until", metavar="TIME", help="only messages whose timestamp is before TIME"
    )
    backfill.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="record in FILE how far the run got, and resume from it when it exists",
    )
    backfill.add_argument(
        "--max-messages",
        type=int,
        metavar="N",
        help="stop after N messages (with --checkpoint, the next run goes on from there)",
    )
    translate.add_argument(
        "--jobs",
        default="auto",
        metavar="N",
        help="translate NDJSON lines in N worker processes; the output is the same, in the "
        "same order (not with --checkpoint or --bulk). auto (the default): one per core, "
        "up to 4, for NDJSON files of 1 MiB or more; one process for pipes and small files",
    )
    translate.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress on stderr: auto shows it on a terminal once a job runs long",
    )
    translate.set_defaults(handler=_translate)

    demo = commands.add_parser(
        "demo", help="show the bundled sample through every profile, side by side"
    )
    demo.set_defaults(handler=_demo)

    profiles = commands.add_parser("profiles", help="list the profiles and their choices")
    profiles.add_argument("--json", action="store_true", help="print them as JSON")
    profiles.set_defaults(handler=_profiles)
    return parser


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop without a traceback or a summary."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``heapseg`` command line with ``argv`` (default: ``sys.argv[1:]``)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        status: int = args.handler(args)
        sys.stdout.flush()
        return status
    except _UsageError as error:
        sys.stderr.write(f"heapseg: error: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        sys.stderr.write("heapseg: interrupted\n")
        return EXIT_INTERRUPTED
