"""The transactional outbox: events written with the change that causes them, leased and drained by consumers.

``emit`` writes events in the caller's transaction; ``leases`` hands due events to a drainer in one
short transaction and records what became of them in another, so no transaction is open while a
consumer talks to a remote system; ``dead_letters`` lists and re-queues the events that gave up.
"""

from order_core.outbox.emit import EventRow, emit_event, emit_events, event_rows
from order_core.outbox.models import OutboxEvent

__all__ = ["EventRow", "OutboxEvent", "emit_event", "emit_events", "event_rows"]
