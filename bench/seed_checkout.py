"""A checkout world for benchmarks: one reseller on a program, five products, a credit line, buyers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.catalog.models import AuthorizationRule, BuyPrice, ListPrice, Product
from order_core.credit.models import CreditLine
from order_core.partners.models import Buyer, Partner, Program, ProgramMembership
from order_core.payments.models import PaymentMethodRule


def seed_checkout(engine: Engine, buyers: int, orders: int) -> tuple[list[int], Decimal]:
    """Seed the world; returns the buyer ids and the credit limit (room for 90 % of the orders)."""
    with Session(engine) as s:
        program = Program(code="BENCH", name="Bench")
        partner = Partner(name="Bench Reseller", country="US", currency="USD")
        s.add_all([program, partner])
        s.flush()
        assert partner.id is not None and program.id is not None
        s.add(
            ProgramMembership(
                partner_id=partner.id, program_id=program.id, starts_on=date(2020, 1, 1)
            )
        )
        products = [
            Product(
                sku=f"SKU-{i}",
                name=f"Product {i}",
                category="software",
                license_type="named" if i % 2 else None,
            )
            for i in range(5)
        ]
        s.add_all(products)
        s.flush()
        for i, p in enumerate(products):
            assert p.id is not None
            s.add(ListPrice(product_id=p.id, currency="USD", amount=Decimal(100 + i)))
        s.add(AuthorizationRule(program_id=program.id, effect="allow", scope="all"))
        s.add(BuyPrice(program_id=program.id, percent_off=Decimal(15)))
        # Room for 90% of the orders: the rest go to credit review, as in real life.
        per_order = Decimal("2") * Decimal("85") + Decimal("85.85")
        limit = per_order * buyers * orders * Decimal("0.9")
        s.add(CreditLine(partner_id=partner.id, currency="USD", credit_limit=limit))
        s.add(PaymentMethodRule(method="credit_line"))
        rows = [
            Buyer(partner_id=partner.id, email=f"b{i}@bench.example", name=f"B{i}")
            for i in range(buyers)
        ]
        s.add_all(rows)
        s.commit()
        return [b.id for b in rows if b.id is not None], limit
