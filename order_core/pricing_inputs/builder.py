"""Turns core records (partner, catalog, distributor terms, deal, end customer) into a PricingRequest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.partners.models import DistributorRelation, Partner
from order_core.pricing_inputs.catalog_inputs import catalog_inputs
from quote_engine.types import (
    CartLine,
    DealContext,
    HeaderDiscount,
    PartnerContext,
    PricingRequest,
    RegistrationStatus,
)


@dataclass(frozen=True)
class QuoteLineInput:
    """A requested quote line: SKU, quantity and an optional special price or extra discount.

    ``below_floor_requested`` asks to price the line under its floor; the approval policy then
    requires the pricing desk, and the approval binds to exactly that content.
    """

    sku: str
    quantity: int
    requested_unit_price: Decimal | None = None
    requested_discount_percent: Decimal | None = None
    below_floor_requested: bool = False

    def to_jsonable(self) -> dict[str, object]:
        """JSON-ready form (stored as the quote's cart)."""
        return {
            "sku": self.sku,
            "quantity": self.quantity,
            "requested_unit_price": _opt(self.requested_unit_price),
            "requested_discount_percent": _opt(self.requested_discount_percent),
            "below_floor_requested": self.below_floor_requested,
        }

    @classmethod
    def from_jsonable(cls, data: dict[str, object]) -> QuoteLineInput:
        """Rebuild a line from ``to_jsonable`` output."""
        price, pct = data.get("requested_unit_price"), data.get("requested_discount_percent")
        return cls(
            sku=str(data["sku"]),
            quantity=int(str(data["quantity"])),
            requested_unit_price=Decimal(str(price)) if price is not None else None,
            requested_discount_percent=Decimal(str(pct)) if pct is not None else None,
            below_floor_requested=bool(data.get("below_floor_requested", False)),
        )


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class PricingInputs:
    """The request plus the rows it was built from (the service needs them afterwards)."""

    request: PricingRequest
    products: dict[str, Product]
    program: str
    distributor: DistributorRelation | None


_STATUS = {s.value: s for s in RegistrationStatus}


def deal_context(deal: Deal, skus: set[str]) -> DealContext:
    """The deal as quote_engine sees it; scope tokens naming a cart SKU are SKUs, the rest categories."""
    assert deal.id is not None
    tokens = [t.strip() for t in deal.registration_scope.split(",") if t.strip()]
    status = _STATUS.get((deal.registration_status or "").lower(), RegistrationStatus.NONE)
    return DealContext(
        deal_id=str(deal.id),
        registration_status=status,
        expires_on=deal.registration_expires_on,
        end_customer_id=str(deal.end_customer_id) if deal.end_customer_id is not None else None,
        scope_skus=tuple(t for t in tokens if t in skus),
        scope_categories=tuple(t for t in tokens if t not in skus),
        discount_percent=deal.registration_discount_percent or Decimal(0),
        stage=deal.stage,
    )


def build_pricing_inputs(
    session: Session,
    partner: Partner,
    lines: Sequence[QuoteLineInput],
    *,
    currency: str,
    on: date,
    customer: EndCustomer | None = None,
    deal: Deal | None = None,
    header_discount: HeaderDiscount | None = None,
) -> PricingInputs:
    """Check authorization of every SKU and build the pricing request from the core tables."""
    assert partner.id is not None
    found = catalog_inputs(session, partner, [line.sku for line in lines], on)
    distributor = found.distributor
    context = PartnerContext(
        partner_id=str(partner.id),
        program=found.program,
        tier=partner.tier,
        distributor_id=str(distributor.distributor_id) if distributor is not None else None,
        currency=currency,
        country=partner.country,
        customer_segment=(customer.segment or "") if customer is not None else "",
        end_customer_id=str(customer.id) if customer is not None else None,
        end_customer_country=(customer.country or "") if customer is not None else "",
    )
    cart = tuple(
        CartLine(
            sku=line.sku,
            quantity=line.quantity,
            line_id=str(no),
            requested_unit_price=line.requested_unit_price,
            requested_discount_percent=line.requested_discount_percent,
            approved_below_floor=line.below_floor_requested,
        )
        for no, line in enumerate(lines, 1)
    )
    request = PricingRequest(
        catalog=found.catalog,
        partner=context,
        deal=deal_context(deal, set(found.products)) if deal is not None else None,
        lines=cart,
        header_discount=header_discount,
    )
    return PricingInputs(
        request=request,
        products=found.products,
        program=found.program,
        distributor=distributor,
    )
