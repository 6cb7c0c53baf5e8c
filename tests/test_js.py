"""heapseg.js: device-mode calls rendered as heap.js statements safe inside <script>."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heapseg import (
    AddUserProperties,
    Call,
    ConfigurationError,
    Identify,
    InvalidCall,
    Track,
    Unsupported,
    translate,
)
from heapseg.js import render, render_script_tag

# Strings that break naive embedding of JSON in HTML or in JavaScript source.
HOSTILE = [
    "</script>",
    "</SCRIPT >",
    "</sCrIpT\n>",
    "<script>alert(1)</script>",
    "<!--",
    "-->",
    "<!-- <script>",
    "]]>",
    '"',
    "'",
    "\\",
    '\\"',
    "\\u003c",
    "a&b",
    "&lt;",
    "😀",
    "\u2028",
    "\u2029",
    "x\u2028y\u2029z",
    "\ud800",
    "\udfff",
    "*/",
    "/*",
    "\x00\x1f\x7f",
    "\n\r\t",
    "${x}`",
    "",
]

_PREFIXES = ("heap.identify(", "heap.addUserProperties(", "heap.track(")
_DECODER = json.JSONDecoder()


def parse_statement(line: str) -> tuple[str, list[Any]]:
    """Split ``heap.m(a, b);`` into ``("m", [a, b])``, reading each argument as JSON."""
    line = line.strip()
    assert line.startswith(_PREFIXES), line
    method, _, rest = line[len("heap.") :].partition("(")
    args: list[Any] = []
    position = 0
    while True:
        value, position = _DECODER.raw_decode(rest, position)
        args.append(value)
        if rest[position:] == ");":
            return method, args
        assert rest[position : position + 2] == ", ", rest
        position += 2


def statements(script: str) -> list[tuple[str, list[Any]]]:
    """Every heap call in ``script``; split at LF only, since JS does not break lines at NEL."""
    lines = script.split("\n")
    return [parse_statement(line) for line in lines if line.strip().startswith("heap.")]


def expected_statements(calls: list[Call]) -> list[tuple[str, list[Any]]]:
    """The heap.js calls the spec's device profiles describe, with plain dict arguments."""
    out: list[tuple[str, list[Any]]] = []
    for call in calls:
        if isinstance(call, Identify):
            out.append(("identify", [call.identity]))
        elif isinstance(call, AddUserProperties):
            out.append(("addUserProperties", [dict(call.properties)]))
        elif isinstance(call, Track):
            out.append(("track", [call.event, dict(call.properties)]))
    return out


def assert_script_safe(script: str) -> None:
    """Nothing in ``script`` can end the element, start HTML comment parsing or end a line early."""
    assert re.search("</script", script, re.IGNORECASE) is None
    assert "<!--" not in script
    assert "-->" not in script
    assert "\u2028" not in script
    assert "\u2029" not in script
    assert "<" not in script
    script.encode("utf-8")  # no lone surrogate survives as a raw character


def hostile_calls(text: str) -> list[Call]:
    return [
        Identify(text),
        AddUserProperties({text: text, "nested": {text: [text, 1, None]}}),
        Track(text, {text: text, "list": [text, {"k": text}]}),
        Unsupported(text, text),
    ]


# --- exact output, derived by hand from the rules in the module docstring -------------------


@pytest.mark.parametrize(
    ("calls", "script"),
    [
        pytest.param([Identify("u1")], 'heap.identify("u1");\n', id="identify"),
        pytest.param([Identify(42)], "heap.identify(42);\n", id="numeric-identity"),
        pytest.param([Identify(1.0)], "heap.identify(1);\n", id="js-number-format"),
        pytest.param(
            [AddUserProperties({"trait": True, "number": 1})],
            'heap.addUserProperties({"trait":true,"number":1});\n',
            id="addUserProperties",
        ),
        pytest.param([Track("event")], 'heap.track("event", {});\n', id="track-no-properties"),
        pytest.param(
            [Track("event", {"property": True})],
            'heap.track("event", {"property":true});\n',
            id="track",
        ),
        pytest.param(
            [Identify("id"), AddUserProperties({"id": "id", "trait": "trait"})],
            'heap.identify("id");\nheap.addUserProperties({"id":"id","trait":"trait"});\n',
            id="call-order",
        ),
        pytest.param(
            [Track("</script>", {"a": "<!--", "b": "-->"})],
            'heap.track("\\u003c/script\\u003e", {"a":"\\u003c!--","b":"--\\u003e"});\n',
            id="markup-escaped",
        ),
        pytest.param(
            [Identify("a&b\u2028c\u2029")],
            'heap.identify("a\\u0026b\\u2028c\\u2029");\n',
            id="amp-and-line-separators",
        ),
        pytest.param(
            [Identify("\ud83d\ude00 \udfff")],
            'heap.identify("\U0001f600 \\udfff");\n',
            id="surrogate-pair-joined-lone-surrogate-escaped",
        ),
        pytest.param(
            [Identify('"\\\n')],
            'heap.identify("\\"\\\\\\n");\n',
            id="json-escapes-kept",
        ),
        pytest.param(
            [AddUserProperties({"b": 1, "2": 2, "a": 3, "1": 4})],
            'heap.addUserProperties({"1":4,"2":2,"b":1,"a":3});\n',
            id="js-key-order",
        ),
        pytest.param([Unsupported("page", "no page calls")], "", id="unsupported-silent"),
        pytest.param([], "", id="empty"),
    ],
)
def test_exact_output(calls: list[Call], script: str) -> None:
    assert render(calls) == script


def test_unsupported_comment() -> None:
    calls = [Unsupported("page", "Heap autocaptures pageviews"), Identify("u1")]
    assert render(calls, comments=True) == (
        '// unsupported page: Heap autocaptures pageviews\nheap.identify("u1");\n'
    )


def test_unsupported_comment_cannot_escape() -> None:
    call = Unsupported("al\nias", "a\nb\r</script> <!-- --> \u2028\u2029 */ \\ \ud800 & \x00")
    assert render([call], comments=True) == (
        "// unsupported al\\u000aias: a\\u000ab\\u000d\\u003c/script\\u003e \\u003c!-- --\\u003e"
        " \\u2028\\u2029 */ \\\\ \\ud800 \\u0026 \\u0000\n"
    )


def test_guard_wraps_calls_and_checks_the_methods_they_use() -> None:
    calls = [Identify("u1"), Unsupported("page", "p"), Track("e", {"a": 1})]
    assert render(calls, guard=True, comments=True) == (
        "(function (heap) {\n"
        '  if (!heap || typeof heap.identify !== "function"'
        ' || typeof heap.track !== "function") return;\n'
        '  heap.identify("u1");\n'
        "  // unsupported page: p\n"
        '  heap.track("e", {"a":1});\n'
        "})(window.heap);\n"
    )


def test_guard_without_heap_calls_renders_no_wrapper() -> None:
    assert render([Unsupported("page", "p")], guard=True) == ""
    assert render([Unsupported("page", "p")], guard=True, comments=True) == (
        "// unsupported page: p\n"
    )


def test_script_tag_with_escaped_nonce() -> None:
    tag = render_script_tag([Identify("u1")], nonce='n"<&>')
    assert tag == '<script nonce="n&quot;&lt;&amp;&gt;">\nheap.identify("u1");\n</script>'
    assert render_script_tag([]) == "<script>\n</script>"


def test_script_tag_passes_guard_and_comments() -> None:
    calls = [Unsupported("page", "p"), Identify("u1")]
    body = render(calls, guard=True, comments=True)
    assert render_script_tag(calls, guard=True, comments=True) == f"<script>\n{body}</script>"


# --- Segment messages through the device profiles (segment-classic.md §4) --------------------


def test_classic_device_vectors_render_as_the_integration_calls_heap() -> None:
    identify = {
        "type": "identify",
        "userId": "id",
        "traits": {"trait": "trait"},
    }
    track = {
        "type": "track",
        "userId": "id",
        "event": "event",
        "properties": {
            "hello": "hello",
            "property": 3,
            "foo": {"bar": {"hello": "teemo"}, "cheese": ["1", 2, "cheers"]},
            "products": [{"A": "Jello", "B": "haha"}, {"A": "Peanut", "B": True}],
            "topArray": ["1", 2, True],
        },
    }
    page = {"type": "page", "userId": "id", "name": "Home"}
    calls = [
        *translate(identify, profile="classic-device"),
        *translate(track, profile="classic-device"),
        *translate(page, profile="classic-device"),
    ]
    script = render(calls)
    assert statements(script) == [
        ("identify", ["id"]),
        ("addUserProperties", [{"id": "id", "trait": "trait"}]),
        (
            "track",
            [
                "event",
                {
                    "hello": "hello",
                    "property": 3,
                    "foo.bar.hello": "teemo",
                    "foo.cheese": '["1",2,"cheers"]',
                    "products": '[{"A":"Jello","B":"haha"},{"A":"Peanut","B":true}]',
                    "topArray": '["1",2,true]',
                },
            ],
        ),
    ]
    assert script.count("\n") == 3


def test_cloud_profile_calls_are_refused() -> None:
    message = {"type": "track", "userId": "u1", "event": "e", "properties": {}}
    with pytest.raises(ConfigurationError):
        render(translate(message, profile="classic-cloud"))


# --- hostile strings everywhere ---------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
@pytest.mark.parametrize("guard", [False, True], ids=["plain", "guarded"])
def test_hostile_strings_stay_inside_their_literals(text: str, guard: bool) -> None:
    calls = hostile_calls(text)
    script = render(calls, guard=guard, comments=True)
    assert_script_safe(script)
    assert statements(script) == expected_statements(calls)
    assert_script_safe(render_script_tag(calls, guard=guard, comments=True)[len("<script>") : -9])


def test_hostile_script_tag_has_exactly_one_end_tag() -> None:
    calls = [call for text in HOSTILE for call in hostile_calls(text)]
    tag = render_script_tag(calls, nonce="</script>", comments=True)
    assert len(re.findall("</script", tag, re.IGNORECASE)) == 1
    assert tag.endswith("</script>")


# --- refusing what is not a device-mode call descriptor ------------------------------------


@pytest.mark.parametrize(
    "calls",
    [
        pytest.param([{"call": "identify", "identity": "u1"}], id="dict"),
        pytest.param(["heap.identify('x')"], id="string"),
        pytest.param([None], id="none"),
        pytest.param(Identify("u1"), id="single-call-not-list"),
        pytest.param("abc", id="string-not-list"),
        pytest.param({"call": "track"}, id="mapping-not-list"),
        pytest.param([Track("e", {}, identity="u1")], id="cloud-track-identity"),
        pytest.param([Track("e", {}, timestamp=1)], id="cloud-track-timestamp"),
        pytest.param([AddUserProperties({}, identity="u1")], id="cloud-addUserProperties"),
    ],
)
def test_not_a_device_call_descriptor(calls: Any) -> None:
    with pytest.raises(ConfigurationError):
        render(calls)


@pytest.mark.parametrize(
    ("call", "path"),
    [
        pytest.param(Identify(True), "calls[0].identity", id="bool-identity"),
        pytest.param(Identify(None), "calls[0].identity", id="none-identity"),  # type: ignore[arg-type]
        pytest.param(Identify(float("nan")), "calls[0].identity", id="nan-identity"),
        pytest.param(Identify(float("inf")), "calls[0].identity", id="infinite-identity"),
        pytest.param(Track(1), "calls[0].event", id="number-event"),  # type: ignore[arg-type]
        pytest.param(
            AddUserProperties({"a": object()}),  # type: ignore[dict-item]
            "calls[0].properties['a']",
            id="object-value",
        ),
        pytest.param(
            AddUserProperties({1: "x"}),  # type: ignore[dict-item]
            "calls[0].properties",
            id="non-string-key",
        ),
        pytest.param(Unsupported("page", None), "calls[0]", id="unsupported-reason"),  # type: ignore[arg-type]
    ],
)
def test_descriptor_with_non_json_values(call: Call, path: str) -> None:
    with pytest.raises(InvalidCall) as raised:
        render([call], comments=True)
    assert raised.value.path == path


def test_deeply_nested_properties_render_without_exhausting_the_stack() -> None:
    nested: dict[str, Any] = {}
    innermost = nested
    for _ in range(5000):
        child: dict[str, Any] = {}
        innermost["a"] = child
        innermost = child
    script = render([Track("e", nested)])
    assert script == 'heap.track("e", ' + '{"a":' * 5000 + "{}" + "}" * 5000 + ");\n"


def test_non_string_nonce() -> None:
    with pytest.raises(ConfigurationError):
        render_script_tag([], nonce=b"abc")  # type: ignore[arg-type]


# --- properties over arbitrary strings and values --------------------------------------------

any_char = st.characters(exclude_categories=())
strings = st.lists(st.sampled_from(HOSTILE) | st.text(any_char, max_size=5), max_size=4).map(
    "".join
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | strings,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(strings, children, max_size=3)
    ),
    max_leaves=8,
)
properties = st.dictionaries(strings, json_values, max_size=4)
calls_strategy = st.lists(
    st.one_of(
        st.builds(Identify, strings | st.integers(-(2**53), 2**53)),
        st.builds(AddUserProperties, properties),
        st.builds(Track, strings, properties),
        st.builds(Unsupported, strings, strings),
    ),
    max_size=5,
)


def js_view(value: Any) -> Any:
    """``value`` as JavaScript holds it: strings as UTF-16 code units, numbers as doubles."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass")
    if isinstance(value, dict):
        return {js_view(k): js_view(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [js_view(v) for v in value]
    return value


@given(calls_strategy, st.booleans(), st.booleans())
def test_rendered_literals_evaluate_to_the_descriptors(
    calls: list[Call], guard: bool, comments: bool
) -> None:
    script = render(calls, guard=guard, comments=comments)
    assert_script_safe(script)
    assert js_view(statements(script)) == js_view(expected_statements(calls))
    supported = sum(not isinstance(call, Unsupported) for call in calls)
    unsupported = len(calls) - supported
    wrapper = 3 if guard and supported else 0  # opening line, the check, closing line
    assert script.count("\n") == supported + (unsupported if comments else 0) + wrapper
