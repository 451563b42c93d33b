"""Domain errors: what a user can get wrong, each with a message naming the record, field and fix."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a user can cause; ``message`` is safe to show as is (no secrets)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The record does not exist, or is not visible to the acting user (never says which)."""


class AccessDenied(DomainError):
    """The acting user may not do this."""


class ConflictError(DomainError):
    """The change conflicts with existing data (duplicate key, stale version)."""


class InvalidTransition(DomainError):
    """A state change the state machine does not allow."""


class ProductNotAuthorized(DomainError):
    """The partner may not buy this product."""


class CreditExceeded(DomainError):
    """The order does not fit the available credit."""


@dataclass(frozen=True)
class Problem:
    """One validation problem: where (record / line), which field, and what is wrong."""

    record: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.reason}"


class ValidationFailed(DomainError):
    """Input did not validate; ``problems`` lists every problem found, not only the first."""

    def __init__(self, summary: str, problems: list[Problem]) -> None:
        lines = [summary, *(f"  - {p}" for p in problems)]
        super().__init__("\n".join(lines))
        self.problems = problems


def invalid(record: str, field: str, reason: str) -> ValidationFailed:
    """A one-problem :class:`ValidationFailed` (the common case)."""
    return ValidationFailed(f"{record} is not valid", [Problem(record, field, reason)])
