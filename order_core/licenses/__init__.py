"""Licenses: signed verifiable keys (keys.py), issue at acceptance and lookup (services.py), subscriptions."""
