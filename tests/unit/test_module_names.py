"""Module names stay unique and tests/unit mirrors the package.

A base name that repeats (two ``retry.py``) makes tracebacks, logs and search results
ambiguous, so the house style (../shared/style.md) asks for one module per base name. The
allowed repeats are listed; each must still exist, so the list can only shrink.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import headrace

PACKAGE_ROOT = Path(headrace.__file__).parent
UNIT_ROOT = Path(__file__).parent

# Base names allowed to repeat: none any more (issue 9 renamed the last, functions/base.py).
# A name added here must be on its way out, and must still repeat (checked below).
ALLOWED_REPEATS: set[str] = set()


def module_paths_by_name(root: Path) -> dict[str, list[Path]]:
    """Every module under *root* grouped by its file name."""
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in root.rglob("*.py"):
        by_name[path.name].append(path.relative_to(root))
    return by_name


def repeated_names(root: Path) -> set[str]:
    """File names held by more than one module under *root*, ``__init__.py`` aside."""
    return {
        name
        for name, paths in module_paths_by_name(root).items()
        if len(paths) > 1 and name != "__init__.py"
    }


def mirroring_dirs(unit_root: Path) -> list[Path]:
    """The directories that must mirror the package: every top-level one, and any deeper one
    holding test modules (a deeper folder of fixtures, such as handler code, is free)."""
    return [
        d
        for d in unit_root.rglob("*")
        if d.is_dir()
        and d.name != "__pycache__"
        and (d.parent == unit_root or any(d.glob("test_*.py")))
    ]


def unmirrored_test_dirs(unit_root: Path, package_root: Path) -> set[str]:
    """Test directories under tests/unit with no package directory of the same path."""
    return {
        str(d.relative_to(unit_root))
        for d in mirroring_dirs(unit_root)
        if not (package_root / d.relative_to(unit_root)).is_dir()
    }


def test_no_module_base_name_repeats_beyond_the_allowed_list() -> None:
    assert repeated_names(PACKAGE_ROOT) - ALLOWED_REPEATS == set()


def test_each_allowed_repeat_still_repeats() -> None:
    assert repeated_names(PACKAGE_ROOT) >= ALLOWED_REPEATS


def test_the_check_sees_a_repeat(tmp_path: Path) -> None:
    for part in ("a", "b"):
        (tmp_path / part).mkdir()
        (tmp_path / part / "__init__.py").write_text("")
        (tmp_path / part / "retry.py").write_text("")
    assert repeated_names(tmp_path) == {"retry.py"}


def test_tests_unit_mirrors_the_package() -> None:
    assert unmirrored_test_dirs(UNIT_ROOT, PACKAGE_ROOT) == set()


def test_the_mirror_check_sees_a_stray_dir(tmp_path: Path) -> None:
    (tmp_path / "unit" / "esm").mkdir(parents=True)
    (tmp_path / "unit" / "misc").mkdir()
    (tmp_path / "unit" / "esm" / "deep").mkdir()
    (tmp_path / "unit" / "esm" / "deep" / "test_x.py").write_text("")
    (tmp_path / "unit" / "esm" / "handlers").mkdir()
    (tmp_path / "unit" / "esm" / "handlers" / "app.py").write_text("")
    (tmp_path / "pkg" / "esm").mkdir(parents=True)
    assert unmirrored_test_dirs(tmp_path / "unit", tmp_path / "pkg") == {"misc", "esm/deep"}
