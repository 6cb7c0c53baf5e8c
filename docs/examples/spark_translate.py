"""Translate an NDJSON file of Segment messages with heapseg inside Apache Spark.

Every input line is accounted for: it is ``translated`` (at least one Heap call),
``unsupported`` (valid, but the profile sends nothing) or ``invalid`` (not JSON, or not a
valid Segment message), and its output record carries its line number.

    python spark_translate.py --generate 100000 events.ndjson translated/
    spark-submit --py-files heapseg.zip spark_translate.py events.ndjson translated/

Needs ``pip install pyspark`` (or ``heapseg[spark]``) and Java 17 or newer.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import heapseg

STATUSES = ("translated", "unsupported", "invalid")


def translate_line(number: int, line: str, profile: heapseg.Profile) -> tuple[str, str]:
    """Translate one NDJSON line; return its status and its output record as a JSON line."""
    record: dict[str, Any] = {"line": number}
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as error:
        record.update(status="invalid", path="$", reason=f"not JSON: {error}")
        return "invalid", json.dumps(record)
    try:
        calls = heapseg.translate(message, profile=profile)
    except heapseg.InvalidEvent as error:
        record.update(status="invalid", path=error.path, reason=error.reason)
        return "invalid", json.dumps(record)
    sent = any(not isinstance(call, heapseg.Unsupported) for call in calls)
    status = "translated" if sent else "unsupported"
    record.update(status=status, calls=[heapseg.to_dict(call) for call in calls])
    return status, json.dumps(record, ensure_ascii=False)


def translate_partition(
    rows: Iterable[tuple[str, int]], profile: heapseg.Profile
) -> Iterator[tuple[str, str]]:
    """Translate one partition of ``(line, zero-based index)`` rows."""
    for line, index in rows:
        yield translate_line(index + 1, line, profile)


def translate_ndjson(
    spark: Any, input_path: str, output_path: str, profile: str | heapseg.Profile, partitions: int
) -> dict[str, int]:
    """Translate ``input_path`` into NDJSON part files under ``output_path``; count each status."""
    chosen = heapseg.PROFILES[profile] if isinstance(profile, str) else profile
    lines = spark.sparkContext.textFile(input_path, minPartitions=partitions)
    results = lines.zipWithIndex().mapPartitions(
        lambda rows: translate_partition(rows, chosen), preservesPartitioning=True
    )
    results.cache()
    try:
        results.values().saveAsTextFile(output_path)
        counts = results.keys().countByValue()
    finally:
        results.unpersist()
    return {status: counts.get(status, 0) for status in STATUSES}


def generate_dataset(path: Path, count: int) -> None:
    """Write ``count`` lines of sample traffic, the same every time.

    Of every 20 lines: 10 identified tracks, 4 identifies, 2 anonymous tracks, a page, an
    alias, a track without an event name, and a line cut short (not JSON).
    """
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            slot = number % 20
            user = f"user-{number % 997}"
            stamp = f"2024-05-{1 + number % 28:02d}T12:{number % 60:02d}:00.000Z"
            base: dict[str, Any] = {"messageId": f"m-{number}", "timestamp": stamp}
            if slot < 10:
                base.update(
                    type="track",
                    userId=user,
                    event="Order Completed" if slot % 2 else "Product Viewed",
                    properties={"revenue": number % 100 + 0.5, "items": [slot, slot + 1]},
                )
            elif slot < 14:
                base.update(
                    type="identify",
                    userId=user,
                    traits={"email": f"{user}@example.com", "plan": {"name": "pro", "seats": 3}},
                )
            elif slot < 16:
                base.update(type="track", anonymousId=f"anon-{number}", event="Page Scrolled")
            elif slot == 16:
                base.update(type="page", userId=user, name="Pricing")
            elif slot == 17:
                base.update(type="alias", userId=user, previousId=f"anon-{number}")
            elif slot == 18:
                base.update(type="track", userId=user, event=None)
            else:
                out.write('{"type": "track", "userId": "' + user + '", "event": \n')
                continue
            out.write(json.dumps(base) + "\n")


def main(argv: list[str] | None = None) -> int:
    from pyspark.sql import SparkSession

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", type=Path, help="NDJSON, one Segment message a line")
    parser.add_argument("output", help="directory for the translated NDJSON part files")
    parser.add_argument("--profile", default="classic-cloud", choices=sorted(heapseg.PROFILES))
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--generate", type=int, metavar="N", help="first write N sample lines")
    args = parser.parse_args(argv)
    if args.generate:
        generate_dataset(args.input, args.generate)
    spark = SparkSession.builder.appName("heapseg").getOrCreate()
    try:
        counts = translate_ndjson(
            spark, str(args.input.resolve()), args.output, args.profile, args.partitions
        )
    finally:
        spark.stop()
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
