"""heapseg.js end to end: rendered scripts run in headless Chromium against a recording heap.

One page holds every scenario, so the browser starts once. A recording stub of
``window.heap`` keeps each call's method name and ``JSON.stringify`` of its
arguments; a last script writes them into the page as ASCII-only JSON, and
``--dump-dom`` hands the page back. No network: the page is a local file and
Chromium runs with its background services off.

Outside CI the test is skipped when Chromium is missing; in CI (``CI`` set) a
missing Chromium fails it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from heapseg import AddUserProperties, Call, Identify, Track, Unsupported
from heapseg._jsjson import js_stringify
from heapseg.js import render_script_tag


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not _in_ci(),
    reason="Debian's chromium is not installed (.ci/run installs it; in CI this test never skips)",
)

NONCE = "bm9uY2UtMTIz"

HOSTILE = [
    "</script>",
    "</SCRIPT >",
    "<script>throw new Error('injected')</script>",
    "<!--",
    "-->",
    "<!-- <script>",
    '"',
    "'",
    "\\",
    '\\"',
    "a&b",
    "😀",
    "x\u2028y",
    "\u2029",
    "\ud800",
    "*/",
    "\x00\n\r\t",
    "${x}`",
]


def _hostile_calls() -> list[Call]:
    calls: list[Call] = []
    for text in HOSTILE:
        calls += [
            Identify(text),
            AddUserProperties({text: text, "nested": {text: [text, 1, None]}}),
            Track(text, {text: text, "list": [text, {"k": text}]}),
            Unsupported(text, text),
        ]
    return calls


# Numbers written as JavaScript writes them (spec README): 1.0 -> 1, 1e-7 stays 1e-7,
# 2**53 + 1 becomes the double 2**53.
NUMBERS: list[Call] = [
    Identify(123456),
    Track("numbers", {"one": 1.0, "small": 1e-7, "big": 1e21, "unsafe": 2**53 + 1, "neg": -2.5}),
]

# The device-profile vectors of segment-classic.md §4, as descriptors.
CLASSIC_DEVICE: list[Call] = [
    Identify("id"),
    AddUserProperties({"id": "id", "trait": "trait"}),
    Track("event", {"property": True}),
    Track("event", {}),
    Unsupported("page", "Heap autocaptures pageviews"),
]

QUEUED: list[Call] = [Identify("queued-user"), Track("queued </script>", {"q": "\u2028"})]

# Scripts of the page, in order. Each scenario sets window.section; the stub records per section.
RECORDER = """
window.errors = [];
window.addEventListener("error", function (e) { window.errors.push(String(e.message)); });
window.recorded = {};
window.recordingHeap = function () {
  var heap = {};
  ["identify", "addUserProperties", "track"].forEach(function (name) {
    heap[name] = function () {
      var args = Array.prototype.slice.call(arguments);
      (window.recorded[window.section] = window.recorded[window.section] || [])
        .push([name, JSON.stringify(args)]);
    };
  });
  return heap;
};
// A queue as Heap's classic snippet leaves it before heap.js loads: an array whose load()
// adds one stub per method, each pushing [method, ...arguments].
window.queueingHeap = function () {
  var heap = [];
  heap.load = function (appid) {
    heap.appid = appid;
    ["addUserProperties", "identify", "track"].forEach(function (name) {
      heap[name] = function () {
        heap.push([name].concat(Array.prototype.slice.call(arguments)));
      };
    });
  };
  return heap;
};
"""

REPORT = r"""
window.section = "done";
var queued = (window.queuedHeap || []).map(function (entry) {
  return [entry[0], JSON.stringify(entry.slice(1))];
});
var report = JSON.stringify({recorded: window.recorded, queued: queued, errors: window.errors});
document.getElementById("report").textContent = report.replace(/[^\x20-\x7e]|[<>&]/g, function (c) {
  return "\\u" + ("0000" + c.charCodeAt(0).toString(16)).slice(-4);
});
"""


def _script(body: str) -> str:
    return f'<script nonce="{NONCE}">{body}</script>\n'


def _page() -> str:
    return "".join(
        [
            "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>\n",
            "<meta http-equiv='Content-Security-Policy' "
            f"content=\"default-src 'none'; script-src 'nonce-{NONCE}'\">\n",
            "</head><body>\n<pre id='report'></pre>\n",
            _script(RECORDER),
            # 1. No heap at all: the guarded script must do nothing, without an error.
            _script('window.section = "absent"; delete window.heap;'),
            render_script_tag(CLASSIC_DEVICE, nonce=NONCE, guard=True),
            # 2. heap is the bare array a snippet starts from, before load(): still nothing.
            _script('window.section = "bare-array"; window.heap = [];'),
            render_script_tag(CLASSIC_DEVICE, nonce=NONCE, guard=True),
            # 3. The snippet's queueing stubs: guarded calls are queued for heap.js.
            _script(
                'window.section = "queued"; window.heap = window.queuedHeap = queueingHeap();'
                ' heap.load("1535634150");'
            ),
            render_script_tag(QUEUED, nonce=NONCE, guard=True),
            # 4. A loaded heap: plain and guarded scripts, hostile strings and comments included.
            _script('window.section = "plain"; window.heap = recordingHeap();'),
            render_script_tag(CLASSIC_DEVICE + _hostile_calls() + NUMBERS, nonce=NONCE),
            _script('window.section = "guarded";'),
            render_script_tag(_hostile_calls(), nonce=NONCE, guard=True, comments=True),
            _script(REPORT),
            "</body></html>\n",
        ]
    )


def _expected(calls: list[Call]) -> list[list[Any]]:
    """``[method, JSON text of the arguments]`` as JSON.stringify writes them in the page."""
    out: list[list[Any]] = []
    for call in calls:
        if isinstance(call, Identify):
            out.append(["identify", [call.identity]])
        elif isinstance(call, AddUserProperties):
            out.append(["addUserProperties", [dict(call.properties)]])
        elif isinstance(call, Track):
            out.append(["track", [call.event, dict(call.properties)]])
    return out


def _js_view(value: Any) -> Any:
    """``value`` as JavaScript holds it: strings as UTF-16 code units, numbers as doubles."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass")
    if isinstance(value, dict):
        return {_js_view(k): _js_view(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_js_view(v) for v in value]
    return value


def _run_chromium(page: Path, profile: Path) -> str:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed; CI must install it (see .ci/run)")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_rendered_scripts_make_exactly_the_described_calls(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(_page(), encoding="utf-8")
    dom = _run_chromium(page, tmp_path / "profile")

    found = re.search(r"<pre id=\"report\">([\x20-\x7e]*)</pre>", dom)
    assert found is not None, dom[:2000]
    report = json.loads(found.group(1))

    assert report["errors"] == []
    # Sections 1 and 2 recorded nothing; 3 queued; 4 recorded every supported call in order.
    assert sorted(report["recorded"]) == ["guarded", "plain"]
    sections = {
        "queued": (report["queued"], QUEUED),
        "plain": (report["recorded"]["plain"], CLASSIC_DEVICE + _hostile_calls() + NUMBERS),
        "guarded": (report["recorded"]["guarded"], _hostile_calls()),
    }
    for name, (recorded, calls) in sections.items():
        expected = _expected(calls)
        assert [method for method, _ in recorded] == [method for method, _ in expected], name
        values = [[method, json.loads(arguments)] for method, arguments in recorded]
        assert _js_view(values) == _js_view(expected), name
        texts = [arguments for _, arguments in recorded]
        assert texts == [js_stringify(arguments) for _, arguments in expected], name
