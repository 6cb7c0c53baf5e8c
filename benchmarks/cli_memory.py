"""Measure that ``heapseg translate`` streams: peak memory must not grow with the input.

Run on demand from the repository root::

    python benchmarks/cli_memory.py                 # 20,000 vs 1,000,000 messages
    python benchmarks/cli_memory.py --large 5000000  # about 1.3 GB of NDJSON
    python benchmarks/cli_memory.py --jobs 2         # with two worker processes

For each input form (NDJSON, a JSON array, gzip NDJSON) it writes a small and a large
generated input, runs the command line on each in a child process with output sent to
/dev/null, and reports each child's peak resident memory and the large/small ratio. A
streaming reader gives a ratio close to 1; one that holds the input grows with it.
With ``--jobs N`` the command line runs ``N`` worker processes, and the figures are the
main process's peak and, after ``+``, the largest worker's.
This is a measurement, not a test: it prints numbers and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def messages(count: int) -> Iterator[str]:
    """Varied Segment messages, with a malformed line every 997 to exercise the error path."""
    for n in range(count):
        if n % 997 == 996:
            yield '{"type": "track", "broken'
            continue
        kind = ("identify", "track", "track", "page")[n % 4]
        message: dict[str, object] = {
            "type": kind,
            "messageId": f"msg-{n}",
            "userId": f"user-{n % 5000}",
            "timestamp": "2024-05-01T09:16:40.500+02:00",
            "context": {"library": {"name": "analytics-python", "version": "2.3.4"}},
        }
        if kind == "identify":
            message["traits"] = {"email": f"u{n}@example.com", "plan": "pro", "logins": n}
        else:
            message["event"] = "Order Completed"
            message["properties"] = {
                "order_id": f"o-{n}",
                "total": n / 7,
                "products": [{"sku": "B-12", "price": 19.95, "quantity": 2}],
                "shipping": {"method": "express", "cost": 0},
            }
        yield json.dumps(message)


def write_input(path: Path, form: str, count: int) -> None:
    opener = gzip.open if form == "gzip" else open
    with opener(path, "wt", encoding="utf-8") as out:
        if form == "array":
            out.write("[\n")
            for n, text in enumerate(messages(count)):
                if text.endswith("broken"):
                    text = '{"type": "track"}'  # a malformed item would end the array
                out.write(("" if n == 0 else ",\n") + text)
            out.write("\n]\n")
        else:
            for text in messages(count):
                out.write(text + "\n")


WORKERS_PEAK = """
import resource, sys
from heapseg._cli import main
status = main(sys.argv[2:])
with open(sys.argv[1], "w") as report:
    report.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(status)
"""
"""``heapseg translate`` that then writes the largest worker's peak (KiB) to a file."""


def peak_rss_kib(path: Path, jobs: int) -> tuple[int, int]:
    """Run the command line on ``path`` and return the peak resident set size of its main
    process and of its largest worker process (0 without workers), in KiB (Linux)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    arguments = ["translate", "--progress", "never", "--jobs", str(jobs), str(path)]
    report = path.with_name("workers-peak.txt")
    if jobs > 1:
        command = [sys.executable, "-c", WORKERS_PEAK, str(report), *arguments]
    else:
        command = [sys.executable, "-m", "heapseg", *arguments]
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=sink, cwd=ROOT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"heapseg exited with status {process.returncode} on {path}")
    workers = int(report.read_text()) if jobs > 1 else 0
    return usage.ru_maxrss, workers


def mib(kib: tuple[int, int]) -> str:
    main, workers = kib
    return f"{main / 1024:.1f}" + (f" + {workers / 1024:.1f}" if workers else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=20_000, help="messages in the small input")
    parser.add_argument("--large", type=int, default=1_000_000, help="messages in the large input")
    parser.add_argument(
        "--forms",
        nargs="+",
        default=["ndjson", "array", "gzip"],
        choices=["ndjson", "array", "gzip"],
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1: none)")
    args = parser.parse_args()
    width = 20 if args.jobs > 1 else 12
    print(f"{'form':<8}{'small MiB':>{width}}{'large MiB':>{width}}{'input MiB':>12}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for form in args.forms:
            small, large = Path(folder, f"small.{form}"), Path(folder, f"large.{form}")
            write_input(small, form, args.small)
            write_input(large, form, args.large)
            small_kib, large_kib = peak_rss_kib(small, args.jobs), peak_rss_kib(large, args.jobs)
            size = large.stat().st_size / 2**20
            ratio = sum(large_kib) / sum(small_kib)
            print(
                f"{form:<8}{mib(small_kib):>{width}}{mib(large_kib):>{width}}{size:>12.1f}"
                f"{ratio:>8.2f}"
            )
            large.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
