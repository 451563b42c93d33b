"""The ``engine`` fixture hands every test an empty core whose ids start at 1, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.models import metadata
from order_core.partners.models import Partner, Program
from tests.conftest import _empty_pg


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }


def test_the_engine_starts_empty_with_ids_from_one(engine: Engine) -> None:
    assert set(_counts(engine).values()) == {0}
    with Session(engine) as s:
        program = Program(code="A", name="A")
        s.add(program)
        s.commit()
        assert program.id == 1


def test_emptying_postgres_resets_rows_and_sequences_a_rollback_moved(_pg_engine: Engine) -> None:
    engine = _pg_engine
    _empty_pg(engine)
    with Session(engine) as s:
        s.add_all([Program(code="A", name="A"), Program(code="B", name="B")])
        s.commit()
    with Session(engine) as s:  # rolled back: no row, but the partner id sequence moved on
        s.add(Partner(name="P", country="US", currency="USD"))
        s.flush()
        s.rollback()

    _empty_pg(engine)

    assert set(_counts(engine).values()) == {0}
    with Session(engine) as s:
        program, partner = (
            Program(code="C", name="C"),
            Partner(name="Q", country="US", currency="USD"),
        )
        s.add_all([program, partner])
        s.commit()
        assert (program.id, partner.id) == (1, 1)
