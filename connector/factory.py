"""Opening a connection's read side, whichever CRM it is (each client library imported on first use)."""

from __future__ import annotations

from connector.connections import Connection
from connector.retry import RetryPolicy
from connector.source import CrmSource


def open_source(connection: Connection, *, retry: RetryPolicy | None = None) -> CrmSource:
    """The CrmSource of a Salesforce or HubSpot connection."""
    if connection.kind == "salesforce":
        from connector.salesforce import open_salesforce

        return open_salesforce(connection, retry=retry)
    from connector.hubspot import open_hubspot

    return open_hubspot(connection, retry=retry)
