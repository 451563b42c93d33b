"""Creating, pricing, editing, revising and copying quotes; partner isolation of every read."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import select

from order_core.audit import audit_trail
from order_core.errors import DomainError, InvalidTransition, NotFoundError, ProductNotAuthorized
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.content import hash_text
from order_core.quotes.models import Quote
from order_core.quotes.services import (
    copy_quote,
    create_quote,
    create_quote_from_deal,
    get_quote,
    get_quote_by_number,
    list_quotes,
    quote_lines,
    revise_quote,
    update_quote,
)
from tests.order_core.quotes.conftest import World

LINES = [QuoteLineInput("SW-100", 2), QuoteLineInput("HW-200", 3)]


def test_create_prices_through_the_waterfall_and_stores_content(world: World) -> None:
    quote = create_quote(
        world.reseller,
        LINES,
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    assert (quote.number, quote.version, quote.state) == ("Q-000001", 1, "draft")
    # list 1000 -> 10 % program buy price -> 5 % distributor terms = 855; 250.50 -> 214.1775 -> 214.18
    rows = quote_lines(quote.id or 0, session=world.session, actor=world.sales)
    assert [(r.sku, r.quantity, r.unit_net, r.line_total) for r in rows] == [
        ("SW-100", 2, Decimal("855.00"), Decimal("1710.00")),
        ("HW-200", 3, Decimal("214.18"), Decimal("642.54")),
    ]
    assert quote.list_total == Decimal("2751.50")
    assert quote.net_total == Decimal("2352.54")
    assert quote.max_line_discount_pct == Decimal("14.50")
    # The standard program + distributor discount is not "extra"; HW-200 nets 0.0025 above buy.
    assert quote.max_line_extra_discount_pct == Decimal("0.00")
    assert quote.distributor_id == world.distributor
    assert quote.content_hash == hash_text(quote.content)
    content = json.loads(quote.content)
    assert content["terms"]["end_customer_id"] == world.customer
    steps = [t["step"] for t in content["priced"]["lines"][0]["trace"]]
    assert steps[:3] == ["list_price", "buy_price", "distributor_terms"]
    crm = world.events("crm.quote")
    assert crm[-1]["number"] == "Q-000001" and crm[-1]["event"] == "created"
    assert world.events("prm.webhook")[-1]["event"] == "quote.created"
    assert [e.action for e in audit_trail(world.session, "quote", quote.id)] == ["create_quote"]


def test_numbers_are_sequential(world: World) -> None:
    first = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    second = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    assert (first.number, second.number) == ("Q-000001", "Q-000002")


def test_create_from_deal_applies_the_registration(world: World) -> None:
    quote = create_quote_from_deal(
        world.deal, [QuoteLineInput("SW-100", 1)], session=world.session, actor=world.sales
    )
    assert (quote.deal_id, quote.end_customer_id, quote.currency) == (
        world.deal,
        world.customer,
        "USD",
    )
    line = json.loads(quote.content)["priced"]["lines"][0]
    assert "deal_registration" in [t["step"] for t in line["trace"]]
    assert Decimal(line["unit_net"]) < Decimal("855.00")
    assert world.events("crm.quote")[-1]["deal_crm_id"] == "006A"


def test_unauthorized_product_is_refused_and_nothing_is_written(world: World) -> None:
    with pytest.raises(ProductNotAuthorized, match="HW-200"):
        create_quote(world.other, LINES, session=world.session, actor=world.sales)
    assert world.session.exec(select(Quote)).all() == []


def test_missing_price_in_currency_is_a_domain_error(world: World) -> None:
    with pytest.raises(DomainError, match="EUR"):
        create_quote(
            world.reseller, LINES, session=world.session, actor=world.sales, currency="EUR"
        )


def test_jpy_quote_uses_zero_decimals(world: World) -> None:
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("HW-200", 3)],
        session=world.session,
        actor=world.sales,
        currency="JPY",
    )
    # 40000 -> 36000 -> 34200 per unit
    assert quote.net_total == Decimal("102600")


def test_edit_a_draft_reprices_and_rehashes(world: World) -> None:
    quote = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    before = quote.content_hash
    edited = update_quote(
        quote.id or 0, [QuoteLineInput("SW-100", 1)], session=world.session, actor=world.sales
    )
    assert edited.state == "draft" and edited.content_hash != before
    assert edited.net_total == Decimal("855.00")
    assert len(quote_lines(quote.id or 0, session=world.session, actor=world.sales)) == 1


def test_revise_creates_version_two_and_supersedes_the_first(world: World) -> None:
    v1 = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    v2 = revise_quote(
        v1.id or 0, [QuoteLineInput("SW-100", 5)], session=world.session, actor=world.sales
    )
    world.session.refresh(v1)
    assert (v2.number, v2.version, v2.state) == (v1.number, 2, "draft")
    assert (v1.state, v1.superseded_by_id) == ("superseded", v2.id)
    assert v2.net_total == Decimal("4275.00")
    latest = get_quote_by_number(v1.number, session=world.session, actor=world.sales)
    assert latest.id == v2.id
    assert (
        get_quote_by_number(v1.number, version=1, session=world.session, actor=world.sales).id
        == v1.id
    )
    with pytest.raises(DomainError, match="already revised as v2"):
        revise_quote(v1.id or 0, session=world.session, actor=world.sales)
    with pytest.raises(DomainError, match="can no longer be edited"):
        update_quote(v1.id or 0, LINES, session=world.session, actor=world.sales)


def test_revise_without_lines_keeps_the_cart(world: World) -> None:
    v1 = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    v2 = revise_quote(v1.id or 0, session=world.session, actor=world.sales)
    assert v2.net_total == v1.net_total


def test_copy_is_a_new_draft_quote(world: World) -> None:
    source = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    copy = copy_quote(source.id or 0, session=world.session, actor=world.sales)
    assert copy.number != source.number and copy.version == 1 and copy.state == "draft"
    assert copy.copied_from_id == source.id and copy.net_total == source.net_total


def test_a_partner_buyer_creates_for_its_own_partner_only(world: World) -> None:
    bob = world.actor(world.buyer)
    quote = create_quote(world.reseller, LINES, session=world.session, actor=bob)
    assert quote.buyer_id == world.buyer and quote.created_by == "bob@acme.test"
    with pytest.raises(NotFoundError):
        create_quote(world.other, [QuoteLineInput("SW-100", 1)], session=world.session, actor=bob)


def test_vendor_without_sales_role_cannot_create(world: World) -> None:
    from order_core.errors import AccessDenied

    with pytest.raises(AccessDenied, match="sales_ops"):
        create_quote(world.reseller, LINES, session=world.session, actor=world.desk)


def test_partner_isolation_on_every_function(world: World) -> None:
    quote = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    qid = quote.id or 0
    eve = world.actor(world.other_buyer)
    for call in (
        lambda: get_quote(qid, session=world.session, actor=eve),
        lambda: get_quote_by_number(quote.number, session=world.session, actor=eve),
        lambda: quote_lines(qid, session=world.session, actor=eve),
        lambda: update_quote(qid, LINES, session=world.session, actor=eve),
        lambda: revise_quote(qid, session=world.session, actor=eve),
        lambda: copy_quote(qid, session=world.session, actor=eve),
    ):
        with pytest.raises(NotFoundError):
            call()
    with pytest.raises(NotFoundError):
        list_quotes(session=world.session, actor=eve, partner_id=world.reseller)
    # Asking for a version it lacks does not reveal another partner's quote or its versions.
    with pytest.raises(NotFoundError) as err:
        get_quote_by_number(quote.number, version=7, session=world.session, actor=eve)
    assert err.value.message == f"quote {quote.number} not found"
    assert list_quotes(session=world.session, actor=eve) == []
    bob = world.actor(world.buyer)
    assert [q.id for q in list_quotes(session=world.session, actor=bob)] == [qid]
    assert quote.state == "draft"


def test_accepted_quote_cannot_be_revised(world: World) -> None:
    quote = create_quote(world.reseller, LINES, session=world.session, actor=world.sales)
    quote.state = "accepted"
    world.session.add(quote)
    world.session.commit()
    with pytest.raises(InvalidTransition, match="accepted"):
        revise_quote(quote.id or 0, session=world.session, actor=world.sales)
