"""heapseg works when copied into another code base as a plain folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import heapseg

SCRIPT = """
import json, sys
import heapseg
assert heapseg.__file__.startswith(sys.argv[1]), heapseg.__file__
calls = heapseg.translate({"type": "track", "userId": "u", "event": "E", "properties": {"a": [1]}})
print(json.dumps([heapseg.to_dict(c) for c in calls]))
"""


def test_vendored_copy_runs_without_installation(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    shutil.copytree(
        Path(heapseg.__file__).parent,
        vendor / "heapseg",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(vendor)!r})\n" + SCRIPT,
            str(vendor),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[{"call": "track", "event": "E", "properties": {"a": "[1]", "segment_library": ""}, '
        '"identity": "u"}]'
    )
