"""Customer CSV import / export: every bad row named, all-or-nothing writes, and a round trip."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import Session, select

from order_core.audit import AuditEntry
from order_core.customers.associations import customer_associations
from order_core.customers.csv_io import export_customers_csv, import_customers_csv
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.errors import NotFoundError, ValidationFailed
from order_core.partners.programs import update_program
from tests.order_core.partners.world import VENDOR, World, build_world, pid

GOOD = """name,email,country,city,crm_source,crm_id
Initech,ops@initech.example,US,Austin,salesforce,001I
Umbrella,info@umbrella.example,gb,London,,
Acme Corp,it@acme.example,US,Springfield,,
"""

BAD = """name,email,country,city
Fine Co,hello@fine.example,US,Paris
,nobody@nameless.example,US,
Bad Mail,not-an-email,US,
Bad Country,x@country.example,USA,
Dup Co,HELLO@fine.example,FR,
Extra,e@extra.example,US,Rome,surplus
"""


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _count(session: Session) -> tuple[int, int, int]:
    return (
        len(session.exec(select(EndCustomer)).all()),
        len(session.exec(select(CustomerAssociation)).all()),
        len(session.exec(select(AuditEntry)).all()),
    )


def test_bad_rows_are_all_named_and_nothing_is_written(session: Session, world: World) -> None:
    before = _count(session)
    with pytest.raises(ValidationFailed) as err:
        import_customers_csv(
            BAD, pid(world.a), session=session, actor=world.a_buyer, source="c.csv"
        )
    found = {(p.record, p.field) for p in err.value.problems}
    assert found == {
        ("line 3", "name"),
        ("line 4", "email"),
        ("line 5", "country"),
        ("line 6", "email"),
        ("line 7", "-"),
    }
    assert "c.csv: 5 bad row(s); nothing was imported" in err.value.message
    assert "duplicates line 2" in err.value.message
    assert _count(session) == before


def test_bad_header_and_unknown_id(session: Session, world: World) -> None:
    b_customer = pid(world.customer_b)
    with pytest.raises(ValidationFailed) as err:
        import_customers_csv(
            "email,shoe\na@b.example,42\n", pid(world.a), session=session, actor=VENDOR
        )
    assert {(p.record, p.field) for p in err.value.problems} >= {
        ("line 1", "shoe"),
        ("line 1", "name"),
    }
    # An id of another partner's customer is refused, not revealed.
    other = f"id,name\n{b_customer},Stolen\n"
    with pytest.raises(ValidationFailed, match="partner has no end customer"):
        import_customers_csv(other, pid(world.a), session=session, actor=world.a_admin)
    session.expunge_all()
    stored = session.get(EndCustomer, b_customer)
    assert stored is not None and stored.name == "Globex GmbH"


def test_import_creates_updates_and_associates(session: Session, world: World) -> None:
    result = import_customers_csv(GOOD, pid(world.b), session=session, actor=world.b_buyer)
    assert len(result.created) == 2 and result.updated == [pid(world.customer_a)]
    assert result.associated == 3
    session.expunge_all()
    acme = session.get(EndCustomer, pid(world.customer_a))
    assert (
        acme is not None and acme.city == "Springfield" and acme.reseller_of_record_id == world.a.id
    )
    assert [
        h.origin for h in customer_associations(pid(acme), session=session, actor=world.b_buyer)
    ] == ["import"]
    umbrella = session.exec(select(EndCustomer).where(EndCustomer.name == "Umbrella")).one()
    assert umbrella.country == "GB" and umbrella.domain == "umbrella.example"
    assert umbrella.reseller_of_record_id == world.b.id
    actions = {
        e.action
        for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "end_customer"))
    }
    assert {"import_create", "import_update", "associate"} <= actions
    again = import_customers_csv(GOOD, pid(world.b), session=session, actor=world.b_buyer)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 3


def test_export_round_trips(session: Session, world: World) -> None:
    import_customers_csv(GOOD, pid(world.b), session=session, actor=VENDOR)
    text = export_customers_csv(pid(world.b), session=session, actor=world.b_admin)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == ["Acme Corp", "Globex GmbH", "Initech", "Umbrella"]
    assert rows[2]["crm_id"] == "001I" and rows[2]["region"] == ""
    before = _count(session)
    result = import_customers_csv(text, pid(world.b), session=session, actor=world.b_admin)
    assert result.created == [] and result.updated == [] and len(result.unchanged) == 4
    assert _count(session) == before
    assert export_customers_csv(pid(world.b), session=session, actor=VENDOR) == text
    edited = text.replace("Austin", "Dallas")
    result = import_customers_csv(edited, pid(world.b), session=session, actor=world.b_admin)
    assert len(result.updated) == 1
    assert export_customers_csv(pid(world.b), session=session, actor=VENDOR) == edited
    with pytest.raises(NotFoundError):
        export_customers_csv(pid(world.b), session=session, actor=world.a_buyer)


def test_rows_lacking_what_the_program_requires_are_named_and_nothing_is_written(
    session: Session, world: World
) -> None:
    # RESELLER (partner A's program) requires name, email and country, as checkout does.
    text = (
        "name,email,country\n"
        "Only A Name,,\n"
        "Complete Co,hello@complete.example,US\n"
        "No Country,nc@nocountry.example,\n"
    )
    before = _count(session)
    with pytest.raises(ValidationFailed) as err:
        import_customers_csv(text, pid(world.a), session=session, actor=world.a_buyer)
    assert {(p.record, p.field) for p in err.value.problems} == {
        ("line 2", "email"),
        ("line 2", "country"),
        ("line 4", "country"),
    }
    assert "is required by program RESELLER" in err.value.message
    assert _count(session) == before
    # An update that would empty a required field is refused the same way.
    clearing = f"id,name,country\n{pid(world.customer_a)},Acme Corp,\n"
    with pytest.raises(ValidationFailed) as err:
        import_customers_csv(clearing, pid(world.a), session=session, actor=world.a_buyer)
    assert {(p.record, p.field) for p in err.value.problems} == {("line 2", "country")}
    # The distributor program requires nothing: a name is enough there.
    result = import_customers_csv(
        "name\nOnly A Name\n", pid(world.dist), session=session, actor=VENDOR
    )
    assert len(result.created) == 1


def test_an_unchanged_incomplete_customer_does_not_block_a_reimport(
    session: Session, world: World
) -> None:
    # Imported while partner B's program did not require anything, then the program changed.
    update_program(
        pid(world.reseller_program), customer_info_required=False, session=session, actor=VENDOR
    )
    legacy_row = "name,email\nLegacy Ltd,ops@legacy.example\n"
    import_customers_csv(legacy_row, pid(world.b), session=session, actor=VENDOR)
    update_program(
        pid(world.reseller_program), customer_info_required=True, session=session, actor=VENDOR
    )
    text = export_customers_csv(pid(world.b), session=session, actor=VENDOR)
    again = import_customers_csv(text, pid(world.b), session=session, actor=VENDOR)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 2
    # Changing it, or associating it with another reseller, must fill in what is required.
    legacy = session.exec(select(EndCustomer).where(EndCustomer.name == "Legacy Ltd")).one()
    with pytest.raises(ValidationFailed, match="line 2: country: is required by program RESELLER"):
        import_customers_csv(
            f"id,name,phone\n{pid(legacy)},Legacy Ltd,+1 555 0100\n",
            pid(world.b),
            session=session,
            actor=VENDOR,
        )
    with pytest.raises(ValidationFailed, match="line 2: country: is required"):
        import_customers_csv(legacy_row, pid(world.a), session=session, actor=VENDOR)
    assert [
        a.partner_id for a in customer_associations(pid(legacy), session=session, actor=VENDOR)
    ] == [pid(world.b)]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('name,email\n"unterminated,foo\n', 2),
        ('name,email\nFine,f@fine.example\n"Half"quoted,x@y.example\n', 3),
    ],
)
def test_malformed_csv_is_refused_with_its_line(
    session: Session, world: World, text: str, line: int
) -> None:
    before = _count(session)
    with pytest.raises(ValidationFailed) as err:
        import_customers_csv(text, pid(world.dist), session=session, actor=VENDOR)
    assert [(p.record, p.field) for p in err.value.problems] == [(f"line {line}", "-")]
    assert "check the quotes" in err.value.message
    assert _count(session) == before
