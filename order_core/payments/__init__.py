"""Payment methods per partner / country / currency / locale, and card token references (services.py)."""
