"""Conformance suites: the contracts every backend and kind must pass, importable by users.

Each suite is a set of pytest test classes parametrised by a backend factory fixture that
the importing test module provides; a new backend passes by running the same classes.
"""
