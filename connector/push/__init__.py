"""Draining the outbox to the outside: the generic drainer and its senders (PRM webhooks; the CRM push-back)."""
