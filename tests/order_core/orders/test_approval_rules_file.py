"""CHANNELSYNC_APPROVAL_RULES_FILE: one approval policy file for quotes and orders, re-read on change."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

import order_core.approval_rules as approval_rules
from order_core.approval_rules import ApprovalRulesFileError, builtin_policy, installed_policy
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order, OrderApproval
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.models import ApprovalRequest, Quote
from order_core.quotes.services import create_quote
from order_core.settings import get_settings
from quote_engine.approvals import ApprovalPolicy, load_approval_policy, policy_from_data
from tests.order_core.orders.world import World

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "approval_rules.yaml"


def _rules_yaml(side: str = "vendor", role: str = "pricing_desk") -> str:
    # The format of examples/approval_rules.yaml: every sale of hardware needs one approval.
    return (
        "policy: hardware review\n"
        "rules:\n"
        "  - name: hardware-review\n"
        "    when: {field: categories, op: contains, value: hardware}\n"
        f"    approver: {{side: {side}, role: {role}}}\n"
    )


def _install(monkeypatch: pytest.MonkeyPatch, path: Path | str) -> None:
    monkeypatch.setenv("CHANNELSYNC_APPROVAL_RULES_FILE", str(path))
    get_settings.cache_clear()


@pytest.fixture
def rules_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A hardware-review policy installed through CHANNELSYNC_APPROVAL_RULES_FILE."""
    path = tmp_path / "approval_rules.yaml"
    path.write_text(_rules_yaml(), encoding="utf-8")
    _install(monkeypatch, path)
    yield path


def _bump(path: Path, text: str) -> None:
    """Rewrite the file with a modification time surely different from the previous one."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 5_000_000_000, before + 5_000_000_000))


def _order(session: Session, world: World, policy: ApprovalPolicy | None = None) -> Order:
    # Bob has no spending limit: the built-in policy asks nothing of one appliance.
    return place_order(
        session=session,
        actor=world.actor(session, world.buyer2),
        lines=[CartItem("HW-1", 1)],
        payment_method="credit_line",
        policy=policy,
    )


def _submitted_quote(session: Session, world: World) -> Quote:
    buyer = world.actor(session, world.buyer2)
    quote = create_quote(world.partner_a, [QuoteLineInput("HW-1", 1)], session=session, actor=buyer)
    assert quote.id is not None
    return submit_quote(quote.id, session=session, actor=buyer)


def test_without_the_setting_quotes_and_orders_use_the_built_in_policy(
    session: Session, world: World
) -> None:
    assert installed_policy() is builtin_policy()
    assert _order(session, world).status == "submitted"
    assert _submitted_quote(session, world).state == "approved"


def test_the_installed_file_decides_the_approvals_of_quotes_and_orders(
    session: Session, world: World, rules_file: Path
) -> None:
    assert installed_policy().name == "hardware review"
    order = _order(session, world)
    assert order.status == "pending_approval"
    steps = session.exec(select(OrderApproval).where(OrderApproval.order_id == order.id)).all()
    assert [(s.side, s.role, s.status) for s in steps] == [("vendor", "pricing_desk", "pending")]
    quote = _submitted_quote(session, world)
    assert quote.state == "pending_approval"
    asked = session.exec(select(ApprovalRequest).where(ApprovalRequest.quote_id == quote.id))
    assert [(r.side, r.role, r.rule) for r in asked] == [
        ("vendor", "pricing_desk", "hardware-review")
    ]


def test_an_explicit_policy_wins_over_the_installed_file(
    session: Session, world: World, rules_file: Path
) -> None:
    nothing = policy_from_data({"rules": []}, "no approvals")
    assert _order(session, world, policy=nothing).status == "submitted"


def test_a_changed_file_is_read_again_and_an_unchanged_one_is_not(
    session: Session, world: World, rules_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []

    def counting(path: str | Path) -> ApprovalPolicy:
        reads.append(str(path))
        return load_approval_policy(path)

    monkeypatch.setattr(approval_rules, "load_approval_policy", counting)
    first = installed_policy()
    assert installed_policy() is first and installed_policy() is first
    assert reads == [str(rules_file)]
    assert _order(session, world).status == "pending_approval"
    _bump(rules_file, "rules: []\n")
    assert _order(session, world).status == "submitted"
    assert reads == [str(rules_file), str(rules_file)]


def test_a_missing_file_refuses_orders_and_quotes_naming_setting_path_and_fix(
    session: Session, world: World, rules_file: Path
) -> None:
    rules_file.unlink()
    with pytest.raises(ApprovalRulesFileError) as err:
        _order(session, world)
    message = err.value.message
    assert message.startswith(f"CHANNELSYNC_APPROVAL_RULES_FILE={rules_file}: ")
    assert "cannot be read" in message and "correct the path" in message
    assert "unset CHANNELSYNC_APPROVAL_RULES_FILE" in message and "\n" not in message
    assert session.exec(select(Order)).first() is None  # nothing half-written
    with pytest.raises(ApprovalRulesFileError):
        _submitted_quote(session, world)


def test_an_invalid_file_is_refused_naming_the_rule(
    session: Session, world: World, rules_file: Path
) -> None:
    _bump(rules_file, _rules_yaml(role="janitor"))
    with pytest.raises(ApprovalRulesFileError) as err:
        _order(session, world)
    message = err.value.message
    assert "CHANNELSYNC_APPROVAL_RULES_FILE" in message and str(rules_file) in message
    assert "'hardware-review'" in message and "correct the file" in message
    assert "\n" not in message
    _bump(rules_file, _rules_yaml())  # corrected: taken at once
    assert _order(session, world).status == "pending_approval"


def test_the_example_file_is_a_valid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, EXAMPLE)
    policy = installed_policy()
    assert policy.name == "example"
    assert "discount-escalation" in [r.name for r in policy.rules]
