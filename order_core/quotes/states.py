"""The quote state machine: which state changes are allowed."""

from __future__ import annotations

from enum import StrEnum

from order_core.errors import InvalidTransition


class QuoteState(StrEnum):
    """States of a quote version."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


S = QuoteState
_NEXT: dict[QuoteState, frozenset[QuoteState]] = {
    S.DRAFT: frozenset({S.PENDING_APPROVAL, S.APPROVED, S.EXPIRED, S.SUPERSEDED}),
    S.PENDING_APPROVAL: frozenset(
        {S.PENDING_APPROVAL, S.APPROVED, S.DRAFT, S.REJECTED, S.EXPIRED, S.SUPERSEDED}
    ),
    S.APPROVED: frozenset({S.PENDING_APPROVAL, S.SENT, S.EXPIRED, S.SUPERSEDED}),
    S.SENT: frozenset({S.ACCEPTED, S.REJECTED, S.EXPIRED, S.SUPERSEDED}),
    S.ACCEPTED: frozenset(),
    S.REJECTED: frozenset({S.SUPERSEDED}),
    S.EXPIRED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}
EDITABLE = frozenset({S.DRAFT, S.PENDING_APPROVAL, S.APPROVED})
OPEN = frozenset({S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.SENT})


def check_transition(label: str, current: str, target: QuoteState) -> None:
    """Refuse a state change the machine does not allow, naming the quote and both states."""
    allowed = _NEXT[QuoteState(current)]
    if target not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none (final state)"
        raise InvalidTransition(
            f"quote {label} is {current} and cannot become {target.value}; allowed next: {options}"
        )
