"""The one error hierarchy: every exception heapseg raises is a HeapsegError."""

from __future__ import annotations

__all__ = ["ConfigurationError", "HeapsegError", "InvalidCall", "InvalidEvent"]


class HeapsegError(Exception):
    """Base class of every error heapseg raises on purpose."""


class _PathError(HeapsegError, ValueError):
    """An error about one place in a JSON document, named by a JSON path."""

    path: str
    reason: str

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[_PathError], tuple[str, str]]:
        return (type(self), (self.path, self.reason))


class InvalidEvent(_PathError):
    """A Segment message breaks the Segment spec or the profile's input rules.

    ``path`` is a JSON path such as ``$.properties``; ``reason`` says what is
    wrong and what to do about it.
    """


class InvalidCall(_PathError):
    """A dict given to ``heapseg.from_dict`` is not a call descriptor."""


class ConfigurationError(HeapsegError, ValueError):
    """heapseg was asked for something it cannot do: an unknown profile name,
    rendering device-mode calls as HTTP requests, a missing app id."""


class Rejected(Exception):
    """Internal: an integration refuses a valid message. ``reason`` is the integration's
    own words; ``translate`` turns it into an ``Unsupported``, so it never
    escapes the library."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
