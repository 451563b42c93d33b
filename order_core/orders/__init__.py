"""Orders of the order core: checkout, approvals, state machine and history, templates, search, CSV.

Public services (each one transaction, keyword-only ``session=`` and ``actor=``):

- ``checkout``: ``place_order``, ``submit_order``, ``create_order_from_quote`` (called by quotes)
- ``revise``: ``revise_order``; ``approvals``: ``approve_order``, ``reject_order``,
  ``approve_credit``, ``reject_credit``, ``order_approvals``
- ``fulfillment``: ``accept_order`` (licenses), ``fulfill_order`` (invoice), ``hold_order``,
  ``resume_order``, ``cancel_order``, ``refund_order``
- ``queries``: ``search_orders``, ``recent_orders``, ``order_details``; ``export``:
  ``export_orders_csv``, ``export_order_lines_csv``
- ``templates``: ``save_template``, ``list_templates``, ``delete_template``,
  ``order_from_template``, ``reorder``
- ``states``: the explicit transition table ``TRANSITIONS`` and ``check_transition``

Checkout's inner parts: ``context`` (the buyer, partner and payment rules, remembered per catalog
stamp), ``pricing`` / ``cart`` (authorized, priced lines), ``placement`` (a new order written in
one batch and routed, the credit hold last).
"""
