"""Orders written in a Draft-category status first, when their products could not be written in
the status they are going to.

Salesforce takes no new product, and no quantity or price change, on an order in the
``Activated`` status category, but it lets an order be made in a Draft-category status, given its
products, then activated. A core order the push first meets in a status the org's admin put in
the Activated category (placed, accepted and fulfilled between two runs, in an org where
``Fulfilled`` is activated) is written in that sequence: the order's upsert carries a
Draft-category status (the one it has in Salesforce if it is there as a draft, else the org's
first), its lines are written, and one more sObject Collections update (200 orders a call) sets
the target statuses of every such order of the batch, by id. The org's categories are the
``OrderStatus`` object's (``ApiName``, ``StatusCode``, ``SortOrder``), read once per push run, and
only by a run that writes order lines; the orders' Salesforce statuses are read (200 a query) only
for orders going to an Activated-category status with lines.

An order activated in Salesforce already is written as before (the API cannot take it back to
Draft): its refused lines dead-letter (:mod:`connector.salesforce.activated`). An order whose
order, lines or removals did not all land is left in its Draft status; its events are retried or
dead-lettered with those errors. A run that dies between the lines and the target status leaves
the order a draft with its lines: the events are still pending, and the next run writes the same
sequence again (lines are upserted by external id, so none is doubled). While an order's event is
retried, its later status events cannot activate it first: leasing holds them back behind it
(:mod:`order_core.outbox.leases`), so they go with the retry in one batch, written draft first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from connector.push.ledger import Ledger
from connector.salesforce.activated import ACTIVATED, Query
from connector.salesforce.soql import in_list, select
from order_core.pushback.snapshots import LineSnap

#: The category of an order whose products may change.
DRAFT = "Draft"
#: The Order field holding its status (its category is the read-only ``StatusCode``).
STATUS = "Status"
#: The ledger prefix of the target-status updates (keys: the order's Salesforce id).
FINAL = "Order.Status"
#: Values in one SOQL ``IN`` list.
IN_MAX = 200

#: An order written with lines: its external id, its lines, its events.
Owner = tuple[str, tuple[LineSnap, ...], list[int]]


class DraftFirst:
    """The org's order status categories (read once) and the draft-first sequence per batch."""

    def __init__(self, query: Query) -> None:
        self._query = query
        self._categories: dict[str, str] | None = None

    def categories(self) -> dict[str, str]:
        """Each order status (API name) with its category, in picklist order (read once)."""
        if self._categories is None:
            soql = select(
                "OrderStatus",
                ["ApiName", "StatusCode"],
                f"StatusCode IN {in_list([DRAFT, ACTIVATED])}",
                ["SortOrder"],
            )
            rows = self._query(soql)
            self._categories = {str(r["ApiName"]): str(r["StatusCode"]) for r in rows}
        return self._categories

    def stage(
        self, external_id: str, records: Sequence[dict[str, object]], numbers: Iterable[str]
    ) -> dict[str, str]:
        """Of the orders ``numbers`` (written with lines), those to write as drafts first: each
        one's record gets a Draft-category status; returns each one's target status."""
        by_number = {str(r[external_id]): r for r in records}
        wanted = [n for n in numbers if n in by_number and STATUS in by_number[n]]
        if not wanted:
            return {}
        codes = self.categories()
        going = [n for n in wanted if codes.get(str(by_number[n][STATUS])) == ACTIVATED]
        first_draft = next((s for s, code in codes.items() if code == DRAFT), None)
        if not going:
            return {}
        now = self._current(external_id, going)
        staged: dict[str, str] = {}
        for number in going:
            status, code = now.get(number, (None, None))
            draft = status if code == DRAFT else first_draft if code is None else None
            if draft is None:  # activated (or another category) there already: as before
                continue
            staged[number] = str(by_number[number][STATUS])
            by_number[number][STATUS] = draft
        return staged

    def _current(self, external_id: str, numbers: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The Salesforce ``Status`` and ``StatusCode`` of those orders it has."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(numbers), IN_MAX):
            where = f"{external_id} IN {in_list(numbers[start : start + IN_MAX])}"
            for row in self._query(select("Order", [external_id, STATUS, "StatusCode"], where)):
                found[str(row[external_id])] = (str(row[STATUS]), str(row["StatusCode"]))
        return found

    @staticmethod
    def finals(
        staged: Mapping[str, str], order_obj: str, owners: Iterable[Owner], ledger: Ledger
    ) -> list[dict[str, object]]:
        """The target-status updates (by id) of the staged orders whose every needed write
        landed (the order, its lines, its removals), each needed by the order's events."""
        records: list[dict[str, object]] = []
        for number, _, event_ids in owners:
            target = staged.get(number)
            order = ledger.results.get(f"{order_obj}:{number}")
            if target is None or order is None or not order.ok or not order.crm_id:
                continue
            if any(e in ledger.decided for e in event_ids):
                continue
            if not all(ledger.ok(k) for e in event_ids for k in ledger.needs.get(e, ())):
                continue
            ledger.need(event_ids, f"{FINAL}:{order.crm_id}")
            records.append({"Id": order.crm_id, STATUS: target})
        return records
