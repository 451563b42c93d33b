"""A quote's canonical content (terms + priced lines + totals), its hash, and its approval subject."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from order_core.catalog.models import Product
from order_core.quotes.models import Quote
from quote_engine.approvals import ApprovalSubject
from quote_engine.resale import ResaleResult
from quote_engine.types import PricingResult


def build_content(
    result: PricingResult,
    resale: ResaleResult,
    *,
    partner_id: int,
    end_customer_id: int | None,
    deal_id: int | None,
    valid_until: date,
) -> dict[str, object]:
    """The quote: terms, the priced (buy) lines and totals, and the resale side the end customer is
    offered (no pricing date)."""
    priced = result.to_jsonable()
    priced.pop("priced_on", None)
    priced.pop("rules_fingerprint", None)
    return {
        "terms": {
            "partner_id": partner_id,
            "end_customer_id": end_customer_id,
            "deal_id": deal_id,
            "currency": result.currency,
            "valid_until": valid_until.isoformat(),
        },
        "priced": priced,
        "resale": resale.to_jsonable(),
    }


def canonical_json(content: dict[str, object]) -> str:
    """The one serialisation stored and hashed (sorted keys, no spaces, ASCII)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def hash_text(text: str) -> str:
    """SHA-256 hex digest of stored content text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_hash_matches(quote: Quote) -> bool:
    """True when the stored content still hashes to the stored ``content_hash`` (no tampering)."""
    return hash_text(quote.content) == quote.content_hash


def approval_subject(
    quote: Quote,
    products: Sequence[Product],
    *,
    tier: str,
    program: str,
    customer_country: str,
    buyer_spending_limit: Decimal | None,
    deal_registered: bool,
) -> ApprovalSubject:
    """The ApprovalSubject of a priced quote, read from its stored content."""
    priced = json.loads(quote.content)["priced"]
    totals = priced["totals"]
    margin = totals.get("margin_percent")
    return ApprovalSubject(
        kind="quote",
        currency=quote.currency,
        total=Decimal(totals["net_total"]),
        list_total=Decimal(totals["list_total"]),
        max_line_discount_pct=Decimal(totals["max_line_discount_percent"]),
        # Content stored before the field existed: count the whole discount off list (stricter).
        max_line_extra_discount_pct=Decimal(
            totals.get("max_line_extra_discount_percent", totals["max_line_discount_percent"])
        ),
        margin_pct=Decimal(margin) if margin is not None else None,
        partner_id=str(quote.partner_id),
        tier=tier,
        program=program,
        distributor_id=str(quote.distributor_id) if quote.distributor_id is not None else "",
        skus=tuple(sorted({p.sku for p in products})),
        categories=tuple(sorted({p.category for p in products if p.category})),
        customer_country=customer_country,
        buyer_spending_limit=buyer_spending_limit,
        floor_breached_lines=int(totals["floor_breaches"]),
        line_count=len(priced["lines"]),
        deal_registered=deal_registered,
    )
