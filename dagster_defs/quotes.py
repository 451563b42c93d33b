"""Quotes for quote-requested CRM deals: an asset per connection, and a job for one deal."""

from collections import Counter

import dagster as dg
from dagster import AssetExecutionContext

from connector.connections import Connection
from dagster_defs.metadata import markdown_table
from dagster_defs.naming import OWNERS, ident, quotes_key
from dagster_defs.resources import CoreDatabase
from order_core.actors import Actor
from order_core.db import session_scope
from order_core.quotes.from_deals import quote_requested_deal, quote_requested_deals

SALES_OPS = Actor.system("dagster-quotes")


def quotes_asset(conn: Connection, after: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The quotes made for ``conn``'s deals flagged "quote requested", after the pulls of the
    objects in ``after`` (its deals and their line items)."""

    @dg.asset(
        key=quotes_key(conn.name),
        deps=after,
        group_name=ident(conn.name),
        kinds={"python"},
        owners=OWNERS,
        description=(
            f'Quotes for the deals of {conn.name} flagged "quote requested": each request (a '
            "deal at the CRM stamp it was flagged with) becomes a priced quote submitted to the "
            "approval policy, or a reason; either goes back to the deal with the next push-back."
        ),
    )
    def _quotes(
        context: AssetExecutionContext, database: CoreDatabase
    ) -> dg.MaterializeResult[None]:
        with database.engine() as engine, session_scope(engine) as session:
            results = quote_requested_deals(session, conn.name, SALES_OPS)
        outcomes = Counter(r.outcome for r in results)
        rows = [
            (r.deal_id, r.outcome, r.quote_number or "", r.quote_state or "", r.reason)
            for r in results
        ]
        return dg.MaterializeResult(
            metadata={
                "requests": len(results),
                "quoted": outcomes["quoted"],
                "refused": outcomes["refused"],
                "done_before": outcomes["done before"],
                "requests_table": markdown_table(
                    ("deal", "outcome", "quote", "state", "reason"), rows
                ),
            }
        )

    return _quotes


class QuoteDeal(dg.Config):
    """The core id of the deal to quote (the quote-request sensor fills it in)."""

    deal_id: int


@dg.op
def quote_one_deal(config: QuoteDeal, database: CoreDatabase) -> dg.Output[str]:
    """Handle one deal's quote request at its current CRM stamp (once per stamp)."""
    with database.engine() as engine, session_scope(engine) as session:
        result = quote_requested_deal(config.deal_id, session=session, actor=SALES_OPS)
    return dg.Output(
        result.outcome,
        metadata={
            "deal": result.deal_id,
            "outcome": result.outcome,
            "quote": result.quote_number or "",
            "state": str(result.quote_state or ""),  # a StrEnum: its plain value
            "reason": result.reason,
        },
    )


@dg.job(description="Quote one quote-requested deal (run config: its core deal id).")
def quote_deal_job() -> None:
    """Quote one quote-requested deal (run config: its core deal id)."""
    quote_one_deal()
