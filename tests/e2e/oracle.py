"""What the core should hold after a pull, computed independently of the pull: the CRM's records read
with the plain client, mapped, and compared with the core's links and rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from mappings import MappedRecord, Mapping, RawRecord, Rejected
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from order_core.partners.models import Buyer, Partner
from order_core.rowbatch import table_of
from order_core.sync.models import QuarantineEntry, SyncRecord

MODELS: dict[str, Any] = {
    "partner": Partner,
    "end_customer": EndCustomer,
    "buyer": Buyer,
    "deal": Deal,
    "deal_line": DealLine,
}
_LINKS, _HELD = table_of(SyncRecord), table_of(QuarantineEntry)


def salesforce_records(sf: Any, mapping: Mapping) -> dict[str, list[RawRecord]]:
    """Every record of every mapped object, deleted ones included, through simple-salesforce."""
    out: dict[str, list[RawRecord]] = {}
    for obj in mapping.objects:
        fields = ", ".join(["Id", "SystemModstamp", "IsDeleted", *mapping.crm_fields(obj)])
        rows = sf.query_all(f"SELECT {fields} FROM {obj}", include_deleted=True)["records"]
        out[obj] = [
            RawRecord(
                r["Id"],
                datetime.fromisoformat(r["SystemModstamp"].replace("+0000", "+00:00")).astimezone(
                    UTC
                ),
                {k: v for k, v in r.items() if k != "attributes"},
                deleted=bool(r["IsDeleted"]),
            )
            for r in rows
        ]
    return out


def _hubspot_associations(
    client: HubSpot, obj: str, to: str, ids: list[str]
) -> dict[str, list[tuple[str, frozenset[str]]]]:
    found: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        request = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[{"id": i} for i in ids[start : start + 1000]]
        )
        for result in client.crm.associations.v4.batch_api.get_page(obj, to, request).results:
            for other in result.to:
                labels = frozenset(t.label for t in other.association_types if t.label)
                found[result._from.id].append((other.to_object_id, labels))
    return found


def hubspot_records(base_url: str, token: str, mapping: Mapping) -> dict[str, list[RawRecord]]:
    """Every record of every mapped object, archived ones included, through hubspot-api-client."""
    client = HubSpot(access_token=token, host=base_url)
    out: dict[str, list[RawRecord]] = {}
    for obj in mapping.objects:
        rows: list[tuple[Any, bool]] = []
        for archived in (False, True):
            after: str | None = None
            while True:
                page = client.crm.objects.basic_api.get_page(
                    obj,
                    limit=100,
                    after=after,
                    properties=mapping.crm_fields(obj),
                    archived=archived,
                )
                rows += [(r, archived) for r in page.results]
                if page.paging is None:
                    break
                after = page.paging.next.after
        live = [r.id for r, archived in rows if not archived]
        linked = {
            to: _hubspot_associations(client, obj, to, live) for to in mapping.associations(obj)
        }
        out[obj] = [
            RawRecord(
                r.id,
                r.updated_at,
                r.properties,
                deleted=archived,
                associations={to: linked[to].get(r.id, []) for to in linked},
            )
            for r, archived in rows
        ]
    return out


def mapped(mapping: Mapping, records: dict[str, list[RawRecord]]) -> list[MappedRecord]:
    """The mapping applied to every record; the seed is valid data, so nothing may be rejected."""
    out: list[MappedRecord] = []
    for obj, recs in records.items():
        for result in mapping.apply(obj, recs):
            assert not isinstance(result, Rejected), result
            out.append(result)
    return out


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        return expected == actual
    return expected == actual


def assert_core_matches(engine: Engine, source: str, expected: Iterable[MappedRecord]) -> None:
    """Links equal the CRM's records one for one, no quarantine, and every mapped value is in the core."""
    wanted = list(expected)
    with engine.connect() as conn:
        links = {
            (t, c): (core_id, deleted)
            for t, c, core_id, deleted in conn.execute(
                select(_LINKS.c.target, _LINKS.c.crm_id, _LINKS.c.core_id, _LINKS.c.deleted).where(
                    _LINKS.c.source == source
                )
            )
        }
        held = conn.execute(
            select(_HELD.c.crm_id, _HELD.c.reason).where(_HELD.c.source == source)
        ).all()
        assert held == [], held[:5]
        live = {(r.target, r.crm_id) for r in wanted if not r.deleted}
        gone = {(r.target, r.crm_id) for r in wanted if r.deleted}
        assert {k for k, (_, d) in links.items() if not d} == live
        assert {k for k, (_, d) in links.items() if d} <= gone
        by_core = {(t, cid): crm for (t, crm), (cid, _) in links.items()}
        for rec in wanted:
            if rec.deleted:
                continue
            core_id = links[(rec.target, rec.crm_id)][0]
            table = table_of(MODELS[rec.target])
            row = conn.execute(select(table).where(table.c.id == core_id)).mappings().one()
            if rec.target == "end_customer" and row["crm_id"] != rec.crm_id:
                continue  # linked to a customer another record created: filled, not overwritten
            for name, value in rec.values.items():
                if name in table.c and value is not None:
                    assert _same(value, row[name]), (rec.target, rec.crm_id, name, value, row[name])
            for ref, crm_id in rec.refs.items():
                actual = row[f"{ref}_id"]
                assert (None if actual is None else by_core.get((ref, actual))) == crm_id, (
                    rec.crm_id,
                    ref,
                )
