"""A throwaway certificate authority (trustme) so the sandbox speaks HTTPS as simple-salesforce requires."""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass
class SandboxTls:
    """The server's TLS context and the path of the CA bundle clients must trust."""

    context: ssl.SSLContext
    ca_path: str


def make_tls(
    directory: str | None = None, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> SandboxTls:
    """Create a CA, issue a server certificate for ``hosts`` and write the CA PEM to a file."""
    ca = trustme.CA()
    cert = ca.issue_cert(*hosts)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    folder = Path(directory or tempfile.mkdtemp(prefix="sf-sandbox-"))
    ca_path = folder / "sandbox-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return SandboxTls(context, str(ca_path))
