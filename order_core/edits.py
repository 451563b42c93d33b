"""Field edits on a record: refuse fields that are not editable, apply, validate, and return the audit diff."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlmodel import SQLModel

from order_core.audit import diff
from order_core.errors import Problem, ValidationFailed

M = TypeVar("M", bound=SQLModel)


def apply_edits(
    record: M,
    changes: Mapping[str, object],
    editable: Sequence[str],
    *,
    label: str,
    validate: Callable[[M], None],
) -> dict[str, Any]:
    """Apply ``changes`` to ``record`` and return ``{field: [old, new]}`` of what really changed.

    Every field outside ``editable`` is named in one ValidationFailed (nothing is applied);
    ``validate`` runs on the edited record and raises for invalid values.
    """
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise ValidationFailed(
            f"{label} is not valid",
            [Problem(label, f, f"is not editable; use {tuple(editable)}") for f in unknown],
        )
    before = record.model_dump()
    for field, value in changes.items():
        setattr(record, field, value)
    validate(record)
    return diff(before, record.model_dump())
