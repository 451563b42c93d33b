"""The catalog version stamp: writes to the catalog and partner read model change it.

Checkout remembers what it derives from the catalog (``order_core.catalog.snapshot``) per stamp,
and reads this stamp once per transaction to know whether that is still current.
A hook on every engine made by ``order_core.db.make_engine`` writes a fresh random stamp into
the one-row ``catalog_stamp`` table, in the same transaction, before any INSERT, UPDATE or DELETE
on one of ``CATALOG_TABLES``, so the stamp commits (or rolls back) together with the change that
caused it. Writes made outside these engines (psql, other programs) must bump the stamp themselves:
``UPDATE catalog_stamp SET value = value + 1``.

Rows that are new entities leave the stamp alone inside ``new_entity_rows``: a partner created by
the sync, its first program memberships, a new authorized buyer. Remembered values are keyed by
partner and buyer and computed only for ones that exist (an unknown buyer is refused, and errors
are never remembered), so no remembered value can depend on a partner or buyer that did not exist
yet; bumping for them made every checkout rebuild its context after each page of a pull that
brought new partners. The transaction itself still shares no remembered values, and any other
write in the block (an UPDATE, an upsert) bumps as always.

How a write is recognised, with SQLAlchemy's public API only: the hook is a Core
``before_cursor_execute`` listener, which sees every statement sent (ORM flushes, ORM-enabled and
Core DML, executemany); for a statement SQLAlchemy compiled it walks the compiled statement
(``ExecutionContext.compiled.statement``) for INSERT / UPDATE / DELETE constructs, including DML
inside common table expressions, and reads their ``table`` (once per statement text). Only
textual SQL (``text()``, ``exec_driver_sql``) has no structure to walk; its first keywords are
matched instead (``writes_catalog``). tests/order_core/catalog/test_catalog_stamp.py pins every
write path on both databases, so an upgrade that changed any of this fails loudly.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlmodel import Session

# Tables a checkout only reads; a write to any of them invalidates the snapshots.
CATALOG_TABLES = frozenset(
    {
        "partner",
        "buyer",
        "program",
        "program_membership",
        "product",
        "authorization_rule",
        "list_price",
        "buy_price",
        "distributor_relation",
        "payment_method_rule",
    }
)
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_ANY_WRITE = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_WRITTEN = "catalog_written_in"  # Connection.info key: the transaction that wrote the catalog
_NEW_ROWS = "catalog_new_entity_rows"  # Connection.info key: inside ``new_entity_rows``
_PLAIN_INSERT = re.compile(r"\s*INSERT\s+INTO\b(?!.*\bON\s+CONFLICT\b)", re.IGNORECASE | re.DOTALL)
# The stamp as a scalar subquery: NULL when the row does not exist yet. A statement that runs
# anyway at the start of a transaction may read it along (see ``catalog.snapshot.use_stamp``).
STAMP_SQL = "(SELECT value FROM catalog_stamp WHERE id = 1)"
_READ = f"SELECT {STAMP_SQL}"


def _bump_sql() -> str:
    # Random, so a stamp does not come back after the table is emptied (tests truncate): the
    # chance that a new stamp equals a given old one is 1 in 2**62.
    stamp = secrets.randbits(62)
    upsert = f"INSERT INTO catalog_stamp (id, value) VALUES (1, {stamp}) "  # noqa: S608 - an int
    return upsert + "ON CONFLICT (id) DO UPDATE SET value = excluded.value"


def tables_written(statement: ClauseElement) -> frozenset[str]:
    """Names of the tables the INSERT / UPDATE / DELETE constructs in ``statement`` write."""
    return frozenset(
        str(node.table.name)
        for node in visitors.iterate(statement)
        if isinstance(node, UpdateBase) and hasattr(node.table, "name")
    )


@lru_cache(maxsize=1024)
def writes_catalog(statement: str) -> bool:
    """Whether textual SQL ``statement`` writes one of the catalog tables (or truncates tables)."""
    found = _WRITE.match(statement)
    if found is not None:
        return found.group(1).lower() in CATALOG_TABLES
    if _WITH.match(statement) is not None:  # a write inside or after common table expressions
        return any(m.group(1).lower() in CATALOG_TABLES for m in _ANY_WRITE.finditer(statement))
    return _TRUNCATE.match(statement) is not None


# Statement text -> whether it writes the catalog. The text is the key (the same text writes the
# same tables, and its hash is cached on the string) but the answer comes from the structure.
_answers: dict[str, bool] = {}
_MAX_ANSWERS = 4096


def _statement_writes_catalog(context: ExecutionContext, statement: str) -> bool:
    found = _answers.get(statement)
    if found is None:
        compiled = context.compiled
        structure = compiled.statement if compiled is not None else None
        if structure is None or isinstance(structure, TextClause):
            found = writes_catalog(statement)  # driver SQL or text(): no structure to walk
        else:
            found = bool(tables_written(structure) & CATALOG_TABLES)
        if len(_answers) < _MAX_ANSWERS:
            _answers[statement] = found
    return found


def track_catalog_writes(engine: Engine) -> None:
    """Bump the catalog stamp before every catalog write made through ``engine``."""
    event.listen(engine, "before_cursor_execute", _bump_on_catalog_write)


def _bump_on_catalog_write(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    if not _statement_writes_catalog(context, statement):
        return
    conn.info[_WRITTEN] = conn.get_transaction()
    if conn.info.get(_NEW_ROWS) and _PLAIN_INSERT.match(statement) is not None:
        return  # rows of entities new in this transaction: nothing remembered depends on them
    bump = cursor.connection.cursor()
    try:
        bump.execute(_bump_sql())
    finally:
        bump.close()


@contextmanager
def new_entity_rows(session: Session) -> Iterator[None]:
    """Catalog INSERTs inside create entities that did not exist before this transaction (new
    partners, their first program memberships, new buyers): they leave the stamp alone. The caller
    vouches that every row inserted inside belongs to such an entity; any other statement inside
    (UPDATE, DELETE, INSERT ... ON CONFLICT) bumps the stamp as usual."""
    conn = session.connection()
    conn.info[_NEW_ROWS] = True
    try:
        yield
    finally:
        conn.info.pop(_NEW_ROWS, None)


def written_in_transaction(conn: Connection) -> bool:
    """Whether the connection's current transaction wrote a catalog table (so no snapshot applies)."""
    txn = conn.get_transaction()
    return txn is not None and conn.info.get(_WRITTEN) is txn


def read_stamp(conn: Connection) -> int | None:
    """The committed catalog stamp as this transaction sees it; None when no stamp row exists."""
    value = conn.exec_driver_sql(_READ).scalar()
    return int(value) if value is not None else None
