"""heapseg: turn Segment messages into Heap calls, exactly as the real integrations do.

The library is sans-I/O: ``translate`` maps one Segment message (a plain
dict) to a list of call descriptors, and ``heapseg.http`` renders cloud-mode
descriptors as HTTP requests for any client to send.
"""

from . import http, js
from ._calls import (
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
from ._errors import ConfigurationError, HeapsegError, InvalidCall, InvalidEvent
from ._normalize import normalize
from ._presets import PROFILES
from ._profile import Profile, SegmentLibrary
from ._translate import translate
from ._values import ValueRules

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
