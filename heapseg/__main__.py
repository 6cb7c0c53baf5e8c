"""``python -m heapseg``: the ``heapseg`` command line (see ``heapseg translate --help``)."""

from __future__ import annotations

from collections.abc import Sequence

from ._cli import main as _run

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return _run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
