"""Invoices: issue on fulfillment and payments (services.py), tax calculators (tax.py), HTML / CSV (render.py)."""
