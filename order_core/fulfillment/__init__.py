"""After submission: acceptance (licenses), fulfilment (invoice), hold, cancel, refund, and the full record.

These services orchestrate ``orders``, ``licenses``, ``invoices`` and ``credit``, which never call
back up: an order's status moves through ``orders.lifecycle``, its keys come from ``licenses`` and
its invoice from ``invoices``.
"""
