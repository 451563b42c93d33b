"""The OAuth 2.0 JWT bearer grant, checked as Salesforce does: signature, issuer, audience, expiry, user.

A connected app with digital signatures holds a certificate; a client signs an assertion (RS256)
with the matching private key, naming the consumer key (``iss``), the user (``sub``), the login URL
(``aud``) and an expiry (``exp``). Failures answer 400 with Salesforce's ``error`` and
``error_description``. :func:`make_jwt_keys` creates a key pair and certificate for local use.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Audiences Salesforce accepts besides the org's own URL: its login hosts.
LOGIN_HOSTS = ("https://login.salesforce.com", "https://test.salesforce.com")


class GrantRefused(Exception):
    """An assertion Salesforce would refuse: ``error`` and ``description`` are its wire values."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def verifying_key(pem: str) -> rsa.RSAPublicKey:
    """The RSA public key of a PEM certificate or public key."""
    data = pem.encode()
    key = (
        x509.load_pem_x509_certificate(data).public_key()
        if b"CERTIFICATE" in data
        else serialization.load_pem_public_key(data)
    )
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the JWT bearer certificate must hold an RSA key")
    return key


def _seconds(value: object) -> float:
    """A NumericDate claim (a number, or a number in a string as some clients send it); 0 if absent."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def check_assertion(
    assertion: str,
    *,
    certificate: str | None,
    consumer_key: str,
    username: str,
    audiences: tuple[str, ...],
) -> str:
    """The user an assertion logs in, or GrantRefused with Salesforce's answer."""
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise GrantRefused("invalid_grant", "invalid assertion") from None
    if claims.get("iss") != consumer_key or certificate is None:
        raise GrantRefused("invalid_client_id", "client identifier invalid")
    try:
        jwt.decode(
            assertion,
            verifying_key(certificate),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise GrantRefused("invalid_grant", "invalid assertion") from None
    audience = claims.get("aud")
    given = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(a, str) and a.rstrip("/") in audiences for a in given):
        raise GrantRefused("invalid_grant", "audience is invalid")
    if _seconds(claims.get("exp")) <= time.time():
        raise GrantRefused("invalid_grant", "expired authorization code")
    subject = claims.get("sub")
    if not isinstance(subject, str) or subject.casefold() != username.casefold():
        raise GrantRefused("invalid_grant", "user hasn't approved this consumer")
    return subject


@dataclass(frozen=True)
class JwtKeys:
    """A private key file for clients and the certificate the sandbox checks against."""

    private_key_path: str
    certificate_path: str
    certificate_pem: str


def make_jwt_keys(folder: str, common_name: str = "channelsync sandbox connected app") -> JwtKeys:
    """Create an RSA key (PKCS#8 PEM) and a self-signed certificate for it in ``folder``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    base = Path(folder)
    key_path, cert_path = base / "jwt-private-key.pem", base / "jwt-certificate.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_path.write_text(cert_pem)
    return JwtKeys(str(key_path), str(cert_path), cert_pem)
