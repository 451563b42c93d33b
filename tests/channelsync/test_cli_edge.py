"""The CLI's edge: everyday mistakes are one line on stderr and a non-zero exit, never a traceback.

Each case runs ``channelsync`` in-process through ``main`` against a temp SQLite database with the
sample catalog, and checks the line, the exit status and that nothing was written.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from pathlib import Path

import pytest

from channelsync.cli import orders as orders_cli
from tests.cli_run import CART, CliDb, assert_one_line, run_cli

LATIN1 = "name,email,country,city,postal_code\nCaf\xe9 M\xfcller,cm@cafe.example,DE,Köln,50667\n"


# Input files that are not UTF-8 -------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["customers", "import", "{file}", "--partner", "2"],
        ["catalog", "load", "{file}"],
        ["quote", "price", "--input", "{file}"],
        ["quote", "price", "--input", str(CART), "--rules", "{file}"],
    ],
    ids=["customers-import", "catalog-load", "quote-price-input", "quote-price-rules"],
)
def test_an_input_file_that_is_not_utf8_is_one_line(
    db: CliDb, tmp_path: Path, command: list[str]
) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(LATIN1.encode("latin-1"))
    before = db.snapshot()
    result = run_cli(*(str(bad) if part == "{file}" else part for part in command))
    assert_one_line(result, str(bad), "not UTF-8", "0xe9 at line 2", "UTF-8")
    assert db.snapshot() == before


def test_a_missing_input_file_or_a_folder_is_one_line(db: CliDb, tmp_path: Path) -> None:
    result = run_cli("catalog", "load", str(tmp_path / "absent.yaml"))
    assert_one_line(result, "absent.yaml", "No such file", "check the path")
    result = run_cli("customers", "import", str(tmp_path), "--partner", "2")
    assert_one_line(result, "a directory", "give a file")


# Output files that cannot be written --------------------------------------------------------


def _unwritable_paths(tmp_path: Path) -> list[tuple[Path, str]]:
    folder = tmp_path / "a-folder"
    folder.mkdir(exist_ok=True)
    paths = [
        (tmp_path / "missing" / "out.csv", "create the folder"),
        (folder, "not a folder"),
    ]
    if Path("/sys/kernel").is_dir():  # sysfs refuses new files even to root
        paths.append((Path("/sys/channelsync-out.csv"), "Permission denied"))
    return paths


def _assert_unwritable_paths_are_one_line(db: CliDb, tmp_path: Path, args: list[str]) -> None:
    before = db.snapshot()
    for path, fix in _unwritable_paths(tmp_path):
        result = run_cli(*args, str(path))
        assert_one_line(result, "cannot write the", str(path), fix)
    assert db.snapshot() == before
    assert not list(tmp_path.glob(".*.tmp")), "a temp file was left behind"


@pytest.mark.parametrize("command", ["customers export", "orders export"])
def test_an_output_path_that_cannot_be_written_is_one_line(
    db: CliDb, tmp_path: Path, command: str
) -> None:
    _assert_unwritable_paths_are_one_line(
        db, tmp_path, [*command.split(), "--partner", "2", "--out"]
    )


def test_a_quote_render_path_that_cannot_be_written_is_one_line(
    demo_db: CliDb, tmp_path: Path
) -> None:
    with sqlite3.connect(demo_db.path) as conn:
        number = conn.execute("SELECT number FROM quote ORDER BY id LIMIT 1").fetchone()[0]
    _assert_unwritable_paths_are_one_line(
        demo_db, tmp_path, ["quote", "render", str(number), "--out"]
    )


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    db: CliDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "customers.csv"
    out.write_text("old content\n", encoding="utf-8")
    out.chmod(0o640)

    real_replace = os.replace

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    result = run_cli("customers", "export", "--partner", "2", "--out", str(out))
    assert_one_line(result, str(out), "No space left on device")
    assert out.read_text(encoding="utf-8") == "old content\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    monkeypatch.setattr(os, "replace", real_replace)
    result = run_cli("customers", "export", "--partner", "2", "--out", str(out))
    assert result.code == 0, result
    assert out.read_text(encoding="utf-8").startswith("id,name,email")
    assert out.stat().st_mode & 0o777 == 0o640  # the replaced file keeps its permissions


# sandbox serve, counts, usage --------------------------------------------------------------


def test_sandbox_on_a_port_in_use_is_one_line(db: CliDb) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("sandbox", "serve", "hubspot", "--port", str(port), "--records", "1")
    assert_one_line(result, f"cannot listen on 127.0.0.1:{port}", "in use", "--port")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sandbox", "serve", "hubspot", "--port", "70000"], "'--port'"),
        (["sandbox", "serve", "hubspot", "--port", "-1"], "'--port'"),
        (["sandbox", "serve", "hubspot", "--records", "-5"], "'--records'"),
        (["sandbox", "serve", "salesforce", "--records", "0"], "'--records'"),
        (["orders", "notify", "--limit", "0"], "'--limit'"),
        (["orders", "list", "--partner", "2", "--page", "0"], "'--page'"),
        (["quote", "render", "Q-000001", "--version", "0", "--out", "q.html"], "'--version'"),
        (["orders", "list"], "Missing option '--partner'"),
        (["orders", "lisst"], "No such command"),
    ],
)
def test_usage_errors_are_one_line_with_where_to_get_help(
    db: CliDb, args: list[str], needle: str
) -> None:
    line = assert_one_line(run_cli(*args), needle, "--help`)", code=2)
    assert "╭" not in line


def test_a_group_without_a_command_shows_its_help(db: CliDb) -> None:
    result = run_cli("orders")
    assert result.code == 2 and "notify" in result.out and result.err == ""


# db upgrade ---------------------------------------------------------------------------------


def test_db_upgrade_to_an_unknown_revision_is_one_line(db: CliDb) -> None:
    before = db.snapshot()
    result = run_cli("db", "upgrade", "nope")
    assert_one_line(result, "revision 'nope'", "use head", "0001")
    assert db.snapshot() == before


# settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "needles"),
    [
        ({"CHANNELSYNC_DB_POOL_SIZE": "abc"}, ["CHANNELSYNC_DB_POOL_SIZE='abc'", "whole number"]),
        ({"CHANNELSYNC_DB_POOL_SIZE": "0"}, ["CHANNELSYNC_DB_POOL_SIZE='0'", "greater than"]),
        ({"CHANNELSYNC_TAX_RATES": "notjson"}, ["CHANNELSYNC_TAX_RATES", "not valid JSON"]),
        ({"CHANNELSYNC_TAX_RATES": '{"US": "x"}'}, ["CHANNELSYNC_TAX_RATES (US)", "decimal"]),
        ({"CHANNELSYNC_SMTP_PORT": "99999"}, ["CHANNELSYNC_SMTP_PORT='99999'", "65535"]),
        ({"CHANNELSYNC_SQL_ECHO": "maybe"}, ["CHANNELSYNC_SQL_ECHO='maybe'", "true or false"]),
        (
            {"CHANNELSYNC_SMTP_STARTTLS": "true", "CHANNELSYNC_SMTP_SSL": "true"},
            ["CHANNELSYNC_SMTP_STARTTLS, CHANNELSYNC_SMTP_SSL", "cannot both be enabled"],
        ),
        (
            {"CHANNELSYNC_DATABASE_URL": "mysql://shop:pw-s3cret@db.example/shop"},
            ["CHANNELSYNC_DATABASE_URL", "mysql", "postgresql+psycopg://"],
        ),
        ({"CHANNELSYNC_DATABASE_URL": ""}, ["CHANNELSYNC_DATABASE_URL", "is empty"]),
        ({"CHANNELSYNC_DATABASE_URL": "not a url"}, ["CHANNELSYNC_DATABASE_URL", "not a database"]),
    ],
)
@pytest.mark.parametrize(
    "command",
    [["partners", "list"], ["orders", "list", "--partner", "2"], ["db", "upgrade"]],
    ids=["partners-list", "orders-list", "db-upgrade"],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    db: CliDb,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    needles: list[str],
    command: list[str],
) -> None:
    before = db.snapshot()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    line = assert_one_line(run_cli(*command), "invalid setting", *needles)
    assert "pw-s3cret" not in line
    assert db.snapshot() == before


def test_a_bad_env_file_is_one_line(db: CliDb, tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"CHANNELSYNC_MAIL_FROM=caf\xe9@example\n")
    assert_one_line(run_cli("partners", "list"), ".env", "not UTF-8")


# orders notify, unknown partners ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pending_mails(db: CliDb) -> list[tuple[int, str]]:
    with sqlite3.connect(db.path) as conn:
        return list(
            conn.execute(
                "SELECT id, status FROM outbox_event WHERE topic = 'notify.email' "
                "AND status = 'pending' ORDER BY id"
            )
        )


def test_notify_with_the_smtp_server_unreachable_fails_and_keeps_the_mail(
    demo_db: CliDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = demo_db
    pending = _pending_mails(db)  # the demo e-mails only its renewal notices itself
    assert pending
    port = _free_port()  # nothing listens there
    monkeypatch.setenv("CHANNELSYNC_SMTP_PORT", str(port))
    result = run_cli("orders", "notify")
    assert f"sent 0, failed {len(pending)}" in result.out
    assert_one_line(
        result,
        f"{len(pending)} of {len(pending)} e-mail(s) not sent",
        f"127.0.0.1:{port} unreachable",
        "CHANNELSYNC_SMTP_HOST",
        "CHANNELSYNC_SMTP_PORT",
        "again",
    )
    assert _pending_mails(db) == pending  # left for the retry


@pytest.mark.parametrize(
    "args",
    [
        ["orders", "list", "--partner", "999"],
        ["orders", "export", "--partner", "999", "--out", "orders.csv"],
        ["customers", "export", "--partner", "999"],
        ["customers", "import", str(CART), "--partner", "999"],
    ],
)
def test_an_unknown_partner_is_one_line_everywhere(
    db: CliDb, tmp_path: Path, args: list[str]
) -> None:
    result = run_cli(*args)
    assert_one_line(result, "partner 999 not found")
    assert result.out == "" and not (tmp_path / "orders.csv").exists()


# what the edge must not hide --------------------------------------------------------------------


def test_a_bug_keeps_its_traceback(db: CliDb, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("a bug, not a user error")

    monkeypatch.setattr(orders_cli, "search_orders", broken)
    with pytest.raises(KeyError, match="a bug"):
        run_cli("orders", "list", "--partner", "2")


def test_user_text_in_a_message_is_not_read_as_markup(db: CliDb, tmp_path: Path) -> None:
    cart = json.loads(CART.read_text(encoding="utf-8"))
    cart["lines"][0]["sku"] = "[bold]X[/] [/nope]"
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart), encoding="utf-8")
    assert_one_line(run_cli("quote", "price", "--input", str(path)), "[bold]X[/] [/nope]")


# values a database cannot hold, numbers that only look like numbers -----------------------------


def test_a_nul_in_an_input_file_is_named_not_a_database_error(
    any_db: CliDb, tmp_path: Path
) -> None:
    customers = tmp_path / "nul.csv"
    customers.write_bytes(
        b"name,email,country,city,postal_code\nA\x00B,ab@nul.example,US,Gotham,10001\n"
    )
    catalog = tmp_path / "nul.yaml"
    catalog.write_text('programs:\n  - {code: NUL, name: "A\\0B"}\n', encoding="utf-8")
    before = any_db.snapshot()
    result = run_cli("customers", "import", str(customers), "--partner", "2")
    assert_one_line(result, "line 2: name: contains the control character U+0000")
    result = run_cli("catalog", "load", str(catalog))
    assert_one_line(result, "nul.yaml line 2", "control character U+0000")
    assert any_db.snapshot() == before


def test_a_digit_that_is_not_ascii_is_a_problem_not_a_crash(db: CliDb, tmp_path: Path) -> None:
    catalog = tmp_path / "months.yaml"
    catalog.write_text(
        "products:\n  - {sku: X-1, name: X, kind: subscription, term_months: ²}\n",
        encoding="utf-8",
    )
    assert_one_line(
        run_cli("catalog", "load", str(catalog)), "term_months", "'²' is not a whole number"
    )
