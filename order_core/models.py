"""Imports every table module so ``SQLModel.metadata`` is complete (Alembic and test fixtures use this).

Tables live in ``order_core/<concept>/models.py`` (plus the audit log and the outbox); this module finds
them all, so adding a concept never means editing a central list.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from sqlalchemy import MetaData
from sqlmodel import SQLModel

import order_core
from order_core import audit, outbox

_PACKAGE_DIR = Path(order_core.__file__).resolve().parent


def load_all_models() -> MetaData:
    """Import every ``order_core.<concept>.models`` module and return the complete metadata."""
    for info in pkgutil.iter_modules([str(_PACKAGE_DIR)]):
        if info.ispkg and (_PACKAGE_DIR / info.name / "models.py").exists():
            importlib.import_module(f"order_core.{info.name}.models")
    return SQLModel.metadata


metadata = load_all_models()

__all__ = ["audit", "load_all_models", "metadata", "outbox"]
