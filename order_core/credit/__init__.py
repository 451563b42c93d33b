"""Line of credit per partner: limit, running totals under a row lock, and the ledger (services.py)."""
