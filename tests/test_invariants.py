"""Properties every profile keeps for any JSON input (spec README, "Errors and bad input").

Only HeapsegError subclasses escape, the input is never mutated, the same input gives
the same output, and every result is a list of call descriptors whose dict form is
plain JSON and reads back as the same call.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import heapseg
from tests.strategies import json_values, messages

PROFILE_NAMES = sorted(heapseg.PROFILES)
LIMITS = ("truncate", "reject")
CALL_TYPES = (heapseg.Identify, heapseg.AddUserProperties, heapseg.Track, heapseg.Unsupported)


def outcome(message: Any, profile: str | heapseg.Profile) -> Any:
    """What translate gives: the calls, or a comparable summary of the HeapsegError raised."""
    try:
        return heapseg.translate(message, profile)
    except heapseg.InvalidEvent as error:
        return ("InvalidEvent", error.path, error.reason)
    except heapseg.HeapsegError as error:
        return (type(error).__name__, str(error))


def assert_well_formed(result: Any) -> None:
    """A list of calls whose dict form is plain JSON and reads back, or an actionable error."""
    if isinstance(result, list):
        for call in result:
            assert isinstance(call, CALL_TYPES)
            data = heapseg.to_dict(call)
            assert json.loads(json.dumps(data, allow_nan=False)) == data
            assert heapseg.from_dict(data) == call
    elif result[0] == "InvalidEvent":
        _, path, reason = result
        assert path.startswith("$")
        assert isinstance(reason, str)
        assert reason.strip()


def check(message: Any, profile: str) -> Any:
    snapshot = copy.deepcopy(message)
    first = outcome(message, profile)
    assert message == snapshot, "translate mutated its input"
    assert outcome(message, profile) == first
    assert outcome(message, heapseg.PROFILES[profile]) == first
    assert_well_formed(first)
    return first


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@settings(max_examples=150, deadline=None)
@given(message=messages())
def test_any_message(profile: str, message: dict[str, Any]) -> None:
    check(message, profile)


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@settings(max_examples=100, deadline=None)
@given(value=json_values)
def test_any_json_value(profile: str, value: Any) -> None:
    result = check(value, profile)
    if not isinstance(value, dict):
        assert result[:2] == ("InvalidEvent", "$")


def check_with_limits(message: Any, profile: str, limits: str) -> None:
    """Under Heap's limits the same holds, and errors are those of the preset itself."""
    evolved = attrs.evolve(heapseg.PROFILES[profile], limits=limits)
    snapshot = copy.deepcopy(message)
    first = outcome(message, evolved)
    assert message == snapshot, "translate mutated its input"
    assert outcome(message, evolved) == first
    assert_well_formed(first)
    preset = outcome(message, profile)
    if not isinstance(preset, list):
        assert first == preset
    else:
        assert isinstance(first, list)


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("profile", PROFILE_NAMES)
@settings(max_examples=60, deadline=None)
@given(message=messages())
def test_any_message_with_limits(profile: str, limits: str, message: dict[str, Any]) -> None:
    check_with_limits(message, profile, limits)


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("profile", PROFILE_NAMES)
@settings(max_examples=40, deadline=None)
@given(value=json_values)
def test_any_json_value_with_limits(profile: str, limits: str, value: Any) -> None:
    check_with_limits(value, profile, limits)


def _deep(depth: int, leaf: Any, wrap: str) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value} if wrap == "object" else [value]
    return value


@pytest.mark.parametrize("wrap", ["object", "array"])
@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_deeply_nested_input(profile: str, wrap: str) -> None:
    """Nesting that json.loads accepts must not end in RecursionError anywhere in a message."""
    deep = _deep(500, "2016-01-01", wrap)
    for message in (
        {"type": "track", "event": "e", "userId": "u1", "properties": {"p": deep}},
        {"type": "identify", "userId": "u1", "traits": {"t": deep}},
        {"type": "track", "event": "e", "userId": "u1", "context": {"traits": {"email": deep}}},
        {"type": "track", "event": "e", "userId": "u1", "integrations": {"Heap": {"o": deep}}},
        {"type": "page", "userId": "u1", "properties": {"p": deep}},
    ):
        json.loads(json.dumps(message))
        assert_well_formed(outcome(message, profile))


def _as_tuples(value: Any) -> Any:
    """``value`` with every array a tuple, as Python code often builds its data."""
    if isinstance(value, dict):
        return {key: _as_tuples(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_as_tuples(item) for item in value)
    return value


def _same_as_with_lists(message: dict[str, Any], profile: str) -> None:
    with_tuples, with_lists = outcome(_as_tuples(message), profile), outcome(message, profile)
    if isinstance(with_lists, list):
        assert with_tuples == with_lists
    else:
        assert with_tuples[:2] == with_lists[:2]


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@settings(max_examples=100, deadline=None)
@given(message=messages())
def test_tuples_are_read_as_arrays(profile: str, message: dict[str, Any]) -> None:
    """A tuple means what the list with the same items means, wherever it stands (an
    error names the same path; its reason may quote the tuple)."""
    _same_as_with_lists(message, profile)


# Arrays whose JSON text Python's encoder does not write as JavaScript does (0.0 is 0 in
# JavaScript), or holding a date string the classic profiles convert.
TUPLE_CASES = [
    {"type": "identify", "userId": "u1", "traits": {"email": [0.0]}},
    {"type": "identify", "userId": "u1", "traits": {"email": ["2016-01-01"]}},
    {"type": "track", "userId": "u1", "event": "E", "properties": {"a": [[1.0], "2016-01-01"]}},
]


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@pytest.mark.parametrize("message", TUPLE_CASES)
def test_tuples_the_fast_path_cannot_write_are_read_as_arrays(
    profile: str, message: dict[str, Any]
) -> None:
    _same_as_with_lists(message, profile)


CLOUD_PROFILES = sorted(name for name, p in heapseg.PROFILES.items() if p.mode == "cloud")


@pytest.mark.parametrize("profile", CLOUD_PROFILES)
@settings(max_examples=60, deadline=None)
@given(batch=st.lists(messages(), min_size=2, max_size=4))
def test_rendering_many_messages_at_once_gives_each_message_s_requests(
    profile: str, batch: list[dict[str, Any]]
) -> None:
    """A request follows from its call alone: one render of several messages' calls gives
    the requests of a render per message, in the same order."""
    translated = [outcome(message, profile) for message in batch]
    per_message = [calls for calls in translated if isinstance(calls, list)]
    one_by_one = [request for calls in per_message for request in _render(calls, profile)]
    assert _render([call for calls in per_message for call in calls], profile) == one_by_one


def _render(calls: list[heapseg.Call], profile: str) -> list[heapseg.http.Request]:
    return heapseg.http.render(calls, app_id="1535634150", profile=profile)
