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
import sys
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from importlib import resources
from typing import IO, Any, Final, NoReturn

import attrs

import heapseg
from heapseg._cli_input import FORMATS, Blank, Malformed, Message, Source, open_binary, read_records
from heapseg._jsjson import json_encoder
from heapseg._presets import DEFAULT_PROFILE

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
EXIT_BROKEN_PIPE: Final = 141
"""What a shell reports for a process ended by SIGPIPE, as ``cat`` or ``grep`` would be."""

BULK_CALLS: Final = 1000
"""Calls per bulk render: Heap's bulk endpoints take at most 1000 items a request."""

SAMPLE_NAME: Final = "sample.ndjson"
_STDERR_INVALID_LIMIT: Final = 10
_PROGRESS_AFTER: Final = 2.0
_PROGRESS_EVERY: Final = 1.0


class _UsageError(Exception):
    """A bad command line or an unusable input or output file: exit status 2."""


_encode: Final = json_encoder(compact=False, allow_nan=True)
"""``json.dumps(value, ensure_ascii=False)``, its C encoder built once for every line."""


def _dumps(value: object) -> bytes:
    """One JSON line; lone surrogates from ``\\ud800`` escapes are written back as escapes."""
    return (_encode(value) + "\n").encode("utf-8", "backslashreplace")


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
    blank: int = 0
    written: int = 0
    unsupported_reasons: Counter[tuple[str, str]] = attrs.Factory(Counter)

    @property
    def messages(self) -> int:
        return self.translated + self.unsupported + self.invalid


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
    calls: list[heapseg.Call]
    alone: list[heapseg.http.Request]
    items: list[_ItemKey]


def _bulk_items(request: heapseg.http.Request) -> list[_ItemKey]:
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


@attrs.define
class _Job:
    """One ``translate`` run: options, outputs and counts."""

    profile: str
    http: bool
    bulk: bool
    app_id: str
    region: str
    out: IO[bytes]
    errors: IO[bytes] | None
    progress: _Progress
    tally: _Tally = attrs.Factory(_Tally)
    pending: list[_Pending] = attrs.Factory(list)
    pending_calls: int = 0
    invalid_shown: int = 0

    def run(self, records: Iterator[Blank | Malformed | Message]) -> None:
        for record in records:
            if type(record) is Message:
                self._message(record)
            elif type(record) is Malformed:
                self._invalid(record.source, None, record.path, record.reason, record.text)
            else:
                self.tally.blank += 1
            if not self.tally.messages & 1023:
                self.progress.update(self.tally)

    def finish(self) -> None:
        self._flush_bulk()

    def _message(self, record: Message) -> None:
        message_id = record.value.get("messageId")
        try:
            calls = heapseg.translate(record.value, profile=self.profile)
        except heapseg.InvalidEvent as error:
            self._invalid(record.source, message_id, error.path, error.reason, record.text)
            return
        except heapseg.HeapsegError as error:
            self._invalid(record.source, message_id, "$", str(error), record.text)
            return
        except RecursionError:
            reason = "the message is nested too deeply to translate"
            self._invalid(record.source, message_id, "$", reason, record.text)
            return
        made = [call for call in calls if type(call) is not heapseg.Unsupported]
        if not made:
            self._unsupported(record, calls)
        elif not self.http:
            self.tally.translated += 1
            self._write_calls(record, calls)
        elif self.bulk:
            self._queue_bulk(record, made)
        else:
            self._write_requests(record, made)

    def _unsupported(self, record: Message, calls: list[heapseg.Call]) -> None:
        self.tally.unsupported += 1
        if not calls:
            calls = [
                heapseg.Unsupported(
                    str(record.value.get("type")), "the profile makes no call of this message"
                )
            ]
        for call in calls:
            assert type(call) is heapseg.Unsupported
            self.tally.unsupported_reasons[call.type, call.reason] += 1
        if not self.http:
            self._write_calls(record, calls)

    def _write_calls(self, record: Message, calls: list[heapseg.Call]) -> None:
        head = {**_where(record.source), "messageId": record.value.get("messageId")}
        for call in calls:
            self.out.write(_dumps({**head, **heapseg.to_dict(call)}))
            self.tally.written += 1

    def _render(self, calls: list[heapseg.Call]) -> list[heapseg.http.Request]:
        return heapseg.http.render(
            calls, app_id=self.app_id, profile=self.profile, region=self.region, bulk=self.bulk
        )

    def _write_request(self, head: dict[str, Any], request: heapseg.http.Request) -> None:
        record = {
            **head,
            "method": request.method,
            "url": request.url,
            "headers": dict(request.headers),
            "content": request.content.decode("utf-8", "surrogatepass"),
        }
        self.out.write(_dumps(record))
        self.tally.written += 1

    def _write_requests(self, record: Message, calls: list[heapseg.Call]) -> None:
        message_id = record.value.get("messageId")
        try:
            requests = self._render(calls)
        except heapseg.HeapsegError as error:
            self._invalid(record.source, message_id, "$", str(error), record.text)
            return
        self.tally.translated += 1
        head = {**_where(record.source), "messageId": message_id}
        for request in requests:
            self._write_request(head, request)

    def _queue_bulk(self, record: Message, calls: list[heapseg.Call]) -> None:
        try:
            alone = self._render(calls)
        except heapseg.HeapsegError as error:
            message_id = record.value.get("messageId")
            self._invalid(record.source, message_id, "$", str(error), record.text)
            return
        if self.pending_calls + len(calls) > BULK_CALLS:
            self._flush_bulk()
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
        except heapseg.HeapsegError:
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
    return resources.files("heapseg").joinpath("data").joinpath(SAMPLE_NAME).open("rb")


def _open_inputs(
    names: Sequence[str], sample: bool, stack: ExitStack
) -> list[tuple[str, IO[bytes]]]:
    """Open every input before reading any, so a missing file fails before output starts."""
    if sample:
        return [(SAMPLE_NAME, stack.enter_context(_sample_stream()))]
    opened: list[tuple[str, IO[bytes]]] = []
    for name in names or ["-"]:
        if name == "-":
            if sys.stdin.isatty():
                sys.stderr.write("heapseg: reading messages from the terminal; end with Ctrl-D\n")
            opened.append(("-", sys.stdin.buffer))
            continue
        try:
            stream = stack.enter_context(open(name, "rb"))  # noqa: SIM115
        except OSError as error:
            raise _UsageError(f"cannot read {name}: {error.strerror or error}") from None
        opened.append((name, stream))
    return opened


def _open_output(name: str | None, stack: ExitStack) -> IO[bytes] | None:
    if name is None:
        return None
    try:
        return stack.enter_context(open(name, "wb"))
    except OSError as error:
        raise _UsageError(f"cannot write {name}: {error.strerror or error}") from None


def _check_translate_options(args: argparse.Namespace) -> None:
    if args.sample and args.files:
        raise _UsageError("give input files or --sample, not both")
    if args.bulk:
        args.http = True
    if not args.http:
        for option, value in (("--app-id", args.app_id), ("--region", args.region)):
            if value is not None:
                raise _UsageError(f"{option} only applies with --http")
        return
    if not args.app_id:
        raise _UsageError("--http needs --app-id: the Heap environment id")
    try:
        heapseg.http.render(
            [], app_id=args.app_id, profile=args.profile, region=args.region or "US"
        )
    except heapseg.HeapsegError as error:
        raise _UsageError(str(error)) from None


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _summary(tally: _Tally, http: bool) -> str:
    text = (
        f"heapseg: {_count(tally.messages, 'message')}: {tally.translated:,} translated, "
        f"{tally.unsupported:,} unsupported, {tally.invalid:,} invalid"
    )
    if tally.blank:
        text += f" ({_count(tally.blank, 'blank line')} skipped)"
    text += f"; {_count(tally.written, 'request' if http else 'line')} written"
    for (kind, reason), count in sorted(tally.unsupported_reasons.items()):
        text += f"\nheapseg:   unsupported {kind} x{count:,}: {reason}"
    return text


def _stats(
    tally: _Tally, args: argparse.Namespace, inputs: list[str], error: str | None
) -> dict[str, Any]:
    return {
        "inputs": inputs,
        "profile": args.profile,
        "output": "bulk requests" if args.bulk else "requests" if args.http else "calls",
        "messages": tally.messages,
        "translated": tally.translated,
        "unsupported": tally.unsupported,
        "invalid": tally.invalid,
        "blank_lines": tally.blank,
        "written": tally.written,
        "unsupported_reasons": [
            {"type": kind, "reason": reason, "count": count}
            for (kind, reason), count in sorted(tally.unsupported_reasons.items())
        ],
        "read_error": error,
    }


def _translate(args: argparse.Namespace) -> int:
    _check_translate_options(args)
    with ExitStack() as stack:
        inputs = _open_inputs(args.files, args.sample, stack)
        errors = _open_output(args.errors, stack)
        stats = _open_output(args.stats, stack)
        show = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
        job = _Job(
            profile=args.profile,
            http=args.http,
            bulk=args.bulk,
            app_id=args.app_id or "",
            region=args.region or "US",
            out=sys.stdout.buffer,
            errors=errors,
            progress=_Progress(
                sys.stderr, show, 0.0 if args.progress == "always" else _PROGRESS_AFTER
            ),
        )
        read_error: str | None = None
        for name, stream in inputs:
            try:
                job.run(read_records(open_binary(stream), name, args.format))
            except BrokenPipeError:
                raise
            except (OSError, EOFError, zlib.error) as error:
                read_error = f"cannot read {name}: {error}"
                break
        job.finish()
        sys.stdout.flush()
        job.progress.update(job.tally, final=True)
        job.progress.clear()
        sys.stderr.write(_summary(job.tally, args.http) + "\n")
        if read_error is not None:
            sys.stderr.write(f"heapseg: {read_error}\n")
        if stats is not None:
            names = [name for name, _ in inputs]
            stats.write(_dumps(_stats(job.tally, args, names, read_error)))
    if read_error is not None:
        return EXIT_USAGE
    return EXIT_INVALID if job.tally.invalid else EXIT_OK


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _describe_call(call: heapseg.Call) -> str:
    if type(call) is heapseg.Unsupported:
        return f"unsupported: {call.reason}"
    data = heapseg.to_dict(call)
    kind = data.pop("call")
    return f"{kind} {_compact(data)}"


def _demo(args: argparse.Namespace) -> int:
    del args
    names = list(heapseg.PROFILES)
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
                    lines = [_describe_call(c) for c in heapseg.translate(value, profile=name)]
                except heapseg.InvalidEvent as error:
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
        data = {name: attrs.asdict(profile) for name, profile in heapseg.PROFILES.items()}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    out = sys.stdout
    fields = attrs.fields(heapseg.Profile)
    width = max(len(field.name) for field in fields) + 2
    for number, (name, profile) in enumerate(heapseg.PROFILES.items()):
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
    """argparse that reports usage errors through :class:`_UsageError`, not ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message}\n{self.format_usage().rstrip()}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="heapseg",
        description="Translate Segment messages into Heap calls or HTTP requests, "
        "exactly as a chosen integration does.",
        epilog="Start with:  heapseg translate --sample    (see docs/cli.md)",
    )
    parser.add_argument("--version", action="version", version=f"heapseg {heapseg.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
        "files", nargs="*", metavar="FILE", help="input files ('-' or none: stdin); .gz is read"
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
        default=DEFAULT_PROFILE,
        choices=list(heapseg.PROFILES),
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
        help=f"write bulk requests, up to {BULK_CALLS} calls rendered together (implies --http)",
    )
    translate.add_argument(
        "--errors", metavar="FILE", help="write each invalid message as a JSON line to FILE"
    )
    translate.add_argument("--stats", metavar="FILE", help="write the final counts as JSON to FILE")
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
