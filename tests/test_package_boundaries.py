"""Dependencies between the top-level packages run one way; the sandboxes stay out of the product code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: For each package, the first-party packages it must never import.
FORBIDDEN: dict[str, set[str]] = {
    "quote_engine": {
        "order_core",
        "connector",
        "mappings",
        "dagster_defs",
        "channelsync",
        "crm_sandbox",
    },
    "mappings": {"order_core", "connector", "dagster_defs", "channelsync", "crm_sandbox"},
    "order_core": {"connector", "mappings", "dagster_defs", "channelsync", "crm_sandbox"},
    "connector": {"dagster_defs", "channelsync", "crm_sandbox"},
    "dagster_defs": {"channelsync", "crm_sandbox"},
    "crm_sandbox": {
        "order_core",
        "connector",
        "mappings",
        "dagster_defs",
        "channelsync",
        "quote_engine",
    },
}
#: Third-party libraries that only the outer packages may use (the core stays free of I/O clients).
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "quote_engine": {"dagster", "simple_salesforce", "hubspot", "requests", "httpx"},
    "order_core": {"dagster", "simple_salesforce", "hubspot", "requests", "httpx"},
    "mappings": {"dagster", "simple_salesforce", "hubspot", "requests", "httpx", "sqlalchemy"},
}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_run_one_way(package: str) -> None:
    forbidden = FORBIDDEN[package] | FORBIDDEN_THIRD_PARTY.get(package, set())
    offenders = [
        f"{path.relative_to(ROOT)} imports {root}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for root in sorted(_imported_roots(path) & forbidden)
    ]
    assert offenders == []
