"""Salesforce read side behind ``CrmSource``: OAuth login, queryAll change stream, Bulk 2.0, re-reads."""

from connector.salesforce.source import SalesforceSource, open_salesforce
from connector.salesforce.stream import BulkMode

__all__ = ["BulkMode", "SalesforceSource", "open_salesforce"]
