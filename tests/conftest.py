"""Shared fixtures for the heapseg test suite."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# The examples are scripts, not a package: make them importable by their file names.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "examples"))

import heap_standin

# Property tests assert behaviour, never speed: no per-example deadline, which a busy
# shared machine would turn into failures of correct code.
settings.register_profile("heapseg", deadline=None)
settings.load_profile("heapseg")

# Helper modules whose asserts should explain their failures as a test's do.
pytest.register_assert_rewrite("tests.actions_fixtures")


@pytest.fixture
def standin() -> Iterator[heap_standin.HeapStandIn]:
    """A fresh local Heap stand-in on 127.0.0.1, stopped after the test."""
    with heap_standin.HeapStandIn(lifetime=120.0) as server:
        yield server
