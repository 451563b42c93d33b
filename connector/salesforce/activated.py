"""An activated Salesforce order's products as the push meets them: which order-line writes
Salesforce refused because their order is activated, and the one-line dead letter saying so.

Salesforce takes no new product on an order in the ``Activated`` status category
(``ENTITY_IS_LOCKED``) and, where the org enforces it, no change to an existing product's
quantity or unit price (refused per record; the sandbox answers ``FIELD_INTEGRITY_EXCEPTION``).
Either code has other causes too (an approval lock, a price book mismatch), so a refusal counts
as the order's only when the order reads back activated.

Only an order activated in Salesforce already gets here: one going to an activated status that
Salesforce lacks or holds as a draft is written draft first (:mod:`connector.salesforce.draft_first`).
The dead letter names the status and the two fixes: move the order to a Draft status in
Salesforce (the retry then writes it draft first and sets the status again), or take the status
out of the category (Setup, the Order ``Status`` picklist); then retry. An order with lines both
refused and kept gets one letter saying both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connector.push.crm_writes import LineOwner
from connector.push.ledger import Ledger
from connector.salesforce.soql import in_list, select
from order_core.outbox.outcomes import Outcome

#: Salesforce's status category of an order whose products are locked.
ACTIVATED = "Activated"
#: Per-record error codes an activated order's product write is refused with.
LOCK_CODES = frozenset({"ENTITY_IS_LOCKED", "FIELD_INTEGRITY_EXCEPTION"})
#: Ids in one SOQL ``IN`` list.
IN_MAX = 200

Query = Callable[[str], list[dict[str, Any]]]


def locked_lines(ledger: Ledger, obj: str, owner: LineOwner) -> list[str]:
    """The external ids of ``owner``'s lines whose write failed with a lock code, sorted."""
    refused = []
    for key in owner[1]:
        result = ledger.results.get(f"{obj}:{key}")
        if (
            result is not None
            and not result.ok
            and any(e.code in LOCK_CODES for e in result.errors)
        ):
            refused.append(key)
    return sorted(refused)


def activated_orders(query: Query, order_ids: Sequence[str]) -> dict[str, str]:
    """The ``Status`` of each of these Salesforce orders that is in the ``Activated`` category."""
    found: dict[str, str] = {}
    for start in range(0, len(order_ids), IN_MAX):
        where = f"Id IN {in_list(order_ids[start : start + IN_MAX])}"
        for row in query(select("Order", ["Id", "Status", "StatusCode"], where)):
            if row.get("StatusCode") == ACTIVATED:
                found[str(row["Id"])] = str(row.get("Status"))
    return found


def order_locked(number: str, status: str, refused: Sequence[str], kept: int) -> Outcome:
    """The dead letter of an activated order: the lines whose addition or quantity / price
    change it refused (external ids), and how many removed lines it keeps."""
    what = []
    if refused:
        shown = ", ".join(refused[:5]) + (
            f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        )
        what.append(f"line(s) {shown} added or changed in channelsync were refused")
    if kept:
        what.append(f"{kept} line(s) removed in channelsync are still on it")
    by_hand = "" if refused else ", or delete those products there"
    return Outcome.dead(
        f"order {number} is activated in Salesforce (status '{status}'), which locks an "
        "activated order's products (none added, removed, or changed in quantity or price): "
        f"{' and '.join(what)}; move this order to a Draft status in Salesforce (the push "
        f"then writes its products and sets status '{status}' again), or take status "
        f"'{status}' out of the Activated category (Setup, the Order Status picklist)"
        f"{by_hand}, then retry this dead letter"
    )
