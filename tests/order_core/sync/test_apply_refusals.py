"""A record the database refuses (a rule the core does not know of) is quarantined alone.

A page is written first without savepoints; refused, that transaction is rolled back and the page
written again with each target's batch in a savepoint, halved down to the refused record.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session, col

from order_core.audit import AuditEntry
from order_core.deals.models import Deal
from order_core.sync.apply import apply_page
from order_core.sync.cursors import read_cursor
from order_core.sync.models import QuarantineEntry, SyncRecord
from tests.order_core.sync.test_apply_page import (  # noqa: F401 (programs: a fixture)
    SRC,
    SYNC,
    T0,
    count,
    deal,
    page,
    partner,
    programs,
    rec,
)
from tests.sql_capture import statements

REFUSED = "Refuse Me"


@pytest.fixture
def refusing(session: Session) -> Iterator[None]:
    """A database rule that refuses deals named ``REFUSED`` (a trigger the core knows nothing of)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text(
                f"CREATE TRIGGER refuse_deal BEFORE INSERT ON deal WHEN NEW.name = '{REFUSED}' "
                "BEGIN SELECT RAISE(ABORT, 'deal name refused by a site rule'); END"
            )
        )
    else:
        session.execute(
            text(
                "CREATE FUNCTION refuse_deal() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.name = '{REFUSED}' THEN "
                "RAISE EXCEPTION 'deal name refused by a site rule'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER refuse_deal BEFORE INSERT ON deal "
                "FOR EACH ROW EXECUTE FUNCTION refuse_deal()"
            )
        )
    session.commit()
    yield
    session.rollback()
    session.execute(text("DROP TRIGGER refuse_deal" + ("" if _sqlite(session) else " ON deal")))
    if not _sqlite(session):
        session.execute(text("DROP FUNCTION refuse_deal()"))
    session.commit()


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _world(session: Session) -> None:
    customer = rec("end_customer", "C1", {"name": "End Co", "domain": "end.example"})
    apply_page(page("Account", partner("P1"), customer), session=session, actor=SYNC)


def _created_deal_audits(session: Session) -> int:
    stmt = select(func.count()).where(
        col(AuditEntry.action) == "crm_create", col(AuditEntry.entity) == "deal"
    )
    return int(session.execute(stmt).scalar_one())


@pytest.mark.usefixtures("programs")
def test_a_page_nobody_refuses_is_written_without_savepoints(session: Session) -> None:
    _world(session)
    with statements(session) as sent:
        result = apply_page(
            page("Opportunity", deal("D1"), deal("D2"), cursor=(T0, "D2")),
            session=session,
            actor=SYNC,
        )
    assert result.total("created") == 2
    assert not [s for s in sent if "SAVEPOINT" in s.upper()]
    assert count(session, Deal) == 2
    assert read_cursor(session, SRC, "Opportunity") == (T0, "D2")


@pytest.mark.usefixtures("programs", "refusing")
def test_a_refused_record_is_quarantined_alone_and_the_rest_of_its_page_lands(
    session: Session,
) -> None:
    _world(session)
    deals = [deal(f"D{n}", name=REFUSED if n == 3 else f"Deal D{n}") for n in range(1, 6)]
    with statements(session) as sent:
        result = apply_page(
            page("Opportunity", *deals, cursor=(T0, "D5")), session=session, actor=SYNC
        )
    assert (result.total("created"), result.total("quarantined")) == (4, 1)
    names = set(session.execute(select(col(Deal.name))).scalars())
    assert names == {"Deal D1", "Deal D2", "Deal D4", "Deal D5"}
    held = session.execute(select(QuarantineEntry)).scalars().all()
    assert [(q.target, q.crm_id) for q in held] == [("deal", "D3")]
    assert held[0].reason == "the database refused it: deal name refused by a site rule"
    # Nothing of the rolled-back first attempt is left: one audit entry and one link per deal.
    assert _created_deal_audits(session) == 4
    links = session.execute(
        select(col(SyncRecord.crm_id)).where(col(SyncRecord.target) == "deal")
    ).scalars()
    assert sorted(links) == ["D1", "D2", "D4", "D5"]
    assert read_cursor(session, SRC, "Opportunity") == (T0, "D5")
    # Over the wire: the first attempt without savepoints, then the isolated one with them.
    first_savepoint = next(n for n, s in enumerate(sent) if s.upper().startswith("SAVEPOINT"))
    inserts = [n for n, s in enumerate(sent) if s.upper().startswith("INSERT INTO DEAL ")]
    assert inserts[0] < first_savepoint < inserts[1]
