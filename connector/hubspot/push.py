"""The push's HubSpot writes: quotes with line items on deals, the quote summary, orders.

Records are upserted by the mapping's external id (the unique ``channelsync_id``) with batch
upsert, so a retry never duplicates; associations (HubSpot-defined types) are made once the
records' ids are known, and making one twice changes nothing. A revised quote's earlier versions
keep their records but leave the deal, which shows the current version only. An order is
associated with its partner's company (and the deal its quote came from) on its first event;
a partner with no company in this portal skips the order. Line items a revision removed are
archived once the current ones are written: the parent's line items are read through its
associations (v4 batch read) and their ``channelsync_id`` (batch read), and those the core no
longer has go (batch archive, 100 a call).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from connector.hubspot.association_writes import AssociationType, HubSpotAssociations, Pair
from connector.hubspot.associations import read_associations
from connector.hubspot.client import results_of
from connector.hubspot.records import BadRecord, parse_stamp, record_stamp, stamp_property
from connector.hubspot.writes import BATCH_MAX, HubSpotWriter
from connector.push.crm_sender import Snapshots, Work
from connector.push.crm_writes import LineOwner, PushWrites, RequestState, stale_lines
from connector.push.ledger import Ledger
from connector.writes import WriteResults
from mappings.push import crm_fields
from mappings.spec import PushObject, PushSpec
from order_core.outbox.outcomes import Outcome
from order_core.pushback.snapshots import LineSnap

#: HubSpot-defined association type ids (from the first object to the second).
QUOTE_TO_DEAL = AssociationType("HUBSPOT_DEFINED", 64)
LINE_ITEM_TO_QUOTE = AssociationType("HUBSPOT_DEFINED", 68)
ORDER_TO_COMPANY = AssociationType("HUBSPOT_DEFINED", 509)
ORDER_TO_DEAL = AssociationType("HUBSPOT_DEFINED", 512)
ORDER_TO_LINE_ITEM = AssociationType("HUBSPOT_DEFINED", 513)

Owners = list[tuple[str, tuple[LineSnap, ...], list[int]]]


class HubSpotWrites(PushWrites):
    """The push's writes through one connection's ``HubSpotWriter`` (and its associations)."""

    id_field = "hs_object_id"

    def __init__(self, writer: HubSpotWriter, push: PushSpec) -> None:
        super().__init__(writer, push)
        self.hs = writer
        self.assoc = HubSpotAssociations(writer.client)

    def _update_by_id(self, obj: str, records: Sequence[dict[str, object]]) -> WriteResults:
        return self.hs.batch_update(obj, records)

    def _request_states(
        self, obj: str, flag_field: str, crm_ids: Sequence[str]
    ) -> dict[str, RequestState]:
        states = {}
        stamp_field = stamp_property(obj)
        for start in range(0, len(crm_ids), BATCH_MAX):
            body = {
                "inputs": [{"id": i} for i in crm_ids[start : start + BATCH_MAX]],
                "properties": [flag_field, stamp_field],
                "propertiesWithHistory": [flag_field],
            }
            data = self.hs.client.batch_read(obj, body)
            for rec in results_of(self.hs.client.connection, f"read {obj}", data):
                flag = (rec.get("properties") or {}).get(flag_field) == "true"
                states[str(rec.get("id"))] = RequestState(
                    record_stamp(obj, rec), flag, _set_at(rec, flag_field)
                )
        return states

    def _upsert(
        self, ledger: Ledger, part: PushObject, records: Sequence[dict[str, object]]
    ) -> dict[str, str]:
        """Upsert ``records``; the HubSpot id of each written one, by external id."""
        assert part.external_id is not None
        if not records:
            return {}
        results = self.hs.batch_upsert(part.object, part.external_id, records)
        self._write(ledger, part.object, results)
        return {r.key: r.crm_id for r in results if r.ok and r.crm_id}

    def _associate(
        self,
        ledger: Ledger,
        objs: tuple[str, str],
        wanted: list[tuple[Pair, list[int]]],
        kind: AssociationType,
    ) -> None:
        if not wanted:
            return
        prefix = f"{objs[0]}>{objs[1]}"
        for pair, event_ids in wanted:
            ledger.need(event_ids, f"{prefix}:{pair[0]}>{pair[1]}")
        pairs = list(dict.fromkeys(pair for pair, _ in wanted))
        self._write(ledger, prefix, self.assoc.create(objs[0], objs[1], pairs, [kind]))

    def _lines(
        self, ledger: Ledger, parent: PushObject, owners: Owners, parent_ids: dict[str, str]
    ) -> list[tuple[Pair, list[int]]]:
        """Upsert the lines of written parents; the (line id, parent id) pairs to associate."""
        part = self.push.quote_line if parent is self.push.quote else self.push.order_line
        if part is None or part.external_id is None:
            return []
        records, parent_of = [], {}
        sent: dict[str, LineOwner] = {}
        for parent_key, lines, event_ids in owners:
            if parent_key not in parent_ids:
                continue
            sent[parent_ids[parent_key]] = (
                parent_key,
                frozenset(ln.key for ln in lines),
                event_ids,
            )
            for ln in lines:
                ledger.need(event_ids, f"{part.object}:{ln.key}")
                parent_of[ln.key] = (parent_ids[parent_key], event_ids)
                records.append({part.external_id: ln.key, **crm_fields(part, ln.values)})
        ids = self._upsert(ledger, part, records)
        # A parent this write created has no older line items to read.
        created = {
            r.crm_id
            for key, r in ledger.results.items()
            if key.startswith(f"{parent.object}:") and r.status == "created"
        }
        older = {pid: owner for pid, owner in sent.items() if pid not in created}
        self._remove_stale(ledger, parent.object, part, older)
        return [((ids[k], pid), events) for k, (pid, events) in parent_of.items() if k in ids]

    def _remove_stale(
        self, ledger: Ledger, parent_obj: str, part: PushObject, owners: dict[str, LineOwner]
    ) -> None:
        """Archive the line items of written parents (by HubSpot id) that the core no longer has;
        each archive is needed by its parent's events."""
        if not owners:
            return
        assert part.external_id is not None
        linked = read_associations(self.hs.client, parent_obj, part.object, sorted(owners))
        parent_of = {line: parent for parent, lines in linked.items() for line, _ in lines}
        keys: dict[str, object] = {}
        line_ids = sorted(parent_of)
        for start in range(0, len(line_ids), BATCH_MAX):
            body = {
                "inputs": [{"id": i} for i in line_ids[start : start + BATCH_MAX]],
                "properties": [part.external_id],
            }
            data = self.hs.client.batch_read(part.object, body)
            for rec in results_of(self.hs.client.connection, f"read {part.object}", data):
                keys[str(rec.get("id"))] = (rec.get("properties") or {}).get(part.external_id)
        doomed: list[str] = []
        for parent_id, owner in owners.items():
            rows = [(i, keys.get(i)) for i, p in parent_of.items() if p == parent_id]
            for line_id in stale_lines(owner, rows):
                ledger.need(owner[2], f"archived:{line_id}")
                doomed.append(line_id)
        if doomed:
            self._write(ledger, "archived", self.hs.batch_archive(part.object, doomed))

    def quotes(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Each quote version on its deal with its line items; earlier versions leave the deal."""
        part = self.push.quote
        if part is None or part.external_id is None:
            self.skip_all(ledger, work.quotes, "no push.quote")
            return
        records: dict[str, dict[str, object]] = {}
        owners: Owners = []
        deal_of: dict[str, tuple[str, list[int], bool]] = {}
        for snap, key, values, event_ids in self.quote_versions(work, snaps, ledger, part):
            assert snap.deal_crm_id is not None
            records[key] = {part.external_id: key, **crm_fields(part, values)}
            deal_of[key] = (snap.deal_crm_id, event_ids, key == snap.key)
            if key == snap.key:
                owners.append((snap.key, snap.lines, event_ids))
        ids = self._upsert(ledger, part, list(records.values()))
        line_pairs = self._lines(ledger, part, owners, ids)
        current = [((ids[k], d), ev) for k, (d, ev, now) in deal_of.items() if now and k in ids]
        self._associate(ledger, ("quotes", "deals"), current, QUOTE_TO_DEAL)
        self._associate(ledger, ("line_items", "quotes"), line_pairs, LINE_ITEM_TO_QUOTE)
        old = [(ids[k], d) for k, (d, _, now) in deal_of.items() if not now and k in ids]
        if old:
            self._write(
                ledger, "removed", self.assoc.remove("quotes", "deals", old, [QUOTE_TO_DEAL])
            )

    def orders(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Each order; on its first event its line items and its partner company and deal."""
        part = self.push.order
        if part is None or part.external_id is None:
            self.skip_all(ledger, work.orders, "no push.order")
            return
        records = []
        owners: Owners = []
        for number, event_ids in work.orders.items():
            snap = snaps.orders.get(number)
            if snap is None or snap.partner_crm_id is None:
                reason = "the order is gone" if snap is None else "its partner has no company here"
                ledger.decide(event_ids, Outcome.skipped(reason))
                continue
            ledger.need(event_ids, f"{part.object}:{number}")
            records.append({part.external_id: number, **crm_fields(part, snap.values)})
            if number in work.first_orders:
                owners.append((number, snap.lines, event_ids))
        ids = self._upsert(ledger, part, records)
        line_pairs = self._lines(ledger, part, owners, ids)
        companies, deals = [], []
        for number, _, event_ids in owners:
            snap = snaps.orders[number]
            if number not in ids:
                continue
            assert snap.partner_crm_id is not None
            companies.append(((ids[number], snap.partner_crm_id), event_ids))
            if snap.deal_crm_id is not None:
                deals.append(((ids[number], snap.deal_crm_id), event_ids))
        self._associate(ledger, ("orders", "companies"), companies, ORDER_TO_COMPANY)
        self._associate(ledger, ("orders", "deals"), deals, ORDER_TO_DEAL)
        lines = [((o, ln), ev) for (ln, o), ev in line_pairs]
        self._associate(ledger, ("orders", "line_items"), lines, ORDER_TO_LINE_ITEM)

    def resellers(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """The labelled association from each end customer's company to its reseller of record's
        (the label found or created once); the label taken from the customer's other resellers."""
        spec = self.push.reseller
        if spec is None or spec.label is None:
            self.skip_all(ledger, work.customers, "no push.reseller")
            return
        wanted: list[tuple[Pair, list[int]]] = []
        former: list[Pair] = []
        for customer_id, event_ids in work.customers.items():
            snap = snaps.customers.get(customer_id)
            if snap is None or snap.customer_crm_id is None or snap.reseller_crm_id is None:
                ledger.decide(
                    event_ids, Outcome.skipped("the customer or its reseller has no company here")
                )
                continue
            wanted.append(((snap.customer_crm_id, snap.reseller_crm_id), event_ids))
            former.extend((snap.customer_crm_id, other) for other in snap.others_crm_ids)
        if not wanted:
            return
        label = self.assoc.ensure_label(
            "companies", "companies", spec.label, inverse_label=spec.inverse_label
        )
        self._associate(ledger, ("companies", "companies"), wanted, label)
        if former:
            self._write(
                ledger, "removed", self.assoc.remove("companies", "companies", former, [label])
            )


def _set_at(record: Mapping[str, Any], prop: str) -> datetime | None:
    """When ``prop`` got its current value (the newest entry of its history), if HubSpot says.

    HubSpot moves a deal's modification stamp for changes the push makes itself (and for some
    association changes); the flag's own history tells a new tick from those."""
    history = (record.get("propertiesWithHistory") or {}).get(prop)
    if not isinstance(history, list) or not history or not isinstance(history[0], dict):
        return None
    try:
        return parse_stamp(history[0].get("timestamp"))
    except BadRecord:
        return None
