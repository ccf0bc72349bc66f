"""headrace.testing is public: every name in ``__all__`` loads and is the real double."""

from __future__ import annotations

import subprocess
import sys

import pytest

import headrace.testing
from headrace.state.memory_state import memory_state
from headrace.testing.memory_queue_source import InMemoryQueueSource


@pytest.mark.parametrize("name", headrace.testing.__all__)
def test_every_public_name_loads(name: str) -> None:
    assert getattr(headrace.testing, name) is not None


def test_names_are_the_defining_objects() -> None:
    assert headrace.testing.InMemoryQueueSource is InMemoryQueueSource
    assert headrace.testing.memory_state is memory_state
    assert headrace.testing.queue_conformance.TestFifo.__name__ == "TestFifo"


def test_the_function_fake_is_exported() -> None:
    runtime = headrace.testing.InMemoryFunctionRuntime("f", lambda event, context: event)
    assert runtime.name == "f"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchDouble"):
        _ = headrace.testing.NoSuchDouble  # type: ignore[attr-defined]


def test_importing_a_double_does_not_import_pytest() -> None:
    code = (
        "import sys; from headrace.testing import InMemoryQueueSource, MemoryQueueStorage; "
        "print('pytest' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_all_lists_exactly_the_loadable_names() -> None:
    import headrace.testing as package

    known = {*package._ATTRIBUTES, *package._SUITES, "InMemoryFunctionRuntime"}
    assert set(headrace.testing.__all__) == known
