"""Fixtures: one seeded HTTPS Salesforce sandbox for the whole suite, and clients logged in to it.

Tests compare what the wire returns with the store itself, and create records under names of their
own, so sharing one server keeps them independent; the tests that expire every session are the
last of their module, and each module logs in afresh.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle, running_salesforce_sandbox

#: Enough deals that OpportunityLineItem has more than one 2,000-row page.
RECORDS = 1100


@pytest.fixture(scope="session")
def sf_sandbox() -> Iterator[SalesforceSandboxHandle]:
    """A running sandbox shared by all Salesforce sandbox tests."""
    with running_salesforce_sandbox(seed=7, records=RECORDS) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _clean_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults, injected failures and Bulk API 1.0 pacing never leak from one test into the next."""
    yield
    if "sf_sandbox" in request.fixturenames:
        handle: SalesforceSandboxHandle = request.getfixturevalue("sf_sandbox")
        handle.app.faults.clear()
        handle.app.collection_failures.clear()
        handle.app.admin_api.set_bulk_progress()


@pytest.fixture(scope="module")
def sf(sf_sandbox: SalesforceSandboxHandle) -> Any:
    """simple-salesforce logged in with a client-credentials token (``instance_url`` + ``session_id``)."""
    return sf_sandbox.client()


@pytest.fixture(scope="module")
def token(sf_sandbox: SalesforceSandboxHandle) -> str:
    """An access token for raw HTTP clients."""
    return sf_sandbox.access_token()


@pytest.fixture()
def http(sf_sandbox: SalesforceSandboxHandle, token: str) -> Iterator[httpx.Client]:
    """An httpx client trusting the sandbox CA, with the bearer token and the API base URL."""
    context = ssl.create_default_context(cafile=sf_sandbox.ca_path)
    with httpx.Client(
        base_url=f"{sf_sandbox.base_url}/services/data/v{sf_sandbox.version}",
        headers={"Authorization": f"Bearer {token}"},
        verify=context,
        timeout=10,
    ) as client:
        yield client


@pytest.fixture()
def raw(sf_sandbox: SalesforceSandboxHandle, token: str) -> Iterator[requests.Session]:
    """A plain requests session trusting the sandbox CA, with the bearer token."""
    session = sf_sandbox.requests_session()
    session.headers["Authorization"] = f"Bearer {token}"
    yield session
    session.close()
