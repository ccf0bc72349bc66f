"""Conformance suites: the contracts every backend and kind must pass, importable by users."""
