"""Orders of the order core: checkout, approvals, state machine and history, templates, search, CSV.

What happens after submission (acceptance with licenses, fulfilment with the invoice, hold,
cancel, refund) and an order's full record are in ``order_core.fulfillment``, above this package:
orders never import ``invoices``, ``licenses``, ``quotes`` or ``fulfillment``.

Public services (each one transaction, keyword-only ``session=`` and ``actor=``):

- ``checkout``: ``place_order``, ``submit_order``, ``create_order_from_quote`` (called by quotes)
- ``revise``: ``revise_order``; ``approvals``: ``approve_order``, ``reject_order``,
  ``approve_credit``, ``reject_credit``, ``order_approvals``
- ``queries``: ``search_orders``, ``recent_orders``; ``export``: ``export_orders_csv``,
  ``export_order_lines_csv``
- ``templates``: ``save_template``, ``list_templates``, ``delete_template``,
  ``order_from_template``, ``reorder``
- ``states``: the explicit transition table ``TRANSITIONS`` and ``check_transition``

Checkout's inner parts: ``context`` (the buyer, partner and payment rules, remembered per catalog
stamp), ``pricing`` / ``cart`` (authorized, priced lines, through ``order_core.pricing_inputs``),
``placement`` (a new order written in one batch and routed, the credit hold last).
"""
