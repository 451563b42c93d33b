"""Invoices: issued on fulfillment, and payments (services.py); HTML and CSV documents (render.py)."""
