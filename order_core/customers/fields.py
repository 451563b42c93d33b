"""End-customer fields: normalisation (email, domain, country) and validation, shared by services and CSV."""

from __future__ import annotations

import re
from collections.abc import Mapping

from order_core.errors import Problem
from order_core.types import control_character

CUSTOMER_FIELDS = (
    "name",
    "email",
    "domain",
    "phone",
    "country",
    "region",
    "city",
    "address",
    "postal_code",
    "segment",
    "crm_source",
    "crm_id",
)
MAX_LENGTH = {
    "name": 200,
    "email": 254,
    "domain": 200,
    "phone": 40,
    "country": 2,
    "region": 80,
    "city": 120,
    "address": 400,
    "postal_code": 20,
    "segment": 40,
    "crm_source": 30,
    "crm_id": 64,
}
# Mailbox providers: their domain says nothing about the company, so it never dedupes.
PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "live.com",
    }
)
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_DOMAIN = re.compile(r"^(?=.{3,200}$)([a-z0-9-]+\.)+[a-z]{2,}$")

CustomerValues = dict[str, str | None]


def normalize_email(value: str | None) -> str | None:
    """Email in the form used for dedupe (trimmed, lower case); None when empty."""
    text = (value or "").strip().lower()
    return text or None


def normalize_domain(value: str | None) -> str | None:
    """A company domain without scheme, path, port or ``www.``; None when empty."""
    text = (value or "").strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].split(":", 1)[0]
    text = text.removeprefix("www.").strip(".")
    return text or None


def dedupe_domain(domain: str | None, email: str | None) -> str | None:
    """The domain a customer is deduplicated by: its own, else its email's unless a mailbox provider."""
    own = normalize_domain(domain)
    if own:
        return own
    mail = normalize_email(email)
    if mail and "@" in mail:
        host = mail.rsplit("@", 1)[1]
        return None if host in PUBLIC_EMAIL_DOMAINS else host
    return None


def clean_values(raw: Mapping[str, str | None]) -> CustomerValues:
    """Trim every value; empty strings become None; country upper case, domain normalised."""
    values: CustomerValues = {}
    for key, value in raw.items():
        text = value.strip() if isinstance(value, str) else value
        values[key] = text or None
    if values.get("country"):
        values["country"] = str(values["country"]).upper()
    if "domain" in values:
        values["domain"] = normalize_domain(values["domain"])
    return values


def check_values(
    record: str, values: Mapping[str, str | None], *, partial: bool = False
) -> list[Problem]:
    """Every problem of one customer's cleaned values (``partial``: an edit, name may be absent)."""
    problems: list[Problem] = []
    for key in values:
        if key not in CUSTOMER_FIELDS:
            problems.append(
                Problem(record, key, f"unknown field; use any of {list(CUSTOMER_FIELDS)}")
            )
    if (not partial or "name" in values) and not values.get("name"):
        problems.append(Problem(record, "name", "is required"))
    for key, value in values.items():
        if value is not None and (char := control_character(value)) is not None:
            problems.append(
                Problem(record, key, f"contains the control character {char}; remove it")
            )
    for key, limit in MAX_LENGTH.items():
        value = values.get(key)
        if value is not None and len(value) > limit:
            problems.append(Problem(record, key, f"is {len(value)} characters; at most {limit}"))
    email = values.get("email")
    if email is not None and not _EMAIL.match(email):
        problems.append(Problem(record, "email", f"{email!r} is not an email address"))
    domain = values.get("domain")
    if domain is not None and not _DOMAIN.match(domain):
        problems.append(Problem(record, "domain", f"{domain!r} is not a domain like example.com"))
    country = values.get("country")
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        problems.append(Problem(record, "country", f"{country!r} is not an ISO 3166 code like US"))
    if (values.get("crm_source") is None) != (values.get("crm_id") is None) and (
        not partial or "crm_source" in values or "crm_id" in values
    ):
        problems.append(Problem(record, "crm_id", "crm_source and crm_id go together; give both"))
    return problems
