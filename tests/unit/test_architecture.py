"""The dependency direction: incidents ← bot ← adapters, wired only by the composition root.

The core (`incidents`) is standard library only and never reads the clock. The application
(`bot`) reaches into `adapters` only in its composition root. Adapters never import the root,
the runner or the CLIs, and no adapter package imports another. No two modules import each
other, directly or round a longer loop. Every import counts: module level, function-local,
under `TYPE_CHECKING`, and `importlib.import_module("literal")`.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "incidents"
LAYERS = ("incidents", "bot", "adapters")
CLOCK_CALLS = {"now", "utcnow", "today", "time"}
CLOCK_OWNERS = {"datetime", "date", "time"}

# The only modules of `bot` that may import `adapters`. A name also covers its submodules, so
# a root that grows into a package (`bot.compose`) is one entry.
COMPOSITION_ROOT = frozenset({"bot.bootstrap", "bot.local"})
# What adapters must never import: the root, the runner and the command-line interfaces.
ENTRY_POINTS = COMPOSITION_ROOT | {"bot.runner", "bot.cli", "bot.__main__", "bot.review.cli"}


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


# --- Every module of every layer, and what each imports --------------------------------------


def module_name(path: Path) -> str:
    """The dotted module name of a file under the repository (`a/b/__init__.py` is `a.b`)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def module_paths() -> dict[str, Path]:
    """Every module of incidents, bot and adapters, by dotted name."""
    paths = (path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py")))
    return {module_name(path): path for path in paths}


def within(name: str, prefixes: Iterable[str]) -> bool:
    """Whether a dotted name is one of the prefixes or inside one of them."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@dataclass(frozen=True)
class Import:
    """One module importing another, where and how."""

    importer: str
    target: str
    line: int
    statement: str
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        how = f" ({', '.join(self.notes)})" if self.notes else ""
        return f"{self.importer} line {self.line}: `{self.statement}` imports {self.target}{how}"


def resolve(name: str, known: Collection[str]) -> str:
    """The module a dotted name imports: the longest known module it names, else the name."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return name


def absolute_from(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module of `from … import`, relative imports resolved against the importer."""
    if not node.level:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    if node.level - 1 >= len(package):
        return "." * node.level + (node.module or "")  # beyond the top: Python refuses it too
    anchor = ".".join(package[: len(package) - (node.level - 1)])
    return f"{anchor}.{node.module}" if node.module else anchor


def is_type_checking(test: ast.expr) -> bool:
    """Whether an `if` test is `TYPE_CHECKING` or `typing.TYPE_CHECKING`."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def how_imported(node: ast.AST, parents: Mapping[ast.AST, ast.AST]) -> tuple[str, ...]:
    """Notes on where an import sits: in a function, under `TYPE_CHECKING`."""
    notes: list[str] = []
    child = node
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            notes.append("in a function")
        if (
            isinstance(parent, ast.If)
            and is_type_checking(parent.test)
            and any(statement is child for statement in parent.body)
        ):
            notes.append("under TYPE_CHECKING")
        child = parent
    return tuple(dict.fromkeys(notes))


def import_module_literal(node: ast.Call) -> str | None:
    """The module of `importlib.import_module("x.y")` or `import_module("x.y")`, if literal."""
    if not node.args:
        return None
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )
    first = node.args[0]
    if named and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return None if first.value.startswith(".") else first.value
    return None


def imports_in(
    source: str, importer: str, known: Collection[str], *, is_package: bool = False
) -> list[Import]:
    """Every import of a module's source, anywhere in it, each resolved to an absolute module.

    `import a.b` imports `a.b` (not also `a`); `from a import b` imports the module `a.b` if
    there is one, else the module `a` (b is then a name defined in `a`).
    """
    tree = ast.parse(source, filename=importer)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            notes = how_imported(node, parents)
            for alias in node.names:
                statement = ast.unparse(ast.Import(names=[alias]))
                target = resolve(alias.name, known)
                found.append(Import(importer, target, node.lineno, statement, notes))
        elif isinstance(node, ast.ImportFrom):
            notes = how_imported(node, parents)
            base = absolute_from(node, importer, is_package)
            by_target: dict[str, list[ast.alias]] = {}
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in known else resolve(base, known)
                by_target.setdefault(target, []).append(alias)
            for target, aliases in by_target.items():
                statement = ast.unparse(
                    ast.ImportFrom(module=node.module, names=aliases, level=node.level)
                )
                found.append(Import(importer, target, node.lineno, statement, notes))
        elif isinstance(node, ast.Call) and (literal := import_module_literal(node)) is not None:
            target = resolve(literal, known)
            notes = how_imported(node, parents)
            found.append(Import(importer, target, node.lineno, ast.unparse(node), notes))
    return sorted(found, key=lambda i: (i.line, i.target))


@cache
def project_imports() -> dict[str, list[Import]]:
    """What each module of incidents, bot and adapters imports."""
    paths = module_paths()
    return {
        name: imports_in(
            path.read_text(encoding="utf-8"), name, paths, is_package=path.name == "__init__.py"
        )
        for name, path in paths.items()
    }


def all_imports() -> list[Import]:
    """Every import of every module of the three layers."""
    return [each for imports in project_imports().values() for each in imports]


def listing(imports: Iterable[Import]) -> str:
    """Offending imports, one a line, for a failure message."""
    return "\n".join(f"  {each}" for each in imports)


def modules_of(layer: str) -> list[str]:
    """The modules of one layer, by dotted name."""
    return [name for name in module_paths() if within(name, {layer})]


@cache
def adapter_packages() -> frozenset[str]:
    """The adapter packages: each direct sub-package of `adapters` (slack, discord, … stores)."""
    return frozenset(
        name
        for name, path in module_paths().items()
        if name.count(".") == 1 and within(name, {"adapters"}) and path.name == "__init__.py"
    )


# --- The rules, as checks over import records ------------------------------------------------


def adapter_imports_outside_the_root(imports: Iterable[Import]) -> list[Import]:
    """Imports of `adapters` by a `bot` module other than the composition root."""
    return [
        each
        for each in imports
        if within(each.importer, {"bot"})
        and not within(each.importer, COMPOSITION_ROOT)
        and within(each.target, {"adapters"})
    ]


def entry_point_imports(imports: Iterable[Import]) -> list[Import]:
    """Imports of the root, the runner or a CLI by an `adapters` module."""
    return [
        each
        for each in imports
        if within(each.importer, {"adapters"}) and within(each.target, ENTRY_POINTS)
    ]


def cross_adapter_imports(imports: Iterable[Import], packages: Collection[str]) -> list[Import]:
    """Imports by a module of one adapter package of a module of another one."""

    def package_of(name: str) -> str | None:
        return next((package for package in packages if within(name, {package})), None)

    return [
        each
        for each in imports
        if (own := package_of(each.importer)) is not None
        and package_of(each.target) not in (None, own)
    ]


def import_graph(imports: Iterable[Import], modules: Collection[str]) -> dict[str, set[str]]:
    """Module → the modules it imports, among the given modules only."""
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for each in imports:
        if each.importer in graph and each.target in graph:
            graph[each.importer].add(each.target)
    return graph


def import_cycles(graph: Mapping[str, Collection[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component: list[str] = []
            while not component or component[-1] != module:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(components)


def shortest_loop(start: str, graph: Mapping[str, Collection[str]], among: set[str]) -> list[str]:
    """A shortest chain of imports from a module back to itself, within a component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for module in frontier:
            for target in sorted(graph.get(module, ())):
                if target not in among or target in previous:
                    continue
                previous[target] = module
                if target == start:
                    chain = [start]
                    while chain[-1] != start or len(chain) == 1:
                        chain.append(previous[chain[-1]])
                    return chain[::-1]
                following.append(target)
        frontier = following
    return [start]


def describe_cycles(
    cycles: Iterable[list[str]], graph: Mapping[str, Collection[str]], imports: Iterable[Import]
) -> str:
    """Each cycle: its modules, a shortest loop, and every import inside it (module, line)."""
    imports = list(imports)
    parts = []
    for modules in cycles:
        members = set(modules)
        loop = " → ".join(shortest_loop(modules[0], graph, members))
        inside = [i for i in imports if i.importer in members and i.target in members]
        parts.append(
            f"cycle of {len(modules)} modules: {', '.join(modules)}\n"
            f"  for example {loop}\n  the imports inside it:\n{listing(inside)}"
        )
    return "\n".join(parts)


# --- Rule 1: the core is standard library only and never reads the clock ----------------------


def test_the_core_has_modules() -> None:
    """The walk finds the core's modules, so the checks below are not vacuous."""
    names = {path.name for path in core_files()}
    assert {"handlers.py", "timers.py", "parser.py", "__init__.py"} <= names


@pytest.mark.parametrize("path", core_files(), ids=module_name)
def test_core_imports_only_the_standard_library(path: Path) -> None:
    """A core module imports only the standard library and `incidents` itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [
        each
        for each in project_imports()[module_name(path)]
        if each.target.split(".")[0] not in sys.stdlib_module_names | {"incidents"}
    ]
    assert foreign_imports(tree) == set(), listing(offending)


@pytest.mark.parametrize("path", core_files(), ids=module_name)
def test_core_never_reads_the_clock(path: Path) -> None:
    """No core module calls datetime.now/utcnow, date.today or time.time."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert clock_reads(tree) == [], module_name(path)


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


# --- The walk over all three layers ----------------------------------------------------------


def test_the_walk_finds_every_layer_and_the_named_modules() -> None:
    """The walk finds dozens of modules per layer and every module the rules name."""
    modules = set(module_paths())
    assert all(len(modules_of(layer)) >= 20 for layer in LAYERS), len(modules)
    assert modules >= ENTRY_POINTS, sorted(ENTRY_POINTS - modules)
    expected_adapters = {f"adapters.{name}" for name in ("slack", "discord", "console", "stores")}
    assert expected_adapters <= adapter_packages(), sorted(adapter_packages())
    assert len(all_imports()) >= 5 * len(modules), len(all_imports())


def test_imports_resolve_to_the_modules_they_load() -> None:
    """Relative, submodule, attribute, local, TYPE_CHECKING and import_module imports resolve."""
    known = {"pkg", "pkg.sub", "pkg.sub.leaf", "pkg.sub.other", "pkg.top"}
    source = (
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "from . import other\n"  # a sibling submodule
        "from .other import name\n"  # an attribute of a sibling
        "from .. import top, helper\n"  # a submodule of the parent, an attribute of the parent
        "import pkg.sub\n"  # a package: its __init__
        "if TYPE_CHECKING:\n"
        "    from pkg.top import Thing\n"
        "def later():\n"
        "    import pkg.sub.other as o\n"
        "    return importlib.import_module('pkg.top')\n"
    )
    found = {
        (each.line, each.target, each.notes) for each in imports_in(source, "pkg.sub.leaf", known)
    }
    assert found == {
        (1, "importlib", ()),
        (2, "typing", ()),
        (3, "pkg.sub.other", ()),
        (4, "pkg.sub.other", ()),
        (5, "pkg.top", ()),
        (5, "pkg", ()),
        (6, "pkg.sub", ()),
        (8, "pkg.top", ("under TYPE_CHECKING",)),
        (10, "pkg.sub.other", ("in a function",)),
        (11, "pkg.top", ("in a function",)),
    }
    in_init = imports_in(
        "from . import leaf\nfrom .leaf import x\n", "pkg.sub", known, is_package=True
    )
    assert [each.target for each in in_init] == ["pkg.sub.leaf", "pkg.sub.leaf"]


# --- Rule 2: `bot` imports `adapters` only in the composition root ---------------------------


@pytest.mark.parametrize("module", modules_of("bot"))
def test_bot_imports_adapters_only_in_the_composition_root(module: str) -> None:
    """A `bot` module other than the composition root imports nothing from `adapters`."""
    offending = adapter_imports_outside_the_root(project_imports()[module])
    assert offending == [], f"only {sorted(COMPOSITION_ROOT)} may import adapters:\n" + listing(
        offending
    )


def test_the_composition_root_check_catches_a_probe() -> None:
    """An adapter import anywhere in `bot` but the composition root is flagged, local ones too."""
    known = set(module_paths())
    probe = (
        "from bot.service import IncidentService\n"
        "from adapters import slack\n"
        "def f():\n"
        "    import adapters.stores.sqlite\n"
    )
    flagged = adapter_imports_outside_the_root(imports_in(probe, "bot.probe", known))
    assert [(each.line, each.target) for each in flagged] == [
        (2, "adapters.slack"),
        (4, "adapters.stores.sqlite"),
    ]
    for root in COMPOSITION_ROOT:
        assert adapter_imports_outside_the_root(imports_in(probe, root, known)) == []
        assert adapter_imports_outside_the_root(imports_in(probe, f"{root}.part", known)) == []


# --- Rule 3: adapters never import the entry points, nor one another -------------------------


@pytest.mark.parametrize("module", modules_of("adapters"))
def test_adapters_never_import_the_root_the_runner_or_a_cli(module: str) -> None:
    """An `adapters` module imports none of the composition root, the runner or the CLIs."""
    offending = entry_point_imports(project_imports()[module])
    assert offending == [], f"adapters may not import {sorted(ENTRY_POINTS)}:\n" + listing(
        offending
    )


def test_the_entry_point_check_catches_a_probe() -> None:
    """Importing the root, runner or a CLI from an adapter is flagged, however it is written."""
    known = set(module_paths())
    probe = (
        "from bot.service import IncidentService\n"
        "from bot import bootstrap, config\n"
        "from bot.review import cli\n"
        "import bot.runner\n"
        "def f():\n"
        "    from bot.cli import main\n"
        "    importlib.import_module('bot.__main__')\n"
    )
    flagged = entry_point_imports(imports_in(probe, "adapters.slack.probe", known))
    assert [(each.line, each.target) for each in flagged] == [
        (2, "bot.bootstrap"),
        (3, "bot.review.cli"),
        (4, "bot.runner"),
        (6, "bot.cli"),
        (7, "bot.__main__"),
    ]
    assert entry_point_imports(imports_in(probe, "bot.probe", known)) == []


@pytest.mark.parametrize("module", modules_of("adapters"))
def test_no_adapter_package_imports_another(module: str) -> None:
    """A module of one adapter package (console, discord, slack, stores) imports no other one."""
    offending = cross_adapter_imports(project_imports()[module], adapter_packages())
    assert offending == [], f"adapter packages {sorted(adapter_packages())} are independent:\n" + (
        listing(offending)
    )


def test_the_adapter_isolation_check_catches_a_probe() -> None:
    """A chat adapter importing another chat adapter or a store is flagged, relative ones too."""
    known = set(module_paths())
    packages = {"adapters.slack", "adapters.discord", "adapters.stores"}
    probe = (
        "from adapters.slack.render import topic\n"
        "from . import parse\n"
        "from adapters.discord.render import render_message\n"
        "from ..stores import sqlite\n"
        "from bot.service import IncidentService\n"
    )
    flagged = cross_adapter_imports(imports_in(probe, "adapters.slack.probe", known), packages)
    assert [(each.line, each.target) for each in flagged] == [
        (3, "adapters.discord.render"),
        (4, "adapters.stores.sqlite"),
    ]


# --- Rule 4: no import cycles ----------------------------------------------------------------


def test_no_import_cycles() -> None:
    """No two modules of the three layers import each other, directly or through others."""
    imports = all_imports()
    graph = import_graph(imports, module_paths())
    cycles = import_cycles(graph)
    assert cycles == [], describe_cycles(cycles, graph, imports)


def test_the_cycle_check_catches_a_probe() -> None:
    """Loops of imports are found and reported with the import lines; chains and self-imports not."""
    sources = {
        "p.a": "from p import b\n",  # p.a → p.b
        "p.b": "def f():\n    import p.c\n",  # p.b → p.c, function-local
        "p.c": "if TYPE_CHECKING:\n    from p.a import A\n",  # p.c → p.a, type-only
        "p.d": "import p.a\nimport p.d\n",  # into the loop, and itself: no cycle
        "p.e": "from p.f import x\n",
        "p.f": "from p.e import y\n",
    }
    imports = [each for name, text in sources.items() for each in imports_in(text, name, sources)]
    graph = import_graph(imports, sources)
    cycles = import_cycles(graph)
    assert cycles == [["p.a", "p.b", "p.c"], ["p.e", "p.f"]]
    message = describe_cycles(cycles, graph, imports)
    assert "p.a → p.b → p.c → p.a" in message
    assert "p.c line 2: `from p.a import A` imports p.a (under TYPE_CHECKING)" in message
