"""insert_rows on SQLite and PostgreSQL: values round-trip exactly, parents and children together, one statement on PG."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from order_core.db import new_session
from order_core.deals.models import Deal
from order_core.orders.models import Order, OrderLine, OrderStatusChange
from order_core.orders.numbering import allocate_order_id
from order_core.outbox import OutboxEvent
from order_core.partners.models import Buyer, Partner
from order_core.rowbatch import _processor, insert_rows, table_of
from tests.order_core.orders.world import World, make_world
from tests.sql_capture import statements

ORDERS = table_of(Order)
LINES = table_of(OrderLine)
HISTORY = table_of(OrderStatusChange)
EVENTS = table_of(OutboxEvent)
PARTNERS = table_of(Partner)
BUYERS = table_of(Buyer)

AT = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC)
TRICKY_TEXTS = [
    'it\'s "quoted"',
    "back\\slash \\n not a newline, \\u0041 not an A",
    "line one\nline two\r\n\ttabbed",
    "unicode: café, naïve, Ωmega, 日本語, emoji 😀",
    '{"looks": "like json", "n": 1, "nested": [true, null]}',
    "[1, 2, 3]",
    "null",
    "",
    "100%% of %(rows_0)s and %s placeholders",
    "'; DROP TABLE sales_order; --",
]


@pytest.fixture
def world(session: Session) -> World:
    """The small channel of the order tests, on the parametrized backend."""
    return make_world(session)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _order_row(world: World, order_id: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": order_id,
        "number": f"SO-{order_id:06d}",
        "partner_id": world.partner_a,
        "buyer_id": world.buyer,
        "end_customer_id": None,
        "distributor_id": None,
        "quote_id": None,
        "po_number": None,
        "currency": "USD",
        "payment_method": "credit_line",
        "card_token_id": None,
        "status": "draft",
        "held_from": None,
        "list_total": Decimal("100.00"),
        "net_total": Decimal("80.00"),
        "tax_estimate": Decimal("0"),
        "refunded_total": Decimal("0"),
        "content_hash": "hash",
        "notify_end_customer": False,
        "notes": None,
        "created_at": AT,
        "updated_at": AT,
        "submitted_at": None,
    }
    row.update(values)
    assert set(row) == {c.name for c in ORDERS.columns}
    return row


def _line_row(world: World, order_id: int, line_no: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "order_id": order_id,
        "line_no": line_no,
        "product_id": world.products["LIC-1"],
        "sku": "LIC-1",
        "name": "Analytics Suite",
        "quantity": 1,
        "unit_list": Decimal("100"),
        "unit_net": Decimal("80"),
        "line_total": Decimal("80"),
        "trace": "[]",
    }
    row.update(values)
    return row


def _history_row(order_id: int, note: str, to_status: str = "draft") -> dict[str, Any]:
    return {
        "order_id": order_id,
        "from_status": None,
        "to_status": to_status,
        "at": AT,
        "actor": "tests",
        "note": note,
    }


def _event_row(aggregate_id: str, payload: str = "{}", **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "topic": "crm.order",
        "aggregate": "order",
        "aggregate_id": aggregate_id,
        "partner_id": None,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "created_at": AT,
        "next_attempt_at": AT,
        "delivered_at": None,
        "last_error": None,
        "leased_until": None,
        "leased_by": None,
    }
    row.update(values)
    return row


def _fresh_rows(session: Session, table: Table) -> list[Mapping[str, Any]]:
    """Every row of ``table`` as committed, read by another session, in id order."""
    reader = new_session(_engine(session))
    try:
        result = reader.connection().execute(select(table).order_by(table.c.id))
        return [dict(r._mapping) for r in result]
    finally:
        reader.close()


def _count(session: Session, table: Table) -> int:
    value = session.connection().execute(select(func.count()).select_from(table)).scalar_one()
    return int(value)


def _insert_line_amounts(session: Session, world: World, amounts: list[Decimal]) -> None:
    order_id = allocate_order_id(session)
    insert_rows(
        session,
        [
            (ORDERS, [_order_row(world, order_id, net_total=amounts[0])]),
            (
                LINES,
                [
                    _line_row(world, order_id, no, unit_net=amount, line_total=-amount)
                    for no, amount in enumerate(amounts, 1)
                ],
            ),
        ],
    )
    session.commit()


def test_money_round_trips_exactly(session: Session, world: World) -> None:
    amounts = [
        Decimal("0.10"),
        Decimal("0.01"),
        Decimal("-0.00000001"),
        Decimal("0"),
        Decimal("1E+3"),
        Decimal("99999.99"),
        Decimal("0.12345678"),
    ]
    _insert_line_amounts(session, world, amounts)
    lines = _fresh_rows(session, LINES)
    assert [r["unit_net"] for r in lines] == amounts
    assert [r["line_total"] for r in lines] == [-a for a in amounts]
    assert all(isinstance(r["unit_net"], Decimal) for r in lines)
    (order,) = _fresh_rows(session, ORDERS)
    assert order["net_total"] == Decimal("0.10")
    # Exact, not float-close: 0.1 as a float is not 0.10.
    assert order["net_total"] + Decimal("0.20") == Decimal("0.30")


def test_large_money_with_all_decimals_round_trips_exactly(session: Session, world: World) -> None:
    amounts = [
        Decimal("12345678901.12345678"),
        Decimal("1234567890123.87654321"),
        Decimal("0.30000000"),
        Decimal("98765432.10987654"),
    ]
    _insert_line_amounts(session, world, amounts)
    lines = _fresh_rows(session, LINES)
    (order,) = _fresh_rows(session, ORDERS)
    assert [r["unit_net"] for r in lines] == amounts
    assert [r["line_total"] for r in lines] == [-a for a in amounts]
    assert order["net_total"] == Decimal("12345678901.12345678")


def test_money_sums_exactly_in_sql_after_a_batch(session: Session, world: World) -> None:
    order_id = allocate_order_id(session)
    insert_rows(
        session,
        [
            (ORDERS, [_order_row(world, order_id)]),
            (
                LINES,
                [_line_row(world, order_id, no, line_total=Decimal("0.10")) for no in range(1, 11)],
            ),
        ],
    )
    session.commit()
    if _is_pg(session):
        total = session.connection().execute(select(func.sum(LINES.c.line_total))).scalar_one()
        assert Decimal(str(total)) == Decimal("1.00")
    lines = _fresh_rows(session, LINES)
    assert sum((r["line_total"] for r in lines), Decimal(0)) == Decimal("1.00")


def test_aware_datetimes_round_trip_as_the_same_utc_instant(session: Session, world: World) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    pacific = timezone(timedelta(hours=-8))
    created = datetime(2024, 3, 1, 5, 29, 58, 123456, tzinfo=india)  # 2024-02-29 23:59:58 UTC
    updated = datetime(2023, 12, 31, 16, 0, 0, 1, tzinfo=pacific)  # 2024-01-01 00:00:00 UTC
    submitted = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    order_id = allocate_order_id(session)
    insert_rows(
        session,
        [
            (
                ORDERS,
                [
                    _order_row(
                        world,
                        order_id,
                        created_at=created,
                        updated_at=updated,
                        submitted_at=submitted,
                    )
                ],
            )
        ],
    )
    session.commit()
    (row,) = _fresh_rows(session, ORDERS)
    assert row["created_at"] == created
    assert row["created_at"] == AT
    assert row["updated_at"] == datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    assert row["submitted_at"] == submitted
    for column in ("created_at", "updated_at", "submitted_at"):
        assert row[column].utcoffset() == timedelta(0)
    # The wall-clock fields are the UTC ones, not the local time given.
    assert (row["created_at"].day, row["created_at"].hour, row["created_at"].minute) == (29, 23, 59)
    loaded = new_session(_engine(session))
    try:
        order = loaded.get(Order, order_id)
        assert order is not None
        assert order.created_at == created and order.created_at.utcoffset() == timedelta(0)
    finally:
        loaded.close()


def test_tricky_text_round_trips(session: Session, world: World) -> None:
    rows = [
        _event_row(f"evt-{no}", payload=text, last_error=text, topic=text[:60])
        for no, text in enumerate(TRICKY_TEXTS)
    ]
    order_id = allocate_order_id(session)
    insert_rows(
        session,
        [
            (ORDERS, [_order_row(world, order_id, notes=TRICKY_TEXTS[0] + TRICKY_TEXTS[3])]),
            (HISTORY, [_history_row(order_id, text) for text in TRICKY_TEXTS]),
            (EVENTS, rows),
        ],
    )
    session.commit()
    events = _fresh_rows(session, EVENTS)
    assert [e["payload"] for e in events] == TRICKY_TEXTS
    assert [e["last_error"] for e in events] == TRICKY_TEXTS
    assert [e["topic"] for e in events] == [t[:60] for t in TRICKY_TEXTS]
    assert [h["note"] for h in _fresh_rows(session, HISTORY)] == TRICKY_TEXTS
    (order,) = _fresh_rows(session, ORDERS)
    assert order["notes"] == TRICKY_TEXTS[0] + TRICKY_TEXTS[3]
    assert _count(session, ORDERS) == 1  # the would-be injection is only text


def test_nulls_and_booleans_round_trip(session: Session, world: World) -> None:
    first = allocate_order_id(session)
    insert_rows(
        session,
        [
            (
                ORDERS,
                [
                    _order_row(
                        world,
                        first,
                        notify_end_customer=True,
                        po_number=None,
                        notes=None,
                        submitted_at=None,
                        end_customer_id=None,
                    )
                ],
            )
        ],
    )
    second = allocate_order_id(session)
    assert second > first
    insert_rows(
        session,
        [
            (
                ORDERS,
                [
                    _order_row(
                        world,
                        second,
                        notify_end_customer=False,
                        po_number="PO-1",
                        notes="",
                        submitted_at=AT,
                        end_customer_id=world.customer,
                    )
                ],
            ),
            (EVENTS, [_event_row("a", partner_id=None, delivered_at=None, last_error=None)]),
        ],
    )
    session.commit()
    one, two = _fresh_rows(session, ORDERS)
    assert one["notify_end_customer"] is True and two["notify_end_customer"] is False
    assert (one["po_number"], one["notes"], one["submitted_at"], one["end_customer_id"]) == (
        None,
        None,
        None,
        None,
    )
    assert (two["po_number"], two["notes"], two["submitted_at"], two["end_customer_id"]) == (
        "PO-1",
        "",
        AT,
        world.customer,
    )
    (evt,) = _fresh_rows(session, EVENTS)
    assert (evt["partner_id"], evt["delivered_at"], evt["last_error"]) == (None, None, None)
    # NULL is SQL NULL, not the text "null" nor an empty string.
    nulls = session.connection().execute(
        select(func.count()).select_from(ORDERS).where(ORDERS.c.notes.is_(None))
    )
    assert nulls.scalar_one() == 1


def test_parent_and_children_in_one_call(session: Session, world: World) -> None:
    order_id = allocate_order_id(session)
    insert_rows(
        session,
        [
            (ORDERS, [_order_row(world, order_id)]),
            (
                LINES,
                [
                    _line_row(world, order_id, 1),
                    _line_row(world, order_id, 2, product_id=world.products["HW-1"], sku="HW-1"),
                ],
            ),
            (
                HISTORY,
                [
                    _history_row(order_id, "created"),
                    _history_row(order_id, "sent", to_status="submitted"),
                ],
            ),
        ],
    )
    session.commit()
    (order,) = _fresh_rows(session, ORDERS)
    assert (order["id"], order["number"]) == (order_id, f"SO-{order_id:06d}")
    lines = _fresh_rows(session, LINES)
    assert [(ln["order_id"], ln["line_no"], ln["sku"]) for ln in lines] == [
        (order_id, 1, "LIC-1"),
        (order_id, 2, "HW-1"),
    ]
    history = _fresh_rows(session, HISTORY)
    assert [(h["order_id"], h["to_status"]) for h in history] == [
        (order_id, "draft"),
        (order_id, "submitted"),
    ]


def test_partner_and_its_buyer_in_one_call(session: Session, world: World) -> None:
    partner_id, buyer_id = 1000, 2000  # the caller supplies the keys children refer to
    insert_rows(
        session,
        [
            (
                PARTNERS,
                [
                    {
                        "id": partner_id,
                        "name": "Gamma Ltd",
                        "kind": "reseller",
                        "tier": "Registered",
                        "country": "DE",
                        "currency": "EUR",
                        "locale": "de_DE",
                        "active": False,
                        "created_at": AT,
                        "updated_at": AT,
                    }
                ],
            ),
            (
                BUYERS,
                [
                    {
                        "id": buyer_id,
                        "partner_id": partner_id,
                        "email": "g@gamma.example",
                        "name": "Günter",
                        "role": "admin",
                        "spending_limit": Decimal("2500.50"),
                        "active": True,
                        "deactivated_at": None,
                        "substitute_buyer_id": None,
                        "away_until": None,
                    }
                ],
            ),
        ],
    )
    session.commit()
    reader = new_session(_engine(session))
    try:
        partner = reader.get(Partner, partner_id)
        buyer = reader.get(Buyer, buyer_id)
        assert partner is not None and buyer is not None
        assert (partner.name, partner.active, partner.currency) == ("Gamma Ltd", False, "EUR")
        assert (buyer.partner_id, buyer.name, buyer.active) == (partner_id, "Günter", True)
        assert buyer.spending_limit == Decimal("2500.50")
    finally:
        reader.close()


def test_ids_follow_the_order_given(session: Session, world: World) -> None:
    given = ["e3", "e0", "e9", "e4", "e1", "e7", "e2", "e8", "e6", "e5"]
    order_id = allocate_order_id(session)
    notes = ["zulu", "alpha", "mike", "bravo", "yankee"]
    insert_rows(
        session,
        [
            (ORDERS, [_order_row(world, order_id)]),
            (HISTORY, [_history_row(order_id, n) for n in notes]),
            (EVENTS, [_event_row(a) for a in given]),
        ],
    )
    session.commit()
    events = _fresh_rows(session, EVENTS)
    assert [e["aggregate_id"] for e in events] == given  # read in id order
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(given)
    history = _fresh_rows(session, HISTORY)
    assert [h["note"] for h in history] == notes
    # A second batch continues after the first.
    insert_rows(session, [(EVENTS, [_event_row("later-b"), _event_row("later-a")])])
    session.commit()
    events = _fresh_rows(session, EVENTS)
    assert [e["aggregate_id"] for e in events] == [*given, "later-b", "later-a"]
    assert min(e["id"] for e in events[-2:]) > max(ids)


def test_a_foreign_key_violation_raises_and_leaves_nothing(session: Session, world: World) -> None:
    order_id = allocate_order_id(session)
    missing = order_id + 1000
    with pytest.raises(IntegrityError):
        insert_rows(
            session,
            [
                (ORDERS, [_order_row(world, order_id)]),
                (EVENTS, [_event_row("before-the-bad-row")]),
                (
                    LINES,
                    [_line_row(world, order_id, 1), _line_row(world, missing, 1)],
                ),
            ],
        )
    session.rollback()
    for table in (ORDERS, LINES, EVENTS):
        assert _fresh_rows(session, table) == []
    assert [_count(session, table) for table in (ORDERS, LINES, EVENTS)] == [0, 0, 0]
    session.rollback()
    # The session is usable again, and the same rows without the bad one go in.
    insert_rows(
        session,
        [(ORDERS, [_order_row(world, order_id)]), (LINES, [_line_row(world, order_id, 1)])],
    )
    session.commit()
    assert len(_fresh_rows(session, LINES)) == 1


def test_a_child_before_its_parent_is_refused(session: Session, world: World) -> None:
    order_id = allocate_order_id(session)
    with pytest.raises(IntegrityError):
        insert_rows(session, [(LINES, [_line_row(world, order_id, 1)])])
    session.rollback()
    assert _fresh_rows(session, LINES) == []


def test_nothing_to_insert_does_nothing(session: Session, world: World) -> None:
    engine = _engine(session)
    session.commit()
    with statements(engine) as seen:
        insert_rows(session, [])
        insert_rows(session, [(EVENTS, []), (HISTORY, []), (ORDERS, ())])
    assert seen == []
    session.commit()
    for table in (EVENTS, HISTORY, ORDERS):
        assert _fresh_rows(session, table) == []


def test_empty_batches_among_others_are_skipped(session: Session, world: World) -> None:
    engine = _engine(session)
    session.connection()  # the transaction begins outside the count
    with statements(engine) as seen:
        insert_rows(session, [(ORDERS, []), (EVENTS, [_event_row("only")]), (HISTORY, [])])
    session.commit()
    assert [e["aggregate_id"] for e in _fresh_rows(session, EVENTS)] == ["only"]
    assert _fresh_rows(session, ORDERS) == [] and _fresh_rows(session, HISTORY) == []
    assert len(seen) == 1
    assert "outbox_event" in seen[0]
    assert "sales_order" not in seen[0]


def test_several_tables_go_in_one_statement_on_postgresql(session: Session, world: World) -> None:
    engine = _engine(session)
    order_id = allocate_order_id(session)
    session.connection()
    with statements(engine) as seen:
        insert_rows(
            session,
            [
                (ORDERS, [_order_row(world, order_id)]),
                (LINES, [_line_row(world, order_id, n) for n in (1, 2, 3)]),
                (HISTORY, [_history_row(order_id, "created")]),
                (EVENTS, [_event_row(str(n)) for n in range(3)]),
            ],
        )
    session.commit()
    counts = [_count(session, t) for t in (ORDERS, LINES, HISTORY, EVENTS)]
    assert counts == [1, 3, 1, 3]
    if not _is_pg(session):
        assert len(seen) == 4  # SQLite: one executemany per table
        return
    assert len(seen) == 1
    (sql,) = seen
    assert sql.lstrip().upper().startswith("WITH")
    for name in ("sales_order", "sales_order_line", "sales_order_history", "outbox_event"):
        assert f"INSERT INTO {name} " in sql
    assert sql.count("json_populate_recordset") == 4


def test_the_same_shape_sends_the_same_statement_text(session: Session, world: World) -> None:
    engine = _engine(session)
    session.connection()
    with statements(engine) as seen:
        insert_rows(session, [(EVENTS, [_event_row("a")]), (HISTORY, [])])
        insert_rows(session, [(EVENTS, [_event_row("b"), _event_row("c")])])
    session.commit()
    assert len(seen) == 2 and seen[0] == seen[1]
    assert [e["aggregate_id"] for e in _fresh_rows(session, EVENTS)] == ["a", "b", "c"]


def test_a_row_must_name_every_column_on_every_backend(session: Session, world: World) -> None:
    row = _event_row("defaults")
    del row["status"], row["attempts"]  # columns with Python-side defaults are not filled in
    with pytest.raises(
        ValueError, match="outbox_event must name every column: missing attempts, status"
    ):
        insert_rows(session, [(EVENTS, [row])])
    with pytest.raises(ValueError, match="unknown colour"):
        insert_rows(session, [(EVENTS, [{**_event_row("extra"), "colour": "red"}])])
    session.rollback()
    assert _fresh_rows(session, EVENTS) == []


def _outcome(process: Any, value: object) -> tuple[object, ...]:
    try:
        return ("written", process(value))
    except (ValueError, TypeError, AttributeError) as exc:
        return ("refused", type(exc), str(exc))


def test_sqlite_times_and_dates_are_written_as_sqlalchemy_writes_them() -> None:
    """The row batch's own time and date text on SQLite is SQLAlchemy's, value for value, and so
    is what it makes of a value of another kind (a naive time is refused)."""
    dialect = sqlite.dialect()
    deals = table_of(Deal)
    times = [
        AT,
        AT.replace(microsecond=0),
        datetime(2024, 3, 1, 5, 29, 58, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2023, 12, 31, 16, 0, 0, 1, tzinfo=ZoneInfo("America/Los_Angeles")),
        datetime(1, 1, 1, tzinfo=UTC),
        AT.replace(tzinfo=None),
        "2024-02-29 23:59:58",
    ]
    dates = [date(2024, 2, 29), date(1, 1, 1), date(9999, 12, 31), AT, "2024-02-29"]
    for table, column, values in ((ORDERS, "created_at", times), (deals, "close_date", dates)):
        ours = _processor(dialect, table, column)
        theirs = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        assert ours is not None and theirs is not None and ours is not theirs
        assert [_outcome(ours, v) for v in values] == [_outcome(theirs, v) for v in values]
    assert _outcome(_processor(dialect, ORDERS, "created_at"), AT.replace(tzinfo=None))[0] == (
        "refused"
    )
