"""The push's Salesforce writes: quotes and lines on Opportunities, the quote summary, orders.

Records are upserted by the mapping's external id (``Channelsync_Id__c``), lines name their
parent by it (``{"Quote": {"Channelsync_Id__c": ...}}``), so a retry never duplicates. Lines need
a price book entry: the standard price book's entry of each product code, read once per product.
An order goes on its partner's account (the partner's Salesforce id from the pull's links); a
partner with no account in this org skips the order. Lines a revision removed are deleted once
the current ones are written: the parent's lines are read by its id, and those with a channelsync
external id the core no longer has go (sObject collections delete, 200 ids a call). Salesforce
locks the products of an activated order (status category ``Activated``): an order whose lines go
to such a status is written as a draft first (:mod:`connector.salesforce.draft_first`); one
activated already keeps removed lines and refuses new ones and quantity or price changes (per
record), and its events dead-letter saying so (:mod:`connector.salesforce.activated`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.push.crm_sender import Snapshots, Work
from connector.push.crm_writes import LineOwner, PushWrites, RequestState, stale_lines
from connector.push.ledger import Ledger
from connector.salesforce.activated import ACTIVATED, activated_orders, locked_lines, order_locked
from connector.salesforce.decode import parse_stamp
from connector.salesforce.draft_first import FINAL, IN_MAX, DraftFirst
from connector.salesforce.soql import in_list, quote, select
from connector.salesforce.writes import SalesforceWriter
from connector.writes import WriteResults
from mappings.push import crm_fields
from mappings.spec import PushObject, PushSpec
from order_core.outbox.outcomes import Outcome
from order_core.pushback.snapshots import LineSnap


class SalesforceWrites(PushWrites):
    """The push's writes through one connection's ``SalesforceWriter``."""

    def __init__(self, writer: SalesforceWriter, push: PushSpec) -> None:
        super().__init__(writer, push)
        self.sf = writer
        self._standard: str | None = None
        self._entries: dict[str, str | None] = {}
        self.draft_first = DraftFirst(self._query)

    def _update_by_id(self, obj: str, records: Sequence[dict[str, object]]) -> WriteResults:
        return self.sf.update(obj, records)

    def _request_states(
        self, obj: str, flag_field: str, crm_ids: Sequence[str]
    ) -> dict[str, RequestState]:
        states = {}
        for start in range(0, len(crm_ids), IN_MAX):
            where = f"Id IN {in_list(crm_ids[start : start + IN_MAX])}"
            for row in self._query(select(obj, ["Id", "SystemModstamp", flag_field], where)):
                stamp = parse_stamp(str(row["SystemModstamp"]))
                states[str(row["Id"])] = RequestState(stamp, row.get(flag_field) is True)
        return states

    def _query(self, soql: str) -> list[dict[str, Any]]:
        answer = self.sf.client.call("lookup", lambda sf: sf.query_all(soql))
        return list(answer.get("records", []))

    def _standard_book(self) -> str | None:
        """The standard price book's id (read once; None when the org has none)."""
        if self._standard is None:
            rows = self._query(select("Pricebook2", ["Id"], "IsStandard = true"))
            self._standard = str(rows[0]["Id"]) if rows else ""
        return self._standard or None

    def _price_entries(self, skus: Sequence[str]) -> dict[str, str | None]:
        """The standard price book's entry id of each product code (None: none there)."""
        standard = self._standard_book()
        wanted = sorted({s for s in skus if s not in self._entries})
        for start in range(0, len(wanted), 200):
            chunk = wanted[start : start + 200]
            where = f"ProductCode IN {in_list(chunk)}"
            found: dict[str, str] = {}
            for row in self._query(
                select("PricebookEntry", ["Id", "ProductCode", "Pricebook2Id"], where)
            ):
                code = str(row["ProductCode"])
                if row.get("Pricebook2Id") == standard or code not in found:
                    found[code] = str(row["Id"])
            self._entries.update({sku: found.get(sku) for sku in chunk})
        return {s: self._entries.get(s) for s in skus}

    def _lines(
        self,
        part: PushObject,
        parent: PushObject,
        owners: list[tuple[str, tuple[LineSnap, ...], list[int]]],
        ledger: Ledger,
    ) -> None:
        """Upsert lines of written parents; a product without a price book entry fails its events."""
        entries = self._price_entries([ln.sku for _, lines, _ in owners for ln in lines])
        records = []
        sent: list[LineOwner] = []
        assert part.external_id is not None and parent.external_id is not None
        for parent_key, lines, event_ids in owners:
            missing = sorted({ln.sku for ln in lines if entries.get(ln.sku) is None})
            if missing:
                ledger.decide(
                    event_ids,
                    Outcome.dead(
                        f"product(s) {', '.join(missing)} have no price book entry in Salesforce; "
                        "add them to the standard price book, then retry the dead letter"
                    ),
                )
                continue
            if not ledger.ok(f"{parent.object}:{parent_key}"):
                continue
            sent.append((parent_key, frozenset(ln.key for ln in lines), event_ids))
            for ln in lines:
                ledger.need(event_ids, f"{part.object}:{ln.key}")
                records.append(
                    {
                        part.external_id: ln.key,
                        parent.object: {parent.external_id: parent_key},
                        "PricebookEntryId": entries[ln.sku],
                        **crm_fields(part, ln.values),
                    }
                )
        locked: dict[str, tuple[str, list[str]]] = {}
        if records:
            self._write(ledger, part.object, self.sf.upsert(part.object, part.external_id, records))
            if parent.object == "Order":
                locked = self._locked(part, parent, sent, ledger)
        self._remove_stale(part, parent, sent, ledger, locked)
        for owner in sent:
            status, refused = locked.get(owner[0], ("", []))
            if refused:
                ledger.decide(owner[2], order_locked(owner[0], status, refused, 0))

    def _locked(
        self, part: PushObject, parent: PushObject, owners: list[LineOwner], ledger: Ledger
    ) -> dict[str, tuple[str, list[str]]]:
        """Per activated order (its external id) whose line writes Salesforce refused (a new
        line, a changed quantity or price): its status and the refused lines' external ids."""
        refused: dict[str, tuple[str, list[str]]] = {}
        for owner in owners:
            keys = locked_lines(ledger, part.object, owner)
            result = ledger.results.get(f"{parent.object}:{owner[0]}")
            if keys and result is not None and result.crm_id:
                refused[result.crm_id] = (owner[0], keys)
        if not refused:
            return {}
        found = activated_orders(self._query, sorted(refused))
        return {refused[i][0]: (status, refused[i][1]) for i, status in found.items()}

    def _remove_stale(
        self,
        part: PushObject,
        parent: PushObject,
        owners: list[LineOwner],
        ledger: Ledger,
        locked: dict[str, tuple[str, list[str]]],
    ) -> None:
        """Delete the lines of written parents that the core no longer has (see the module
        docstring); each deletion is needed by its parent's events. An activated order's are
        kept: its events' dead letter also names its ``locked`` (refused) lines."""
        by_id: dict[str, LineOwner] = {}
        for owner in owners:
            result = ledger.results.get(f"{parent.object}:{owner[0]}")
            # A parent this write created has no older lines to read.
            if result is not None and result.ok and result.crm_id and result.status != "created":
                by_id[result.crm_id] = owner
        if not by_id:
            return
        assert part.external_id is not None
        link = f"{parent.object}Id"
        columns = ["Id", part.external_id, link]
        if parent.object == "Order":
            columns += ["Order.Status", "Order.StatusCode"]
        found: dict[str, list[tuple[str, object]]] = {}
        activated: dict[str, str] = {}
        ids = sorted(by_id)
        for start in range(0, len(ids), IN_MAX):
            where = f"{link} IN {in_list(ids[start : start + IN_MAX])}"
            for row in self._query(select(part.object, columns, where)):
                parent_id = str(row[link])
                found.setdefault(parent_id, []).append((str(row["Id"]), row.get(part.external_id)))
                order = row.get("Order") or {}
                if order.get("StatusCode") == ACTIVATED:
                    activated[parent_id] = str(order.get("Status"))
        doomed: list[str] = []
        for parent_id, rows in found.items():
            owner = by_id[parent_id]
            stale = stale_lines(owner, rows)
            if not stale:
                continue
            if parent_id in activated:
                refused = locked.get(owner[0], ("", []))[1]
                outcome = order_locked(owner[0], activated[parent_id], refused, len(stale))
                ledger.decide(owner[2], outcome)
                continue
            for crm_id in stale:
                ledger.need(owner[2], f"removed:{crm_id}")
            doomed.extend(stale)
        if doomed:
            self._write(ledger, "removed", self.sf.delete(doomed))

    def quotes(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Each quote version (and its earlier versions' states) on its Opportunity, with lines."""
        part, line_part = self.push.quote, self.push.quote_line
        if part is None or part.external_id is None:
            self.skip_all(ledger, work.quotes, "no push.quote")
            return
        records: dict[str, dict[str, object]] = {}
        with_lines = []
        for snap, key, values, event_ids in self.quote_versions(work, snaps, ledger, part):
            records[key] = {
                part.external_id: key,
                "OpportunityId": snap.deal_crm_id,
                "Pricebook2Id": self._standard_book(),
                **crm_fields(part, values),
            }
            if key == snap.key:
                with_lines.append((snap.key, snap.lines, event_ids))
        if records:
            rows = list(records.values())
            self._write(ledger, part.object, self.sf.upsert(part.object, part.external_id, rows))
        if line_part is not None and with_lines:
            self._lines(line_part, part, with_lines, ledger)

    def orders(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Each order on its partner's account (lines on its first event; see draft_first)."""
        part, line_part = self.push.order, self.push.order_line
        if part is None or part.external_id is None:
            self.skip_all(ledger, work.orders, "no push.order")
            return
        records = []
        with_lines = []
        for number, event_ids in work.orders.items():
            snap = snaps.orders.get(number)
            if snap is None or snap.partner_crm_id is None:
                reason = "the order is gone" if snap is None else "its partner has no account here"
                ledger.decide(event_ids, Outcome.skipped(reason))
                continue
            ledger.need(event_ids, f"{part.object}:{number}")
            record: dict[str, object] = {
                part.external_id: number,
                "AccountId": snap.partner_crm_id,
                **crm_fields(part, snap.values),
            }
            if snap.deal_crm_id is not None:
                record["OpportunityId"] = snap.deal_crm_id
            if snap.lines:
                record["Pricebook2Id"] = self._standard_book()
                with_lines.append((number, snap.lines, event_ids))
            records.append(record)
        lined = [n for n, _, _ in with_lines] if line_part is not None else []
        staged = self.draft_first.stage(part.external_id, records, lined)
        if records:
            self._write(ledger, part.object, self.sf.upsert(part.object, part.external_id, records))
        if line_part is not None and with_lines:
            self._lines(line_part, part, with_lines, ledger)
        if final := self.draft_first.finals(staged, part.object, with_lines, ledger):
            self._write(ledger, FINAL, self.sf.update(part.object, final))

    def resellers(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """A ``Partner`` row (the mapped role) from each end customer to its reseller of record;
        the role's rows to former resellers are deleted."""
        spec = self.push.reseller
        if spec is None or spec.object is None or spec.role is None:
            self.skip_all(ledger, work.customers, "no push.reseller")
            return
        records, current = [], {}
        for customer_id, event_ids in work.customers.items():
            snap = snaps.customers.get(customer_id)
            if snap is None or snap.customer_crm_id is None or snap.reseller_crm_id is None:
                ledger.decide(
                    event_ids, Outcome.skipped("the customer or its reseller has no account here")
                )
                continue
            key = f"{snap.customer_crm_id}|{snap.reseller_crm_id}|{spec.role}"
            ledger.need(event_ids, f"{spec.object}:{key}")
            current[snap.customer_crm_id] = (snap.reseller_crm_id, event_ids)
            records.append(
                {
                    "AccountFromId": snap.customer_crm_id,
                    "AccountToId": snap.reseller_crm_id,
                    "Role": spec.role,
                }
            )
        if not records:
            return
        match_on = ("AccountFromId", "AccountToId", "Role")
        self._write(ledger, spec.object, self.sf.create(spec.object, records, match_on))
        where = f"AccountFromId IN {in_list(sorted(current))} AND Role = {quote(spec.role)}"
        stale = []
        for row in self._query(select(spec.object, ["Id", "AccountFromId", "AccountToId"], where)):
            reseller, event_ids = current[str(row["AccountFromId"])]
            if row["AccountToId"] != reseller:
                stale.append(str(row["Id"]))
                ledger.need(event_ids, f"removed:{row['Id']}")
        if stale:
            self._write(ledger, "removed", self.sf.delete(stale))
