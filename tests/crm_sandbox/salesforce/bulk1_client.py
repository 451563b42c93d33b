"""A raw Bulk API 1.0 client for tests: the requests extractors send, and XML/JSON answers decoded."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import requests

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle

NS = "{http://www.force.com/2009/06/asyncapi/dataload}"


def xml_fields(text: str) -> dict[str, str]:
    """A flat XML resource (jobInfo, batchInfo, error) as a dict of element texts."""
    root = ElementTree.fromstring(text)
    return {child.tag.removeprefix(NS): child.text or "" for child in root}


def xml_list(text: str, tag: str) -> list[dict[str, str]]:
    """The children called ``tag`` of a list resource (batchInfoList) as dicts."""
    root = ElementTree.fromstring(text)
    return [{c.tag.removeprefix(NS): c.text or "" for c in item} for item in root.iter(NS + tag)]


class Bulk1:
    """Calls ``/services/async/{version}/`` with ``X-SFDC-Session``, as tap-style extractors do."""

    def __init__(self, handle: SalesforceSandboxHandle, token: str) -> None:
        self.root = handle.base_url
        self.base = f"{handle.base_url}/services/async/{handle.version}"
        self.session = handle.requests_session()
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """One raw call; ``path`` is relative to the async base URL, or to the host when it
        starts with ``/services/``."""
        hdrs = {"X-SFDC-Session": self.token, **(headers or {})}
        if content_type is not None:
            hdrs["Content-Type"] = content_type
        data = body.encode() if isinstance(body, str) else body
        url = (self.root if path.startswith("/services/") else self.base) + path
        return self.session.request(method, url, data=data, headers=hdrs, timeout=10)

    def create_job(
        self,
        sobject: str,
        operation: str = "query",
        content_type: str = "CSV",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Create a job with a JSON body (as tap-salesforce does); its id."""
        body = json.dumps({"operation": operation, "object": sobject, "contentType": content_type})
        response = self.call("POST", "/job", body, "application/json", headers)
        assert response.status_code == 201, response.text
        job_id = response.json()["id"]
        assert isinstance(job_id, str)
        return job_id

    def add_batch(self, job: str, soql: str, content_type: str = "text/csv") -> dict[str, str]:
        """Add a query batch; its batchInfo (XML decoded)."""
        response = self.call("POST", f"/job/{job}/batch", soql, content_type)
        assert response.status_code == 201, response.text
        return xml_fields(response.text)

    def close(self, job: str) -> dict[str, Any]:
        """Close a job with a JSON body; the JSON jobInfo."""
        response = self.call("POST", f"/job/{job}", '{"state": "Closed"}', "application/json")
        assert response.status_code == 200, response.text
        info: dict[str, Any] = response.json()
        return info

    def batch(self, job: str, batch: str) -> dict[str, str]:
        """One batchInfo (XML: the job is CSV)."""
        response = self.call("GET", f"/job/{job}/batch/{batch}")
        assert response.status_code == 200, response.text
        return xml_fields(response.text)

    def batches(self, job: str) -> list[dict[str, str]]:
        """The batchInfoList."""
        response = self.call("GET", f"/job/{job}/batch")
        assert response.status_code == 200, response.text
        return xml_list(response.text, "batchInfo")

    def result_ids(self, job: str, batch: str) -> list[str]:
        """The XML result-list of a completed batch."""
        response = self.call("GET", f"/job/{job}/batch/{batch}/result")
        assert response.status_code == 200, response.text
        return [e.text or "" for e in ElementTree.fromstring(response.text).iter(NS + "result")]

    def result(self, job: str, batch: str, result: str) -> requests.Response:
        """One result file, undecoded."""
        response = self.call("GET", f"/job/{job}/batch/{batch}/result/{result}")
        assert response.status_code == 200, response.text
        return response
