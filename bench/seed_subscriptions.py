"""Set-based seeding for the renewal and commission benchmarks: orders, lines and subscriptions by SQL.

One INSERT ... SELECT over a recursive counter per table (the same SQL on SQLite and
PostgreSQL except for date arithmetic), so 100,000 rows cost seconds, not an ORM object each.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.bulk_sql import ANALYZE_AFTER_ROWS as ANALYZE_ALWAYS
from order_core.bulk_sql import refresh_statistics
from order_core.catalog.models import AuthorizationRule, BuyPrice, ListPrice, Product
from order_core.customers.models import EndCustomer
from order_core.partners.models import Buyer, Partner, Program, ProgramMembership
from order_core.payments.models import PaymentMethodRule
from order_core.types import utcnow

RESELLERS = 20
CUSTOMERS = 1000
LINES_PER_ORDER = 10


def seed_channel(engine: Engine) -> tuple[int, list[int], list[int], int]:
    """Program, resellers with a buyer each, one subscription product, customers; returns ids."""
    with Session(engine) as s:
        program = Program(code="BENCH", name="Bench")
        s.add(program)
        s.flush()
        partners = [
            Partner(name=f"Reseller {i}", country="US", currency="USD") for i in range(RESELLERS)
        ]
        s.add_all(partners)
        s.flush()
        buyers = [
            Buyer(partner_id=p.id or 0, email=f"b@r{p.id}.example", name="B") for p in partners
        ]
        s.add_all(buyers)
        for p in partners:
            s.add(ProgramMembership(partner_id=p.id or 0, program_id=program.id or 0, starts_on=date(2020, 1, 1)))  # fmt: skip
        product = Product(
            sku="SUB-B",
            name="Bench Cloud",
            category="software",
            kind="subscription",
            term_months=12,
        )
        s.add(product)
        s.flush()
        s.add(ListPrice(product_id=product.id or 0, currency="USD", amount=Decimal("50")))
        s.add(AuthorizationRule(program_id=program.id, effect="allow", scope="all"))
        s.add(BuyPrice(program_id=program.id, percent_off=Decimal(20)))
        s.add(PaymentMethodRule(method="purchase_order"))
        s.add_all(
            [EndCustomer(name=f"Customer {i}", email=f"it@c{i}.example", country="US") for i in range(CUSTOMERS)]
        )  # fmt: skip
        s.commit()
        return (
            product.id or 0,
            [p.id or 0 for p in partners],
            [b.id or 0 for b in buyers],
            program.id or 0,
        )


def _counter(n: int) -> str:
    return f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {int(n)}) "


def seed_orders(
    engine: Engine,
    count: int,
    *,
    status: str,
    first_partner: int,
    first_buyer: int,
    per_order: int = LINES_PER_ORDER,
) -> None:
    """``count`` order lines of SUB-B (2 seats at 40.00) in orders of ``per_order``, over the resellers."""
    orders = (count + per_order - 1) // per_order
    now = utcnow()
    with Session(engine) as s:
        params = {"now": now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now}
        s.execute(
            text(
                _counter(orders)
                + "INSERT INTO sales_order (id, number, partner_id, buyer_id, end_customer_id, currency, "
                "payment_method, status, list_total, net_total, tax_estimate, refunded_total, "
                "content_hash, notify_end_customer, created_at, updated_at) "
                f"SELECT i, 'SO-B' || i, {first_partner} + i % {RESELLERS}, "
                f"{first_buyer} + i % {RESELLERS}, 1 + i % {CUSTOMERS}, 'USD', 'purchase_order', "
                f"'{status}', '{100 * per_order}.00', '{80 * per_order}.00', '0', '0', 'bench', false, :now, :now FROM n"
            ),
            params,
        )
        s.execute(
            text(
                _counter(count)
                + "INSERT INTO sales_order_line (id, order_id, line_no, product_id, sku, name, "
                "quantity, unit_list, unit_net, line_total, trace) "
                f"SELECT i, 1 + (i - 1) / {per_order}, 1 + (i - 1) % {per_order}, "
                "1, 'SUB-B', 'Bench Cloud', 2, '50.00', '40.00', '80.00', '[]' FROM n"
            )
        )
        if engine.dialect.name == "postgresql":
            for table in ("sales_order", "sales_order_line"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))  # fmt: skip
        refresh_statistics(s, count, "sales_order", "sales_order_line")
        s.commit()


def seed_subscriptions(engine: Engine, count: int, *, product_id: int, as_of: date) -> None:
    """A subscription per order line, ending 1..90 days after ``as_of`` (all in the notice windows)."""
    start = date(as_of.year - 1, as_of.month, min(as_of.day, 28)).isoformat()
    if engine.dialect.name == "sqlite":
        end = f"date('{as_of.isoformat()}', '+' || (1 + i % 90) || ' days')"
    else:
        end = f"DATE '{as_of.isoformat()}' + (1 + i % 90)"
    now = utcnow()
    with Session(engine) as s:
        s.execute(
            text(
                _counter(count)
                + "INSERT INTO subscription (order_id, order_line_id, product_id, sku, "
                "end_customer_id, reseller_id, seats, term_start, term_end, status, term_months, "
                "currency, unit_price, resale_unit_price, auto_renew, pricing_method, created_at) "
                f"SELECT l.order_id, l.id, {product_id}, 'SUB-B', o.end_customer_id, o.partner_id, 2, "
                f"'{start}', {end}, 'active', 12, 'USD', '40.00', '50.00', false, "
                "CASE WHEN i % 3 = 0 THEN 'uplift' ELSE 'same' END, :now "
                "FROM n JOIN sales_order_line l ON l.id = i JOIN sales_order o ON o.id = l.order_id"
            ),
            {"now": now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now},
        )
        s.execute(
            text("UPDATE subscription SET uplift_percent = '5' WHERE pricing_method = 'uplift'")
        )
        refresh_statistics(s, count, "subscription")
        s.commit()


def seed_invoices(engine: Engine, *, issued_on: date) -> None:
    """An invoice per order (total = net, no tax), issued on ``issued_on``."""
    now = utcnow()
    with Session(engine) as s:
        s.execute(
            text(
                "INSERT INTO invoice (number, order_id, partner_id, distributor_id, currency, "
                "payment_method, tax_country, tax_region, subtotal, tax_total, total, amount_paid, "
                "amount_refunded, issued_on, due_on, status, issued_at, paid_at) "
                "SELECT 'INV-B-' || id, id, partner_id, distributor_id, currency, payment_method, "
                "'US', NULL, net_total, '0', net_total, '0', '0', :day, :day, 'issued', :now, NULL "
                "FROM sales_order"
            ),
            {
                "day": issued_on,
                "now": now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now,
            },
        )
        refresh_statistics(s, ANALYZE_ALWAYS, "invoice")
        s.commit()


def seed_credit_notes(engine: Engine, *, every: int, issued_on: date) -> None:
    """A credit note for a quarter of every ``every``-th order's invoice, issued on ``issued_on``."""
    now = utcnow()
    with Session(engine) as s:
        s.execute(
            text(
                "INSERT INTO credit_note (number, invoice_id, order_id, partner_id, currency, amount, "
                "reason, issued_on, issued_at) "
                "SELECT 'CN-B-' || id, id, order_id, partner_id, currency, '20.00', 'bench', :day, :now "
                f"FROM invoice WHERE order_id % {int(every)} = 0"
            ),
            {
                "day": issued_on,
                "now": now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now,
            },
        )
        s.commit()
