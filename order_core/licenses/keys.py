"""License keys: HMAC-SHA256-signed, self-describing, in a configurable format, verifiable offline.

A key encodes version, a random serial, seats, expiry (days since 2000-01-01, 0 = perpetual) and a
short digest of the SKU, followed by a truncated HMAC of those bytes. Base32, grouped with a
separator and prefixed: ``CS-AAAAA-BBBBB-...``. Changing any character breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import SecretStr

from order_core.errors import DomainError

_EPOCH = date(2000, 1, 1)
_VERSION = 1
_PAYLOAD = struct.Struct(">B8sIH4s")  # version, serial, seats, expiry days, sku digest


class InvalidLicenseKey(DomainError):
    """The key is malformed, or its signature does not match (tampered or another vendor's)."""


@dataclass(frozen=True)
class LicenseKeyFormat:
    """How keys look: prefix, group size, separator and signature length (bytes, 8-32)."""

    prefix: str = "CS"
    group_size: int = 5
    separator: str = "-"
    signature_bytes: int = 10

    def __post_init__(self) -> None:
        if not 8 <= self.signature_bytes <= 32:
            raise ValueError("signature_bytes must be between 8 and 32")
        if self.group_size < 1 or not self.separator or self.separator.isalnum():
            raise ValueError("group_size must be >= 1 and separator a non-alphanumeric character")


@dataclass(frozen=True)
class LicenseClaims:
    """What a verified key says."""

    serial: str
    seats: int
    expires_on: date | None
    sku_digest: str

    def is_for(self, sku: str) -> bool:
        """True when the key was issued for ``sku``."""
        return self.sku_digest == _sku_digest(sku).hex()


def _sku_digest(sku: str) -> bytes:
    return hashlib.sha256(sku.encode()).digest()[:4]


def _sign(secret: SecretStr, payload: bytes, size: int) -> bytes:
    return hmac.new(secret.get_secret_value().encode(), payload, hashlib.sha256).digest()[:size]


def make_license_key(
    secret: SecretStr,
    *,
    sku: str,
    seats: int,
    expires_on: date | None,
    fmt: LicenseKeyFormat | None = None,
    serial: bytes | None = None,
) -> tuple[str, str]:
    """A new signed key and its serial (hex); ``serial`` is random unless given."""
    f = fmt or LicenseKeyFormat()
    raw_serial = serial or secrets.token_bytes(8)
    days = 0 if expires_on is None else (expires_on - _EPOCH).days
    if not 0 <= days <= 0xFFFF or not 1 <= seats <= 0xFFFFFFFF:
        raise ValueError("expiry or seats out of the key's range")
    payload = _PAYLOAD.pack(_VERSION, raw_serial, seats, days, _sku_digest(sku))
    body = (
        base64.b32encode(payload + _sign(secret, payload, f.signature_bytes)).decode().rstrip("=")
    )
    groups = [body[i : i + f.group_size] for i in range(0, len(body), f.group_size)]
    key = f.separator.join([f.prefix, *groups]) if f.prefix else f.separator.join(groups)
    return key, raw_serial.hex()


def verify_license_key(
    key: str, secret: SecretStr, fmt: LicenseKeyFormat | None = None
) -> LicenseClaims:
    """Check the signature of ``key`` and return its claims; InvalidLicenseKey when it fails."""
    f = fmt or LicenseKeyFormat()
    text = key.strip().upper()
    prefix = f.prefix.upper() + f.separator if f.prefix else ""
    if prefix and not text.startswith(prefix):
        raise InvalidLicenseKey(f"license key does not start with {f.prefix}{f.separator}")
    body = text[len(prefix) :].replace(f.separator, "")
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise InvalidLicenseKey("license key is malformed (not the key alphabet)") from None
    if len(raw) != _PAYLOAD.size + f.signature_bytes:
        raise InvalidLicenseKey("license key has the wrong length")
    payload, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if not hmac.compare_digest(signature, _sign(secret, payload, f.signature_bytes)):
        raise InvalidLicenseKey("license key signature does not match: the key is not genuine")
    version, serial, seats, days, digest = _PAYLOAD.unpack(payload)
    if version != _VERSION:
        raise InvalidLicenseKey(f"license key version {version} is not supported")
    expires = None if days == 0 else _EPOCH + timedelta(days=days)
    return LicenseClaims(
        serial=serial.hex(), seats=seats, expires_on=expires, sku_digest=digest.hex()
    )
