"""The README and docs/ point only at files that are in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
_FILE = re.compile(r"`([\w./-]+\.(?:md|py|yaml|yml|json|toml|ini|j2|txt|cfg))`")
_SKIP = {".venv", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules"}


def _repo_files() -> list[Path]:
    return [
        p for p in ROOT.rglob("*") if p.is_file() and not _SKIP & set(p.relative_to(ROOT).parts)
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    targets = [t for t in _LINK.findall(text) if "://" not in t and not t.startswith("mailto:")]
    assert [t for t in targets if not (doc.parent / t).exists()] == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_files_named_in_backticks_exist(doc: Path) -> None:
    names = set(_FILE.findall(doc.read_text(encoding="utf-8")))
    files = _repo_files()
    missing = [
        name
        for name in sorted(names)
        if not (ROOT / name).exists()
        and not (doc.parent / name).exists()
        and not any(p.as_posix().endswith("/" + name.lstrip("./")) for p in files)
    ]
    assert missing == []
