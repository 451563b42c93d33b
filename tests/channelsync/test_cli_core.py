"""The core CLI commands against a temp SQLite database: catalog load, partners list, customers CSV, demo."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from channelsync.cli import main
from channelsync.cli.app import app
from channelsync.demo import SAMPLE_CATALOG
from order_core.customers.models import EndCustomer
from order_core.db import make_engine, new_session

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """CHANNELSYNC_DATABASE_URL pointing at a fresh temp SQLite file, schema made by ``db upgrade``."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "schema upgraded to head" in result.output
    return url


def _customers(url: str) -> list[str]:
    engine = make_engine(url)
    with new_session(engine) as session:
        names = [c.name for c in session.exec(select(EndCustomer).order_by(EndCustomer.name))]
    engine.dispose()
    return names


def test_catalog_load_and_partners_list(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "load", str(SAMPLE_CATALOG)])
    assert result.exit_code == 0, result.output
    assert "products" in result.output and "12" in result.output
    listing = runner.invoke(app, ["partners", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    lines = [
        ln
        for ln in listing.output.splitlines()
        if "Partners" in ln or "Distribution" in ln or "Solutions" in ln or "Systems" in ln
    ]
    assert len(lines) == 4
    northwind = next(ln for ln in lines if "Northwind Partners" in ln)
    assert "Gold" in northwind and "MSP, RESELLER" in northwind
    bad = tmp_path / "bad.yaml"
    bad.write_text("products:\n  - sku: X\n    name: X\n    kind: subscription\n", encoding="utf-8")
    failed = runner.invoke(app, ["catalog", "load", str(bad)])
    assert failed.exit_code != 0
    assert "bad.yaml line 2" in str(failed.exception) and "term_months" in str(failed.exception)


def test_customers_export_import_round_trip(db_url: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["catalog", "load", str(SAMPLE_CATALOG)]).exit_code == 0
    out = tmp_path / "northwind.csv"
    exported = runner.invoke(app, ["customers", "export", "--partner", "2", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,name,email")
    assert "Acme Manufacturing" in text and "Globex" not in text
    stdout = runner.invoke(app, ["customers", "export", "--partner", "2"])
    assert stdout.output == text
    reimport = runner.invoke(app, ["customers", "import", str(out), "--partner", "2"])
    assert reimport.exit_code == 0
    assert "0 created, 0 updated, 2 unchanged" in reimport.output
    new = tmp_path / "new.csv"
    new.write_text(
        "name,email,country,city,postal_code\nWayne Enterprises,it@wayne.example,US,Gotham,10001\n",
        encoding="utf-8",
    )
    added = runner.invoke(app, ["customers", "import", str(new), "--partner", "2"])
    assert "1 created" in added.output
    assert "Wayne Enterprises" in _customers(db_url)


def test_user_errors_print_one_line_without_traceback(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\n,nobody@x.example\nOk,not-mail\n", encoding="utf-8")
    assert runner.invoke(app, ["catalog", "load", str(SAMPLE_CATALOG)]).exit_code == 0
    before = _customers(db_url)
    monkeypatch.setattr(
        sys, "argv", ["channelsync", "customers", "import", str(bad), "--partner", "2"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "bad.csv: 2 bad row(s); nothing was imported" in err
    assert "line 2: name: is required" in err and "line 3: email" in err
    assert "Traceback" not in err
    assert _customers(db_url) == before
    monkeypatch.setattr(sys, "argv", ["channelsync", "customers", "export", "--partner", "99"])
    with pytest.raises(SystemExit):
        main()
    assert "partner 99 not found" in capsys.readouterr().err
