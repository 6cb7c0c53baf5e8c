"""heapseg: turn Segment messages into Heap calls, exactly as the real integrations do.

The library is sans-I/O: :func:`translate` maps one Segment message (a plain
dict) to a list of call descriptors, and :mod:`heapseg.http` renders cloud-mode
descriptors as HTTP requests for any client to send.
"""

from heapseg import http, js
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
from heapseg._normalize import normalize
from heapseg._presets import PROFILES
from heapseg._profile import Profile, SegmentLibrary
from heapseg._translate import translate
from heapseg._values import ValueRules

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "AddUserProperties",
    "Call",
    "ConfigurationError",
    "HeapsegError",
    "Identify",
    "Identity",
    "InvalidCall",
    "InvalidEvent",
    "JSONValue",
    "Profile",
    "SegmentLibrary",
    "Track",
    "Unsupported",
    "ValueRules",
    "__version__",
    "from_dict",
    "http",
    "js",
    "normalize",
    "to_dict",
    "translate",
]
