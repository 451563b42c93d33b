"""Notifications: delivery of notify.email outbox events by SMTP (delivery.py)."""
