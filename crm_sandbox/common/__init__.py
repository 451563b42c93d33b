"""Shared machinery of the CRM sandboxes: HTTP routing, fault injection, request log, threaded server."""

from crm_sandbox.common.faults import Fault, FaultPlan
from crm_sandbox.common.http import Request, Response, Router, json_response
from crm_sandbox.common.server import (
    RunningSandbox,
    SandboxApp,
    serve_forever,
    start_in_thread,
)

__all__ = [
    "Fault",
    "FaultPlan",
    "Request",
    "Response",
    "Router",
    "RunningSandbox",
    "SandboxApp",
    "json_response",
    "serve_forever",
    "start_in_thread",
]
