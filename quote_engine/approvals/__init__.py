"""Approval policy: rules on any field of a quote or order -> the ordered approval steps it needs.

Public API::

    policy = load_approval_policy("approval_rules.yaml")   # or default_approval_policy()
    steps = policy.required_steps(ApprovalSubject(kind="quote", currency="USD", total=...))
"""

from quote_engine.approvals.delegation import Availability, expires_at, resolve_delegate
from quote_engine.approvals.errors import ApprovalPolicyError
from quote_engine.approvals.policy import (
    ApprovalPolicy,
    ApprovalStep,
    default_approval_policy,
    load_approval_policy,
    policy_from_data,
)
from quote_engine.approvals.rules import (
    PARTNER_ROLES,
    VENDOR_ROLES,
    ApprovalRule,
    ApprovalSide,
    parse_duration,
)
from quote_engine.approvals.subject import ApprovalSubject

__all__ = [
    "PARTNER_ROLES",
    "VENDOR_ROLES",
    "ApprovalPolicy",
    "ApprovalPolicyError",
    "ApprovalRule",
    "ApprovalSide",
    "ApprovalStep",
    "ApprovalSubject",
    "Availability",
    "default_approval_policy",
    "expires_at",
    "load_approval_policy",
    "parse_duration",
    "policy_from_data",
    "resolve_delegate",
]
