"""Bulk API 1.0 query result files in the job's content type: CSV, JSON or XML.

CSV quotes every value, names relationship columns ``Account.Name``, writes null as ``""`` and an
empty result as the line ``Records not found for this query``, as Salesforce does. JSON records
look like REST query records except that dates and dateTimes are epoch milliseconds. All files
are UTF-8; the CSV goes out as ``text/csv`` without a charset (see the README).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from crm_sandbox.salesforce.bulk1_wire import NS
from crm_sandbox.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef
from crm_sandbox.salesforce.soql_ast import Query
from crm_sandbox.salesforce.soql_paths import resolve
from crm_sandbox.salesforce.soql_project import projector
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value, csv_text, format_datetime_csv

CSV_TYPE = "text/csv"
NO_RECORDS = b"Records not found for this query"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
Renderer = Callable[[list[Record]], bytes]


def _epoch_ms(value: Value) -> object:
    if isinstance(value, datetime):
        return (value - _EPOCH) // timedelta(milliseconds=1)
    if isinstance(value, date):
        return (datetime.combine(value, datetime.min.time(), UTC) - _EPOCH) // timedelta(
            milliseconds=1
        )
    return value


def _json_convert(fd: FieldDef) -> Callable[[Value], object] | None:
    if fd.type in ("date", "datetime"):
        return _epoch_ms
    if fd.type in NUMBER_TYPES and fd.type != "int":
        return lambda v: float(v) if isinstance(v, Decimal) else v
    return None


def _xml_convert(fd: FieldDef) -> Callable[[Value], object] | None:
    if fd.type == "datetime":
        return lambda v: format_datetime_csv(v) if isinstance(v, datetime) else v
    return lambda v: csv_text(v) if v is not None else None


def csv_renderer(store: Store, obj: ObjectDef, query: Query) -> Renderer:
    """Rows as an all-quoted CSV file with a header row."""
    paths = [resolve(store, obj, parts) for parts in query.fields]
    header = [
        ".".join([*(ref.relationship_name or "" for ref, _ in p.hops), p.field.name]) for p in paths
    ]
    getters = [p.getter for p in paths]

    def render(rows: list[Record]) -> bytes:
        if not rows:
            return NO_RECORDS
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([csv_text(g(rec)) for g in getters] for rec in rows)
        return buf.getvalue().encode("utf-8")

    return render


def json_renderer(store: Store, obj: ObjectDef, query: Query, version: str) -> Renderer:
    """Rows as a JSON array of REST-shaped records with epoch-millisecond dates."""
    project = projector(store, obj, query, version, _json_convert)

    def render(rows: list[Record]) -> bytes:
        records = [project(rec) for rec in rows]
        return json.dumps(records, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    return render


def _xml_record(tag: str, record: dict[str, object]) -> str:
    attributes = record.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, dict) else ""
    parts = [f'<{tag} xsi:type="sObject">', f"<type>{sobject}</type>"]
    for key, value in record.items():
        if key == "attributes":
            continue
        if value is None:
            parts.append(f'<{key} xsi:nil="true"/>')
        elif isinstance(value, dict):
            parts.append(_xml_record(key, value))
        else:
            parts.append(f"<{key}>{escape(str(value))}</{key}>")
    parts.append(f"</{tag}>")
    return "".join(parts)


def xml_renderer(store: Store, obj: ObjectDef, query: Query, version: str) -> Renderer:
    """Rows as a ``queryResult`` document of ``records`` elements."""
    project = projector(store, obj, query, version, _xml_convert)

    def render(rows: list[Record]) -> bytes:
        body = "".join(_xml_record("records", project(rec)) for rec in rows)
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="{NS}" '
            f'xmlns:xsi="{_XSI}">{body}</queryResult>'
        ).encode()

    return render


def renderer(
    content_type: str, store: Store, obj: ObjectDef, query: Query, version: str
) -> Renderer:
    """The result renderer for a job content type."""
    if content_type == "JSON":
        return json_renderer(store, obj, query, version)
    if content_type == "XML":
        return xml_renderer(store, obj, query, version)
    return csv_renderer(store, obj, query)
