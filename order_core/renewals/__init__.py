"""Renewals: notice windows, renewal quotes, the customer's self-renewal, lapse, co-terming."""
