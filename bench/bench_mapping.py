"""Benchmark: CPU per record of record decoding (JSON -> RawRecord) and mapping (``Mapping.apply``).

The records are the sandboxes' own: each object of the shipped mappings is read once through the
pull's clients (simple-salesforce REST ``queryAll`` with the pull's SELECT; hubspot-api-client
search and v4 association reads), the raw JSON kept, and repeated up to ``--records``. Then, per
object, decode and mapping are each timed in CPU microseconds per record (``time.process_time``),
best and median of ``--repeat`` runs. Nothing is written anywhere.

    PYTHONPATH=. .venv/bin/python bench/bench_mapping.py --records 20000

(``PYTHONPATH=.`` times the code of the checkout it is run from, not the installed one.)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connector.connections import ClientCredentials, Connection, HubSpotSpec, PrivateApp
from connector.connections import SalesforceSpec as SfSpec
from connector.hubspot import open_hubspot
from connector.hubspot.associations import Linked, read_associations
from connector.hubspot.client import results_of
from connector.hubspot.records import raw_record, stamp_property
from connector.hubspot.search_pages import ChangeStream
from connector.salesforce import open_salesforce
from connector.salesforce.decode import JsonReader
from connector.salesforce.soql import select, select_list
from connector.salesforce.stream import SYSTEM_FIELDS
from connector.salesforce.windows import Window
from crm_sandbox.hubspot import RateLimitConfig, running_hubspot_sandbox
from crm_sandbox.salesforce.testing import running_salesforce_sandbox
from mappings import Mapping, load_mapping, shipped
from mappings.records import RawRecord

Json = dict[str, Any]
#: Opportunities / deals in the sandboxes read once (the rest are repeats of them).
SANDBOX_RECORDS = 2000


def salesforce_samples(mapping: Mapping) -> dict[str, list[Json]]:
    """Each object's REST query records (as the pull reads them), from a seeded sandbox."""
    out: dict[str, list[Json]] = {}
    with running_salesforce_sandbox(seed=1, records=SANDBOX_RECORDS) as handle:
        conn = Connection(
            name="bench-sf",
            spec=SfSpec(
                kind="salesforce",
                mapping=str(shipped("salesforce")),
                login_url=handle.base_url,
                ca_bundle=handle.ca_path,
                auth=ClientCredentials(
                    flow="client_credentials", client_id=handle.consumer_key, client_secret_env="S"
                ),
            ),
            mapping_path=Path(shipped("salesforce")),
            secrets={"client_secret": SecretStr(handle.consumer_secret)},
        )
        source = open_salesforce(conn, bulk="never")
        try:
            until = datetime.now(UTC) + timedelta(seconds=1)
            for obj in mapping.objects:
                columns = select_list(mapping.crm_fields(obj), first=SYSTEM_FIELDS)
                soql = select(obj, columns, Window(None, until).where(), ("SystemModstamp", "Id"))
                answer = source.rest.first(obj, soql)
                rows: list[Json] = list(answer["records"])
                while not answer["done"]:
                    answer = source.rest.more(obj, answer["nextRecordsUrl"])
                    rows.extend(answer["records"])
                out[obj] = rows
        finally:
            source.close()
    return out


HubSpotSample = tuple[Json, dict[str, Linked]]


def hubspot_samples(mapping: Mapping) -> dict[str, list[HubSpotSample]]:
    """Each object's search results with their associations (as the pull reads them)."""
    out: dict[str, list[HubSpotSample]] = {}
    limits = RateLimitConfig(enabled=False)
    with running_hubspot_sandbox(seed=1, records=SANDBOX_RECORDS, rate_limits=limits) as hs:
        conn = Connection(
            name="bench-hs",
            spec=HubSpotSpec(
                kind="hubspot",
                mapping=str(shipped("hubspot")),
                base_url=hs.base_url,
                auth=PrivateApp(flow="private_app", token_env="T"),
            ),
            mapping_path=Path(shipped("hubspot")),
            secrets={"token": SecretStr(hs.access_token)},
        )
        source = open_hubspot(conn)
        try:
            for obj in mapping.objects:
                props = sorted({*mapping.crm_fields(obj), stamp_property(obj), "hs_object_id"})

                def search(body: Json, obj: str = obj) -> list[Json]:
                    return results_of("bench-hs", obj, source.client.search(obj, body))

                stream = ChangeStream(obj, stamp_property(obj), props, None, search, 200)
                results = [r for page in stream.pages() for r in page]
                ids = [str(r["id"]) for r in results]
                linked = {
                    to: read_associations(source.client, obj, to, ids)
                    for to in mapping.associations(obj)
                }
                out[obj] = [
                    (r, {to: linked[to].get(str(r["id"]), []) for to in linked}) for r in results
                ]
        finally:
            source.close()
    return out


def cpu_us(run: Callable[[], object], count: int, repeat: int) -> tuple[float, float]:
    """Best and median CPU microseconds per record of ``run`` (which handles ``count`` records)."""
    times = []
    for _ in range(repeat):
        gc.collect()  # each run starts from the same heap (collections during a run still count)
        started = time.process_time()
        run()
        times.append((time.process_time() - started) / count * 1e6)
    return min(times), statistics.median(times)


def _cycled(items: Sequence[Any], count: int) -> list[Any]:
    return list(itertools.islice(itertools.cycle(items), count))


def measure(
    crm: str,
    mapping: Mapping,
    obj: str,
    decode: Callable[[], list[RawRecord]],
    count: int,
    repeat: int,
) -> Iterator[str]:
    """Table rows for one object: decode, then mapping, in CPU microseconds per record."""
    records = decode()
    best, median = cpu_us(decode, count, repeat)
    yield f"{crm:<11} {obj:<20} {'decode':<8} {count:>7} {best:>8.2f} {median:>8.2f}"
    best, median = cpu_us(lambda: mapping.apply(obj, records), count, repeat)
    yield f"{crm:<11} {obj:<20} {'mapping':<8} {count:>7} {best:>8.2f} {median:>8.2f}"


def main() -> None:
    """Read the samples, time decode and mapping per object, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="records timed per object")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure")
    args = parser.parse_args()
    n, repeat = args.records, args.repeat
    print(f"{'CRM':<11} {'object':<20} {'step':<8} {'records':>7} {'best us':>8} {'median':>8}")
    sf = load_mapping(shipped("salesforce"))
    for obj, rows in salesforce_samples(sf).items():
        reader, sample = JsonReader(sf.crm_fields(obj)), _cycled(rows, n)

        def read(reader: JsonReader = reader, sample: list[Json] = sample) -> list[RawRecord]:
            return [reader.record(r) for r in sample]

        for line in measure("salesforce", sf, obj, read, n, repeat):
            print(line)
    hs = load_mapping(shipped("hubspot"))
    for obj, results in hubspot_samples(hs).items():
        pairs = _cycled(results, n)

        def decode(obj: str = obj, pairs: list[HubSpotSample] = pairs) -> list[RawRecord]:
            return [raw_record(obj, r, linked) for r, linked in pairs]

        for line in measure("hubspot", hs, obj, decode, n, repeat):
            print(line)


if __name__ == "__main__":
    main()
