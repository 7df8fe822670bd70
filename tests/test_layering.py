"""Dependencies run one way: no circle between the project's modules, and no package imports one
above it. Imports are read from the source with `ast`, so an import inside a function or under
TYPE_CHECKING counts as much as one at the top of a file."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [name.removesuffix("*") for name in tomllib.loads((ROOT / "pyproject.toml").read_text(
    "utf-8"))["tool"]["setuptools"]["packages"]["find"]["include"]]
TOP_LEVEL = [*PACKAGES, "bench", "scripts", "tests"]

# Bottom first. A module may import its own unit and the units of lower layers only, so units
# on one layer know nothing of each other. A module belongs to the unit of its longest prefix.
LAYERS: list[set[str]] = [
    {"geo"},  # the spatial core and its storage
    {"membership", "maps", "ogc", "seed", "yizhan.cluster"},
    {"officers", "visits", "yizhan.settings"},  # officers see members; visits count at stations
    # Alembic's environment gathers every package's tables into one schema.
    {"geo.migrations"},
    {"api"},
    {"yizhan"},  # the command line
]
# Drivers of everything, below nothing: only their circles are checked.
OUTSIDE = {"bench", "scripts", "tests"}


def modules() -> dict[str, Path]:
    found = {}
    for top in TOP_LEVEL:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(module: str, path: Path) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports."""
    known = modules()

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        targets = {resolve(name) for name in imported_names(module, path)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def unit_of(module: str) -> str | None:
    units = [u for layer in LAYERS for u in layer] + sorted(OUTSIDE)
    matches = [u for u in units if module == u or module.startswith(u + ".")]
    return max(matches, key=len) if matches else None


def layer_of(unit: str) -> int:
    return next(n for n, layer in enumerate(LAYERS) if unit in layer)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        unit = unit_of(module)
        if unit is None or unit in OUTSIDE:
            continue
        for target in sorted(targets):
            other = unit_of(target)
            if other == unit:
                continue
            if other is None or other in OUTSIDE or layer_of(other) >= layer_of(unit):
                wrong.append(f"{module} ({unit}) imports {target} ({other})")
    return wrong


def test_no_circle_between_modules() -> None:
    assert circles(import_graph()) == []


def test_no_package_imports_one_above_it_or_beside_it() -> None:
    assert upward_imports(import_graph()) == []


def test_every_package_has_a_layer() -> None:
    assert [m for m in import_graph() if unit_of(m) is None] == []
    assert {"geo", "api", "membership", "yizhan"} <= set(PACKAGES)


def test_the_checks_see_a_circle_and_an_upward_import() -> None:
    """The checks themselves, on a made-up graph: they must not pass by seeing nothing."""
    graph = {"geo.a": {"geo.b"}, "geo.b": {"geo.a", "api.app"}, "api.app": {"geo.a"}}
    assert circles(graph) == [["api.app", "geo.a", "geo.b"]]
    assert upward_imports(graph) == ["geo.b (geo) imports api.app (api)"]
    assert "geo.db" in import_graph()["yizhan.cluster"]  # an import inside a function counts
