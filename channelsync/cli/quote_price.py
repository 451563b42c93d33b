"""`channelsync quote price`: price a self-contained CART.json (sales-ops preview) as JSON.

The CART.json format is documented in docs/quote-json.md. The lead wires `register` into the
`quote` sub-app; this module only adds the command.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from channelsync.cli.user_files import read_text
from order_core.pricing_rules import installed_rules
from order_core.settings import get_settings
from quote_engine.errors import PricingError
from quote_engine.pricing import RuleSet, load_rules, price_cart
from quote_engine.resale import ResaleTerms, price_resale
from quote_engine.types import PricingRequest
from quote_engine.validation_messages import json_path


class CartFile(PricingRequest):
    """A CART.json file: a PricingRequest, the optional pricing date (default: today, UTC) and
    the resale side (the reseller's price book and limits; default: resale at list price)."""

    today: date | None = None
    resale: ResaleTerms = ResaleTerms()


def _validation_message(source: Path, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = json_path(err["loc"]) or "(top level)"
        problems.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return f"{source}: {'; '.join(problems)}{more}; fix the cart file (see docs/quote-json.md)"


def read_cart(path: Path) -> CartFile:
    """Read and validate a CART.json file; raise PricingError naming the file and field.

    An unreadable or non-UTF-8 file raises :class:`~channelsync.cli.user_files.InputFileError`.
    """
    text = read_text(path, "cart file")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PricingError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    try:
        return CartFile.model_validate(data)
    except ValidationError as exc:
        raise PricingError(_validation_message(path, exc)) from None


def _rules(rules_path: Path | None) -> tuple[RuleSet | None, str | None]:
    """The rules to price with and their file: `--rules`, else the installed rules file."""
    if rules_path is not None:
        return load_rules(rules_path), str(rules_path)
    installed = installed_rules()  # CHANNELSYNC_PRICING_RULES_FILE, as quotes and orders use
    return installed, get_settings().pricing_rules_file if installed is not None else None


def price_file(cart_path: Path, rules_path: Path | None) -> dict[str, object]:
    """Price a cart file with `--rules`, else CHANNELSYNC_PRICING_RULES_FILE; JSON-ready result."""
    cart = read_cart(cart_path)
    rules, rules_file = _rules(rules_path)
    today = cart.today or datetime.now(UTC).date()
    result = price_cart(cart, rules, today=today)
    data = result.to_jsonable()
    data["content_hash"] = result.content_hash()
    data["rules_file"] = rules_file
    categories = {p.sku: p.category for p in cart.catalog.products}
    terms = cart.resale
    data["resale"] = price_resale(result, categories, terms.price_book, terms.limits).to_jsonable()
    return data


def register(app: typer.Typer) -> None:
    """Add the `price` command to `app` (the `quote` sub-app)."""

    @app.command("price")
    def price(
        input_path: Annotated[
            Path, typer.Option("--input", help="CART.json: catalog, partner, deal and lines.")
        ],
        rules_path: Annotated[
            Path | None,
            typer.Option(
                "--rules",
                help="Pricing rules YAML file (default: CHANNELSYNC_PRICING_RULES_FILE, if set).",
            ),
        ] = None,
    ) -> None:
        """Price a cart: priced (buy) lines with their traces and totals, and the resale side, as JSON."""
        data = price_file(input_path, rules_path)
        typer.echo(json.dumps(data, indent=2))
