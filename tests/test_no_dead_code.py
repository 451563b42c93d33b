"""Every module-level function, class and constant of the product code is used somewhere.

Used means named anywhere in the repository's Python (product code, tests, benchmarks,
migrations) or its templates, other than by its own definition; a ``"module:attribute"`` string
(an entry point, a lazily imported CLI command) names its attribute. Decorated functions are left
out: the decorator registers them (CLI commands, validators, event listeners).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("order_core", "quote_engine", "channelsync")
SEARCHED = (
    *CHECKED,
    "connector",
    "crm_sandbox",
    "dagster_defs",
    "mappings",
    "tests",
    "bench",
    "migrations",
)
_TARGET = re.compile(r"[\w.]+:(\w+)")


def _python_files(packages: tuple[str, ...]) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def _names_used() -> set[str]:
    used: set[str] = set()
    for path in _python_files(SEARCHED):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.alias):
                used.add(node.name.rsplit(".", 1)[-1])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                target = _TARGET.fullmatch(node.value)
                if target:
                    used.add(target.group(1))
    return used


def _definitions(path: Path) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not node.decorator_list:
                found.append((node.name, node.lineno))
        elif isinstance(node, ast.Assign):
            found.extend((t.id, node.lineno) for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found.append((node.target.id, node.lineno))
    return [(name, line) for name, line in found if not name.startswith("__")]


def test_no_unused_module_level_definitions() -> None:
    used = _names_used()
    templates = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.glob("*/**/*.j2"))
    unused = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in _python_files(CHECKED)
        for name, line in _definitions(path)
        if name not in used and name not in templates
    ]
    assert unused == []
