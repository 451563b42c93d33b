"""The approval field table: which ApprovalSubject fields approval-rule conditions may test.

The condition language is the one of pricing rules (``quote_engine.conditions``) over this table:
boolean fields, set-valued fields (``skus``, ``categories``: ``contains`` / ``in`` = any of /
``not_in`` = none of), free text ``attr.<name>`` fields, and optional fields whose missing value
(e.g. no ``margin_pct``) never satisfies an ordering test.
"""

from __future__ import annotations

from quote_engine.conditions import FieldTable, FieldType

ATTR_PREFIX = "attr."

T = FieldType
APPROVAL_FIELDS = FieldTable(
    {
        "kind": T.TEXT,
        "currency": T.TEXT,
        "total": T.DECIMAL,
        "list_total": T.DECIMAL,
        "max_line_discount_pct": T.DECIMAL,
        "max_line_extra_discount_pct": T.DECIMAL,
        "margin_pct": T.DECIMAL,
        "partner_id": T.TEXT,
        "tier": T.TEXT,
        "program": T.TEXT,
        "distributor_id": T.TEXT,
        "skus": T.TEXT_SET,
        "categories": T.TEXT_SET,
        "customer_country": T.TEXT,
        "buyer_spending_limit": T.DECIMAL,
        "over_buyer_limit": T.BOOLEAN,
        "floor_breached_lines": T.INTEGER,
        "line_count": T.INTEGER,
        "deal_registered": T.BOOLEAN,
    },
    prefixes={ATTR_PREFIX: T.TEXT},
    optional=("margin_pct", "buyer_spending_limit"),
)
