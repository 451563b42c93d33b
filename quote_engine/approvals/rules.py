"""The approval-rule model: one rule (a single step or escalating thresholds) validated at load."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from quote_engine.approvals.fields import APPROVAL_FIELDS
from quote_engine.conditions import (
    FieldType,
    Node,
    Predicate,
    compile_condition,
    fields_of,
    parse_condition,
)

# Mirrors order_core.actors (quote_engine may not import order_core); a test keeps them equal.
VENDOR_ROLES = frozenset(
    {"admin", "sales_ops", "pricing_desk", "credit_controller", "vp_sales", "finance"}
)
PARTNER_ROLES = frozenset({"buyer", "approver", "admin"})
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """Parse ``90m``, ``48h``, ``3d`` or ``2w`` into a positive timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"duration {text!r} is not like 90m, 48h, 3d or 2w (and above zero)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class ApprovalSide(StrEnum):
    """Who approves: someone at the partner company or at the vendor."""

    PARTNER = "partner"
    VENDOR = "vendor"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Approver(_Strict):
    """A side and role, with an optional expiry for an unanswered request (``48h``, ``3d``)."""

    side: ApprovalSide
    role: str = Field(min_length=1)
    expires_after: str | None = None

    @field_validator("expires_after")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _known_role(self) -> Self:
        known = VENDOR_ROLES if self.side is ApprovalSide.VENDOR else PARTNER_ROLES
        if self.role not in known:
            raise ValueError(
                f"role {self.role!r} is not a {self.side.value} role; use one of {', '.join(sorted(known))}"
            )
        return self


class Level(Approver):
    """One escalation level: needed when the field is strictly above ``above``."""

    above: Annotated[Decimal, Field(allow_inf_nan=False)]


class Escalation(_Strict):
    """Escalating thresholds on one numeric field.

    ``cumulative``: every level passed adds its step (pricing desk, then the VP);
    ``highest``: only the highest level passed.
    """

    field: str
    mode: Literal["cumulative", "highest"] = "cumulative"
    levels: tuple[Level, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        ftype = APPROVAL_FIELDS.get(self.field)
        if ftype not in (FieldType.DECIMAL, FieldType.INTEGER):
            raise ValueError(f"escalate.field {self.field!r} must be a numeric approval field")
        bounds = [lvl.above for lvl in self.levels]
        if bounds != sorted(set(bounds)):
            raise ValueError("escalate.levels must have strictly ascending 'above' values")
        return self

    def passed(self, facts: dict[str, object]) -> tuple[Level, ...]:
        """The levels whose threshold the subject's value is strictly above."""
        value = facts.get(self.field)
        if not isinstance(value, Decimal | int):
            return ()
        hit = tuple(lvl for lvl in self.levels if value > lvl.above)
        return hit[-1:] if self.mode == "highest" else hit


class ApprovalRule(_Strict):
    """A rule: when ``when`` holds (absent = always), it needs ``approver`` or the ``escalate`` levels.

    ``sequence`` orders the resulting steps across rules (lower first; ties keep file order).
    """

    name: str = Field(min_length=1)
    description: str = ""
    applies_to: tuple[Literal["quote", "order"], ...] = ("quote", "order")
    sequence: int = 100
    when: dict[str, object] | None = None
    approver: Approver | None = None
    escalate: Escalation | None = None

    _predicate: Predicate | None = PrivateAttr(default=None)
    _fields: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("when")
    @classmethod
    def _check_when(cls, raw: dict[str, object] | None) -> dict[str, object] | None:
        if raw is not None:
            parse_condition(raw, fields=APPROVAL_FIELDS)
        return raw

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.approver is None) == (self.escalate is None):
            raise ValueError("set exactly one of 'approver' or 'escalate'")
        if not self.applies_to:
            raise ValueError("applies_to needs quote and/or order")
        node: Node | None = None
        if self.when is not None:
            node = parse_condition(self.when, fields=APPROVAL_FIELDS)
        self._predicate = compile_condition(node) if node is not None else None
        fields = fields_of(node) if node is not None else set()
        if self.escalate is not None:
            fields.add(self.escalate.field)
        self._fields = frozenset(fields)
        return self

    @property
    def fields(self) -> frozenset[str]:
        """The subject fields this rule reads."""
        return self._fields

    def matches(self, facts: dict[str, object]) -> bool:
        """True when the rule's condition holds for ``facts`` (escalation levels checked apart)."""
        return self._predicate is None or self._predicate(facts)
