"""docs/examples/spark_translate.py: heapseg inside Apache Spark, in local mode.

Skipped only where pyspark is missing and CI is unset; in CI it always runs.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import heapseg

if "CI" not in os.environ:
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install heapseg[spark])")

import spark_translate  # from docs/examples, see conftest.py
from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parent.parent
LINES = 4000  # 200 blocks of the 20-line pattern


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # Python workers import heapseg and the example as the driver does.
    paths = [str(ROOT), str(ROOT / "docs" / "examples"), os.environ.get("PYTHONPATH", "")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("heapseg-test")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "512m")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def read_output(directory: Path) -> list[dict[str, Any]]:
    records = []
    for part in sorted(directory.glob("part-*")):
        records.extend(json.loads(line) for line in part.read_text("utf-8").splitlines())
    return records


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        # Per 20 lines (see generate_dataset): 10 identified tracks, 4 identifies, 2 anonymous
        # tracks, a page, an alias, a track with a null event, a line that is not JSON.
        # classic-cloud needs a userId: anonymous tracks, page and alias send nothing.
        ("classic-cloud", {"translated": 14, "unsupported": 4, "invalid": 2}),
        # classic-device sends anonymous tracks too; page and alias still send nothing.
        ("classic-device", {"translated": 16, "unsupported": 2, "invalid": 2}),
    ],
)
def test_every_line_is_accounted_for(
    spark: Any, tmp_path: Path, profile: str, expected: dict[str, int]
) -> None:
    source = tmp_path / "events.ndjson"
    spark_translate.generate_dataset(source, LINES)
    output = tmp_path / "out"

    counts = spark_translate.translate_ndjson(spark, str(source), str(output), profile, 4)

    blocks = LINES // 20
    assert counts == {status: n * blocks for status, n in expected.items()}
    records = read_output(output)
    assert sorted(r["line"] for r in records) == list(range(1, LINES + 1))
    by_line = {r["line"]: r for r in records}
    chosen = heapseg.PROFILES[profile]
    for number, line in enumerate(source.read_text("utf-8").splitlines(), start=1):
        status, text = spark_translate.translate_line(number, line, chosen)
        assert by_line[number] == json.loads(text)
        assert by_line[number]["status"] == status


def test_records_name_the_problem_of_invalid_lines(spark: Any, tmp_path: Path) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text(
        '{"type": "track", "userId": "u1", "event": "Signed Up", "properties": {"a": {"b": 1}}}\n'
        '{"type": "track", "userId": "u1", "event": null}\n'
        "not json\n"
        '{"type": "page", "userId": "u1"}\n',
        encoding="utf-8",
    )
    spark_translate.translate_ndjson(spark, str(source), str(tmp_path / "out"), "classic-device", 2)
    records = {r["line"]: r for r in read_output(tmp_path / "out")}
    # classic-device: track -> heap.track(event, flattened properties).
    assert records[1] == {
        "line": 1,
        "status": "translated",
        "calls": [{"call": "track", "event": "Signed Up", "properties": {"a.b": 1}}],
    }
    assert records[2]["status"] == "invalid"
    assert records[2]["path"] == "$.event"
    assert records[3]["status"] == "invalid"
    assert records[3]["reason"].startswith("not JSON")
    assert records[4]["status"] == "unsupported"
    assert records[4]["calls"][0]["type"] == "page"
