"""A local Salesforce-compatible server (REST, SOQL, composite collections, Bulk 2.0) for tests and demos."""

from crm_sandbox.salesforce.app import SalesforceSandboxApp, build_salesforce_sandbox

__all__ = ["SalesforceSandboxApp", "build_salesforce_sandbox"]
