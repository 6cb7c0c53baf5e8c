"""Backfill support for the command line: export folders, a time window, checkpoints, config.

- ``expand_inputs`` walks folders recursively in a fixed order and keeps the files an
  S3 or warehouse export holds (gzipped or plain NDJSON/JSON).
- ``Window`` keeps messages whose time falls in ``[since, until)``.
- ``Checkpoint`` is how far a run got; ``save_checkpoint`` replaces the file
  atomically, so a reader sees the old position or the new one, never half of one.
- ``load_config`` reads the JSON file of ``--config``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, Final

from attrs import frozen

from ._calls import shorten
from ._isodate import (
    facade_timestamp,
    impossible_field,
    is_iso_date,
    strict_instant_ms,
)

__all__ = [
    "CONFIG_KEYS",
    "EXPORT_SUFFIXES",
    "BackfillError",
    "Checkpoint",
    "CheckpointNotSaved",
    "Expanded",
    "InputFile",
    "Window",
    "check_checkpoint_writable",
    "expand_inputs",
    "load_checkpoint",
    "load_config",
    "parse_bound",
    "save_checkpoint",
]

EXPORT_SUFFIXES: Final = (".gz", ".ndjson", ".jsonl", ".json")
"""Files read inside a folder (compared case-insensitively); others are skipped and counted."""

CHECKPOINT_VERSION: Final = 1

CONFIG_KEYS: Final = (
    "profile",
    "include_events",
    "exclude_events",
    "include_types",
    "exclude_types",
    "replay_safe",
)


class BackfillError(Exception):
    """A folder, window, checkpoint or config the command line cannot use (exit status 2)."""


class CheckpointNotSaved(BackfillError):
    """The checkpoint file cannot be written: a missing or read-only folder, a full disk."""

    def __init__(self, path: str, error: OSError) -> None:
        super().__init__(f"cannot write the checkpoint {path}: {error.strerror or error}")


@frozen
class InputFile:
    """One input to read: its name as reported, and whether a folder walk found it."""

    name: str
    in_folder: bool = False


@frozen
class Expanded:
    """The inputs after walking folders, and the folder entries that were not read."""

    files: tuple[InputFile, ...]
    skipped: tuple[str, ...]


def _walk(folder: str, ignore: frozenset[str], files: list[InputFile], skipped: list[str]) -> None:
    """Depth-first, entries sorted by name (code point order); symlinked folders not followed."""
    try:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda entry: entry.name)
    except OSError as error:
        raise BackfillError(f"cannot read the folder {folder}: {error.strerror or error}") from None
    for entry in entries:
        path = os.path.join(folder, entry.name)
        if entry.name.startswith("."):
            skipped.append(path)
        elif entry.is_dir(follow_symlinks=False):
            _walk(path, ignore, files, skipped)
        elif not entry.name.lower().endswith(EXPORT_SUFFIXES) or not entry.is_file():
            skipped.append(path)
        elif os.path.realpath(path) not in ignore:
            files.append(InputFile(path, in_folder=True))


def expand_inputs(names: Sequence[str], ignore: Sequence[str] = ()) -> Expanded:
    """Replace each folder in ``names`` by the export files under it, in walking order.

    Hidden entries (names starting with ``.``), files without an export suffix and
    the paths in ``ignore`` (the run's own checkpoint and report files) are skipped.
    """
    ignored = frozenset(os.path.realpath(path) for path in ignore)
    files: list[InputFile] = []
    skipped: list[str] = []
    for name in names:
        if name != "-" and os.path.isdir(name):
            before = len(files)
            _walk(name, ignored, files, skipped)
            if len(files) == before:
                raise BackfillError(
                    f"cannot read {name}: the folder holds no file named "
                    f"{', '.join(EXPORT_SUFFIXES)} (hidden entries are not read)"
                )
        else:
            files.append(InputFile(name))
    return Expanded(tuple(files), tuple(skipped))


def parse_bound(text: str, option: str) -> int:
    """An ISO-8601 date or date-time (UTC unless it carries an offset) in epoch milliseconds.

    It is read as the standard reads it (``strict_instant_ms``), not as isodate reads a
    message's time: ``2024-05-01 12:00+02:00`` keeps its offset and ``0099`` is the year 99.
    A field out of its calendar range (``2024-02-30``, ``T25:00``) is refused rather than
    carried into the next unit as message timestamps are: it is a typing mistake, and a
    window that silently moves would send the wrong history.
    """
    if not is_iso_date(text, strict=True):
        raise BackfillError(
            f"{option} takes an ISO-8601 date or date-time such as 2024-05-01 or "
            f"2024-05-01T12:00:00Z, not {text!r}"
        )
    problem = impossible_field(text)
    if problem is not None:
        raise BackfillError(
            f"{option} {text!r} is not a real date: {problem}; give a date and time that "
            "exist, such as 2024-05-01 or 2024-05-01T12:00:00Z"
        )
    instant = strict_instant_ms(text)
    assert instant is not None  # a strict ISO date-time with every field in range
    return instant


@frozen
class Window:
    """Messages whose time is at or after ``since`` and before ``until`` (epoch ms; None: open).

    A message's time is its ``timestamp``, or its ``originalTimestamp`` when
    ``timestamp`` is missing or null, read as Segment's libraries read it.
    """

    since: int | None = None
    until: int | None = None

    @property
    def active(self) -> bool:
        return self.since is not None or self.until is not None

    def place(self, message: Mapping[str, Any]) -> tuple[str, str] | bool:
        """True inside the window, False outside it or without a time, or (path, reason)
        when the time cannot be read."""
        key = "timestamp" if message.get("timestamp") is not None else "originalTimestamp"
        value = message.get(key)
        if value is None:
            return False
        date = (
            None
            if isinstance(value, bool) or not isinstance(value, (str, int, float))
            else facade_timestamp(value)
        )
        if date is None:
            return (
                f"$.{key}",
                f"cannot read the {key} {shorten(repr(value))} as a date, so the message "
                "cannot be placed in the --since/--until window",
            )
        if self.since is not None and date.ms < self.since:
            return False
        return not (self.until is not None and date.ms >= self.until)


@frozen
class Checkpoint:
    """How far a run got: every record up to and including ``file``:``line`` (and
    ``index``) has been handled and its output flushed. ``complete``: the run read
    all of its inputs. ``inputs`` are the command line's inputs, as given."""

    inputs: tuple[str, ...]
    file: str | None = None
    line: int = 0
    index: int | None = None
    complete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CHECKPOINT_VERSION,
            "inputs": list(self.inputs),
            "file": self.file,
            "line": self.line,
            "index": self.index,
            "complete": self.complete,
        }


def _checkpoint_from(data: Any) -> Checkpoint:
    if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"not a version {CHECKPOINT_VERSION} heapseg checkpoint")
    inputs, file, line = data.get("inputs"), data.get("file"), data.get("line")
    index, complete = data.get("index"), data.get("complete")
    if not (isinstance(inputs, list) and all(isinstance(i, str) for i in inputs)):
        raise ValueError("'inputs' must be a list of names")
    if not (file is None or isinstance(file, str)):
        raise ValueError("'file' must be a name or null")
    if not (isinstance(line, int) and not isinstance(line, bool) and line >= 0):
        raise ValueError("'line' must be a line number")
    if not (index is None or (isinstance(index, int) and not isinstance(index, bool))):
        raise ValueError("'index' must be a number or null")
    if not isinstance(complete, bool):
        raise ValueError("'complete' must be true or false")
    return Checkpoint(tuple(inputs), file, line, index, complete)


def load_checkpoint(path: str) -> Checkpoint | None:
    """The checkpoint in ``path``, or None when there is no such file (a fresh run)."""
    try:
        with open(path, "rb") as stream:
            text = stream.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise BackfillError(f"cannot read the checkpoint {path}: {error.strerror}") from None
    try:
        return _checkpoint_from(json.loads(text))
    except ValueError as error:
        raise BackfillError(
            f"the checkpoint {path} cannot be used ({error}); remove it to start over"
        ) from None


def _temporary(path: str) -> str:
    """The file a checkpoint is written to before it is renamed over ``path``."""
    return f"{path}.tmp-{os.getpid()}"


def _remove_quietly(path: str) -> None:
    """Remove a temporary file left by a failed write, if there is one."""
    with contextlib.suppress(OSError):
        os.remove(path)


def check_checkpoint_writable(path: str) -> None:
    """Create and remove the temporary file ``save_checkpoint`` writes beside ``path``,
    so a checkpoint in a missing or read-only folder is refused before any output."""
    temporary = _temporary(path)
    try:
        with open(temporary, "w", encoding="utf-8"):
            pass
    except OSError as error:
        raise CheckpointNotSaved(path, error) from None
    _remove_quietly(temporary)


def save_checkpoint(path: str, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to a temporary file beside ``path``, sync it, rename it over.

    Should any step fail, the temporary file is removed, ``path`` keeps the previous
    checkpoint, and ``CheckpointNotSaved`` says why.
    """
    temporary = _temporary(path)
    try:
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(checkpoint.to_json()) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        _remove_quietly(temporary)
        raise CheckpointNotSaved(path, error) from None


def load_config(path: str) -> dict[str, Any]:
    """The ``--config`` JSON object, its keys checked against ``CONFIG_KEYS``."""
    try:
        with open(path, "rb") as stream:
            data = json.loads(stream.read())
    except OSError as error:
        raise BackfillError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise BackfillError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise BackfillError(f"{path} must hold a JSON object")
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise BackfillError(
            f"{path}: unknown key {unknown[0]!r}; the keys are: {', '.join(CONFIG_KEYS)}"
        )
    for key in CONFIG_KEYS[1:5]:
        value = data.get(key, [])
        if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            raise BackfillError(f"{path}: {key!r} must be a list of strings")
    if not isinstance(data.get("profile", ""), str):
        raise BackfillError(f"{path}: 'profile' must be a profile name")
    if not isinstance(data.get("replay_safe", False), bool):
        raise BackfillError(f"{path}: 'replay_safe' must be true or false")
    return data
