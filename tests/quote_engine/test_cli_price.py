"""`quote price` command: prices a CART.json (with optional rules) and prints JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parents[2]
CART = ROOT / "examples" / "cart.json"
RULES = ROOT / "examples" / "pricing_rules.yaml"


def run(*args: str) -> tuple[int, str, str]:
    """``channelsync quote price ARGS`` through the CLI's edge (errors are printed there)."""
    result = run_cli("quote", "price", *args)
    return result.code, result.out, result.err


def test_prices_the_example_cart_with_traces_and_totals() -> None:
    code, out, _ = run("--input", str(CART), "--rules", str(RULES))
    assert code == 0
    data = json.loads(out)
    assert data["currency"] == "USD" and data["priced_on"] == "2026-11-27"
    assert [ln["sku"] for ln in data["lines"]] == ["FW-100", "FW-SUB-1Y", "SUPPORT-PREM"]
    fw = data["lines"][0]
    # list 1200 -> fixed gold buy 800 -> distributor 800 x 0.98 x 1.03 = 807.52 -> ...
    assert [s["step"] for s in fw["trace"]][:3] == ["list_price", "buy_price", "distributor_terms"]
    assert fw["trace"][1]["after"] == "800.00" and fw["trace"][1]["rule"] == "FW-100 fixed gold"
    assert Decimal(fw["trace"][2]["after"]) == Decimal("807.52")
    support = data["lines"][2]
    assert support["trace"][0]["rate"] == "1.08"  # EUR list price converted
    totals = data["totals"]
    # Decimals are strings and the totals reconcile exactly
    assert isinstance(totals["net_total"], str)
    discounts = sum(Decimal(v) for v in totals["discounts_by_step"].values())
    assert Decimal(totals["list_total"]) - discounts == Decimal(totals["net_total"])
    assert totals["net_total"] == str(sum(Decimal(ln["line_total"]) for ln in data["lines"]))
    assert len(data["content_hash"]) == 64 and data["rules_file"] == str(RULES)


def test_rules_change_the_price_and_the_hash() -> None:
    _, with_rules, _ = run("--input", str(CART), "--rules", str(RULES))
    _, without, _ = run("--input", str(CART))
    a, b = json.loads(with_rules), json.loads(without)
    assert a["totals"]["net_total"] != b["totals"]["net_total"]
    assert a["content_hash"] != b["content_hash"]
    assert b["rules_fingerprint"] == ""


def test_invalid_cart_names_the_file_and_field_without_traceback(tmp_path: Path) -> None:
    cart = json.loads(CART.read_text())
    cart["lines"][0]["quantity"] = 0
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart))
    code, out, err = run("--input", str(path))
    assert code == 1 and out == ""
    assert str(path) in err and "lines.0.quantity" in err
    assert "Traceback" not in err


def test_broken_json_and_bad_rules_are_domain_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"catalog": ')
    code, _, err = run("--input", str(broken))
    assert code == 1 and "not valid JSON at line 1" in err
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: r\n    action: {percent_off: '500'}\n")
    code, _, err = run("--input", str(CART), "--rules", str(rules))
    assert code == 1 and str(rules) in err and "rule #1 'r'" in err


def test_pricing_errors_are_reported_with_the_fix(tmp_path: Path) -> None:
    cart = json.loads(CART.read_text())
    cart["catalog"]["exchange_rates"] = None
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart))
    code, _, err = run("--input", str(path))
    assert code == 1
    assert "'SUPPORT-PREM' field list_prices has no USD price" in err
