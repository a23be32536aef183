"""The core's boundaries: standard library only, and it never reads the clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "incidents"
CLOCK_CALLS = {"now", "utcnow", "today", "time"}
CLOCK_OWNERS = {"datetime", "date", "time"}


def core_files() -> list[Path]:
    """Every Python module of the core."""
    return sorted(CORE.rglob("*.py"))


def imported_top_levels(tree: ast.AST) -> set[str]:
    """Top-level module names a module imports (relative imports count as `incidents`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("incidents" if node.level else (node.module or "").split(".")[0])
    return names


def foreign_imports(tree: ast.AST) -> set[str]:
    """Imports that are neither the standard library nor `incidents` itself."""
    return {
        name
        for name in imported_top_levels(tree)
        if name != "incidents" and name not in sys.stdlib_module_names
    }


def clock_reads(tree: ast.AST) -> list[str]:
    """Calls such as `datetime.now()`, `date.today()` or `time.time()`, as written."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else None
        )
        if node.func.attr in CLOCK_CALLS and owner_name in CLOCK_OWNERS:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_core_has_modules() -> None:
    """The walk finds the core's modules, so the checks below are not vacuous."""
    names = {path.name for path in core_files()}
    assert {"handlers.py", "timers.py", "parser.py", "__init__.py"} <= names


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_core_imports_only_the_standard_library(path: Path) -> None:
    """A core module imports only the standard library and `incidents` itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert foreign_imports(tree) == set()


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_core_never_reads_the_clock(path: Path) -> None:
    """No core module calls datetime.now/utcnow, date.today or time.time."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert clock_reads(tree) == []


def test_the_import_check_catches_a_foreign_import() -> None:
    """The checker flags third-party and application imports, not stdlib or relative ones."""
    tree = ast.parse(
        "import json\nimport pydantic.v1\nfrom bot import bus\nfrom . import model\n"
        "from incidents.phase import Phase\nfrom collections.abc import Mapping\n"
    )
    assert foreign_imports(tree) == {"pydantic", "bot"}


def test_the_clock_check_catches_clock_reads() -> None:
    """The checker flags every way of reading the clock, and not a `now` argument."""
    tree = ast.parse(
        "import datetime, time\n"
        "a = datetime.datetime.now(tz)\n"
        "b = datetime.utcnow()\n"
        "c = date.today()\n"
        "d = time.time()\n"
        "e = clock.now()\n"
        "f = fire(now=now)\n"
    )
    assert len(clock_reads(tree)) == 4
