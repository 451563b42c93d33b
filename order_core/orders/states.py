"""The order state machine: every status, and the explicit table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum

from order_core.errors import InvalidTransition


class OrderStatus(StrEnum):
    """Every status an order can be in."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    CREDIT_REVIEW = "credit_review"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    FULFILLED = "fulfilled"
    INVOICED = "invoiced"
    PAID = "paid"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"


S = OrderStatus

# The only transitions there are. on_hold resumes only to the status it was held from
# (checked in addition by the hold/resume service); everything else is refused.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.DRAFT: frozenset({S.PENDING_APPROVAL, S.CREDIT_REVIEW, S.SUBMITTED, S.CANCELLED}),
    S.PENDING_APPROVAL: frozenset({S.DRAFT, S.CREDIT_REVIEW, S.SUBMITTED, S.ON_HOLD, S.CANCELLED}),
    S.CREDIT_REVIEW: frozenset({S.SUBMITTED, S.ON_HOLD, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.ON_HOLD, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.FULFILLED, S.ON_HOLD, S.CANCELLED}),
    S.FULFILLED: frozenset({S.INVOICED}),
    S.INVOICED: frozenset({S.PAID, S.PARTIALLY_REFUNDED}),
    S.PAID: frozenset({S.PARTIALLY_REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PAID}),
    S.ON_HOLD: frozenset(
        {S.PENDING_APPROVAL, S.CREDIT_REVIEW, S.SUBMITTED, S.ACCEPTED, S.CANCELLED}
    ),
    S.CANCELLED: frozenset(),
}

# Statuses from which an order may be put on hold, and which keep a credit hold open.
HOLDABLE = frozenset({S.PENDING_APPROVAL, S.CREDIT_REVIEW, S.SUBMITTED, S.ACCEPTED})
CREDIT_HELD = frozenset({S.SUBMITTED, S.ACCEPTED, S.FULFILLED})


def check_transition(number: str, current: str, target: str) -> None:
    """Refuse a transition the table does not list, naming the order, both statuses and the options."""
    source = OrderStatus(current)
    wanted = OrderStatus(target)
    if wanted not in TRANSITIONS[source]:
        options = ", ".join(sorted(s.value for s in TRANSITIONS[source])) or "none (final status)"
        raise InvalidTransition(
            f"order {number} field status: cannot go from {source.value} to {wanted.value}; "
            f"allowed from {source.value}: {options}"
        )
