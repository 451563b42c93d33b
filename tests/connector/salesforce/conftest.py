"""Fixtures: a fresh seeded Salesforce sandbox per test and SalesforceSource objects logged in to it.

Each test gets its own sandbox (about 70 ms to start), so deletions, stamps and faults never leak
from one test into another, and call counts start at zero. Retries sleep on a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connector.connections import ClientCredentials, Connection, SalesforceSpec
from connector.retry import RetryPolicy
from connector.salesforce import SalesforceSource, open_salesforce
from connector.salesforce.stream import BulkMode
from connector.source import Page
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle, running_salesforce_sandbox
from mappings.records import RawRecord

#: Deals in the sandbox: three REST pages of 200.
RECORDS = 450
OPP_FIELDS = (
    "Name",
    "Amount",
    "Probability",
    "CloseDate",
    "StageName",
    "Description",
    "IsClosed",
    "AccountId",
    "Deal_Registration__c",
    "LastModifiedDate",
)


@dataclass
class FakeClock:
    """A monotonic clock that only moves when slept on; remembers every sleep."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture()
def sandbox() -> Iterator[SalesforceSandboxHandle]:
    """A fresh seeded sandbox for this test."""
    with running_salesforce_sandbox(seed=5, records=RECORDS) as handle:
        yield handle


@pytest.fixture()
def clock() -> FakeClock:
    """The fake clock the retry policy sleeps on."""
    return FakeClock()


def spec_for(handle: SalesforceSandboxHandle, **overrides: Any) -> SalesforceSpec:
    """A Salesforce connection spec pointing at the sandbox (client credentials by default)."""
    values: dict[str, Any] = {
        "kind": "salesforce",
        "mapping": "salesforce.yaml",
        "login_url": handle.base_url,
        "api_version": "62.0",
        "ca_bundle": handle.ca_path,
        "auth": ClientCredentials(
            flow="client_credentials",
            client_id=handle.consumer_key,
            client_secret_env="SF_SECRET",
        ),
        "page_size": 200,
        "overlap_seconds": 0,
    }
    values.update(overrides)
    return SalesforceSpec(**values)


def connection_for(
    handle: SalesforceSandboxHandle, secrets: dict[str, str] | None = None, **overrides: Any
) -> Connection:
    """A connection named ``sf`` for the sandbox."""
    given = {"client_secret": handle.consumer_secret} if secrets is None else secrets
    return Connection(
        name="sf",
        spec=spec_for(handle, **overrides),
        mapping_path=Path("salesforce.yaml"),
        secrets={k: SecretStr(v) for k, v in given.items()},
    )


SourceFactory = Callable[..., SalesforceSource]


def _a_second_ahead() -> datetime:
    # The sandbox stamps a change with the current millisecond (or the next, to keep stamps
    # unique); a client clock a second ahead puts a change made just before a read in its window.
    return datetime.now(UTC) + timedelta(seconds=1)


@pytest.fixture()
def make_source(sandbox: SalesforceSandboxHandle, clock: FakeClock) -> Iterator[SourceFactory]:
    """Build sources for the sandbox: ``make_source(bulk="always", bulk_threshold=100, ...)``."""
    made: list[SalesforceSource] = []

    def make(
        *,
        bulk: BulkMode = "auto",
        secrets: dict[str, str] | None = None,
        retry: RetryPolicy | None = None,
        now: Callable[[], datetime] = _a_second_ahead,
        **overrides: Any,
    ) -> SalesforceSource:
        policy = retry or RetryPolicy(sleep=clock.sleep, clock=clock, base_wait=0.5)
        source = open_salesforce(
            connection_for(sandbox, secrets, **overrides), retry=policy, bulk=bulk, clock=now
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def records_of(pages: list[Page]) -> list[RawRecord]:
    """Every record of a list of pages, in order."""
    return [rec for page in pages for rec in page.records]


def store_rows(handle: SalesforceSandboxHandle, sobject: str) -> list[dict[str, Any]]:
    """The sandbox's rows of an object (deleted ones too), in (stamp, id) order."""
    rows = list(handle.app.store.records[sobject].values())
    return sorted(rows, key=lambda r: (r["SystemModstamp"], r["Id"]))


def stamp_of(row: dict[str, Any]) -> datetime:
    """A store row's SystemModstamp."""
    stamp = row["SystemModstamp"]
    assert isinstance(stamp, datetime)
    return stamp


def api_calls(handle: SalesforceSandboxHandle) -> dict[str, int]:
    """Calls per route the sandbox served (faulted ones included)."""
    return handle.app.calls()
