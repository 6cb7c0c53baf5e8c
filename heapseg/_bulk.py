"""Group rendered single requests into Heap's bulk bodies, keeping every order that matters.

Works on rendered requests only (URL path and JSON body), so it applies to every cloud
profile's renderer alike. ``batch`` is the whole algorithm; ``BulkCaps`` holds
the caller's limits on one bulk request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Generic, Protocol, TypeVar

from attrs import field, frozen

from ._errors import ConfigurationError
from ._jsjson import js_stringify
from ._responses import url_path

__all__ = ["HEAP_BULK_CAP", "Batchable", "BulkCaps", "batch", "bulk_caps"]

HEAP_BULK_CAP: Final = 1000
"""Heap takes at most this many events or users in one bulk request (heap-api.md §2, §4)."""

_ARRAY_KEYS: Final = {
    "/api/track": "events",
    "/api/add_user_properties": "users",
    "/api/integrations/track": "events",
    "/api/integrations/add_user_properties": "users",
}
"""The endpoints with a bulk form, and the name of the array their items go in."""

_SINGLE_FIELDS: Final = {
    "/api/track": frozenset(
        {"identity", "user_id", "session_id", "event", "properties", "timestamp", "idempotency_key"}
    ),
    "/api/add_user_properties": frozenset({"identity", "properties"}),
}
"""Fields a single-object body may carry besides ``app_id`` and still have an exact bulk
form: the per-item fields Heap documents for bulk track (§2) and bulk add_user_properties (§4)."""

_IDENTIFIERS: Final = ("identity", "user_id", "anonymous_id", "email")


@frozen
class BulkCaps:
    """The most one bulk request may hold: ``max_items`` array items and, when set,
    ``max_bytes`` bytes of ``content``."""

    max_items: int = field(default=HEAP_BULK_CAP)
    max_bytes: int | None = None


def bulk_caps(max_items: object, max_bytes: object) -> BulkCaps:
    """Check the caller's caps: 1 to 1000 items (Heap's cap), a positive byte count or None."""
    if isinstance(max_items, bool) or not isinstance(max_items, int):
        raise ConfigurationError(f"max_items must be an integer from 1 to 1000, not {max_items!r}")
    if not 1 <= max_items <= HEAP_BULK_CAP:
        raise ConfigurationError(
            f"max_items must be from 1 to {HEAP_BULK_CAP} (Heap takes at most {HEAP_BULK_CAP} "
            f"items in one bulk request), not {max_items}"
        )
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1
    ):
        raise ConfigurationError(f"max_bytes must be a positive integer or None, not {max_bytes!r}")
    return BulkCaps(max_items, max_bytes)


class Batchable(Protocol):
    """What ``batch`` reads of a rendered request."""

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> Mapping[str, Any]: ...

    @property
    def content(self) -> bytes: ...


R = TypeVar("R", bound=Batchable)


@frozen
class _Envelope:
    """A bulk body without its items: the fields around the array and where the array goes."""

    fields: tuple[tuple[str, Any], ...]
    array_key: str
    position: int

    @property
    def key(self) -> tuple[object, ...]:
        """What two envelopes must share to merge: the same fields, spelled the same way.

        String fields (``app_id``, ``library``) compare exactly as they are; any other
        value is compared by its JSON text, so ``1`` and ``true`` stay apart.
        """
        if all(type(value) is str for _, value in self.fields):
            return (self.array_key, self.position, self.fields)
        return (self.array_key, self.position, js_stringify(dict(self.fields)))

    def body(self, items: list[Any]) -> dict[str, Any]:
        body = dict(self.fields[: self.position])
        body[self.array_key] = items
        body.update(self.fields[self.position :])
        return body


class _Batch:
    """A bulk request being filled: its envelope, items so far and their size in bytes.

    ``source`` is the input request it started with, ``slot`` its place in the output.
    """

    __slots__ = ("envelope", "items", "size", "slot", "source")

    def __init__(self, envelope: _Envelope, source: int, slot: int) -> None:
        self.envelope = envelope
        self.source = source
        self.slot = slot
        self.items: list[Any] = []
        self.size = len(js_stringify(envelope.body([])).encode("utf-8"))

    def grown_size(self, item_size: int) -> int:
        return self.size + item_size + (1 if self.items else 0)


def batch(
    requests: Sequence[R], caps: BulkCaps, with_body: Callable[[R, dict[str, Any]], R]
) -> list[R]:
    """Merge ``requests`` into bulk requests within ``caps``; see docs/http.md for the rules.

    ``with_body(request, body)`` builds a request like ``request`` (method, URL,
    headers) with another body. Requests without a bulk form are returned as they are.
    Output requests keep the order in which they started, so for two input items
    sharing an identifier value the earlier one is sent first; items with no
    identifier and requests without a bulk form order against everything.
    """
    plan: _Plan[R] = _Plan(caps)
    for index, request in enumerate(requests):
        split = _split(request)
        if split is None:
            plan.pass_through(request, index)
            continue
        envelope, items = split
        group = (request.method, request.url, tuple(request.headers.items()), envelope.key)
        for item in items:
            plan.place(group, envelope, item, index)
    return [
        with_body(requests[slot.source], slot.envelope.body(slot.items))
        if isinstance(slot, _Batch)
        else slot
        for slot in plan.slots
    ]


class _Plan(Generic[R]):
    """The output being built: requests in the order they started, and what orders them.

    ``last_slot`` maps each identifier value to the latest output request holding it;
    ``barrier`` is the latest output request that everything after must not precede.
    """

    def __init__(self, caps: BulkCaps) -> None:
        self.caps = caps
        self.slots: list[_Batch | R] = []
        self.open: dict[tuple[object, ...], _Batch] = {}
        self.last_slot: dict[str, int] = {}
        self.barrier = -1

    def pass_through(self, request: R, index: int) -> None:
        _check_size(len(request.content), self.caps, index)
        self.slots.append(request)
        self.barrier = len(self.slots) - 1

    def place(
        self, group: tuple[object, ...], envelope: _Envelope, item: object, index: int
    ) -> None:
        """Add ``item`` to its group's open request if allowed, else to a new one."""
        keys = _identifiers(item)
        size = 0 if self.caps.max_bytes is None else len(js_stringify(item).encode("utf-8"))
        target = self.open.get(group)
        if target is None or not self._may_join(target, keys, size):
            target = _Batch(envelope, index, len(self.slots))
            _check_size(target.grown_size(size), self.caps, index)
            self.slots.append(target)
            self.open[group] = target
        target.size = target.grown_size(size)
        target.items.append(item)
        if keys is None:
            self.barrier = max(self.barrier, target.slot)
        for key in keys or ():
            self.last_slot[key] = max(self.last_slot.get(key, -1), target.slot)

    def _may_join(self, target: _Batch, keys: frozenset[str] | None, size: int) -> bool:
        """Whether an item may go into ``target`` without passing a cap or moving ahead
        of an earlier item it orders against."""
        if len(target.items) >= self.caps.max_items:
            return False
        if self.caps.max_bytes is not None and target.grown_size(size) > self.caps.max_bytes:
            return False
        if target.slot < self.barrier:
            return False
        if keys is None:
            return target.slot == len(self.slots) - 1
        return all(self.last_slot.get(key, -1) <= target.slot for key in keys)


def _check_size(size: int, caps: BulkCaps, index: int) -> None:
    if caps.max_bytes is not None and size > caps.max_bytes:
        raise ConfigurationError(
            f"request {index} needs a body of {size} bytes on its own, more than "
            f"max_bytes={caps.max_bytes}; raise max_bytes or send that call without it"
        )


def _split(request: Batchable) -> tuple[_Envelope, list[Any]] | None:
    """The envelope and items of a request with a bulk form, or None when it has none."""
    if request.method != "POST":
        return None
    path = url_path(request.url)
    array_key = _ARRAY_KEYS.get(path)
    body = request.body
    if array_key is None or not isinstance(body.get("app_id"), str):
        return None
    if array_key in body:
        items = body[array_key]
        if not isinstance(items, list) or not items:
            return None
        names = list(body)
        position = names.index(array_key)
        fields = tuple((name, body[name]) for name in names if name != array_key)
        return _Envelope(fields, array_key, position), list(items)
    single = _SINGLE_FIELDS.get(path)
    if single is None or not set(body) - {"app_id"} <= single:
        return None
    item = {name: value for name, value in body.items() if name != "app_id"}
    return _Envelope((("app_id", body["app_id"]),), array_key, 1), [item]


def _identifiers(item: object) -> frozenset[str] | None:
    """The identifier values an item names, as text, or None when it names none.

    Values are compared whatever field holds them (an ``identity`` equal to another
    item's ``anonymous_id`` counts as the same), which can only add ordering.
    """
    if not isinstance(item, Mapping):
        return None
    holders = [item, item.get("user_identifier")]
    found = frozenset(
        _text(holder[name])
        for holder in holders
        if isinstance(holder, Mapping)
        for name in _IDENTIFIERS
        if holder.get(name) is not None
    )
    return found or None


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return js_stringify(value)
