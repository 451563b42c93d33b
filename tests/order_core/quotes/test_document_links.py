"""Signed quote document links: configured only with a secret and a public base URL; signatures bind the version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from order_core.quotes.document_links import document_link, signature_valid
from order_core.settings import InvalidSettings, get_settings

SECRET = "a-document-link-secret-of-32-characters-or-more"


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("CHANNELSYNC_QUOTE_DOCUMENT_SECRET", raising=False)
    monkeypatch.delenv("CHANNELSYNC_PUBLIC_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _set(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(f"CHANNELSYNC_{key}", value)
    get_settings.cache_clear()


def test_no_link_without_a_secret_or_a_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    assert document_link("Q-000001", 1) is None
    _set(monkeypatch, PUBLIC_BASE_URL="https://cs.example.com")
    assert document_link("Q-000001", 1) is None
    monkeypatch.delenv("CHANNELSYNC_PUBLIC_BASE_URL")
    _set(monkeypatch, QUOTE_DOCUMENT_SECRET=SECRET)
    assert document_link("Q-000001", 1) is None  # never a link to the local default address


def test_a_signature_binds_the_quote_version_and_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _set(monkeypatch, PUBLIC_BASE_URL="https://cs.example.com/", QUOTE_DOCUMENT_SECRET=SECRET)
    link = document_link("Q-000001", 2)
    assert link is not None
    assert link.startswith("https://cs.example.com/documents/quotes/Q-000001/v2/quote.pdf?sig=")
    sig = link.rsplit("=", 1)[1]
    assert signature_valid("Q-000001", 2, sig)
    assert not signature_valid("Q-000001", 1, sig)
    assert not signature_valid("Q-000002", 2, sig)
    assert not signature_valid("Q-000001", 2, sig[:-1])
    _set(monkeypatch, QUOTE_DOCUMENT_SECRET=SECRET + "-rotated")
    assert not signature_valid("Q-000001", 2, sig)  # a new secret revokes every link


def test_a_short_secret_is_refused_without_showing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, QUOTE_DOCUMENT_SECRET="short-secret")
    with pytest.raises(InvalidSettings) as refused:
        get_settings()
    assert "CHANNELSYNC_QUOTE_DOCUMENT_SECRET" in refused.value.message
    assert "32 characters" in refused.value.message
    assert "short-secret" not in refused.value.message


@pytest.mark.parametrize(
    "address", ["notaurl", "ftp://cs.example.com", "https://", "https://x?y=1"]
)
def test_a_public_address_that_is_no_web_address_is_one_line(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    _set(monkeypatch, PUBLIC_BASE_URL=address)
    with pytest.raises(InvalidSettings) as refused:
        get_settings()
    text = str(refused.value)
    assert "\n" not in text and "CHANNELSYNC_PUBLIC_BASE_URL" in text and "https://" in text
