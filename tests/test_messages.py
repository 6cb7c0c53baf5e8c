"""Parsing Segment messages: what every profile rejects, with the JSON path."""

from __future__ import annotations

import pytest

from heapseg import InvalidEvent
from heapseg._messages import IdentifyMessage, TrackMessage, parse_message


def test_parse_keeps_unknown_keys_and_reads_camel_case() -> None:
    raw = {"type": "track", "userId": "u", "event": "E", "_metadata": {"x": 1}, "version": 2}
    message = parse_message(raw)
    assert isinstance(message, TrackMessage)
    assert (message.user_id, message.event, message.properties) == ("u", "E", {})
    assert message.raw is raw


def test_null_objects_read_as_empty() -> None:
    message = parse_message({"type": "identify", "anonymousId": "a", "traits": None})
    assert isinstance(message, IdentifyMessage)
    assert message.traits == {}


@pytest.mark.parametrize(
    ("message", "path", "words"),
    [
        ([], "$", "JSON object"),
        ("track", "$", "JSON object"),
        ({"userId": "u"}, "$.type", "no 'type'"),
        ({"type": "Track", "userId": "u"}, "$.type", "unknown message type 'Track'"),
        ({"type": 3, "userId": "u"}, "$.type", "unknown message type 3"),
        ({"type": "identify", "userId": "u", "traits": []}, "$.traits", "must be an object"),
        ({"type": "track", "userId": "u", "properties": "x"}, "$.properties", "must be an object"),
        ({"type": "track", "userId": "u", "context": 1}, "$.context", "must be an object"),
        (
            {"type": "track", "userId": "u", "integrations": []},
            "$.integrations",
            "must be an object",
        ),
        ({"type": "track", "userId": True}, "$.userId", "must be a string"),
        ({"type": "track", "userId": "u", "anonymousId": {}}, "$.anonymousId", "must be a string"),
        ({"type": "group", "userId": "u", "groupId": []}, "$.groupId", "must be a string"),
        ({"type": "track", "event": "E"}, "$.userId", "'userId' or an 'anonymousId'"),
        ({"type": "track", "userId": "", "anonymousId": None}, "$.userId", "'anonymousId'"),
    ],
)
def test_invalid_messages_name_the_field(message: object, path: str, words: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_message(message)
    assert caught.value.path == path
    assert words in caught.value.reason
    assert isinstance(caught.value, ValueError)


def test_alias_may_name_only_previous_id() -> None:
    assert parse_message({"type": "alias", "previousId": "old"}).type == "alias"
