"""Typed views of the sandbox store and of simple-salesforce errors, the oracle tests compare with."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from simple_salesforce.exceptions import SalesforceError

from crm_sandbox.salesforce.store import Record
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle


def live(handle: SalesforceSandboxHandle, sobject: str) -> list[Record]:
    """The store's live (not deleted) records of one object."""
    return [r for r in handle.app.store.records[sobject].values() if not r["IsDeleted"]]


def stamp_of(rec: Record, name: str = "SystemModstamp") -> datetime:
    """A datetime field of a stored record."""
    value = rec[name]
    assert isinstance(value, datetime)
    return value


def date_of(rec: Record, name: str) -> date:
    """A date field of a stored record."""
    value = rec[name]
    assert isinstance(value, date)
    return value


def decimal_of(rec: Record, name: str) -> Decimal:
    """A number field of a stored record (0 when null)."""
    value = rec[name]
    assert value is None or isinstance(value, Decimal)
    return value or Decimal(0)


def content(exc: SalesforceError) -> Any:
    """The decoded JSON body simple-salesforce attached to an exception."""
    return exc.content
