"""Shared fixtures for the heapseg test suite."""
