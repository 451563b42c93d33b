"""The default connections (no connections file) open the local sandboxes `sandbox serve` starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from channelsync.cli.sandbox import HUBSPOT_TOKEN, build_hubspot
from connector.connections import DEFAULT_FILE, configured_connections, load_connections
from connector.factory import open_source
from crm_sandbox.common.server import start_in_thread
from crm_sandbox.salesforce.auth import Credentials
from crm_sandbox.salesforce.testing import running_salesforce_sandbox
from mappings import load_mapping


def test_the_default_connections_carry_the_sandboxes_published_credentials(tmp_path: Path) -> None:
    conns = configured_connections(None, tmp_path)
    assert sorted(conns) == ["hubspot", "salesforce"]
    sf, hs = conns["salesforce"], conns["hubspot"]
    creds = Credentials()
    assert sf.spec.auth.client_id == creds.consumer_key  # type: ignore[union-attr]
    assert sf.secret("client_secret") == creds.consumer_secret
    assert sf.ca_bundle == tmp_path / "sandbox-ca.pem"
    assert hs.secret("token") == HUBSPOT_TOKEN == build_hubspot(seed=1, records=3)[1]
    for conn in conns.values():
        assert load_mapping(conn.mapping_path).crm == conn.kind


def _local(text: str, sf_url: str, hs_url: str, ca: str) -> str:
    return (
        text.replace("https://127.0.0.1:8443", sf_url)
        .replace("http://127.0.0.1:8090", hs_url)
        .replace("${CHANNELSYNC_SANDBOX_DIR}/sandbox-ca.pem", ca)
        .replace("../mappings/", str(DEFAULT_FILE.parent.parent / "mappings") + "/")
    )


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
def test_the_default_file_reads_from_its_sandbox(tmp_path: Path, name: str) -> None:
    """The shipped default file, pointed at sandboxes on free ports, logs in and reads deals."""
    hs_app, _ = build_hubspot(seed=1, records=5)
    hs = start_in_thread(hs_app)
    try:
        with running_salesforce_sandbox(seed=1, records=5) as sf:
            path = tmp_path / "connections.yaml"
            text = DEFAULT_FILE.read_text(encoding="utf-8")
            path.write_text(_local(text, sf.base_url, hs.base_url, sf.ca_path), encoding="utf-8")
            env = {
                "CHANNELSYNC_SANDBOX_SF_CLIENT_SECRET": Credentials().consumer_secret,
                "CHANNELSYNC_SANDBOX_HS_TOKEN": HUBSPOT_TOKEN,
            }
            conn = load_connections(path, env=env)[name]
            source = open_source(conn)
            try:
                obj = "Opportunity" if name == "salesforce" else "deals"
                pages = list(source.changed(obj, [], [], None))
            finally:
                source.close()
            assert sum(len(p.records) for p in pages) == 5
    finally:
        hs.stop()
