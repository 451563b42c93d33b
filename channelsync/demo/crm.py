"""The demo's two CRMs: both sandboxes in-process with seed data, the connections file to them, and
what a CRM user does there (flag a deal for a quote, give a line a discount) through the real clients.

The connections are named ``salesforce`` and ``hubspot``, as in the default connections of
``channelsync ui``, so the runs the demo leaves in the Dagster instance show on the UI's assets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hubspot import HubSpot
from hubspot.crm.deals import SimplePublicObjectInput as DealInput
from hubspot.crm.line_items import SimplePublicObjectInput as LineInput

from crm_sandbox.hubspot.testing import HubSpotSandboxHandle, running_hubspot_sandbox
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle, running_salesforce_sandbox

SALESFORCE = "salesforce"
HUBSPOT = "hubspot"
#: Environment variables holding the sandboxes' secrets (the connections file names them).
SF_SECRET_ENV = "CHANNELSYNC_DEMO_SF_SECRET"  # noqa: S105 (a variable's name)
HS_TOKEN_ENV = "CHANNELSYNC_DEMO_HS_TOKEN"  # noqa: S105 (a variable's name)
DEALS = 20  # deals per sandbox
SEED = 3


@dataclass
class DemoCrms:
    """Both sandboxes, running, and the connections file that points at them."""

    sf: SalesforceSandboxHandle
    hs: HubSpotSandboxHandle
    connections_file: Path

    def secrets(self) -> dict[str, str]:
        """The environment the connections file reads its secrets from."""
        return {SF_SECRET_ENV: self.sf.consumer_secret, HS_TOKEN_ENV: self.hs.access_token}

    def request_quote(
        self, connection: str, deal_id: str, line_id: str, discount: Decimal, amount: Decimal
    ) -> None:
        """As a sales rep would, in the CRM of ``connection``: give one line item ``discount``
        percent off, set the deal's amount, and tick its "quote requested" box (unticked first,
        so a deal the seed flagged is asked anew)."""
        if connection == SALESFORCE:
            client = self.sf.client()
            client.OpportunityLineItem.update(line_id, {"Discount": float(discount)})
            client.Opportunity.update(deal_id, {"Amount": float(amount)})
            for flag in (False, True):
                client.Opportunity.update(deal_id, {"Quote_Requested__c": flag})
            return
        hubspot = HubSpot(access_token=self.hs.access_token, host=self.hs.base_url)
        hubspot.crm.line_items.basic_api.update(
            line_id, LineInput(properties={"hs_discount_percentage": str(discount)})
        )
        deals = hubspot.crm.deals.basic_api
        deals.update(deal_id, DealInput(properties={"amount": str(amount)}))
        for text in ("false", "true"):
            deals.update(deal_id, DealInput(properties={"quote_requested": text}))


def _connections_text(sf: SalesforceSandboxHandle, hs: HubSpotSandboxHandle) -> str:
    mappings = Path(__file__).resolve().parents[2] / "mappings"
    return f"""\
# Written by `channelsync demo` for the sandboxes it runs; secrets are environment variables.
connections:
  {SALESFORCE}:
    kind: salesforce
    mapping: {mappings / "salesforce.yaml"}
    login_url: {sf.base_url}
    ca_bundle: {sf.ca_path}
    auth: {{flow: client_credentials, client_id: {sf.consumer_key}, client_secret_env: {SF_SECRET_ENV}}}
  {HUBSPOT}:
    kind: hubspot
    mapping: {mappings / "hubspot.yaml"}
    base_url: {hs.base_url}
    auth: {{flow: private_app, token_env: {HS_TOKEN_ENV}}}
"""


@contextmanager
def running_crms(folder: Path) -> Iterator[DemoCrms]:
    """Both sandboxes seeded for the duration of the block, and ``folder/connections.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "connections.yaml"
    with (
        running_salesforce_sandbox(seed=SEED, records=DEALS) as sf,
        running_hubspot_sandbox(seed=SEED, records=DEALS) as hs,
    ):
        path.write_text(_connections_text(sf, hs), encoding="utf-8")
        yield DemoCrms(sf, hs, path)
