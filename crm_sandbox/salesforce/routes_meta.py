"""Discovery routes: API versions, the global sObject list, describe and ``limits/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.describe import (
    child_relationships,
    object_describe,
    object_summary,
)
from crm_sandbox.salesforce.errors import json_ok

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

VERSIONS = (
    ("Winter '24", "59.0"),
    ("Spring '24", "60.0"),
    ("Summer '24", "61.0"),
    ("Winter '25", "62.0"),
)


def limits_payload(app: SalesforceSandboxApp) -> dict[str, dict[str, int]]:
    """The ``limits/`` resource: daily API requests plus a few allocations clients look at."""
    jobs = len(app.jobs)
    return {
        "DailyApiRequests": {
            "Max": app.daily_api_max,
            "Remaining": max(0, app.daily_api_max - app.api_used),
        },
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000 - jobs},
        "DailyBulkV2QueryFileStorageMB": {"Max": 1000000, "Remaining": 1000000},
        "DailyBulkApiBatches": {
            "Max": 15000,
            "Remaining": max(0, 15000 - app.bulk1.batches_created),
        },
        "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
        "DataStorageMB": {"Max": 5120, "Remaining": 5120},
        "FileStorageMB": {"Max": 5120, "Remaining": 5120},
        "SingleEmail": {"Max": 5000, "Remaining": 5000},
    }


def register(app: SalesforceSandboxApp) -> None:
    """Add the discovery routes."""
    store = app.store

    def versions(request: Request) -> Response:
        return json_ok(
            [{"label": label, "url": f"/services/data/v{v}", "version": v} for label, v in VERSIONS]
        )

    def global_describe(request: Request) -> Response:
        version = request.params["version"]
        return json_ok(
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [object_summary(o, version) for o in store.objects.values()],
            }
        )

    def basic_info(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        return json_ok(
            {"objectDescribe": object_summary(obj, request.params["version"]), "recentItems": []}
        )

    def describe(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        children = child_relationships(store.objects, obj.name)
        return json_ok(object_describe(obj, request.params["version"], children))

    def resources(request: Request) -> Response:
        base = f"/services/data/v{request.params['version']}"
        names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
        return json_ok({n: f"{base}/{n}" for n in names})

    app.router.add("GET", r"/services/data/?", "versions", versions)
    app.api("GET", r"/?", "resources", resources)
    app.api("GET", r"/sobjects/?", "sobjects.global", global_describe)
    app.api("GET", r"/sobjects/(?P<sobject>\w+)/describe/?", "sobject.describe", describe)
    app.api("GET", r"/sobjects/(?P<sobject>\w+)/?", "sobject.info", basic_info)
    app.api("GET", r"/limits/?", "limits", lambda r: json_ok(limits_payload(app)))
