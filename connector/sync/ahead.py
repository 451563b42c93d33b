"""Reading the CRM's next page while the current one is applied: an iterator run in a thread.

The CRM takes its time to answer and the core's writes take theirs; one after the other, each
waits for the other. ``read_ahead`` keeps at most ``depth`` pages waiting, so memory stays flat,
and hands the reader's exception to the consumer at the point where the page would have come.
Only the reader thread touches the source while the iteration runs.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
_POLL_S = 0.1


class _Failed:
    """The reader's exception, carried to the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(items: Iterable[T], *, depth: int = 1) -> Iterator[T]:
    """Iterate ``items`` in a thread, at most ``depth`` items ahead of the consumer.

    Stopping early (``break``, an exception in the consumer, ``close()``) stops the reader at its
    next item, and the iterator's ``close`` is called in the reader's thread.
    """
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # handed over, raised again by the consumer
            put(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="crm-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()
