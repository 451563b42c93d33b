"""Approval policy: thresholds, escalation, ordering, merging, kinds, sets, delegation and expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from order_core import actors
from quote_engine.approvals import (
    PARTNER_ROLES,
    VENDOR_ROLES,
    ApprovalSide,
    ApprovalStep,
    ApprovalSubject,
    Availability,
    default_approval_policy,
    expires_at,
    load_approval_policy,
    policy_from_data,
    resolve_delegate,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "approval_rules.yaml"


def subject(**fields: object) -> ApprovalSubject:
    base: dict[str, object] = {"kind": "quote", "currency": "USD", "total": Decimal("1000")}
    base.update(fields)
    return ApprovalSubject.model_validate(base)


def roles(steps: list[ApprovalStep]) -> list[tuple[int, str, str]]:
    return [(s.order, s.side.value, s.role) for s in steps]


def test_roles_mirror_order_core_actors() -> None:
    assert VENDOR_ROLES == actors.VENDOR_ROLES
    assert PARTNER_ROLES == actors.PARTNER_ROLES


def test_small_quote_needs_no_approval() -> None:
    policy = default_approval_policy()
    assert policy.required_steps(subject(max_line_extra_discount_pct=Decimal("20"))) == []


def test_discount_threshold_is_strictly_above() -> None:
    policy = default_approval_policy()
    assert policy.required_steps(subject(max_line_extra_discount_pct=Decimal("20"))) == []
    steps = policy.required_steps(subject(max_line_extra_discount_pct=Decimal("20.01")))
    assert roles(steps) == [(1, "vendor", "pricing_desk")]
    assert steps[0].expires_after == timedelta(days=2)
    assert "max_line_extra_discount_pct 20.01 above 20" in steps[0].reason


def test_escalation_is_cumulative_and_ordered() -> None:
    policy = default_approval_policy()
    steps = policy.required_steps(subject(max_line_extra_discount_pct=Decimal("41")))
    assert roles(steps) == [(1, "vendor", "pricing_desk"), (2, "vendor", "vp_sales")]


def test_highest_mode_keeps_only_the_top_level() -> None:
    policy = policy_from_data(
        {
            "rules": [
                {
                    "name": "disc",
                    "escalate": {
                        "field": "max_line_discount_pct",
                        "mode": "highest",
                        "levels": [
                            {"above": 10, "side": "vendor", "role": "sales_ops"},
                            {"above": 20, "side": "vendor", "role": "pricing_desk"},
                            {"above": 30, "side": "vendor", "role": "vp_sales"},
                        ],
                    },
                }
            ]
        },
        "inline",
    )
    assert roles(policy.required_steps(subject(max_line_discount_pct=Decimal(25)))) == [
        (1, "vendor", "pricing_desk")
    ]


def test_buyer_limit_partner_step_comes_first_and_vp_over_100k() -> None:
    policy = default_approval_policy()
    steps = policy.required_steps(
        subject(
            total=Decimal("150000"),
            buyer_spending_limit=Decimal("50000"),
            max_line_extra_discount_pct=Decimal("25"),
        )
    )
    assert roles(steps) == [
        (1, "partner", "approver"),
        (2, "vendor", "pricing_desk"),
        (3, "vendor", "vp_sales"),
    ]
    assert steps[0].side is ApprovalSide.PARTNER
    assert steps[2].rule == "large-deal-vp"


def test_buyer_within_limit_or_without_limit_needs_nothing() -> None:
    policy = default_approval_policy()
    assert policy.required_steps(subject(buyer_spending_limit=Decimal("1000"))) == []
    assert policy.required_steps(subject(total=Decimal("99999"))) == []


def test_vp_threshold_depends_on_currency() -> None:
    policy = default_approval_policy()
    assert policy.required_steps(subject(currency="JPY", total=Decimal("200000"))) == []
    steps = policy.required_steps(subject(currency="JPY", total=Decimal("15000001")))
    assert roles(steps) == [(1, "vendor", "vp_sales")]


def test_same_role_from_two_rules_is_one_step_naming_both() -> None:
    policy = default_approval_policy()
    steps = policy.required_steps(
        subject(max_line_extra_discount_pct=Decimal("30"), floor_breached_lines=2)
    )
    assert roles(steps) == [(1, "vendor", "pricing_desk")]
    assert steps[0].rule == "discount-escalation, below-floor"
    assert "below its floor" in steps[0].reason


def test_missing_margin_never_matches_an_ordering_condition() -> None:
    policy = load_approval_policy(EXAMPLE)
    assert policy.required_steps(subject(margin_pct=None)) == []
    assert roles(policy.required_steps(subject(margin_pct=Decimal("-0.5")))) == [
        (1, "vendor", "pricing_desk")
    ]
    registered = subject(margin_pct=Decimal("-0.5"), deal_registered=True)
    assert policy.required_steps(registered) == []


def test_example_file_sets_kinds_and_attributes() -> None:
    policy = load_approval_policy(EXAMPLE)
    export = subject(kind="order", skus=("HW-CORE-1000", "X"), customer_country="BR")
    assert roles(policy.required_steps(export)) == [(1, "vendor", "sales_ops")]
    assert policy.required_steps(export.model_copy(update={"kind": "quote"})) == []
    assert policy.required_steps(export.model_copy(update={"customer_country": "US"})) == []
    assert policy.required_steps(export.model_copy(update={"skus": ("X",)})) == []
    big = subject(total=Decimal("100000.01"))
    steps = policy.required_steps(big)
    assert roles(steps) == [(1, "vendor", "vp_sales")]
    assert steps[0].expires_after == timedelta(days=3)  # the file's default


def test_attribute_and_set_operators() -> None:
    policy = policy_from_data(
        {
            "default_expires_after": "90m",
            "rules": [
                {
                    "name": "segment",
                    "when": {"field": "attr.segment", "op": "eq", "value": "public"},
                    "approver": {"side": "vendor", "role": "finance"},
                },
                {
                    "name": "category",
                    "when": {"field": "categories", "op": "contains", "value": "hardware"},
                    "approver": {"side": "vendor", "role": "sales_ops", "expires_after": "1w"},
                },
                {
                    "name": "no-sw",
                    "when": {"field": "categories", "op": "not_in", "value": ["software"]},
                    "approver": {"side": "partner", "role": "admin"},
                },
            ],
        },
        "inline",
    )
    steps = policy.required_steps(
        subject(attributes={"segment": "public"}, categories=("hardware", "software"))
    )
    assert roles(steps) == [(1, "vendor", "finance"), (2, "vendor", "sales_ops")]
    assert steps[0].expires_after == timedelta(minutes=90)
    assert steps[1].expires_after == timedelta(weeks=1)
    assert roles(policy.required_steps(subject())) == [(1, "partner", "admin")]


def test_delegation_follows_substitutes_while_away() -> None:
    away = {
        "ann": Availability("ann", away_until=date(2026, 12, 10), substitute="bob"),
        "bob": Availability(
            "bob", away_until=date(2026, 12, 5), substitute="cid", away_from=date(2026, 12, 1)
        ),
    }
    assert resolve_delegate("ann", away, date(2026, 11, 27)) == "bob"
    assert resolve_delegate("ann", away, date(2026, 12, 2)) == "cid"
    assert resolve_delegate("ann", away, date(2026, 12, 11)) == "ann"
    assert resolve_delegate("zed", away, date(2026, 12, 2)) == "zed"


def test_delegation_loop_or_no_substitute_keeps_the_approver() -> None:
    loop = {
        "ann": Availability("ann", away_until=date(2026, 12, 31), substitute="bob"),
        "bob": Availability("bob", away_until=date(2026, 12, 31), substitute="ann"),
        "eve": Availability("eve", away_until=date(2026, 12, 31)),
    }
    assert resolve_delegate("ann", loop, date(2026, 12, 1)) == "ann"
    assert resolve_delegate("eve", loop, date(2026, 12, 1)) == "eve"


def test_expiry_moment_of_a_step() -> None:
    step = default_approval_policy().required_steps(
        subject(max_line_extra_discount_pct=Decimal(50))
    )[1]
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert expires_at(start, step.expires_after) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert step.to_jsonable()["expires_after_seconds"] == 3 * 86400


def test_subject_rejects_unknown_currency() -> None:
    with pytest.raises(ValueError, match="XXX"):
        subject(currency="XXX")
