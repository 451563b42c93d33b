"""order_core's subpackages import each other one way, in the layers docs/architecture.md lists.

A unit is a subpackage (``order_core/orders/``) or a top-level module (``order_core/tx.py``). Every
import between units, at module level or inside a function, must go from a unit to one on a lower
line of the layer list in docs/architecture.md (units on the same line never import each other),
so the graph has no cycles and the document stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "order_core"
DOC = ROOT / "docs" / "architecture.md"
MARKER = "<!-- order_core layers"


def _unit(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The order_core units a module imports (``order_core.x...`` and ``from order_core import x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "order_core":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("order_core."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("order_core.")
            )
    return found


def _graph() -> dict[str, dict[str, list[str]]]:
    """``{unit: {imported unit: [file:line of the first import, ...]}}`` over all of order_core."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue
        unit = _unit(path)
        edges = graph.setdefault(unit, {})
        for target in _imports(path) - {unit}:
            edges.setdefault(target, []).append(str(path.relative_to(ROOT)))
    return graph


def _documented_layers() -> list[list[str]]:
    """The layer list of docs/architecture.md, top first: the fenced block after the marker."""
    text = DOC.read_text(encoding="utf-8")
    assert MARKER in text, f"{DOC.name} has no '{MARKER}' block"
    block = text.split(MARKER, 1)[1].split("```", 2)[1]
    layers = []
    for line in block.splitlines()[1:]:  # the first line is the fence's info string
        units = line.split("#", 1)[0].replace(",", " ").split()
        if units:
            layers.append(units)
    return layers


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for target in graph.get(unit, {}):
            if target not in index:
                visit(target)
                low[unit] = min(low[unit], low[target])
            elif target in stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def test_the_import_graph_is_read_from_the_code() -> None:
    graph = _graph()
    assert "tx" in graph["orders"]  # a module-level import
    assert "audit" in graph["models"]  # ``from order_core import audit``
    assert "settings" in graph["tax"]  # an import inside a function


def test_order_core_units_import_each_other_without_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_documented_layers_name_every_unit_once() -> None:
    listed = [unit for layer in _documented_layers() for unit in layer]
    assert sorted(listed) == sorted(set(listed)), "a unit is listed twice"
    assert sorted(set(listed) ^ set(_graph())) == []


def test_every_import_goes_down_the_documented_layers() -> None:
    line = {unit: no for no, layer in enumerate(_documented_layers()) for unit in layer}
    upward = [
        f"{where} imports order_core.{target} ({unit} is not above {target})"
        for unit, edges in sorted(_graph().items())
        for target, places in sorted(edges.items())
        if target in line and unit in line and line[unit] >= line[target]
        for where in places[:1]
    ]
    assert upward == []
