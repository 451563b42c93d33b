"""``channelsync prm`` and ``channelsync sync dead-letters``: endpoints, delivery, dead letters, one-line errors."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.cli_run import CliDb, assert_one_line, run_cli
from tests.connector.push.receiver import Answer, Received, Receiver, running

SECRET = "whsec-cli-0123456789abcdef-do-not-print"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A PRM endpoint answering 204 unless a test changes ``answer``."""
    with running(Receiver()) as r:
        yield r


def _pending_webhooks(db: CliDb) -> list[tuple[int, int | None, str]]:
    engine = create_engine(db.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, partner_id, status FROM outbox_event "
                    "WHERE topic = 'prm.webhook' ORDER BY id"
                )
            )
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        engine.dispose()


def _no_secret(*outputs: str) -> None:
    for output in outputs:
        assert SECRET not in output


def test_set_list_remove_an_endpoint(db: CliDb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPHA_SECRET", SECRET)
    url = "https://prm.northwind.example/hooks"
    done = run_cli(
        "prm", "webhook", "set", "--partner", "2", "--url", url, "--secret-from-env", "ALPHA_SECRET"
    )
    assert done.code == 0 and f"partner 2: webhook set to {url}" in done.out
    listed = run_cli("prm", "webhook", "list")
    assert listed.code == 0 and url in listed.out
    removed = run_cli("prm", "webhook", "remove", "--partner", "2")
    assert removed.code == 0 and "webhook removed" in removed.out
    assert url not in run_cli("prm", "webhook", "list").out
    _no_secret(done.out, done.err, listed.out, removed.out)


def test_the_secret_can_be_typed_at_the_hidden_prompt(
    db: CliDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed: list[str] = []

    def hidden(prompt: str = "") -> str:
        typed.append(prompt)
        return SECRET

    monkeypatch.setattr(getpass, "getpass", hidden)
    done = run_cli("prm", "webhook", "set", "--partner", "2", "--url", "https://prm.example/in")
    assert done.code == 0, done
    assert len(typed) == 2  # asked twice (confirmation), never echoed
    _no_secret(done.out, done.err)


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (
            ["--partner", "2", "--url", "https://x.example", "--secret-from-env", "UNSET_VAR"],
            2,
            ["UNSET_VAR is not set"],
        ),
        (
            ["--partner", "2", "--url", "http://prm.example/in", "--secret-from-env", "S"],
            1,
            ["url", "use https"],
        ),
        (
            ["--partner", "999", "--url", "https://x.example", "--secret-from-env", "S"],
            1,
            ["partner 999 not found"],
        ),
        (
            ["--partner", "2", "--url", "https://x.example", "--secret-from-env", "SHORT"],
            1,
            ["shorter than 16"],
        ),
    ],
)
def test_bad_input_to_set_is_one_line(
    db: CliDb, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int, needles: list[str]
) -> None:
    monkeypatch.setenv("S", SECRET)
    monkeypatch.setenv("SHORT", "tiny")
    before = db.snapshot()
    result = run_cli("prm", "webhook", "set", *args)
    assert_one_line(result, *needles, code=code)
    assert "tiny" not in result.err
    _no_secret(result.out, result.err)
    assert db.snapshot() == before


def test_deliver_then_dead_letters_listed_and_re_queued(
    db: CliDb, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # table cells on one line
    events = _pending_webhooks(db)
    assert events, "loading the catalog associates end customers: customer.associated events"
    partner = next(p for _, p, _ in events if p is not None)
    mine = [i for i, p, _ in events if p == partner]
    monkeypatch.setenv("S", SECRET)
    assert (
        run_cli(
            "prm",
            "webhook",
            "set",
            "--partner",
            str(partner),
            "--url",
            receiver.url(),
            "--secret-from-env",
            "S",
        ).code
        == 0
    )

    receiver.answer = lambda _r: Answer(400, body=b"unknown customer")
    failed = run_cli("prm", "deliver")
    assert_one_line(failed, f"{len(mine)} PRM webhook(s) not delivered", "dead-letters list")
    assert f"dead letters {len(mine)}" in failed.out
    listed = run_cli("sync", "dead-letters", "list", "--topic", "prm.")
    assert (
        listed.code == 0
        and "HTTP 400 from 127.0.0.1" in listed.out
        and "unknown customer" in listed.out
    )
    assert {s for i, _, s in _pending_webhooks(db) if i in mine} == {"dead"}
    assert {s for i, p, s in _pending_webhooks(db) if p != partner} == {"skipped"}

    again = run_cli("sync", "dead-letters", "retry", "--id", str(mine[0]))
    assert again.code == 0 and f"re-queued 1 dead letter(s): {mine[0]}" in again.out
    retried = run_cli("sync", "dead-letters", "retry", "--all", "--topic", "prm.webhook")
    assert retried.code == 0 and f"re-queued {len(mine) - 1} dead letter(s)" in retried.out

    seen: list[Received] = []

    def accept(request: Received) -> Answer:
        seen.append(request)
        return Answer(204)

    receiver.answer = accept
    delivered = run_cli("prm", "deliver")
    assert delivered.code == 0, delivered
    assert f"delivered {len(mine)}" in delivered.out
    assert sorted(int(r.event_id) for r in seen) == mine
    assert all(json.loads(r.body)["type"] == "customer.associated" for r in seen)
    assert run_cli("prm", "deliver").out.startswith("delivered 0")
    _no_secret(failed.out, failed.err, listed.out, delivered.out)


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["retry"], 2, ["--id N", "--all"]),
        (["retry", "--id", "1", "--all"], 2, ["--id N", "--all"]),
        (["retry", "--id", "999"], 1, ["dead letter(s) 999 not found", "dead-letters list"]),
        (["retry", "--id", "x"], 2, ["--id"]),
    ],
)
def test_bad_input_to_dead_letters_is_one_line(
    db: CliDb, args: list[str], code: int, needles: list[str]
) -> None:
    assert_one_line(run_cli("sync", "dead-letters", *args), *needles, code=code)


def test_removing_an_endpoint_that_is_not_there_is_one_line(db: CliDb) -> None:
    assert_one_line(
        run_cli("prm", "webhook", "remove", "--partner", "2"), "partner 2 has no PRM webhook"
    )
