"""Salesforce API errors and their wire form: a list of ``{message, errorCode, fields}``."""

from __future__ import annotations

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.values import dumps

JSON_TYPE = "application/json;charset=UTF-8"


class SalesforceApiError(Exception):
    """An error the sandbox answers in Salesforce's format (raised inside handlers)."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields or [])

    def as_rest(self) -> dict[str, object]:
        """The REST API form of one error."""
        out: dict[str, object] = {"message": self.message, "errorCode": self.error_code}
        if self.fields:
            out["fields"] = self.fields
        return out

    def as_collection(self) -> dict[str, object]:
        """The form inside composite collection results (``statusCode`` instead of ``errorCode``)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields}


def error_body(error_code: str, message: str, fields: list[str] | None = None) -> bytes:
    """A REST error body, e.g. for injected faults."""
    return dumps([SalesforceApiError(400, error_code, message, fields).as_rest()])


def error_response(error: SalesforceApiError) -> Response:
    """The HTTP response for an error."""
    return Response(error.status, dumps([error.as_rest()]), {"Content-Type": JSON_TYPE})


def json_ok(payload: object, status: int = 200) -> Response:
    """A JSON response with typed values encoded the Salesforce way."""
    return Response(status, dumps(payload), {"Content-Type": JSON_TYPE})


def not_found(message: str = "The requested resource does not exist") -> SalesforceApiError:
    """404 NOT_FOUND."""
    return SalesforceApiError(404, "NOT_FOUND", message)


def malformed_query(message: str) -> SalesforceApiError:
    """400 MALFORMED_QUERY."""
    return SalesforceApiError(400, "MALFORMED_QUERY", message)


def invalid_field(message: str, fields: list[str] | None = None) -> SalesforceApiError:
    """400 INVALID_FIELD."""
    return SalesforceApiError(400, "INVALID_FIELD", message, fields)


def query_error(
    code: str, text: str, pos: int, message: str, fields: list[str] | None = None
) -> SalesforceApiError:
    """An error about one spot of a SOQL query, as Salesforce words it.

    The message repeats the query line, puts a caret under ``pos`` and names the row and column:
    ``\\nSELECT Nope FROM Account\\n       ^\\nERROR at Row:1:Column:8\\nNo such column ...``.
    """
    row = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    col = pos - start
    return SalesforceApiError(
        400,
        code,
        f"\n{line}\n{' ' * col}^\nERROR at Row:{row}:Column:{col + 1}\n{message}",
        fields,
    )


def json_body(request: Request) -> object:
    """A write's JSON body: 415 for another media type, JSON_PARSER_ERROR when it is not JSON.

    Salesforce's REST API also reads XML bodies; the sandbox does not, and says so rather than
    misreading one.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind != "application/json":
        raise SalesforceApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"Content-Type '{kind}' is not supported here: the channelsync Salesforce sandbox "
            "reads JSON request bodies (application/json) only",
        )
    try:
        return request.json()
    except ValueError:
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", "Unexpected character in request body"
        ) from None
