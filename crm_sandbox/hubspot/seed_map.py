"""Maps the neutral seed world onto HubSpot objects.

* companies: ``name``, ``domain``, ``country``, ``city``, ``phone``, ``description``; resellers get
  ``type=RESELLER``, distributors ``type=PARTNER``; every company carries the custom
  ``channel_role`` (reseller / distributor / customer) and partners their ``partner_tier``;
* contacts: name, email and ``message`` (the seed description), partner people with a channel role
  the custom ``channel_buyer_role`` (buyer / approver / admin); each is associated with its
  company as its primary (types 1 / 279), which ``associatedcompanyid`` names;
* products: ``name``, ``hs_sku``, ``price``, ``description``, billing frequency for subscriptions,
  family;
* deals: ``dealname``, ``amount``, ``closedate``, ``description``, ``pipeline=default``,
  ``dealstage`` (HubSpot's default stage ids), custom ``deal_registration`` and
  ``quote_requested``, and on registrations ``registration_status``,
  ``registration_discount_percent``, ``registration_expires_on`` (a ``date`` property:
  ``YYYY-MM-DD``) and ``registration_scope``; associated with the customer company (Primary,
  5 + 341), the customer's contact (3) and, when there is one, the partner company under the
  user-defined label ``Partner`` (plus 341);
* line items: ``name``, ``hs_sku``, ``hs_product_id``, ``quantity``, ``price``,
  ``hs_discount_percentage`` (when the line has a discount), ``hs_position_on_quote`` (0 for the
  first line), ``description``, associated with their deal (19 / 20).

Creation stamps precede modification stamps, and both lie in the past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from crm_sandbox.common.seed import SeedWorld
from crm_sandbox.hubspot.objects import STORED
from crm_sandbox.hubspot.pipelines import SEED_STAGE_IDS
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.routes_objects import link_records
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import iso


@dataclass
class SeedIndex:
    """HubSpot ids of the seeded records by seed key (company / contact / deal key, product SKU)."""

    ids: dict[str, int] = field(default_factory=dict)
    partner_label_id: int = 0


def _number(value: Decimal | None) -> str:
    """A number as HubSpot stores it; empty (left unset) for none."""
    return "" if value is None else str(value)


def _created(modified: datetime, n: int) -> datetime:
    return modified - timedelta(days=1 + n % 29, minutes=n % 997)


def load(portal: Portal, world: SeedWorld) -> SeedIndex:
    """Create the seed records in ``portal``; returns their ids."""
    index = SeedIndex()
    label = portal.catalog.create_label("deals", "companies", "Partner", "Partner deal", "partner")
    index.partner_label_id = label[0].type_id
    create = partial(portal.store.create, source="CRM_UI")
    companies: dict[str, HsRecord] = {}
    for n, c in enumerate(world.companies):
        props = {
            "name": c.name,
            "domain": c.domain,
            "country": c.country,
            "city": c.city,
            "phone": c.phone,
            "channel_role": c.kind,
            "lifecyclestage": "customer" if c.kind == "customer" else "other",
            "description": c.description,
        }
        if c.kind != "customer":
            props["type"] = "RESELLER" if c.kind == "reseller" else "PARTNER"
            props["partner_tier"] = c.tier or "Registered"
        rec = create(
            STORED["companies"], props, created=_created(c.modified, n), updated=c.modified
        )
        companies[c.key] = rec
        index.ids[c.key] = rec.id
    contacts_of: dict[str, HsRecord] = {}
    for n, k in enumerate(world.contacts):
        company = companies[k.company_key]
        rec = create(
            STORED["contacts"],
            {
                "firstname": k.first_name,
                "lastname": k.last_name,
                "email": k.email,
                "company": company.props["name"],
                "associatedcompanyid": str(company.id),
                "message": k.description,
                "channel_buyer_role": (k.channel_role or "").lower(),
            },
            created=_created(k.modified, n),
            updated=k.modified,
        )
        link_records(portal, rec, company, 1)
        contacts_of.setdefault(k.company_key, rec)
        index.ids[k.key] = rec.id
    products: dict[str, HsRecord] = {}
    for n, p in enumerate(world.products):
        props = {
            "name": p.name,
            "hs_sku": p.sku,
            "price": str(p.list_price),
            "description": p.description,
            "product_family": p.family,
        }
        if p.subscription:
            props["recurringbillingfrequency"] = "annually"
            props["hs_recurring_billing_period"] = "P12M"
        rec = create(STORED["products"], props, created=_created(p.modified, n), updated=p.modified)
        products[p.sku] = rec
        index.ids[p.sku] = rec.id
    for n, d in enumerate(world.deals):
        props = {
            "dealname": d.name,
            "amount": str(d.amount),
            "closedate": iso(
                datetime(
                    d.close_date.year,
                    d.close_date.month,
                    d.close_date.day,
                    tzinfo=d.modified.tzinfo,
                )
            ),
            "pipeline": "default",
            "dealstage": SEED_STAGE_IDS[d.stage],
            "dealtype": "newbusiness",
            "deal_currency_code": "USD",
            "deal_registration": "true" if d.is_registration else "false",
            "quote_requested": "true" if d.quote_requested else "false",
            "description": d.description,
        }
        reg = d.registration
        if reg is not None:
            props["registration_status"] = reg.status
            props["registration_discount_percent"] = str(reg.discount_percent)
            props["registration_expires_on"] = reg.expires_on.isoformat()
            props["registration_scope"] = reg.scope
        created = _created(d.modified, n)
        deal = create(STORED["deals"], props, created=created, updated=d.modified)
        index.ids[d.key] = deal.id
        link_records(portal, deal, companies[d.customer_key], 5)
        if d.customer_key in contacts_of:
            link_records(portal, deal, contacts_of[d.customer_key], 3)
        if d.partner_key is not None:
            link_records(portal, deal, companies[d.partner_key], index.partner_label_id)
        for line in d.lines:
            product = products[line.sku]
            item = create(
                STORED["line_items"],
                {
                    "name": product.props["name"],
                    "hs_sku": line.sku,
                    "hs_product_id": str(product.id),
                    "quantity": str(line.quantity),
                    "price": str(line.unit_price),
                    "hs_discount_percentage": _number(line.discount_percent),
                    "hs_position_on_quote": str(line.position - 1),
                    "description": line.description,
                },
                created=created,
                updated=d.modified,
            )
            link_records(portal, item, deal, 20)
    return index
