"""Promotion rules on orders: the installed rules file prices orders as it prices quotes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

import order_core.pricing_rules as pricing_rules
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order, OrderLine
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.pricing_rules import PricingRulesFileError, installed_rules
from order_core.quotes.models import QuoteLine
from order_core.quotes.services import create_quote
from order_core.settings import get_settings
from quote_engine.pricing import RuleSet, load_rules, rules_from_data
from tests.order_core.orders.world import World

RULE = "hw-1-promo"


def _rules_yaml(percent: str, name: str = RULE) -> str:
    # The format of examples/pricing_rules.yaml: one additive rule on SKU HW-1.
    return (
        "rules:\n"
        f"  - name: {name}\n"
        "    description: appliance promotion\n"
        "    priority: 10\n"
        "    stacking: additive\n"
        "    when: {field: product.sku, op: eq, value: HW-1}\n"
        f'    action: {{percent_off: "{percent}"}}\n'
    )


@pytest.fixture
def rules_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 10 % off HW-1 rules file, installed through CHANNELSYNC_PRICING_RULES_FILE."""
    path = tmp_path / "pricing_rules.yaml"
    path.write_text(_rules_yaml("10"), encoding="utf-8")
    monkeypatch.setenv("CHANNELSYNC_PRICING_RULES_FILE", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def no_rules_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No installed rules file, whatever the environment says."""
    monkeypatch.setenv("CHANNELSYNC_PRICING_RULES_FILE", "")  # empty: unset, even over .env
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _order(session: Session, world: World, rules: RuleSet | None = None) -> Order:
    return place_order(
        session=session,
        actor=world.actor(session, world.buyer),
        lines=[CartItem("LIC-1", 1), CartItem("HW-1", 2)],
        payment_method="credit_line",
        rules=rules,
    )


def _lines(session: Session, order: Order) -> dict[str, OrderLine]:
    rows = session.exec(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no))
    ).all()
    return {ln.sku: ln for ln in rows}


def _rule_steps(line: OrderLine) -> list[dict[str, object]]:
    return [s for s in json.loads(line.trace) if s["step"] == "promotion_rule"]


def _bump(path: Path, text: str) -> None:
    """Rewrite the file with a modification time surely different from the previous one."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 5_000_000_000, before + 5_000_000_000))


def test_without_a_rules_file_orders_have_no_promotion(
    session: Session, world: World, no_rules_file: None
) -> None:
    assert installed_rules() is None
    lines = _lines(session, _order(session, world))
    # 20 % program buy price off list: 200 -> 160.
    assert lines["HW-1"].unit_net == Decimal("160.00")
    assert _rule_steps(lines["HW-1"]) == []


def test_installed_rules_take_10_percent_off_the_order_line_and_trace_it(
    session: Session, world: World, rules_file: Path
) -> None:
    order = _order(session, world)
    lines = _lines(session, order)
    assert lines["HW-1"].unit_net == Decimal("144.00")  # 160 less 10 %
    assert lines["HW-1"].line_total == Decimal("288.00")
    assert lines["LIC-1"].unit_net == Decimal("80.00")  # the rule is for HW-1 only
    assert _rule_steps(lines["LIC-1"]) == []
    [step] = _rule_steps(lines["HW-1"])
    assert step["rule"] == RULE
    assert Decimal(str(step["before"])) == 160 and Decimal(str(step["after"])) == 144
    assert order.net_total == Decimal("368.00")


def test_a_quote_of_the_same_cart_costs_the_same(
    session: Session, world: World, rules_file: Path
) -> None:
    buyer = world.actor(session, world.buyer)
    quote = create_quote(
        world.partner_a,
        [QuoteLineInput("LIC-1", 1), QuoteLineInput("HW-1", 2)],
        session=session,
        actor=buyer,
    )
    quoted = {
        q.sku: q.unit_net
        for q in session.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id)).all()
    }
    ordered = {sku: ln.unit_net for sku, ln in _lines(session, _order(session, world)).items()}
    assert quoted == ordered == {"LIC-1": Decimal("80.00"), "HW-1": Decimal("144.00")}
    assert quote.net_total == Decimal("368.00")


def test_a_changed_file_is_picked_up_by_the_next_order(
    session: Session, world: World, rules_file: Path
) -> None:
    first = _lines(session, _order(session, world))["HW-1"]
    assert first.unit_net == Decimal("144.00")
    _bump(rules_file, _rules_yaml("25", name="hw-1-deeper"))
    second = _lines(session, _order(session, world))["HW-1"]
    assert second.unit_net == Decimal("120.00")  # 160 less 25 %
    assert [s["rule"] for s in _rule_steps(second)] == ["hw-1-deeper"]


def test_an_unchanged_file_is_not_read_again(
    rules_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []

    def counting(path: str | Path) -> RuleSet:
        reads.append(str(path))
        return load_rules(path)

    monkeypatch.setattr(pricing_rules, "load_rules", counting)
    first = installed_rules()
    assert installed_rules() is first and installed_rules() is first
    assert reads == [str(rules_file)]
    _bump(rules_file, _rules_yaml("5"))
    changed = installed_rules()
    assert changed is not first and installed_rules() is changed
    assert reads == [str(rules_file), str(rules_file)]


def test_an_explicit_rule_set_wins_over_the_installed_file(
    session: Session, world: World, rules_file: Path
) -> None:
    explicit = rules_from_data(
        [
            {
                "name": "explicit-hw",
                "when": {"field": "product.sku", "op": "eq", "value": "HW-1"},
                "action": {"percent_off": "50"},
            }
        ],
        "test",
    )
    line = _lines(session, _order(session, world, rules=explicit))["HW-1"]
    assert line.unit_net == Decimal("80.00")  # 160 less 50 %, not 10 %
    assert [s["rule"] for s in _rule_steps(line)] == ["explicit-hw"]
    none = _lines(session, _order(session, world, rules=RuleSet([], source="none")))["HW-1"]
    assert none.unit_net == Decimal("160.00") and _rule_steps(none) == []


def test_a_missing_file_refuses_the_order_naming_setting_path_and_fix(
    session: Session, world: World, rules_file: Path
) -> None:
    rules_file.unlink()
    with pytest.raises(PricingRulesFileError) as err:
        _order(session, world)
    message = err.value.message
    assert "CHANNELSYNC_PRICING_RULES_FILE" in message and str(rules_file) in message
    assert "correct the path" in message and "\n" not in message
    assert session.exec(select(Order)).first() is None


def test_an_invalid_file_refuses_quotes_and_orders_naming_the_rule(
    session: Session, world: World, rules_file: Path
) -> None:
    _bump(rules_file, "rules:\n  - name: broken\n    action: {percent_off: lots}\n")
    with pytest.raises(PricingRulesFileError) as err:
        _order(session, world)
    message = err.value.message
    assert "CHANNELSYNC_PRICING_RULES_FILE" in message and str(rules_file) in message
    assert "'broken'" in message and "correct the file" in message
    with pytest.raises(PricingRulesFileError):
        create_quote(
            world.partner_a,
            [QuoteLineInput("HW-1", 1)],
            session=session,
            actor=world.actor(session, world.buyer),
        )
