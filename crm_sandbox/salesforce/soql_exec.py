"""Run a parsed SOQL query against the store: check it, filter, order, offset and limit."""

from __future__ import annotations

from crm_sandbox.salesforce.errors import query_error
from crm_sandbox.salesforce.schema import ObjectDef
from crm_sandbox.salesforce.soql_ast import Query
from crm_sandbox.salesforce.soql_filter import compile_condition
from crm_sandbox.salesforce.soql_paths import WSDL_HINT, Getter, Predicate, resolve
from crm_sandbox.salesforce.store import Record, Store


def _sort(store: Store, obj: ObjectDef, query: Query, rows: list[Record]) -> None:
    # Stable sorts from the last key to the first give a multi-key order.
    for key in reversed(query.order):
        path = resolve(store, obj, key.path)
        get = path.getter
        # Text sorts case-insensitively; ids sort as they compare (case matters), so that
        # ``ORDER BY Id`` and ``WHERE Id > '...'`` agree, as keyset paging needs.
        fold = path.field.type not in ("id", "reference")
        nulls_first = key.ascending if key.nulls_first is None else key.nulls_first
        # With reverse=True the null rank flips, so pick it to land nulls where asked.
        null_rank = -1 if nulls_first == key.ascending else 1

        def sort_key(
            rec: Record, get: Getter = get, null_rank: int = null_rank, fold: bool = fold
        ) -> tuple[int, object]:
            v = get(rec)
            if v is None:
                return (null_rank, 0)
            return (0, v.casefold() if fold and isinstance(v, str) else v)

        rows.sort(key=sort_key, reverse=not key.ascending)


def check_query(store: Store, query: Query) -> ObjectDef:
    """The queried object, once every SELECT and ORDER BY path is known to be valid there."""
    names = {n.lower(): n for n in store.objects}
    if query.sobject.lower() not in names:
        raise query_error(
            "INVALID_TYPE",
            query.text,
            query.sobject_pos,
            f"sObject type '{query.sobject}' is not supported. If you are attempting to use a "
            f"custom object, be sure to append the '__c' after the entity name. {WSDL_HINT}",
        )
    obj = store.objects[names[query.sobject.lower()]]
    for parts, pos in zip(query.fields, query.field_pos, strict=True):
        resolve(store, obj, parts, (query.text, pos))
    for key in query.order:
        fd = resolve(store, obj, key.path, (query.text, key.pos)).field
        if not fd.sortable:
            raise query_error(
                "INVALID_FIELD",
                query.text,
                key.pos,
                f"field '{fd.name}' can not be sorted in a query call",
                [fd.name],
            )
    return obj


def execute(
    store: Store,
    query: Query,
    *,
    include_deleted: bool,
    extra: Predicate | None = None,
) -> tuple[ObjectDef, list[Record]]:
    """The records a query selects, filtered, ordered, offset and limited.

    ``extra`` further narrows the rows (the Id range of a PK-chunked Bulk API batch).
    """
    obj = check_query(store, query)
    pred = (
        compile_condition(store, obj, query.where, query.text) if query.where is not None else None
    )
    with store.lock:
        rows = [
            rec
            for rec in store.records[obj.name].values()
            if (include_deleted or not rec["IsDeleted"])
            and (pred is None or pred(rec))
            and (extra is None or extra(rec))
        ]
        _sort(store, obj, query, rows)
    end = None if query.limit is None else query.offset + query.limit
    return obj, rows[query.offset : end]
