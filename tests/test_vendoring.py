"""heapseg works when copied into another code base as a plain folder, at any depth."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import heapseg

SCRIPT = """
import importlib, json, sys
heapseg = importlib.import_module(sys.argv[1])
assert heapseg.__file__.startswith(sys.argv[2]), heapseg.__file__
assert sys.argv[1] == "heapseg" or "heapseg" not in sys.modules, "an installed heapseg was used"
calls = heapseg.translate({"type": "track", "userId": "u", "event": "E", "properties": {"a": [1]}})
requests = heapseg.http.render(calls, app_id="1")
script = heapseg.js.render(heapseg.translate(
    {"type": "track", "anonymousId": "a", "event": "E"}, profile="classic-device"))
print(json.dumps([[heapseg.to_dict(c) for c in calls], requests[0].url, script]))
# what loads on first need: the converter naming a bad field, and URL paths for bulk
try:
    heapseg.translate({"type": "track", "userId": "u", "event": "E", "properties": 5})
except heapseg.InvalidEvent as error:
    print(error.path)
print(" ".join(sorted(heapseg.http.render(calls, app_id="1", bulk=True)[0].body)))
"""


def _copy_package(destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        Path(heapseg.__file__).parent, destination, ignore=shutil.ignore_patterns("__pycache__")
    )


@pytest.mark.parametrize(
    ("relative", "module"),
    [("heapseg", "heapseg"), ("app/_vendor/heapseg", "app._vendor.heapseg")],
)
def test_vendored_copy_runs_without_installation(
    tmp_path: Path, relative: str, module: str
) -> None:
    root = tmp_path / "vendor"
    target = root / relative
    _copy_package(target)
    for package in target.relative_to(root).parents:
        if str(package) != ".":
            (root / package / "__init__.py").touch()
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(root)!r})\n" + SCRIPT,
            module,
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        '[[{"call": "track", "event": "E", "properties": {"a": "[1]", "segment_library": ""}, '
        '"identity": "u"}], "https://heapanalytics.com/api/track", '
        '"heap.track(\\"E\\", {});\\n"]',
        "$.properties",
        "app_id events",  # the bulk body: its URL's path was read
    ]


IMPORT_SCRIPT = """
import sys
root, *late = sys.argv[1:]
import attrs, typing_extensions  # what they import is theirs to choose
loaded_at_start = set(sys.modules)
import heapseg, heapseg._cli
assert heapseg.__file__.startswith(root), heapseg.__file__
print(" ".join(name for name in late if name in sys.modules and name not in loaded_at_start))
"""

# Modules only some features need, each slow to import: cattrs (reading a message with a
# field of the wrong kind), importlib.resources (the bundled sample) and urllib.parse
# (bulk rendering and pacing). They are imported on first use.
LATE_IMPORTS = ("cattrs", "importlib.resources", "urllib.parse", "tempfile")


def test_importing_heapseg_leaves_out_what_only_some_features_need() -> None:
    """Counted after attrs and typing-extensions are imported, and without ``site``
    (``-S``), whose start-up files may import anything: heapseg and its dependencies are
    found through ``PYTHONPATH`` alone."""
    import attrs
    import cattrs
    import typing_extensions

    root = Path(heapseg.__file__).parent.parent
    folders = [root] + [Path(m.__file__).parent.parent for m in (attrs, cattrs)]
    folders.append(Path(typing_extensions.__file__).parent)
    result = subprocess.run(
        [sys.executable, "-S", "-c", IMPORT_SCRIPT, str(root), *LATE_IMPORTS],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": os.pathsep.join(map(str, folders))},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
    assert result.stderr == ""
