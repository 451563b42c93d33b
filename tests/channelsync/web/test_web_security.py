"""Security of the link pages: CSRF, headers, the token-guess limit, one order under concurrency, logs."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from channelsync.web.link_limits import LinkGuessLimiter
from order_core.orders.models import Order
from tests.channelsync.web.conftest import WebQuote, form_fields, web_client
from tests.order_core.quotes.conftest import World

ACCEPT = {"name": "Wanda", "email": "wanda@widgets.test", "po_number": "PO-5"}


def _order_count(world: World) -> int:
    count = len(world.session.exec(select(Order)).all())
    world.session.commit()
    return count


def test_every_response_carries_the_security_headers(
    client: TestClient, web_quote: WebQuote
) -> None:
    for answer in (
        client.get(web_quote.page),
        client.get(f"{web_quote.base}/accept?token=nope"),
        client.get("/no/such/page"),
        client.get("/healthz"),
        client.get("/static/site.css"),
    ):
        headers = answer.headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src" not in csp and "'unsafe-inline'" not in csp  # no script may run
        assert "form-action 'self'" in csp and "style-src 'self' 'nonce-" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
    page = client.get(web_quote.page)
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in page.text and page.text.count("<style") == 1
    assert " style=" not in page.text  # no inline style attributes either
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_https_links_get_secure_host_only_cookies_and_hsts(
    engine: Engine, web_quote: WebQuote, monkeypatch: pytest.MonkeyPatch
) -> None:
    from order_core.settings import get_settings

    monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", "https://quotes.example.test")
    get_settings.cache_clear()
    with web_client(engine) as client:
        page = client.get(web_quote.page)
    assert page.headers["set-cookie"].startswith("__Host-channelsync-form=")
    assert "Secure" in page.headers["set-cookie"]
    assert page.headers["strict-transport-security"] == "max-age=31536000"


def test_forms_without_the_pages_cookie_or_token_are_refused(
    client: TestClient, engine: Engine, web_quote: WebQuote, world: World
) -> None:
    fields = form_fields(client.get(web_quote.page).text, "accept")
    url = f"{web_quote.base}/accept"
    with web_client(engine) as stranger:  # another browser: no cookie of ours
        no_cookie = stranger.post(url, data={**fields, **ACCEPT})
    wrong_token = client.post(url, data={**fields, **ACCEPT, "form_token": "0" * 64})
    no_token = client.post(url, data={"token": fields["token"], **ACCEPT})
    decline_fields = form_fields(client.get(web_quote.page).text, "decline")
    other_form = client.post(url, data={**decline_fields, **ACCEPT})  # the decline form's token
    for answer in (no_cookie, wrong_token, no_token, other_form):
        assert answer.status_code == 403
        assert "The form could not be accepted" in answer.text and "Nothing was" in answer.text
    assert _order_count(world) == 0
    cross_site = client.post(url, data={**fields, **ACCEPT}, headers={"content-type": "text/plain"})
    assert cross_site.status_code == 415 and _order_count(world) == 0
    assert client.post(url, data={**fields, **ACCEPT}).status_code == 303  # the page's own form
    assert _order_count(world) == 1


def test_two_tabs_submitting_at_once_give_one_order(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    fields = form_fields(client.get(web_quote.page).text, "accept")
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        barrier.wait()
        answer = client.post(f"{web_quote.base}/accept", data={**fields, **ACCEPT})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409, 409, 409]
    assert _order_count(world) == 1


def test_token_guesses_are_limited_per_client_and_valid_links_are_not(
    engine: Engine, web_quote: WebQuote
) -> None:
    with web_client(engine, web_link_failures=3, web_link_failure_window_seconds=600) as client:
        for _ in range(10):  # a customer opening a valid link again and again is never refused
            assert client.get(web_quote.page).status_code == 200
        for guess in ("a" * 43, "b" * 43, "c" * 43):
            assert client.get(f"{web_quote.base}/accept?token={guess}").status_code == 404
        blocked = client.get(web_quote.page)  # even the right token, once over the limit
        assert blocked.status_code == 429 and "Too many invalid links" in blocked.text
        assert 590 <= int(blocked.headers["retry-after"]) <= 600
        pdf = client.get(f"{web_quote.base}/quote.pdf?token={web_quote.token}")
        assert pdf.status_code == 429
        assert client.get("/healthz").status_code == 200  # only the link pages are limited


def test_the_limit_counts_the_client_behind_a_trusted_proxy_only(
    engine: Engine, web_quote: WebQuote
) -> None:
    guess = f"{web_quote.base}/accept?token={'z' * 43}"
    # TestClient connects as "testclient": trusted, the forwarded address is the client.
    with web_client(engine, web_link_failures=2, web_trusted_proxies="testclient") as client:
        for _ in range(2):
            client.get(guess, headers={"x-forwarded-for": "198.51.100.7"})
        assert client.get(guess, headers={"x-forwarded-for": "198.51.100.7"}).status_code == 429
        other = client.get(web_quote.page, headers={"x-forwarded-for": "198.51.100.8"})
        assert other.status_code == 200
    # Without trusted proxies a forged X-Forwarded-For changes nothing.
    with web_client(engine, web_link_failures=2) as client:
        for n in range(2):
            client.get(guess, headers={"x-forwarded-for": f"203.0.113.{n}"})
        forged = client.get(web_quote.page, headers={"x-forwarded-for": "203.0.113.99"})
        assert forged.status_code == 429


def test_the_limiter_forgets_failures_after_its_window() -> None:
    now = [1000.0]
    limiter = LinkGuessLimiter(2, 60, clock=lambda: now[0])
    limiter.failed("a")
    now[0] += 30
    limiter.failed("a")
    assert limiter.retry_after("a") == 30 and limiter.retry_after("b") == 0
    now[0] += 30.5  # the first failure left the window
    assert limiter.retry_after("a") == 0
    now[0] += 60
    assert limiter.retry_after("a") == 0 and limiter._failures == {}


def test_the_token_is_never_logged(
    client: TestClient, web_quote: WebQuote, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fields = form_fields(client.get(web_quote.page).text, "accept")
    client.post(f"{web_quote.base}/accept", data={**fields, **ACCEPT})
    client.post(f"{web_quote.base}/accept", data={**fields, **ACCEPT})
    client.get(f"{web_quote.base}/invoice.pdf?token={web_quote.token}")
    access = [r.getMessage() for r in caplog.records if r.name == "channelsync.web.access"]
    assert f"GET {web_quote.base}/accept 200" in access[0] and len(access) == 4
    server_side = "\n".join(
        r.getMessage() for r in caplog.records if r.name != "httpx"
    )  # not the client's
    assert "POST" in server_side and "invoice.pdf" in server_side
    assert web_quote.token not in server_side and fields["form_token"] not in server_side


def test_oversized_or_unreadable_forms_are_refused(client: TestClient, web_quote: WebQuote) -> None:
    url = f"{web_quote.base}/accept"
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post(url, content=b"a=" + b"x" * 20_000, headers=form).status_code == 413
    assert client.post(url, content=b"name=%FF%FE", headers=form).status_code == 404  # no token
    assert client.post(url, content=b"\xff\xfe", headers=form).status_code == 400
    assert client.put(url).status_code == 405


def test_different_quotes_of_one_new_customer_accepted_at_once_each_order_once(
    client: TestClient, engine: Engine, world: World, web_quote: WebQuote
) -> None:
    # The customer has no reseller association yet: the first orders create it concurrently.
    from tests.channelsync.web.conftest import send_new_quote

    quotes = [web_quote, *(send_new_quote(world, quantity=n) for n in (3, 4, 5))]
    sessions = [web_client(engine) for _ in quotes]
    forms = [form_fields(c.get(q.page).text, "accept") for c, q in zip(sessions, quotes, strict=True)]  # fmt: skip
    statuses: dict[str, int] = {}
    barrier = threading.Barrier(len(quotes))

    def submit(c: TestClient, quote: WebQuote, fields: dict[str, str]) -> None:
        barrier.wait()
        statuses[quote.number] = c.post(f"{quote.base}/accept", data={**fields, **ACCEPT}).status_code  # fmt: skip

    threads = [threading.Thread(target=submit, args=job) for job in zip(sessions, quotes, forms, strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses.values()) == {303}
    orders = world.session.exec(select(Order)).all()
    world.session.commit()
    assert sorted(o.quote_id or 0 for o in orders) == sorted(q.quote_id for q in quotes)
