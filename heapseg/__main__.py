"""``python -m heapseg``: translate the bundled sample messages to NDJSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources

import heapseg


def main(argv: list[str] | None = None) -> int:
    """Translate the bundled sample (one Segment message a line) and print the calls."""
    parser = argparse.ArgumentParser(prog="heapseg", description=__doc__)
    parser.add_argument("--profile", default="classic-cloud", choices=sorted(heapseg.PROFILES))
    args = parser.parse_args(argv)
    sample = resources.files("heapseg").joinpath("data/sample.ndjson").read_text("utf-8")
    for number, line in enumerate(sample.split("\n"), start=1):
        if not line.strip():
            continue
        message = json.loads(line)
        for call in heapseg.translate(message, profile=args.profile):
            record = {
                "line": number,
                "messageId": message.get("messageId"),
                **heapseg.to_dict(call),
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
