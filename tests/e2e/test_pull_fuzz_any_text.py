"""Hypothesis end to end: whatever text a HubSpot deal's mapped properties hold, the pull applies
it or quarantines it with a reason, never crashes and never loses a deal (bounded examples)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from connector.sync.pull import Puller, PullOptions
from mappings import Rejected
from mappings.records import RawRecord
from order_core.deals.models import Deal
from tests.e2e.conftest import Sandboxes
from tests.e2e.fuzzing import INJECTIONS, custom_hubspot, reasons
from tests.e2e.probes import count, deal_by_crm_id


@pytest.fixture
def custom_puller(
    sandboxes: Sandboxes, core: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> Puller:
    """A HubSpot puller whose mapping reads the custom text properties (after a first pull)."""
    return custom_hubspot(request, sandboxes.hs, core, tmp_path)


JUNK = st.sampled_from(["", "  ", "2024-02-30", "31/12/2024", "1e999", "NaN", "3.5 %", "\x00"])
FIELDS = {
    "dealname": st.one_of(st.text(max_size=60), st.sampled_from(INJECTIONS), st.text(min_size=256)),
    "registration_scope": st.one_of(
        st.text(max_size=200), st.sampled_from(INJECTIONS), st.text(min_size=2001, max_size=2100)
    ),
    "expiry_text": st.one_of(
        st.dates().map(str), st.datetimes().map(lambda d: d.isoformat() + "Z"), JUNK, st.text()
    ),
    "discount_text": st.one_of(
        st.decimals(min_value=-1000, max_value=1000, places=2).map(str),
        st.decimals(allow_nan=False).map(str),
        JUNK,
    ),
}


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.fixed_dictionaries({}, optional=FIELDS))
def test_hubspot_any_text_is_applied_or_quarantined_never_a_crash(
    sandboxes: Sandboxes, custom_puller: Puller, core: Engine, values: dict[str, str]
) -> None:
    p, app = custom_puller, sandboxes.hs.app
    deal = str(app.records("deals")[0].id)
    baseline = {
        "dealname": "Fuzzed deal",
        "registration_scope": "",
        "expiry_text": "",
        "discount_text": "",
    }
    app.change_record("deals", deal, {**baseline, **values})  # each example on its own values

    report = p.run(PullOptions(objects=["deals"]))

    assert report.status == "ok", report.message
    rec = app.record("deals", deal)
    raw = RawRecord(deal, rec.updated, {k: rec.value(k) for k in p.mapping.crm_fields("deals")})
    (mapped,) = p.mapping.apply("deals", [raw])
    why = reasons(core, "emea-hs")
    row = deal_by_crm_id(core, "emea-hs", deal)
    if isinstance(mapped, Rejected):
        event("the mapping refused it")
        assert why.get(deal), mapped
    elif deal in why:  # the mapping took it, the core's own checks did not: said why
        event("the core refused it")
        assert why[deal]
    else:
        event("applied")
        assert row is not None
        for name, value in mapped.values.items():
            if name in row and value is not None:
                assert row[name] == value, name
    assert count(core, Deal) == 40
