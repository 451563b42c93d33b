"""Customer CSV import / export per partner: validate every row first, then write all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_partner_access
from order_core.audit import AuditRow, diff, record_audits
from order_core.bulk_sql import chunks, one_of, refresh_statistics
from order_core.customers.bulk_associations import associate_many
from order_core.customers.dedupe import DedupeIndex
from order_core.customers.fields import (
    CUSTOMER_FIELDS,
    CustomerValues,
    check_values,
    clean_values,
    dedupe_domain,
    normalize_email,
)
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.customers.requirements import missing_customer_info, required_customer_fields
from order_core.customers.services import apply_values, derived_values
from order_core.errors import NotFoundError, Problem, ValidationFailed
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import utcnow

CSV_COLUMNS = ("id", *CUSTOMER_FIELDS)


@dataclass
class ImportResult:
    """What an import did: customer ids created / updated / left unchanged, and associations added."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    associated: int = 0


@dataclass
class _Row:
    line: int
    values: CustomerValues
    target: EndCustomer | None = None


def _parse(text: str, source: str) -> tuple[list[str], list[_Row], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), strict=True)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [], [_malformed(1, exc)]
    problems: list[Problem] = []
    if not header:
        return header, [], [Problem("line 1", "header", "the file has no header row")]
    reader.fieldnames = header
    for name in header:
        if name not in CSV_COLUMNS:
            problems.append(
                Problem("line 1", name, f"unknown column; use any of {list(CSV_COLUMNS)}")
            )
    if "name" not in header:
        problems.append(Problem("line 1", "name", "the required column is missing"))
    rows: list[_Row] = []
    start = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the rest of the file cannot be split into rows reliably
            problems.append(_malformed(start, exc))
            break
        line = start
        start = reader.line_num + 1
        if None in raw:
            problems.append(Problem(f"line {line}", "-", "has more values than the header"))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue
        values = clean_values({k: v for k, v in raw.items() if k in CSV_COLUMNS})
        rows.append(_Row(line, values))
    return header, rows, problems


def _malformed(line: int, exc: csv.Error) -> Problem:
    reason = (
        "a quoted value opened on this line is never closed"
        if "end of data" in str(exc)
        else f"is not valid CSV ({exc})"
    )
    return Problem(
        f"line {line}", "-", f"{reason}; check the quotes (a quote in a value is doubled)"
    )


def _keys(values: CustomerValues) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    if values.get("crm_source") and values.get("crm_id"):
        keys.append(("crm_id", f"{values['crm_source']}:{values['crm_id']}"))
    if email := normalize_email(values.get("email")):
        keys.append(("email", email))
    if domain := dedupe_domain(values.get("domain"), values.get("email")):
        keys.append(("domain", domain))
    return keys


def _resolve(session: Session, partner_id: int, rows: list[_Row], problems: list[Problem]) -> None:
    """Check every row and find the existing customer each one updates (no writes)."""
    wanted_ids: set[int] = set()
    for row in rows:
        raw_id = row.values.pop("id", None)
        problems.extend(check_values(f"line {row.line}", row.values))
        if raw_id is not None:
            if not raw_id.isdigit():
                problems.append(Problem(f"line {row.line}", "id", f"{raw_id!r} is not a number"))
            else:
                row.values["id"] = raw_id
                wanted_ids.add(int(raw_id))
    own: dict[int, EndCustomer] = {}
    for chunk in chunks(sorted(wanted_ids)):
        stmt = (
            select(EndCustomer)
            .join(CustomerAssociation, col(CustomerAssociation.customer_id) == col(EndCustomer.id))
            .where(
                CustomerAssociation.partner_id == partner_id,
                one_of(session, col(EndCustomer.id), chunk),
            )
        )
        own.update({c.id: c for c in session.exec(stmt) if c.id is not None})
    index = DedupeIndex.load(session, [r.values for r in rows])
    seen: dict[tuple[str, str], int] = {}
    targets: dict[int, int] = {}
    for row in rows:
        where = f"line {row.line}"
        raw_id = row.values.pop("id", None)
        if raw_id is not None:
            row.target = own.get(int(raw_id))
            if row.target is None:
                problems.append(Problem(where, "id", f"partner has no end customer {raw_id}"))
                continue
        for column, key in _keys(row.values):
            if (column, key) in seen:
                first = seen[(column, key)]
                problems.append(Problem(where, column, f"duplicates line {first} ({key})"))
                break
            seen.setdefault((column, key), row.line)
        matched = {
            "crm_id": index.by_crm.get(
                (row.values.get("crm_source") or "", row.values.get("crm_id") or "")
            ),
            "email": index.by_email.get(normalize_email(row.values.get("email")) or ""),
            "domain": index.by_domain.get(
                dedupe_domain(row.values.get("domain"), row.values.get("email")) or ""
            ),
        }
        for column, other in matched.items():
            if other is None:
                continue
            if row.target is None:
                row.target = other
            elif other.id != row.target.id:
                problems.append(
                    Problem(
                        where, column, f"belongs to end customer {other.id}, not {row.target.id}"
                    )
                )
        if row.target is not None and row.target.id is not None:
            if row.target.id in targets:
                problems.append(
                    Problem(
                        where,
                        "id",
                        f"updates the same end customer as line {targets[row.target.id]}",
                    )
                )
            targets.setdefault(row.target.id, row.line)


@transactional
def import_customers_csv(
    text: str, partner_id: int, *, session: Session, actor: Actor, source: str = "CSV"
) -> ImportResult:
    """Import end customers for a partner from CSV text (header row; columns ``CSV_COLUMNS``).

    Every row is validated first; if any is bad, ValidationFailed names each bad row by line,
    column and reason and nothing is written. Rows matching an existing customer (by id, CRM id,
    email or domain) update it; the others create customers. All are associated with the partner.
    """
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} not found")
    header, rows, problems = _parse(text, source)
    _resolve(session, partner_id, rows, problems)
    columns = [c for c in header if c in CUSTOMER_FIELDS]
    problems.extend(_missing_info(session, partner_id, columns, rows))
    if problems:
        bad = len({p.record for p in problems})
        raise ValidationFailed(
            f"{source}: {bad} bad row(s); nothing was imported. Fix them and import again", problems
        )
    result = ImportResult()
    now = utcnow()
    audits: list[AuditRow] = []
    new_rows: list[dict[str, object]] = []
    for row in rows:
        values = {c: row.values.get(c) for c in columns}
        if row.target is None:
            new_rows.append(_new_row(values, now))
            continue
        assert row.target.id is not None
        before = _snapshot(row.target)
        apply_values(row.target, values)
        delta = diff(before, _snapshot(row.target))
        if delta:
            row.target.updated_at = now
            result.updated.append(row.target.id)
            audits.append(("import_update", "end_customer", row.target.id, delta, partner_id))
        else:
            result.unchanged.append(row.target.id)
    if new_rows:
        stmt = insert(EndCustomer).returning(col(EndCustomer.id), sort_by_parameter_order=True)
        result.created = [i for i in session.execute(stmt, new_rows).scalars() if i is not None]
        for customer_id, new_row in zip(result.created, new_rows, strict=True):
            created = {k: new_row[k] for k in columns}
            audits.append(("import_create", "end_customer", customer_id, created, partner_id))
    record_audits(session, actor, audits)
    ids = [r.target.id for r in rows if r.target is not None and r.target.id is not None]
    pairs = [(customer_id, partner_id) for customer_id in [*ids, *result.created]]
    result.associated = associate_many(session, pairs, "import", actor=actor, at=now)
    refresh_statistics(session, len(new_rows), "end_customer", "customer_association")
    return result


def _missing_info(
    session: Session, partner_id: int, columns: list[str], rows: list[_Row]
) -> list[Problem]:
    """What the partner's programs require and a row would leave empty (checkout's own check).

    A row that changes nothing about a customer already associated with the partner is left
    alone, so importing an export again still changes nothing.
    """
    required = required_customer_fields(session, partner_id)
    if not required:
        return []
    ids = sorted({r.target.id for r in rows if r.target is not None and r.target.id is not None})
    associated: set[int] = set()
    for chunk in chunks(ids):
        stmt = select(CustomerAssociation.customer_id).where(
            CustomerAssociation.partner_id == partner_id,
            one_of(session, col(CustomerAssociation.customer_id), chunk),
        )
        associated.update(session.exec(stmt))
    problems: list[Problem] = []
    for row in rows:
        after = derived_values(row.target, {c: row.values.get(c) for c in columns})
        if (target := row.target) is not None:
            if target.id in associated and all(getattr(target, k) == v for k, v in after.items()):
                continue
            after = {f: getattr(target, f) for f in CUSTOMER_FIELDS} | after
        problems.extend(missing_customer_info(f"line {row.line}", after.get, required))
    return problems


def _snapshot(customer: EndCustomer) -> dict[str, object]:
    return {f: getattr(customer, f) for f in (*CUSTOMER_FIELDS, "email_normalized")}


def _new_row(values: CustomerValues, now: datetime) -> dict[str, object]:
    """The column values of a new customer (bulk insert, no ORM object)."""
    row: dict[str, object] = dict.fromkeys(CUSTOMER_FIELDS)
    row.update(values)
    row["email_normalized"] = normalize_email(values.get("email"))
    row["domain"] = dedupe_domain(values.get("domain"), values.get("email"))
    row.update(reseller_of_record_id=None, created_at=now, updated_at=now)
    return row


@transactional
def export_customers_csv(partner_id: int, *, session: Session, actor: Actor) -> str:
    """The partner's end customers as CSV (columns ``CSV_COLUMNS``, by id); importing it changes nothing."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} not found")
    stmt = (
        select(EndCustomer)
        .join(CustomerAssociation, col(CustomerAssociation.customer_id) == col(EndCustomer.id))
        .where(CustomerAssociation.partner_id == partner_id)
        .order_by(col(EndCustomer.id))
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for customer in session.exec(stmt):
        writer.writerow(["" if (v := getattr(customer, c)) is None else v for c in CSV_COLUMNS])
    return out.getvalue()
