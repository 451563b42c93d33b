"""``channelsync renewals run / list`` against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from channelsync.cli.app import app, main
from order_core.settings import get_settings
from tests.order_core.orders.world import World
from tests.order_core.renewals.conftest import days_before, subscribe

runner = CliRunner()


@pytest.fixture
def cli_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_run_and_list(session: Session, world: World, cli_db: None) -> None:
    sub = subscribe(session, world)
    day = days_before(sub, 30).isoformat()
    session.commit()
    ran = runner.invoke(app, ["renewals", "run", "--as-of", day])
    assert ran.exit_code == 0, ran.output
    figures = json.loads(ran.output)
    assert (figures["as_of"], figures["renewals_created"], figures["notices_sent"]) == (day, 1, 1)
    listed = runner.invoke(
        app,
        [
            "renewals",
            "list",
            "--partner",
            str(world.partner_a),
            "--due-within",
            "31d",
            "--as-of",
            day,
        ],
    )
    assert listed.exit_code == 0, listed.output
    assert f"subscription {sub.id} (partner {world.partner_a}) SUB-1 x10" in listed.output
    assert (
        f"renewal RN-{sub.id}-{sub.term_end:%Y%m%d} open: customer 500.00 USD, buy 400.00 USD"
        in listed.output
    )
    none = runner.invoke(
        app,
        [
            "renewals",
            "list",
            "--partner",
            str(world.partner_b),
            "--due-within",
            "31d",
            "--as-of",
            day,
        ],
    )
    assert none.exit_code == 0 and f"RN-{sub.id}-" not in none.output


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["renewals", "list", "--due-within", "3 months"],
            "'3 months' is not a number of days; give it as e.g. 90d",
        ),
        (
            ["renewals", "run", "--as-of", "next week"],
            "'next week' is not a date; give it as YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_is_one_line(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and said in err and len(err.strip().splitlines()) == 1
