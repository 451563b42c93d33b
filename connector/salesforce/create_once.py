"""Creating Salesforce records that have no external id without ever creating one twice.

An sObject Collections create cannot be repeated blindly: if the answer is lost (a connection
reset after Salesforce saved the records), a second try would create them again. So every try
first asks which of its records already exist, by the fields that identify one (the natural key,
e.g. a ``Partner``'s ``AccountFromId``, ``AccountToId`` and ``Role``), then creates only the others,
in one call that is never repeated by itself; when that call fails for a retriable reason the
whole try (query, then create) runs again under the connection's ``RetryPolicy``. A record found
by the query is reported ``existing`` with its id.

This protects against our own retries and re-runs. It cannot stop two writers creating the same
key at the same moment: the push gives each record to one writer at a time (outbox leases).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connector.errors import FatalError, Refused
from connector.retry import RetryPolicy
from connector.salesforce.client import SalesforceClient
from connector.salesforce.json_body import dumps
from connector.salesforce.save_results import answers, to_result
from connector.salesforce.soql import in_list, is_record_id, select
from connector.writes import WriteResult, WriteResults, write_batches

Record = Mapping[str, Any]
Typed = Callable[[str, Record], dict[str, Any]]
#: The create call of one try goes out once; the try as a whole is what gets retried.
ONCE = RetryPolicy(attempts=1)
#: Longest WHERE clause one existence query carries before the records are split (a query is a
#: GET: its URL must stay well inside Salesforce's limit of 16,384 characters).
MAX_WHERE = 6000


def _norm(value: object) -> str:
    """A key value as Salesforce compares it: ids by their 15 case-sensitive characters, other
    text case-insensitively."""
    text = str(value)
    return text[:15] if is_record_id(text) else text.casefold()


def _key_values(record: Record, fields: Sequence[str], position: int) -> tuple[str, ...]:
    values = []
    for field in fields:
        value = record.get(field)
        if not isinstance(value, str) or not value:
            raise ValueError(
                f"record {position} has no text value for {field}, which identifies the record"
            )
        values.append(value)
    return tuple(values)


def _where(fields: Sequence[str], keys: Sequence[tuple[str, ...]]) -> str:
    return " AND ".join(
        f"{field} IN {in_list(sorted({k[i] for k in keys}))}" for i, field in enumerate(fields)
    )


def _existing(
    client: SalesforceClient, obj: str, fields: Sequence[str], keys: Sequence[tuple[str, ...]]
) -> dict[tuple[str, ...], str]:
    """Ids of the live ``obj`` records whose key is one of ``keys`` (normalised key -> id)."""
    where = _where(fields, keys)
    if len(where) > MAX_WHERE and len(keys) > 1:
        half = len(keys) // 2
        found = _existing(client, obj, fields, keys[:half])
        found.update(_existing(client, obj, fields, keys[half:]))
        return found
    wanted = {tuple(_norm(v) for v in k) for k in keys}
    soql = select(obj, ["Id", *fields], where)
    answer = client.call(f"existence query on {obj}", lambda sf: sf.query(soql))
    found = {}
    while True:
        for row in answer.get("records") or []:
            key = tuple(_norm(row.get(f)) for f in fields)
            if key in wanted:
                found.setdefault(key, str(row["Id"]))
        if answer.get("done", True):
            return found
        answer = _more(client, obj, str(answer["nextRecordsUrl"]))


def _more(client: SalesforceClient, obj: str, url: str) -> Any:
    return client.call(
        f"existence query on {obj}", lambda sf: sf.query_more(url, identifier_is_url=True)
    )


def create_once(
    client: SalesforceClient,
    obj: str,
    fields: Sequence[str],
    records: Sequence[Record],
    size: int,
    typed: Typed,
) -> WriteResults:
    """Create the ``records`` of ``obj`` whose key (``fields``) is not in Salesforce yet."""
    keys = {id(r): _key_values(r, fields, i) for i, r in enumerate(records)}

    def label(record: Record) -> str:
        return "|".join(keys[id(record)])

    def attempt(chunk: Sequence[Record]) -> list[WriteResult]:
        try:
            found = _existing(client, obj, fields, [keys[id(r)] for r in chunk])
        except Refused as exc:  # about the query (a field name), not about one record
            raise FatalError(exc.connection, exc.message) from None
        normed = {id(r): tuple(_norm(v) for v in keys[id(r)]) for r in chunk}
        todo = [r for r in chunk if normed[id(r)] not in found]
        made: dict[int, WriteResult] = {}
        if todo:
            body = dumps({"allOrNone": False, "records": [typed(obj, r) for r in todo]})
            got = client.call(
                f"create of {len(todo)} {obj}",
                lambda sf: answers(
                    sf.restful("composite/sobjects", method="POST", data=body), len(todo)
                ),
                retry=ONCE,
            )
            made = {
                id(r): to_result(label(r), a, "created") for r, a in zip(todo, got, strict=True)
            }
        return [
            made.get(id(r)) or WriteResult(label(r), "existing", found[normed[id(r)]])
            for r in chunk
        ]

    def send(chunk: Sequence[Record]) -> list[WriteResult]:
        return client.retry.call(lambda: attempt(chunk), client.retrying)

    return write_batches(records, label, size, send)
