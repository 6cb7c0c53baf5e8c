"""heapseg: turn Segment messages into Heap calls, exactly as the real integrations do.

The library is sans-I/O: :func:`translate` maps one Segment message (a plain
dict) to a list of call descriptors, and :mod:`heapseg.http` renders cloud-mode
descriptors as HTTP requests for any client to send.
"""

from heapseg._calls import (
    AddUserProperties,
    Call,
    Identify,
    Identity,
    JSONValue,
    Track,
    Unsupported,
    from_dict,
    to_dict,
)
from heapseg._errors import ConfigurationError, HeapsegError, InvalidCall, InvalidEvent

__version__ = "0.1.0"

__all__ = [
    "AddUserProperties",
    "Call",
    "ConfigurationError",
    "HeapsegError",
    "Identify",
    "Identity",
    "InvalidCall",
    "InvalidEvent",
    "JSONValue",
    "Track",
    "Unsupported",
    "__version__",
    "from_dict",
    "to_dict",
]
