"""The public names of headrace.config, on purpose."""

from __future__ import annotations

import headrace.config


def test_exports_are_sorted_and_present() -> None:
    """style: __all__ is curated, sorted, and every name in it exists."""
    names = headrace.config.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(headrace.config, name) for name in names)


def test_loader_api_is_exported() -> None:
    """The names other packages code against are importable from headrace.config."""
    for name in ("load_config", "check_config", "read_config", "validate_files", "Config"):
        assert name in headrace.config.__all__
