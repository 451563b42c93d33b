"""Fuzzing CRM records: hostile text, and a HubSpot portal that keeps registration dates, discounts
and statuses in custom properties (created through HubSpot's properties API), as many do."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import Engine

from connector.connections import Connection
from connector.sync.pull import Puller
from crm_sandbox.hubspot.testing import HubSpotSandboxHandle
from tests.e2e.probes import ROOT, fast_hubspot, held, load

INJECTIONS = (
    "'; DROP TABLE deal; --",
    "Robert'); DELETE FROM deal_line WHERE ('1'='1",
    "</script><script>alert(document.cookie)</script>",
    "${jndi:ldap://127.0.0.1/x} {{7*7}} %s%n",
)


def reasons(engine: Engine, source: str) -> dict[str, str]:
    """The quarantine's reasons by CRM id."""
    return {e["crm_id"]: e["reason"] for e in held(engine, source)}


CUSTOM = (
    {"name": "expiry_text", "label": "Expiry (text)", "type": "string", "fieldType": "text"},
    {"name": "discount_text", "label": "Discount (text)", "type": "string", "fieldType": "text"},
    {
        "name": "status_text",
        "label": "Status (picklist)",
        "type": "enumeration",
        "fieldType": "select",
        "options": [
            {"label": v, "value": v}
            for v in ("Pending", "Approved", "Rejected", "Expired", "Withdrawn")
        ],
    },
)


def _custom_mapping(folder: Path, hs: HubSpotSandboxHandle) -> Path:
    """The shipped HubSpot mapping, reading registration fields from custom properties (created
    through HubSpot's properties API) as many portals keep them: as text."""
    for prop in CUSTOM:
        answer = requests.post(
            f"{hs.base_url}/crm/v3/properties/deals",
            json={**prop, "groupName": "dealinformation"},
            headers={"Authorization": f"Bearer {hs.access_token}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
    text = (ROOT / "mappings" / "hubspot.yaml").read_text(encoding="utf-8")
    for old, new in (
        (
            "{from: registration_expires_on, transform: date}",
            "{from: expiry_text, transform: date}",
        ),
        (
            "registration_discount_percent: registration_discount_percent",
            "registration_discount_percent: discount_text",
        ),
        ("from: registration_status\n", "from: status_text\n"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = folder / "hubspot-custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def custom_hubspot(
    request: pytest.FixtureRequest, hs: HubSpotSandboxHandle, core: Engine, folder: Path
) -> Puller:
    """A HubSpot puller whose mapping reads the custom text properties (after a first pull)."""
    mapping = _custom_mapping(folder, hs)
    conn: Connection = load(folder, hs=hs, hs_mapping=mapping)["emea-hs"]
    p = fast_hubspot(request, conn, core, hs)
    first = p.run()
    assert first.status == "ok" and first.total("quarantined") == 0, first.message
    return p
