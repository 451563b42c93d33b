"""The common ground of the per-target writers: an item to write, what came of it, shared steps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session, SQLModel

from order_core.actors import Actor
from order_core.audit import AuditRow, record_audits
from order_core.errors import Problem
from order_core.rowbatch import table_of
from order_core.sync.records import CrmRecord, Outcome
from order_core.sync.rows import Row, check_row


@dataclass(slots=True)
class Item:
    """One CRM record to write: its values with references resolved to core ids (``*_id``)."""

    record: CrmRecord
    core_id: int | None  # the core record the CRM record is linked to, when it is
    values: dict[str, object]

    @property
    def where(self) -> str:
        """How problems name the record: ``<target> <crm id>``."""
        return f"{self.record.target} {self.record.crm_id}"


@dataclass(frozen=True, slots=True)
class Written:
    """What became of one item: the outcome and the core id it is linked to now."""

    outcome: Outcome
    core_id: int | None
    reason: str = ""


@dataclass
class WriteContext:
    """Everything a writer needs besides its items; audit rows are written once at the end."""

    session: Session
    source: str
    actor: Actor
    now: datetime
    isolate: bool = True  # each target's batch in a savepoint, a refused record found by halving
    audits: list[AuditRow] = field(default_factory=list)

    def audit(
        self,
        action: str,
        entity: str,
        core_id: int,
        changes: dict[str, Any],
        partner_id: int | None,
    ) -> None:
        """Queue an audit entry (``crm_create`` / ``crm_update`` / ``crm_delete`` ...)."""
        self.audits.append((action, entity, core_id, changes, partner_id))

    def flush_audits(self) -> None:
        """Write the queued audit entries in one statement."""
        record_audits(self.session, self.actor, self.audits)
        self.audits = []


Writer = Callable[[WriteContext, Sequence[Item]], list[Written]]


def refused(problems: Iterable[Problem]) -> str:
    """One line for the quarantine from core validation problems."""
    return "; ".join(f"{p.field}: {p.reason}" for p in problems)


def invalid(model: type[SQLModel], item: Item) -> str:
    """The reason the table would refuse the item's values, or "" when it would not."""
    return refused(check_row(model, item.where, item.values))


def changed_owned(current: Row, item: Item, columns: Iterable[str]) -> dict[str, list[object]]:
    """``{column: [old, new]}`` for the CRM-owned columns whose value the record changes."""
    owned = item.record.owned
    out: dict[str, list[object]] = {}
    for column in columns:
        if _field_of(column) not in owned or column not in item.values:
            continue
        new, old = item.values[column], current.get(column)
        if new != old:
            out[column] = [old, new]
    return out


def _field_of(column: str) -> str:
    """The mapping's field name of a core column (``partner_id`` is the ``partner`` reference)."""
    return column.removesuffix("_id") if column.endswith("_id") else column


def new_row(defaults: Mapping[str, object], item: Item, now: datetime) -> Row:
    """A new row: the table's defaults, then every mapped value, then the stamps."""
    row: Row = dict(defaults)
    row.update(item.values)
    if "created_at" in defaults:
        row["created_at"] = now
    if "updated_at" in defaults:
        row["updated_at"] = now
    return row


def defaults_of(model: type[SQLModel], **required: object) -> Row:
    """A new row of ``model`` with every column at the model's default (``required`` fill the rest).

    Worked out once per model and required values (validating a model costs more than a small
    transaction's SQL); each call returns its own copy. Time stamps in it are placeholders:
    ``new_row`` sets ``created_at`` / ``updated_at``.
    """
    return dict(_defaults(model, tuple(sorted(required.items()))))


@lru_cache(maxsize=64)
def _defaults(model: type[SQLModel], required: tuple[tuple[str, object], ...]) -> Row:
    row: Row = model.model_validate(dict(required)).model_dump()
    row.pop("id", None)
    return row


def nulls_to_defaults(model: type[SQLModel], items: Sequence[Item], defaults: Row) -> None:
    """An empty CRM value for a column that cannot be null means the column's default (a deal
    without a stage has the stage "", not none); required columns stay empty and are refused."""
    not_null = _not_nullable(model)
    for item in items:
        values = item.values
        for name in [n for n, v in values.items() if v is None and n in not_null and n in defaults]:
            values[name] = defaults[name]


@lru_cache(maxsize=64)
def _not_nullable(model: type[SQLModel]) -> frozenset[str]:
    return frozenset(c.name for c in table_of(model).columns if not c.nullable)
