"""How Segment's message wrapper (facade) reads a message, for the classic destination.

Segment's classic integrations never read message keys directly: they look them
up case- and punctuation-insensitively, take ``options`` for ``context``, decide
whether a destination is enabled from ``integrations`` and ``All``, and treat a
``userId`` that looks like an e-mail address as the e-mail. These rules shape
what classic sends, so heapseg reproduces them here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from ._jsjson import js_to_string, js_truthy

__all__ = ["destination_enabled", "is_email", "lookup", "options_of"]

_NOT_KEY_CHARS: Final = re.compile(r"[^a-zA-Z0-9.]+")
_LINE_BREAK: Final = re.compile("[\n\r\u2028\u2029]")


def _normalize(key: str) -> str:
    if key.isascii():
        if key.isalnum() or key.replace(".", "").isalnum():
            return key.lower()  # nothing to strip: most keys and paths
        snake = key.replace("_", "")
        if snake.isalnum() or snake.replace(".", "").isalnum():
            return snake.lower()  # only underscores to strip: most other keys
    return _NOT_KEY_CHARS.sub("", key).lower()


_PATHS: Final = frozenset(("all", "email", "library.name", "providers", "traits", "traits.email"))
"""The paths heapseg looks up, already as ``_normalize`` leaves them."""


def lookup(obj: object, path: str) -> object:
    """Find ``path`` (dotted) in ``obj`` the way Segment's obj-case does.

    Keys match after dropping every character other than letters, digits and
    dots and lower-casing, so ``Email``, ``E-mail`` and ``_email`` all match
    ``email``. The first matching key in iteration order wins, even when its
    value is null. Returns None when nothing matches.
    """
    remaining = path if path in _PATHS else _normalize(path)
    current = obj
    while True:
        if type(current) is not dict and not isinstance(current, Mapping):
            return None
        if "." not in remaining:
            return _lookup_key(current, remaining)
        for key in current:
            if type(key) is not str and not isinstance(key, str):
                continue
            normalized = key.lower() if key.isalnum() and key.isascii() else _normalize(key)
            if not remaining.startswith(normalized):
                continue
            rest = remaining[len(normalized) :]
            if rest and rest[0] != ".":
                continue
            child = current[key]
            remaining = rest[1:]
            if child is None or not remaining:
                return child
            current = child
            break
        else:
            return None


def _lookup_key(obj: Mapping[str, object], wanted: str) -> object:
    """The value of the first key of ``obj`` that normalises to ``wanted`` (normalised,
    without dots), or None. Normalising only ever drops characters, so most keys are
    judged by their length and a test or two, without normalising them."""
    size = len(wanted)
    for key in obj:
        if type(key) is not str and not isinstance(key, str):
            continue
        length = len(key)
        if length < size:
            continue
        if length == size:  # only a key that keeps every character can match
            if key.isascii() and key.lower() == wanted:
                return obj[key]
            continue
        if key.isalnum() and key.isascii():
            continue  # keeps every character, so stays too long
        if "_" in key:
            bare = key.replace("_", "")
            if bare.isalnum() and bare.isascii():  # snake_case: underscores are all it drops
                if len(bare) == size and bare.lower() == wanted:
                    return obj[key]
                continue
        if _normalize(key) == wanted:
            return obj[key]
    return None


def options_of(message: Mapping[str, object]) -> object:
    """What facade calls the message's options: legacy ``options``, else ``context``."""
    options = message.get("options")
    if options is not None and js_truthy(options):
        return options
    context = message.get("context")
    return context if js_truthy(context) else {}


def destination_enabled(message: Mapping[str, object], name: str) -> bool:
    """Whether the ``integrations`` object lets the destination ``name`` receive ``message``.

    ``All`` (looked up case-insensitively, default true) sets the default; an
    entry for ``name`` (case-sensitive) overrides it: a boolean is the answer,
    and any other value (an object of options) means enabled.
    """
    options = options_of(message)
    integrations = message.get("integrations")
    if type(integrations) is not dict and not js_truthy(integrations):  # objects are truthy
        providers = lookup(options, "providers")
        integrations = providers if js_truthy(providers) else options
    enabled = lookup(options, "all")
    if not isinstance(enabled, bool) and integrations is not options and integrations:
        enabled = lookup(integrations, "all")  # an empty object (the usual one) has no All
    if not isinstance(enabled, bool):
        enabled = True
    result: object = enabled
    if type(integrations) is dict or isinstance(integrations, Mapping):
        providers = integrations.get("providers")
        if providers is not None and isinstance(providers, Mapping) and name in providers:
            result = providers[name]
        if name in integrations:
            setting = integrations[name]
            result = setting if isinstance(setting, bool) else True
    return result if type(result) is bool else js_truthy(result)


def is_email(value: object) -> bool:
    """Segment's loose e-mail test (``something@something.something``) on ``String(value)``."""
    if value is None:
        return False
    text = js_to_string(value)
    return "@" in text and any(_has_email_shape(line) for line in _LINE_BREAK.split(text))


def _has_email_shape(line: str) -> bool:
    """``/.+@.+\\..+/`` on one line, in linear time: the first ``@`` after one character
    leaves the most room, so look for a ``.`` with a character on each side after it."""
    at = line.find("@", 1)
    return at != -1 and line.rfind(".", at + 2, len(line) - 1) != -1
