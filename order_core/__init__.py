"""order_core package."""
