"""Conformance suites: one contract per storage seam, run over every backend.

Each suite is a set of pytest test classes parametrised by a backend factory fixture that
the importing test module provides; a new backend passes by running the same classes.
"""
