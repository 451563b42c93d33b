"""An activated Salesforce order's products as the push meets them: which order-line writes
Salesforce refused because their order is activated, and the one-line dead letter saying so.

Salesforce takes no new product on an order in the ``Activated`` status category
(``ENTITY_IS_LOCKED``) and, where the org enforces it, no change to an existing product's
quantity or unit price (refused per record; the sandbox answers ``FIELD_INTEGRITY_EXCEPTION``).
Either code has other causes too (an approval lock, a price book mismatch), so a refusal counts
as the order's only when the order reads back activated.
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


def activated_orders(query: Query, order_ids: Sequence[str]) -> set[str]:
    """Which of these Salesforce order ids are in the ``Activated`` status category now."""
    found: set[str] = set()
    for start in range(0, len(order_ids), IN_MAX):
        where = f"Id IN {in_list(order_ids[start : start + IN_MAX])}"
        for row in query(select("Order", ["Id", "StatusCode"], where)):
            if row.get("StatusCode") == ACTIVATED:
                found.add(str(row["Id"]))
    return found


def lines_refused(number: str, keys: Sequence[str]) -> Outcome:
    """The dead letter of an order whose new or changed lines its activation refused."""
    shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
    return Outcome.dead(
        f"order {number} is activated in Salesforce, which takes no new products and no "
        f"quantity or price changes on an activated order: line(s) {shown} added or changed in "
        "channelsync were refused; move the order back to a Draft status in Salesforce, then "
        "retry this dead letter"
    )


def lines_kept(number: str, stale: int) -> Outcome:
    """The dead letter of an order whose removed lines its activation keeps."""
    return Outcome.dead(
        f"order {number} is activated in Salesforce, which keeps an activated order's products: "
        f"{stale} line(s) removed in channelsync are still on it; move the order back to a Draft "
        "status in Salesforce (or delete those products there), then retry this dead letter"
    )
