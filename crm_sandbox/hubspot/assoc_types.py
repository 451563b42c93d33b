"""Association types: HubSpot's defined type ids, their inverses and labels, and user-defined labels.

The ids are HubSpot's own (``HUBSPOT_DEFINED``): e.g. deal→company 341 (unlabeled) and 5
(Primary), deal→contact 3, deal→line_item 19, line_item→deal 20, contact→company 279 / 1.
Associating with a *labeled* type also adds the pair's unlabeled type, as HubSpot does, so the
v4 reads list both. Labels created through the v4 labels API get ``USER_DEFINED`` ids.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
USER_DEFINED = "USER_DEFINED"


@dataclass(frozen=True)
class AssocType:
    """One directed association type between two object types."""

    type_id: int
    from_type: str  # plural object name
    to_type: str
    label: str | None
    category: str
    inverse_id: int
    name: str  # v3 name, e.g. "deal_to_company"

    def spec(self) -> dict[str, object]:
        """The v4 ``associationTypes`` entry."""
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


# (from, to, id, inverse id, label, v3 name, inverse v3 name); the unlabeled type of each pair first.
_DEFINED: list[tuple[str, str, int, int, str | None, str, str]] = [
    (
        "contacts",
        "companies",
        279,
        280,
        None,
        "contact_to_company_unlabeled",
        "company_to_contact_unlabeled",
    ),
    ("contacts", "companies", 1, 2, "Primary", "contact_to_company", "company_to_contact"),
    ("deals", "contacts", 3, 4, None, "deal_to_contact", "contact_to_deal"),
    (
        "deals",
        "companies",
        341,
        342,
        None,
        "deal_to_company_unlabeled",
        "company_to_deal_unlabeled",
    ),
    ("deals", "companies", 5, 6, "Primary", "deal_to_company", "company_to_deal"),
    ("deals", "line_items", 19, 20, None, "deal_to_line_item", "line_item_to_deal"),
    ("deals", "quotes", 63, 64, None, "deal_to_quote", "quote_to_deal"),
    ("quotes", "line_items", 67, 68, None, "quote_to_line_item", "line_item_to_quote"),
    ("quotes", "contacts", 69, 70, None, "quote_to_contact", "contact_to_quote"),
    ("quotes", "companies", 71, 72, None, "quote_to_company", "company_to_quote"),
    ("orders", "contacts", 507, 508, None, "order_to_contact", "contact_to_order"),
    ("orders", "companies", 509, 510, None, "order_to_company", "company_to_order"),
    ("orders", "deals", 512, 511, None, "order_to_deal", "deal_to_order"),
    ("orders", "line_items", 513, 514, None, "order_to_line_item", "line_item_to_order"),
    ("orders", "quotes", 730, 731, None, "order_to_quote", "quote_to_order"),
    # Company to company: its own inverse (labels between companies come from the labels API).
    ("companies", "companies", 450, 450, None, "company_to_company", "company_to_company"),
]


class AssocCatalog:
    """All association types of the portal, HubSpot-defined and user-defined (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, AssocType] = {}
        self._next_user_id = 1000
        for frm, to, tid, inv, label, name, inv_name in _DEFINED:
            self._by_id[tid] = AssocType(tid, frm, to, label, HUBSPOT_DEFINED, inv, name)
            inv_label = label
            self._by_id[inv] = AssocType(inv, to, frm, inv_label, HUBSPOT_DEFINED, tid, inv_name)

    def get(self, type_id: int) -> AssocType | None:
        """The type with this id, or ``None``."""
        return self._by_id.get(type_id)

    def between(self, from_type: str, to_type: str) -> list[AssocType]:
        """Every type from ``from_type`` to ``to_type``, unlabeled first."""
        found = [
            t for t in self._by_id.values() if t.from_type == from_type and t.to_type == to_type
        ]
        return sorted(found, key=lambda t: (t.label is not None, t.category, t.type_id))

    def unlabeled(self, from_type: str, to_type: str) -> AssocType | None:
        """The pair's default (unlabeled, HubSpot-defined) type."""
        for t in self.between(from_type, to_type):
            if t.label is None and t.category == HUBSPOT_DEFINED:
                return t
        return None

    def create_label(
        self, from_type: str, to_type: str, label: str, inverse_label: str | None, name: str
    ) -> list[AssocType]:
        """Define a user label (and its inverse); returns the new types, forward one first.

        ``ValueError`` when the pair already has a label of that internal name.
        """
        with self._lock:
            for t in self._by_id.values():
                same_pair = {t.from_type, t.to_type} == {from_type, to_type}
                if same_pair and t.category == USER_DEFINED and t.name == name:
                    raise ValueError(
                        f"An association label named {name!r} already exists between "
                        f"{from_type} and {to_type} (type {t.type_id})"
                    )
            fwd_id, inv_id = self._next_user_id, self._next_user_id + 1
            self._next_user_id += 2
            fwd = AssocType(fwd_id, from_type, to_type, label, USER_DEFINED, inv_id, name)
            inv = AssocType(
                inv_id, to_type, from_type, inverse_label or label, USER_DEFINED, fwd_id, name
            )
            self._by_id[fwd_id] = fwd
            self._by_id[inv_id] = inv
            return [fwd, inv]

    def remove_label(self, type_id: int) -> bool:
        """Delete a user-defined label pair; ``False`` when it is not user-defined."""
        with self._lock:
            t = self._by_id.get(type_id)
            if t is None or t.category != USER_DEFINED:
                return False
            self._by_id.pop(type_id, None)
            self._by_id.pop(t.inverse_id, None)
            return True

    def rename_label(self, type_id: int, label: str, inverse_label: str | None) -> bool:
        """Change a user-defined label (and its inverse when given)."""
        with self._lock:
            t = self._by_id.get(type_id)
            if t is None or t.category != USER_DEFINED:
                return False
            self._by_id[type_id] = AssocType(
                t.type_id, t.from_type, t.to_type, label, t.category, t.inverse_id, t.name
            )
            inv = self._by_id[t.inverse_id]
            if inverse_label is not None:
                self._by_id[inv.type_id] = AssocType(
                    inv.type_id,
                    inv.from_type,
                    inv.to_type,
                    inverse_label,
                    inv.category,
                    inv.inverse_id,
                    inv.name,
                )
            return True
