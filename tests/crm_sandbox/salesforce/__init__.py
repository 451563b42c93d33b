"""Conformance tests of the Salesforce sandbox, driven through real clients."""
