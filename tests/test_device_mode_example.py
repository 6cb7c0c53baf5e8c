"""The server-rendered example in docs/examples renders what docs/device-mode.md says."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from heapseg import Identify, Track

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "server_rendered.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("server_rendered", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_has_one_guarded_script_with_the_nonce() -> None:
    example = load_example()
    page = example.render_page("<u1>", [Identify("u1"), Track("e", {"a": "</script>"})], "n1")
    assert (
        '<script nonce="n1">\n'
        "(function (heap) {\n"
        '  if (!heap || typeof heap.identify !== "function"'
        ' || typeof heap.track !== "function") return;\n'
        '  heap.identify("u1");\n'
        '  heap.track("e", {"a":"\\u003c/script\\u003e"});\n'
        "})(window.heap);\n"
        "</script>"
    ) in page
    assert page.lower().count("</script") == 1
    assert "<h1>Hello, &lt;u1&gt;</h1>" in page


def test_visitor_without_a_user_gets_no_calls() -> None:
    example = load_example()
    assert example.heap_calls(None) == []
    assert "<script" not in example.render_page(None, [], "n1")


def test_signed_in_user_gets_the_classic_device_calls() -> None:
    example = load_example()
    page = example.render_page("u1", example.heap_calls("u1"), "n1")
    assert '  heap.identify("u1");\n' in page
    assert '  heap.addUserProperties({"plan":"pro","id":"u1"});\n' in page
    title = "\\u003c/script\\u003e is escaped"
    assert f'  heap.track("Viewed Dashboard", {{"widgets":3,"title":"{title}"}});\n' in page
