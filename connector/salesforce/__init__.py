"""Salesforce through simple-salesforce: the read side behind ``CrmSource`` (OAuth login, queryAll
change stream, Bulk 2.0, re-reads) and the write side (sObject Collections upserts, updates,
deletes and guarded creates)."""

from connector.salesforce.source import SalesforceSource, open_salesforce
from connector.salesforce.stream import BulkMode
from connector.salesforce.writes import SalesforceWriter, open_salesforce_writer

__all__ = [
    "BulkMode",
    "SalesforceSource",
    "SalesforceWriter",
    "open_salesforce",
    "open_salesforce_writer",
]
