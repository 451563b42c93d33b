"""Salesforce's write side: sObject Collections upsert, update, delete and guarded create, batched.

Every call goes through the connection's ``SalesforceClient`` (API budget, retry policy, one fresh
login on an expired session, errors translated by ``faults``) and carries at most 200 records with
``allOrNone: false``, so each record succeeds or fails on its own; Salesforce answers one result
per record in request order. A call refused as a whole with a 400 is halved until the record at
fault is alone (``connector.writes``).

Retry safety: an upsert by external id and an update by id land the same however often they are
sent, and deleting a record already deleted counts as deleted (``ENTITY_IS_DELETED``). Creating
records without an external id (junction objects such as ``Partner``) is guarded by
:mod:`connector.salesforce.create_once`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.budget import ApiBudget
from connector.connections import Connection
from connector.connections import SalesforceSpec as Spec
from connector.errors import FatalError
from connector.retry import RetryPolicy
from connector.salesforce.client import SalesforceClient
from connector.salesforce.create_once import create_once
from connector.salesforce.json_body import dumps
from connector.salesforce.save_results import answers, to_result
from connector.salesforce.soql import UnsafeName, is_record_id, name
from connector.writes import WriteResult, WriteResults, write_batches

#: Records in one sObject Collections call.
COLLECTION_MAX = 200

Record = Mapping[str, Any]


def _checked(kind: str, value: str) -> str:
    try:
        return name(value)
    except UnsafeName as exc:
        raise ValueError(f"{kind} {exc}") from None


def _text_key(record: Record, field: str, position: int) -> str:
    value = record.get(field)
    if isinstance(value, bool) or value is None or str(value) == "":
        raise ValueError(f"record {position} has no {field}: every record needs one")
    return str(value)


class SalesforceWriter:
    """Batched writes through one connection's ``SalesforceClient``."""

    def __init__(self, client: SalesforceClient, *, batch_size: int = COLLECTION_MAX) -> None:
        if not 1 <= batch_size <= COLLECTION_MAX:
            raise ValueError(f"batch_size must be 1 to {COLLECTION_MAX}, not {batch_size}")
        self.client = client
        self.batch_size = batch_size

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()

    def upsert(self, obj: str, external_id_field: str, records: Sequence[Record]) -> WriteResults:
        """Create or update ``obj`` records by ``external_id_field`` (each record holds its value).

        A record may name a parent by the parent's external id through the relationship
        (``{"Account": {"Channelsync_Id__c": "C-1"}}``) or by id (``AccountId``). Results are keyed
        by the external id value.
        """
        obj, field = _checked("object", obj), _checked("field", external_id_field)
        keys = {id(r): _text_key(r, field, i) for i, r in enumerate(records)}
        path = f"composite/sobjects/{obj}/{field}"

        def send(chunk: Sequence[Record]) -> list[WriteResult]:
            body = dumps({"allOrNone": False, "records": [self._typed(obj, r) for r in chunk]})
            got = self.client.call(
                f"upsert of {len(chunk)} {obj} by {field}",
                lambda sf: answers(sf.restful(path, method="PATCH", data=body), len(chunk)),
            )
            return [to_result(keys[id(r)], a, "updated") for r, a in zip(chunk, got, strict=True)]

        return write_batches(records, lambda r: keys[id(r)], self.batch_size, send)

    def update(self, obj: str, records: Sequence[Record]) -> WriteResults:
        """Update ``obj`` records by their ``Id`` (each record holds it); keyed by Id."""
        obj = _checked("object", obj)
        for i, r in enumerate(records):
            if not is_record_id(_text_key(r, "Id", i)):
                raise ValueError(f"record {i}: {r['Id']!r} is not a Salesforce record id")

        def send(chunk: Sequence[Record]) -> list[WriteResult]:
            body = dumps({"allOrNone": False, "records": [self._typed(obj, r) for r in chunk]})
            got = self.client.call(
                f"update of {len(chunk)} {obj}",
                lambda sf: answers(
                    sf.restful("composite/sobjects", method="PATCH", data=body), len(chunk)
                ),
            )
            return [to_result(str(r["Id"]), a, "updated") for r, a in zip(chunk, got, strict=True)]

        return write_batches(records, lambda r: str(r["Id"]), self.batch_size, send)

    def delete(self, ids: Sequence[str]) -> WriteResults:
        """Delete records by id (of any objects; they go to the recycle bin); keyed by id."""
        for i, rid in enumerate(ids):
            if not isinstance(rid, str) or not is_record_id(rid):
                raise ValueError(f"id {i}: {rid!r} is not a Salesforce record id")

        def send(chunk: Sequence[str]) -> list[WriteResult]:
            params = {"ids": ",".join(chunk), "allOrNone": "false"}
            got = self.client.call(
                f"delete of {len(chunk)} records",
                lambda sf: answers(
                    sf.restful("composite/sobjects", params=params, method="DELETE"), len(chunk)
                ),
            )
            return [to_result(rid, a, "deleted") for rid, a in zip(chunk, got, strict=True)]

        return write_batches(ids, str, self.batch_size, send)

    def create(self, obj: str, records: Sequence[Record], match_on: Sequence[str]) -> WriteResults:
        """Create ``obj`` records that have no external id, once each by their natural key.

        ``match_on`` names the fields that identify a record (``Partner``: ``AccountFromId``,
        ``AccountToId``, ``Role``); a record whose key is already in Salesforce is not created
        again (status ``existing``, with the id found). Keyed by the key's values joined by ``|``.
        """
        obj = _checked("object", obj)
        fields = [_checked("field", f) for f in match_on]
        if not fields:
            raise ValueError("create needs at least one field to match existing records on")
        return create_once(self.client, obj, fields, records, self.batch_size, self._typed)

    @staticmethod
    def _typed(obj: str, record: Record) -> dict[str, Any]:
        return {"attributes": {"type": obj}, **record}


def open_salesforce_writer(
    connection: Connection, *, retry: RetryPolicy | None = None, budget: ApiBudget | None = None
) -> SalesforceWriter:
    """A ``SalesforceWriter`` for a Salesforce connection (it logs in on its first call)."""
    spec = connection.spec
    if not isinstance(spec, Spec):
        raise FatalError(connection.name, f"is a {spec.kind} connection, not a Salesforce one")
    client = SalesforceClient(
        connection,
        budget or ApiBudget(connection.name, share=spec.budget_share),
        retry or RetryPolicy(),
    )
    return SalesforceWriter(client)
