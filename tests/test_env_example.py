"""``.env.example`` lists every setting of every pydantic-settings class, and nothing else."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "channelsync",
    "connector",
    "crm_sandbox",
    "dagster_defs",
    "mappings",
    "order_core",
    "quote_engine",
)
# A setting line, set or commented out: ``CHANNELSYNC_X=...`` or ``# CHANNELSYNC_X=...``.
_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")


def _settings_classes() -> list[type[BaseSettings]]:
    """Every class in the first-party packages that derives from pydantic-settings' BaseSettings."""
    found: list[type[BaseSettings]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and n.bases]
            if not names or "BaseSettings" not in path.read_text(encoding="utf-8"):
                continue
            module = importlib.import_module(
                ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            )
            for name in names:
                cls = getattr(module, name)
                if isinstance(cls, type) and issubclass(cls, BaseSettings):
                    found.append(cls)
    return found


def _env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = set()
    for name, info in cls.model_fields.items():
        alias = info.validation_alias or info.alias
        names.add(alias.upper() if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def _example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return [m.group(1) for line in text.splitlines() if (m := _LINE.match(line.strip()))]


def test_the_settings_classes_are_found() -> None:
    from order_core.settings import CoreSettings

    assert CoreSettings in _settings_classes()


def test_env_example_lists_every_setting() -> None:
    listed = set(_example_names())
    missing = sorted(n for cls in _settings_classes() for n in _env_names(cls) - listed)
    assert missing == []


def test_env_example_lists_nothing_unknown() -> None:
    known = {n for cls in _settings_classes() for n in _env_names(cls)}
    assert sorted(set(_example_names()) - known) == []


def test_sql_echo_setting_reaches_every_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from order_core.db import make_engine
    from order_core.settings import get_settings

    url = f"sqlite:///{tmp_path / 'echo.db'}"
    try:
        monkeypatch.setenv("CHANNELSYNC_SQL_ECHO", "true")
        get_settings.cache_clear()
        assert make_engine(url).echo is True
        assert make_engine(url, echo=False).echo is False  # an explicit choice wins
        monkeypatch.setenv("CHANNELSYNC_SQL_ECHO", "false")
        get_settings.cache_clear()
        assert make_engine(url).echo is False
    finally:
        get_settings.cache_clear()
