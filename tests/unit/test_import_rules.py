"""The house rules of ../shared/design.md, "Architecture", checked on the package's imports.

- The engine (`headrace.esm`) never imports a concrete source, function runtime, store or the
  broker: from those packages it may import only their seam modules (the Protocols).
- Sources, the broker and the stores never import the engine.

Every import is read with `ast`, including imports inside functions and under
`TYPE_CHECKING`, so a rule cannot be dodged by a late import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import headrace

PACKAGE_ROOT = Path(headrace.__file__).parent

# Packages holding concrete parts the engine must not reach.
CONCRETE_PACKAGES = (
    "headrace.sources",
    "headrace.functions",
    "headrace.state",
    "headrace.postgres",
    "headrace.broker",
    "headrace.aws",
    "headrace.api",
    "headrace.cli",
    "headrace.app",
)
# Packages that must never reach into the engine.
BELOW_THE_ENGINE = (
    "headrace.sources",
    "headrace.broker",
    "headrace.state",
    "headrace.postgres",
    "headrace.functions",
)
ENGINE = "headrace.esm"
# Known breaches being removed by issue 9's reshaping; each must still exist (so the list
# shrinks as they go) and no other may appear.
PENDING: set[tuple[str, str]] = set()  # none left: AWS stream sources report to a listener


def is_seam(module: str) -> bool:
    """A seam module holds only Protocols and the vocabulary they speak."""
    last = module.rsplit(".", 1)[-1]
    return last == "base" or last.endswith("_seam")


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every headrace module `path` imports, resolving relative imports and `from X import Y`
    where Y is itself a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if (PACKAGE_ROOT.parent / candidate.replace(".", "/")).with_suffix(".py").exists():
                    found.add(candidate)
    return {name for name in found if within(name, "headrace")}


def all_imports() -> dict[str, set[str]]:
    return {
        module_name(path): imported_modules(path) for path in sorted(PACKAGE_ROOT.rglob("*.py"))
    }


def engine_violations(imports: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, targets in imports.items()
        if within(importer, ENGINE)
        for imported in targets
        if any(within(imported, package) for package in CONCRETE_PACKAGES) and not is_seam(imported)
    }


def upward_violations(imports: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, targets in imports.items()
        if any(within(importer, package) for package in BELOW_THE_ENGINE)
        for imported in targets
        if within(imported, ENGINE)
    }


def test_the_engine_imports_only_seams_of_concrete_packages() -> None:
    assert engine_violations(all_imports()) == set()


def test_sources_broker_stores_and_runtimes_never_import_the_engine() -> None:
    assert upward_violations(all_imports()) == PENDING


def test_the_checker_sees_a_violation() -> None:
    """The checks above can fail: a late, relative import of a concrete part is caught."""
    imports = {
        "headrace.esm.queues.example": {"headrace.sources.sqs", "headrace.sources.source_seam"},
        "headrace.sources.example": {"headrace.esm.mapping_counters"},
    }
    assert engine_violations(imports) == {("headrace.esm.queues.example", "headrace.sources.sqs")}
    assert upward_violations(imports) == {
        ("headrace.sources.example", "headrace.esm.mapping_counters")
    }


def test_imports_are_read_late_relative_and_as_modules() -> None:
    """`from headrace.x import module`, relative imports and imports inside functions all
    count (config/optional.py imports the filter compiler inside a function)."""
    found = imported_modules(PACKAGE_ROOT / "config" / "optional.py")
    assert "headrace.esm.filters" in found


def storage_violations(imports: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The broker is storage only: it reaches no source, engine, function runtime or app."""
    above = ("headrace.sources", "headrace.esm", "headrace.functions", "headrace.app")
    return {
        (importer, imported)
        for importer, targets in imports.items()
        if within(importer, "headrace.broker")
        for imported in targets
        if any(within(imported, package) for package in above)
    }


def test_the_broker_is_storage_only() -> None:
    assert storage_violations(all_imports()) == set()
    assert storage_violations({"headrace.broker.embedded": {"headrace.sources.embedded_queue"}})
