"""Writing a new order in one go: header, lines, approvals, history, events, audit and credit hold.

Where a new order goes is decided before anything is written: draft (when not submitted),
pending_approval (the policy asks for approvals still open), credit_review (the line of credit
has no room, read without a lock), else submitted. The rows then go to the database together
(``order_core.rowbatch``: one round trip on PostgreSQL). Paying on credit, the hold is the
transaction's last write: one conditional UPDATE that takes the credit line's row lock and
re-checks the room on the committed totals (``add_hold``), so the lock is held only for that
statement and the commit. When a concurrent order took the room in between, the order is
rewritten into credit_review in the same transaction (ledger entry, history and events of
"submitted" replaced), so nothing of the lost race remains.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel

from order_core.actors import Actor
from order_core.approval_rules import policy_or_installed
from order_core.audit import AuditEntry, audit_rows
from order_core.catalog.models import Product
from order_core.credit.holds import hold_credit
from order_core.customers.models import EndCustomer
from order_core.orders.cart import LockedLine, associate, content_hash
from order_core.orders.lifecycle import history_row, order_events, recipients
from order_core.orders.memo import remember_approvals
from order_core.orders.models import Order, OrderApproval, OrderLine, OrderStatusChange
from order_core.orders.numbering import allocate_order_id, order_number
from order_core.orders.states import OrderStatus, check_transition
from order_core.orders.submission import (
    approval_note,
    approval_steps,
    order_subject,
    require_po_number,
    usable_credit_line,
)
from order_core.orders.taxes import line_taxes, place_of_supply
from order_core.outbox import OutboxEvent, event_rows
from order_core.partners.models import Buyer, Partner
from order_core.payments.incentive_credit import METHOD as CREDIT_METHOD
from order_core.payments.incentive_credit import spend_credit
from order_core.payments.services import check_payment_method
from order_core.rowbatch import insert_rows, table_of
from order_core.types import utcnow
from quote_engine.approvals import ApprovalPolicy

_ORDERS = table_of(Order)
_LINES = table_of(OrderLine)
_APPROVALS = table_of(OrderApproval)
_HISTORY = table_of(OrderStatusChange)
_EVENTS = table_of(OutboxEvent)
_AUDIT = table_of(AuditEntry)
_ORDER_COLUMNS = tuple(c.name for c in _ORDERS.columns)


def _row(obj: SQLModel, table: Table) -> dict[str, Any]:
    return {c.name: getattr(obj, c.name) for c in table.columns if c.name != "id"}


@dataclass(frozen=True)
class NewOrder:
    """A checked, priced order about to be written (``write_new_order``).

    ``payment_methods`` lists the methods the partner may use in ``currency`` when the caller
    already knows them (None: look them up). ``products`` holds every SKU of ``lines``.
    """

    partner: Partner
    buyer: Buyer
    program: str
    currency: str
    lines: Sequence[LockedLine]
    products: Mapping[str, Product]
    payment_method: str
    distributor_id: int | None = None
    customer: EndCustomer | None = None
    payment_methods: Sequence[str] | None = None
    po_number: str | None = None
    card_token_id: int | None = None
    notify_end_customer: bool = False
    quote_id: int | None = None
    notes: str | None = None
    order_id: int | None = None  # reserved by the caller (``allocate_order_id``), else here


@dataclass
class _Route:
    status: str
    note: str
    approvals: list[OrderApproval] = field(default_factory=list)
    hold: Decimal | None = None  # to hold on the line of credit


@dataclass(frozen=True)
class _NewLine:
    """An order line about to be written (a plain row: checkout builds many, cheaply)."""

    order_id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_list: Decimal
    unit_net: Decimal
    line_total: Decimal
    trace: str


def _build(new: NewOrder, order_id: int) -> tuple[Order, list[_NewLine]]:
    assert new.partner.id is not None and new.buyer.id is not None
    ids = {sku: p.id for sku, p in new.products.items() if p.id is not None}
    now = utcnow()
    number = order_number(order_id)
    lines = [
        _NewLine(
            order_id,
            no,
            ids[ln.sku],
            ln.sku,
            new.products[ln.sku].name,
            ln.quantity,
            ln.unit_list,
            ln.unit_net,
            ln.line_total,
            ln.trace,
        )
        for no, ln in enumerate(new.lines, 1)
    ]
    order = Order(
        id=order_id,
        number=number,
        partner_id=new.partner.id,
        buyer_id=new.buyer.id,
        end_customer_id=new.customer.id if new.customer else None,
        distributor_id=new.distributor_id,
        quote_id=new.quote_id,
        po_number=(new.po_number or "").strip() or None,
        currency=new.currency,
        payment_method=new.payment_method,
        card_token_id=new.card_token_id if new.payment_method == "card" else None,
        status=OrderStatus.DRAFT.value,
        list_total=sum((ln.unit_list * ln.quantity for ln in new.lines), Decimal(0)),
        net_total=sum((ln.line_total for ln in new.lines), Decimal(0)),
        content_hash="",
        notify_end_customer=new.notify_end_customer,
        notes=new.notes,
        created_at=now,
        updated_at=now,
    )
    categories = {p.id or 0: p.category for p in new.products.values()}
    place = place_of_supply(new.partner, new.customer)
    taxes = line_taxes(order, lines, place, categories)
    order.tax_estimate = sum((t.amount for t in taxes), Decimal(0))
    order.content_hash = content_hash(order, lines)
    return order, lines


def _route(
    session: Session,
    order: Order,
    lines: list[_NewLine],
    new: NewOrder,
    policy: ApprovalPolicy,
    preapproved: Collection[str],
) -> _Route:
    require_po_number(order)
    subject = order_subject(
        order,
        lines,
        partner=new.partner,
        buyer=new.buyer,
        program=new.program,
        customer=new.customer,
        categories={p.category for p in new.products.values()},
    )
    steps = approval_steps(order, policy.required_steps(subject), preapproved)
    note = approval_note(steps)
    if note:
        return _Route(OrderStatus.PENDING_APPROVAL, note, steps)
    if order.payment_method != "credit_line":
        return _Route(OrderStatus.SUBMITTED, "submitted", steps)
    # Optimistic: submitted with a hold; if the hold does not fit, credit_review after all.
    return _Route(
        OrderStatus.SUBMITTED, "submitted", steps, hold=order.net_total + order.tax_estimate
    )


def _review_note(order: Order, amount: Decimal, available: Decimal) -> str:
    return f"needs {amount} {order.currency}, available {available}; sent to credit review"


def _events(session: Session, order: Order, new: NewOrder, actor: Actor, note: str) -> list[Any]:
    source = None if order.status == OrderStatus.DRAFT else OrderStatus.DRAFT.value
    to = recipients(session, order, order.status, buyer=new.buyer, customer=new.customer)
    return event_rows(order_events(order, source, actor, note, to))


def write_new_order(
    session: Session,
    actor: Actor,
    new: NewOrder,
    *,
    submit: bool,
    policy: ApprovalPolicy | None = None,
    preapproved: Collection[str] = (),
) -> Order:
    """Store ``new`` and route it (see the module doc); the order is returned attached to ``session``.

    Without ``submit`` it stays a draft. ``preapproved`` lists ``side:role`` approvals already
    obtained on the same content (an accepted quote's).
    """
    partner = new.partner
    assert partner.id is not None
    check_payment_method(
        session,
        partner,
        new.payment_method,
        new.currency,
        new.card_token_id,
        allowed=new.payment_methods,
    )
    order, lines = _build(new, new.order_id or allocate_order_id(session))
    route = (
        _route(session, order, lines, new, policy_or_installed(policy), preapproved)
        if submit
        else _Route(OrderStatus.DRAFT, "order created")
    )
    if new.customer is not None:
        associate(session, partner.id, new.customer, actor)
    session.flush()  # the ORM's pending rows go now, not after the credit line is locked
    history = [history_row(order, None, OrderStatus.DRAFT, actor, "order created")]
    if route.status != OrderStatus.DRAFT:
        check_transition(order.number, OrderStatus.DRAFT, route.status)
        order.status = OrderStatus(route.status).value
        order.submitted_at = order.updated_at if route.status == OrderStatus.SUBMITTED else None
        history.append(history_row(order, OrderStatus.DRAFT, route.status, actor, route.note))
    assert order.id is not None
    remember_approvals(session, order.id, route.approvals)
    changes = {
        "net_total": order.net_total,
        "currency": order.currency,
        "lines": len(lines),
        "payment_method": order.payment_method,
        "quote_id": order.quote_id,
    }
    insert_rows(
        session,
        [
            (_ORDERS, [{c: getattr(order, c) for c in _ORDER_COLUMNS}]),
            (_LINES, [dict(vars(ln)) for ln in lines]),
            (_APPROVALS, [_row(a, _APPROVALS) for a in route.approvals]),
            (_HISTORY, history),
            (_EVENTS, _events(session, order, new, actor, route.note)),
            (_AUDIT, audit_rows(actor, [("create", "order", order.number, changes, partner.id)])),
        ],
    )
    if order.payment_method == CREDIT_METHOD and route.status != OrderStatus.DRAFT:
        spend_credit(
            session, partner.id, order.currency, order.net_total + order.tax_estimate,
            order.id, order.number,
        )  # fmt: skip
    if route.hold is not None and not hold_credit(
        session,
        partner.id,
        order.currency,
        route.hold,
        actor,
        order_id=order.id,
        reference=order.number,
    ):
        _to_credit_review(session, order, new, actor, route.hold)
    make_transient_to_detached(order)
    session.add(order)  # persistent as written: no further SQL
    return order


def _to_credit_review(
    session: Session, order: Order, new: NewOrder, actor: Actor, amount: Decimal
) -> None:
    """The hold did not fit: turn the submission just written into credit_review.

    Refuses the order (the caller's transaction rolls back) when the partner has no usable line
    of credit in the order's currency at all.
    """
    assert order.id is not None
    line = usable_credit_line(session, order)
    conn = session.connection()
    conn.execute(
        delete(_HISTORY).where(
            _HISTORY.c.order_id == order.id, _HISTORY.c.to_status == OrderStatus.SUBMITTED.value
        )
    )
    conn.execute(
        delete(_EVENTS).where(
            _EVENTS.c.aggregate == "order", _EVENTS.c.aggregate_id == order.number
        )
    )
    order.status = OrderStatus.CREDIT_REVIEW.value
    order.submitted_at = None
    conn.execute(
        update(_ORDERS)
        .where(_ORDERS.c.id == order.id)
        .values(status=order.status, submitted_at=None)
    )
    note = _review_note(order, amount, line.available)
    insert_rows(
        session,
        [
            (_HISTORY, [history_row(order, OrderStatus.DRAFT, order.status, actor, note)]),
            (_EVENTS, _events(session, order, new, actor, note)),
        ],
    )
