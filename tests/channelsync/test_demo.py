"""``channelsync demo`` on a temp SQLite database: twice in a row, through credit review, with order approvals."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TypeVar

import pytest
import yaml
from sqlalchemy import ColumnElement, text
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from channelsync.cli.app import app
from channelsync.cli.demo import SAMPLE_CATALOG
from channelsync.demo.quote_flow import DEAL_CRM_ID
from order_core.actors import Actor
from order_core.credit.models import CreditLine
from order_core.credit.services import set_credit_line
from order_core.customers.models import CustomerAssociation
from order_core.db import make_engine, new_session
from order_core.deals.models import Deal
from order_core.invoices.models import Invoice
from order_core.licenses.models import License
from order_core.orders.models import Order, OrderApproval, OrderStatusChange
from order_core.outbox import OutboxEvent
from order_core.partners.models import Partner
from order_core.quotes.models import ApprovalRequest, Quote

runner = CliRunner()
T = TypeVar("T", bound=SQLModel)


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """CHANNELSYNC_DATABASE_URL on a fresh temp SQLite file (schema by ``db upgrade``); cwd = tmp_path."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return url


def _rows(session: Session, model: type[T], *where: ColumnElement[bool] | bool) -> list[T]:
    """Rows of ``model`` matching ``where``, in id order."""
    return list(session.exec(select(model).where(*where).order_by(text("id"))))


def _events(session: Session, topic: str, aggregate_id: str) -> list[dict[str, object]]:
    rows = _rows(
        session, OutboxEvent, OutboxEvent.topic == topic, OutboxEvent.aggregate_id == aggregate_id
    )
    return [e.data() for e in rows]


def test_demo_runs_the_flow_end_to_end_and_again(demo_db: str, tmp_path: Path) -> None:
    first = runner.invoke(app, ["demo"], env={"COLUMNS": "80"})
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["demo"], env={"COLUMNS": "80"})
    assert second.exit_code == 0, second.output
    assert max(len(line) for line in first.output.splitlines()) <= 80
    assert "Q-000001" in first.output and "SO-000001" in first.output
    assert "Q-000002" in second.output and "SO-000002" in second.output
    assert f"deal salesforce:{DEAL_CRM_ID} created" in first.output
    assert f"deal salesforce:{DEAL_CRM_ID} unchanged" in second.output
    # This run's events and all pending ones: the second run wrote as many again.
    assert re.search(r"crm\.order\s+5\s+5\b", first.output)
    assert re.search(r"crm\.order\s+5\s+10\b", second.output)

    engine = make_engine(demo_db)
    try:
        with new_session(engine) as session:
            deals = _rows(session, Deal)
            assert [(d.source, d.crm_id, d.registration_status) for d in deals] == [
                ("salesforce", DEAL_CRM_ID, "approved")
            ]
            quotes = _rows(session, Quote)
            assert [(q.number, q.state, q.deal_id) for q in quotes] == [
                ("Q-000001", "accepted", deals[0].id),
                ("Q-000002", "accepted", deals[0].id),
            ]
            orders = _rows(session, Order)
            assert [(o.number, o.status, o.quote_id) for o in orders] == [
                ("SO-000001", "paid", quotes[0].id),
                ("SO-000002", "paid", quotes[1].id),
            ]
            for quote, order in zip(quotes, orders, strict=True):
                assert quote.order_id == order.id
                assert (quote.accepted_by or "").startswith("Acme Manufacturing")
                approvals = _rows(session, ApprovalRequest, ApprovalRequest.quote_id == quote.id)
                assert [(a.side, a.role, a.decision, a.decided_by) for a in approvals] == [
                    ("partner", "approver", "approved", "chen.khan@northwind.example"),
                    ("vendor", "pricing_desk", "approved", "pricing.desk@vendor.example"),
                ]
                assert order.payment_method == "credit_line"
                assert order.net_total == quote.net_total
                history = _rows(session, OrderStatusChange, OrderStatusChange.order_id == order.id)
                assert [h.to_status for h in history] == [
                    "draft", "submitted", "accepted", "fulfilled", "invoiced", "paid",
                ]  # fmt: skip
                licenses = _rows(session, License, License.order_id == order.id)
                assert [(lic.sku, lic.seats, lic.status) for lic in licenses] == [
                    ("CS-PLA-001", 25, "active"),
                    ("CS-SEC-001", 10, "active"),
                ]
                assert all(lic.end_customer_id == quote.end_customer_id for lic in licenses)
                invoices = _rows(session, Invoice, Invoice.order_id == order.id)
                assert len(invoices) == 1
                invoice = invoices[0]
                assert invoice.status == "paid"
                assert invoice.amount_paid == invoice.total == order.net_total

                quote_doc = tmp_path / "demo-out" / f"quote-{quote.number}.html"
                assert quote.number in quote_doc.read_text(encoding="utf-8")
                invoice_doc = tmp_path / "demo-out" / f"invoice-{invoice.number}.html"
                assert invoice.number in invoice_doc.read_text(encoding="utf-8")

                # What the sync engine will push back: the quote's and the order's whole way.
                quote_events = _events(session, "crm.quote", str(quote.id))
                assert [e["event"] for e in quote_events] == [
                    "created", "approval_requested", "approved", "sent", "accepted",
                ]  # fmt: skip
                assert quote_events[-1]["deal_crm_id"] == DEAL_CRM_ID
                order_events = _events(session, "crm.order", order.number)
                assert [e["status"] for e in order_events] == [
                    "submitted", "accepted", "fulfilled", "invoiced", "paid",
                ]  # fmt: skip
            topics = Counter(e.topic for e in _rows(session, OutboxEvent))
            assert set(topics) == {
                "crm.quote",
                "crm.order",
                "crm.end_customer",
                "prm.webhook",
                "notify.email",
            }
            webhooks = Counter(
                str(e.data()["event"]).split(".")[0]
                for e in _rows(session, OutboxEvent, OutboxEvent.topic == "prm.webhook")
            )
            assert (
                webhooks["quote"] + webhooks["order"] == topics["crm.quote"] + topics["crm.order"]
            )
            # Every reseller association (from the catalog and the flow) was announced once.
            assert webhooks["customer"] == len(_rows(session, CustomerAssociation))
            assert set(webhooks) == {"quote", "order", "customer"}
            assert all(e.status == "pending" for e in _rows(session, OutboxEvent))
            lines = _rows(session, CreditLine)
            assert [(c.held, c.outstanding) for c in lines] == [(Decimal(0), Decimal(0))]
    finally:
        engine.dispose()


def _totals_rows(output: str) -> dict[str, Decimal]:
    """The rows of the first printed quote totals table: label -> amount."""
    block = output[output.index("totals (USD)") : output.index("largest line discount")]
    rows: dict[str, Decimal] = {}
    for line in block.splitlines():
        found = re.fullmatch(r"\s*([a-z][a-z ]*?)\s+(-?[\d,]+\.\d\d)\s*", line)
        if found:
            rows[found[1]] = Decimal(found[2].replace(",", ""))
    return rows


def test_demo_totals_table_shows_every_step_once_and_adds_up(demo_db: str) -> None:
    result = runner.invoke(app, ["demo"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    rows = _totals_rows(result.output)
    # 45,000 list: 30 % partner buy price, then distributor 2.5 %, deal 5 %, a special price.
    assert list(rows) == [
        "list total", "buy", "distributor", "deal reg", "special", "rounding", "net total",
    ]  # fmt: skip
    assert (rows["list total"], rows["buy"], rows["distributor"]) == (
        Decimal("45000.00"),
        Decimal("-13500.00"),
        Decimal("-787.50"),
    )
    steps = [amount for label, amount in rows.items() if label not in ("list total", "net total")]
    assert rows["list total"] + sum(steps) == rows["net total"]
    assert abs(rows["rounding"]) < 1


def _paid_order(url: str) -> tuple[Order, list[OrderStatusChange], list[OrderApproval]]:
    engine = make_engine(url)
    try:
        with new_session(engine) as session:
            (order,) = _rows(session, Order)
            history = _rows(session, OrderStatusChange, OrderStatusChange.order_id == order.id)
            steps = _rows(session, OrderApproval, OrderApproval.order_id == order.id)
            return order, history, steps
    finally:
        engine.dispose()


def test_demo_gets_an_order_through_credit_review_when_the_line_is_short(demo_db: str) -> None:
    assert runner.invoke(app, ["catalog", "load", str(SAMPLE_CATALOG)]).exit_code == 0
    engine = make_engine(demo_db)
    with new_session(engine) as session:
        (northwind,) = [p for p in _rows(session, Partner) if p.name == "Northwind Partners"]
        assert northwind.id is not None
        controller = Actor.vendor("cc@vendor.example", "credit_controller")
        set_credit_line(northwind.id, Decimal("1000.00"), "USD", session=session, actor=controller)
    engine.dispose()
    result = runner.invoke(app, ["demo"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    order, history, _steps = _paid_order(demo_db)
    assert order.status == "paid"
    assert [h.to_status for h in history][:3] == ["draft", "credit_review", "submitted"]
    engine = make_engine(demo_db)
    with new_session(engine) as session:
        (line,) = _rows(session, CreditLine)
        assert line.credit_limit == order.net_total + order.tax_estimate  # raised just enough
        assert (line.held, line.outstanding) == (Decimal(0), Decimal(0))
    engine.dispose()


def test_demo_decides_the_order_approvals_an_order_policy_adds(
    demo_db: str, tmp_path: Path
) -> None:
    # The built-in rules (the quote's approvals) plus two steps every order asks.
    builtin = resources.files("quote_engine.approvals") / "default_approval_rules.yaml"
    rules = yaml.safe_load(builtin.read_text(encoding="utf-8"))
    rules["rules"] += [
        {
            "name": name,
            "applies_to": ["order"],
            "when": {"field": "total", "op": "gt", "value": 0},
            "approver": {"side": side, "role": role},
        }
        for name, side, role in (
            ("finance-review", "vendor", "finance"),
            ("partner-admin", "partner", "admin"),
        )
    ]
    path = tmp_path / "approval_rules.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    env = {"COLUMNS": "80", "CHANNELSYNC_APPROVAL_RULES_FILE": str(path)}
    result = runner.invoke(app, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    order, history, steps = _paid_order(demo_db)
    assert order.status == "paid"
    assert [h.to_status for h in history][:3] == ["draft", "pending_approval", "submitted"]
    assert [(s.side, s.role, s.status, s.decided_by) for s in steps] == [
        # the built-in rules: the quote's approvals cover the same content, so they are met
        ("partner", "approver", "approved", "quote approval"),
        ("vendor", "pricing_desk", "approved", "quote approval"),
        ("vendor", "finance", "approved", "finance@vendor.example"),
        ("partner", "admin", "approved", "ana.lopez@northwind.example"),
    ]
