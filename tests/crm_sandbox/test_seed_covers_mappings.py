"""The seeded sandboxes are valid, complete data for the shipped mappings (issue 11).

Both sandboxes are read through the real clients (simple-salesforce SOQL, hubspot-api-client
list pages and v4 association batch reads) and every record goes through ``Mapping.apply``:
every route gets records, every CRM field a route reads has data somewhere, every value-mapped
field takes only values of its map (and every value of the map occurs), references resolve, and
nothing is rejected.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

from crm_sandbox.common.seed import SeedWorld, generate
from crm_sandbox.hubspot import RateLimitConfig, running_hubspot_sandbox
from crm_sandbox.salesforce.testing import running_salesforce_sandbox
from mappings import MappedRecord, Mapping, RawRecord, Rejected, load_mapping, shipped
from mappings.engine import CompiledRoute
from mappings.spec import Condition
from mappings.targets import TARGETS
from mappings.values import as_text, is_missing

SEED, RECORDS = 11, 200
CRMS = ("salesforce", "hubspot")
Records = dict[str, list[RawRecord]]


def _salesforce_records(mapping: Mapping) -> Records:
    with running_salesforce_sandbox(seed=SEED, records=RECORDS) as handle:
        sf = handle.client()
        out: Records = {}
        for obj in mapping.objects:
            fields = ", ".join(["Id", "SystemModstamp", *mapping.crm_fields(obj)])
            rows = sf.query_all(f"SELECT {fields} FROM {obj}")["records"]
            out[obj] = [
                RawRecord(
                    row["Id"],
                    datetime.strptime(row["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z"),
                    {k: v for k, v in row.items() if k != "attributes"},
                )
                for row in rows
            ]
        return out


def _hubspot_associations(
    client: HubSpot, obj: str, to: str, ids: list[str]
) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Associated ids of ``to`` with their labels, per record id (v4 batch reads of 1,000)."""
    found: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        request = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[{"id": i} for i in ids[start : start + 1000]]
        )
        page = client.crm.associations.v4.batch_api.get_page(obj, to, request)
        for result in page.results:
            assert result.paging is None  # no seeded record has more than one page of them
            for other in result.to:
                labels = frozenset(t.label for t in other.association_types if t.label)
                found[result._from.id].append((other.to_object_id, labels))
    return found


def _hubspot_records(mapping: Mapping) -> Records:
    unlimited = RateLimitConfig(enabled=False)
    with running_hubspot_sandbox(seed=SEED, records=RECORDS, rate_limits=unlimited) as handle:
        client = HubSpot(access_token=handle.access_token, host=handle.base_url)
        out: Records = {}
        for obj in mapping.objects:
            rows: list[Any] = []
            after: str | None = None
            while True:
                page = client.crm.objects.basic_api.get_page(
                    obj, limit=100, after=after, properties=mapping.crm_fields(obj)
                )
                rows += page.results
                if page.paging is None:
                    break
                after = page.paging.next.after
            ids = [r.id for r in rows]
            linked = {
                to: _hubspot_associations(client, obj, to, ids) for to in mapping.associations(obj)
            }
            out[obj] = [
                RawRecord(
                    r.id,
                    r.updated_at,
                    r.properties,
                    associations={to: linked[to].get(r.id, []) for to in linked},
                )
                for r in rows
            ]
        return out


@pytest.fixture(scope="module", params=CRMS)
def seeded(request: pytest.FixtureRequest) -> Iterator[tuple[Mapping, Records]]:
    """A CRM's shipped mapping and every record of the objects it reads, from a seeded sandbox."""
    mapping = load_mapping(shipped(request.param))
    read = _salesforce_records if request.param == "salesforce" else _hubspot_records
    yield mapping, read(mapping)


@pytest.fixture(scope="module")
def world() -> SeedWorld:
    """The neutral world both sandboxes were seeded from."""
    return generate(SEED, RECORDS, datetime.now(UTC))


def _routes(mapping: Mapping) -> Iterator[tuple[str, int, CompiledRoute]]:
    for obj, routes in mapping.routes.items():
        for n, route in enumerate(routes):
            yield obj, n, route


def test_every_route_gets_records(seeded: tuple[Mapping, Records]) -> None:
    mapping, records = seeded
    for obj, n, route in _routes(mapping):
        matching = [r for r in records[obj] if route.matches(r)]
        assert matching, f"{mapping.crm} {obj} route {n} ({route.target}) matches no record"


def _absent_by_design(mapping: Mapping, obj: str) -> set[str]:
    """Fields every route of ``obj`` requires absent (``present: false``): set only on records the
    push writes (HubSpot line items carrying ``channelsync_id``), which the pull leaves alone."""
    routes = mapping.spec.objects[obj].routes
    return {
        name
        for name in {n for r in routes for n in r.when}
        if all(isinstance(t := r.when.get(name), Condition) and t.present is False for r in routes)
    }


def test_every_field_a_route_reads_has_data(seeded: tuple[Mapping, Records]) -> None:
    mapping, records = seeded
    for obj in mapping.objects:  # conditions included
        for name in mapping.crm_fields(obj):
            if name in _absent_by_design(mapping, obj):
                continue
            filled = [r for r in records[obj] if not is_missing(r.fields.get(name))]
            assert filled, f"{mapping.crm} {obj}.{name} is empty on every record"
    for obj, n, route in _routes(mapping):
        spec = mapping.spec.objects[obj].routes[n]
        matching = [r for r in records[obj] if route.matches(r)]
        for target_field, rule in spec.fields.items():
            where = f"{mapping.crm} {obj} -> {route.target}.{target_field}"
            for name in rule.crm_fields():
                assert any(not is_missing(r.fields.get(name)) for r in matching), (where, name)
            if rule.association is not None:
                wanted = rule.association
                assert any(
                    wanted.label is None or wanted.label in labels
                    for r in matching
                    for _, labels in r.associations.get(wanted.object, [])
                ), (where, wanted)


def test_value_maps_cover_exactly_the_seeded_values(seeded: tuple[Mapping, Records]) -> None:
    mapping, records = seeded
    for obj, n, route in _routes(mapping):
        spec = mapping.spec.objects[obj].routes[n]
        matching = [r for r in records[obj] if route.matches(r)]
        for target_field, rule in spec.fields.items():
            if rule.map is None:
                continue
            (name,) = rule.crm_fields()
            seen = {as_text(v) for r in matching if not is_missing(v := r.fields.get(name))}
            where = f"{mapping.crm} {obj}.{name} -> {route.target}.{target_field}"
            assert seen <= set(rule.map), (where, sorted(seen - set(rule.map)))
            assert set(rule.map) - {"*"} <= seen, (where, "never seeded", set(rule.map) - seen)


def _mapped(mapping: Mapping, records: Records) -> dict[str, list[MappedRecord]]:
    by_target: dict[str, list[MappedRecord]] = defaultdict(list)
    for obj in mapping.objects:
        for result in mapping.apply(obj, records[obj]):
            assert not isinstance(result, Rejected), f"{mapping.crm} {obj}: {result}"
            by_target[result.target].append(result)
    return by_target


def test_every_seeded_record_maps_and_every_reference_resolves(
    seeded: tuple[Mapping, Records], world: SeedWorld
) -> None:
    mapping, records = seeded
    mapped = _mapped(mapping, records)
    ids = {target: {m.crm_id for m in rows} for target, rows in mapped.items()}
    companies = Counter(c.kind != "customer" for c in world.companies)
    assert len(ids["partner"]) == companies[True]
    assert len(ids["end_customer"]) == companies[False]
    assert len(ids["deal"]) == len(world.deals) == RECORDS
    assert len(ids["deal_line"]) == sum(len(d.lines) for d in world.deals)
    for target, rows in mapped.items():
        for row in rows:
            for ref, value in row.refs.items():
                points_at = TARGETS[target][ref].ref
                assert points_at is not None and (value is None or value in ids[points_at]), (
                    target,
                    row.crm_id,
                    ref,
                )
    deals = mapped["deal"]
    assert all(d.refs["end_customer"] for d in deals)
    assert sum(d.refs["partner"] is not None for d in deals) == sum(
        d.partner_key is not None for d in world.deals
    )


def test_partner_people_with_a_role_become_distinct_buyers(
    seeded: tuple[Mapping, Records], world: SeedWorld
) -> None:
    mapping, records = seeded
    buyers = _mapped(mapping, records)["buyer"]
    assert len(buyers) == sum(k.channel_role is not None for k in world.contacts)
    assert Counter(b.values["role"] for b in buyers) == Counter(
        k.channel_role.lower() for k in world.contacts if k.channel_role
    )
    keys = [(b.refs["partner"], b.values["email"]) for b in buyers]
    assert len(set(keys)) == len(keys)  # one buyer per (partner, e-mail)


def test_registrations_carry_their_terms_and_lines_their_details(
    seeded: tuple[Mapping, Records], world: SeedWorld
) -> None:
    mapping, records = seeded
    mapped = _mapped(mapping, records)
    registrations = [d.values for d in mapped["deal"] if d.values["kind"] == "registration"]
    expected = sorted(
        (t.status.lower(), t.discount_percent, t.scope)
        for d in world.deals
        if (t := d.registration) is not None
    )
    got = sorted(
        (r["registration_status"], r["registration_discount_percent"], r["registration_scope"])
        for r in registrations
    )
    assert got == expected
    # Expiry dates count from the day the sandbox was seeded: past for expired ones only.
    today = datetime.now(UTC).date()
    for r in registrations:
        expires, expired = r["registration_expires_on"], r["registration_status"] == "expired"
        assert isinstance(expires, date) and (expires < today) is expired, r
    lines = [m.values for m in mapped["deal_line"]]
    assert Counter((ln["sku"], ln["discount_percent"], ln["description"]) for ln in lines) == (
        Counter(
            (ln.sku, ln.discount_percent, ln.description) for d in world.deals for ln in d.lines
        )
    )
    assert any(ln["discount_percent"] is None for ln in lines)
    first = 1 if mapping.crm == "salesforce" else 0  # SortOrder / hs_position_on_quote
    positions = Counter(ln["position"] for ln in lines)
    assert positions[first] == len(world.deals)
    assert set(positions) == {first, first + 1, first + 2}
