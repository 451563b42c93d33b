"""``channelsync quote render``: writes the end customer's quote (HTML or PDF) from the configured database."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from channelsync.cli.quote_render import register
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.services import create_quote, revise_quote
from order_core.settings import get_settings
from tests.order_core.quotes.conftest import World


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    app = typer.Typer()
    app.command("noop")(lambda: None)  # keep "render" a sub-command, as under `channelsync quote`
    register(app)
    yield app
    get_settings.cache_clear()


def test_render_writes_the_latest_version(world: World, cli: typer.Typer, tmp_path: Path) -> None:
    quote = create_quote(
        world.reseller, [QuoteLineInput("SW-100", 2)], session=world.session, actor=world.sales
    )
    revise_quote(
        quote.id or 0, [QuoteLineInput("SW-100", 3)], session=world.session, actor=world.sales
    )
    out = tmp_path / "q.html"
    result = CliRunner().invoke(cli, ["render", quote.number, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {quote.number} v2 (draft)" in result.output
    html = out.read_text(encoding="utf-8")
    # Resale prices (the list price: no price book), never the reseller's buy price 2,565.00.
    assert "$3,000.00" in html and "Big &lt;Dist&gt; Europe" in html and "2,565" not in html
    first = tmp_path / "v1.pdf"
    result = CliRunner().invoke(
        cli, ["render", quote.number, "--version", "1", "--out", str(first)]
    )
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(first.read_bytes())).pages)
    assert "$2,000.00" in text and "1,710" not in text


def test_unknown_quote_fails_without_writing(
    world: World, cli: typer.Typer, tmp_path: Path
) -> None:
    out = tmp_path / "none.html"
    result = CliRunner().invoke(cli, ["render", "Q-999999", "--out", str(out)])
    assert result.exit_code != 0 and not out.exists()
    assert "quote Q-999999 not found" in str(result.exception)


def test_a_version_the_quote_does_not_have_names_the_versions_it_has(
    world: World, cli: typer.Typer, tmp_path: Path
) -> None:
    quote = create_quote(
        world.reseller, [QuoteLineInput("SW-100", 2)], session=world.session, actor=world.sales
    )
    revise_quote(quote.id or 0, session=world.session, actor=world.sales)
    out = tmp_path / "v7.html"
    result = CliRunner().invoke(cli, ["render", quote.number, "--version", "7", "--out", str(out)])
    assert result.exit_code != 0 and not out.exists()
    message = str(result.exception)
    assert message == (
        f"quote {quote.number} has no version 7: its versions are 1, 2; "
        "ask for one of those, or for no version to get the latest"
    )
