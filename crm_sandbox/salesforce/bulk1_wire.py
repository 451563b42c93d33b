"""Bulk API 1.0 wire forms: jobInfo / batchInfo / result-list / error in XML and JSON, and parsing.

XML answers carry ``Content-Type: application/xml`` and JSON ones ``application/json``, both without
a charset, as Salesforce's async API sends them; dates are ``2026-01-02T03:04:05.000Z`` in XML and
``2026-01-02T03:04:05.000+0000`` in JSON.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.values import format_datetime

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XML_TYPE = "application/xml"
JSON_TYPE = "application/json"
_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>'
Fields = list[tuple[str, object]]


class BulkApiError(Exception):
    """An error the Bulk API answers as ``<error>`` / ``{"exceptionCode", "exceptionMessage"}``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def media_type(request: Request) -> str:
    """The request's Content-Type without parameters, lower case ('' when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def wants_json(request: Request) -> bool:
    """Job resources answer in JSON when the request says its body is JSON, else in XML."""
    return media_type(request) == JSON_TYPE


def xml_datetime(value: datetime) -> str:
    """``2026-01-02T03:04:05.000Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _xml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return xml_datetime(value)
    return escape(str(value))


def _json_value(value: object) -> object:
    return format_datetime(value) if isinstance(value, datetime) else value


def xml_element(tag: str, fields: Fields, indent: str = " ") -> str:
    """``<tag>`` with one child per field, skipping ``None`` values, indented like Salesforce."""
    inner = "".join(f"\n{indent}<{k}>{_xml_text(v)}</{k}>" for k, v in fields if v is not None)
    return f"<{tag}>{inner}\n{indent[:-1]}</{tag}>"


def xml_document(tag: str, body: str) -> bytes:
    """A root element in the namespace, after the prolog, as Salesforce lays it out."""
    return f'{_PROLOG}<{tag}\n   xmlns="{NS}">{body}</{tag}>'.encode()


def render(fields: Fields, tag: str, as_json: bool, status: int = 200) -> Response:
    """One info resource (jobInfo or batchInfo) in XML, or in JSON with keys sorted."""
    if as_json:
        payload = {k: _json_value(v) for k, v in sorted(fields)}
        return json_response(payload, status)
    inner = "".join(f"\n <{k}>{_xml_text(v)}</{k}>" for k, v in fields if v is not None)
    return Response(status, xml_document(tag, inner + "\n"), {"Content-Type": XML_TYPE})


def render_list(items: list[Fields], as_json: bool) -> Response:
    """``batchInfoList`` / ``{"batchInfo": [...]}``."""
    if as_json:
        return json_response(
            {"batchInfo": [{k: _json_value(v) for k, v in sorted(i)} for i in items]}
        )
    inner = "".join("\n " + xml_element("batchInfo", i, "  ") for i in items)
    return Response(200, xml_document("batchInfoList", inner + "\n"), {"Content-Type": XML_TYPE})


def render_result_list(result_ids: list[str], as_json: bool) -> Response:
    """``<result-list><result>752...</result></result-list>`` or a JSON array of ids."""
    if as_json:
        return json_response(result_ids)
    inner = "".join(f"<result>{r}</result>" for r in result_ids)
    return Response(200, xml_document("result-list", inner), {"Content-Type": XML_TYPE})


def json_response(payload: object, status: int = 200) -> Response:
    """JSON with the async API's bare ``application/json`` content type."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, {"Content-Type": JSON_TYPE})


def error_response(error: BulkApiError, as_json: bool) -> Response:
    """The Bulk API's error body (HTTP 400 for nearly everything, session errors included)."""
    if as_json:
        return json_response(
            {"exceptionCode": error.code, "exceptionMessage": error.message}, error.status
        )
    inner = (
        f"\n <exceptionCode>{error.code}</exceptionCode>\n"
        f" <exceptionMessage>{escape(error.message)}</exceptionMessage>\n"
    )
    return Response(error.status, xml_document("error", inner), {"Content-Type": XML_TYPE})


def parse_info(request: Request, root: str) -> dict[str, str]:
    """A jobInfo body (JSON or XML, by Content-Type) as flat strings.

    Malformed XML is InvalidXML, malformed JSON InvalidJob, another content type
    ClientInputError: the sandbox never guesses what a body meant.
    """
    kind = media_type(request)
    text = request.body.decode("utf-8", "replace")
    if kind == JSON_TYPE:
        try:
            data = json.loads(text)
        except ValueError:
            raise BulkApiError("InvalidJob", "Unable to parse the JSON request body") from None
        if not isinstance(data, dict):
            raise BulkApiError("InvalidJob", "The JSON request body must be an object")
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    if kind not in (XML_TYPE, "text/xml"):
        raise BulkApiError(
            "ClientInputError",
            f"Unsupported Content-Type '{kind or '(none)'}': send application/xml or "
            "application/json",
        )
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise BulkApiError("InvalidXML", "DOCTYPE and ENTITY declarations are not allowed")
    try:
        # Entity declarations are refused above, so expansion attacks cannot reach the parser.
        element = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise BulkApiError("InvalidXML", f"Unable to parse the XML request body: {exc}") from None
    if element.tag not in (f"{{{NS}}}{root}", root):
        raise BulkApiError("InvalidXML", f"Expected a <{root}> element in namespace {NS}")
    return {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in element}
