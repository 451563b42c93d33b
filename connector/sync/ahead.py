"""Reading the CRM's next page while the current one is applied: an iterator run in a thread.

The CRM takes its time to answer and the core's writes take theirs; one after the other, each
waits for the other. ``read_ahead`` keeps at most ``depth`` pages waiting, so memory stays flat,
and hands the reader's exception to the consumer at the point where the page would have come.
Only the reader thread touches the source while the iteration runs.

Reading a page is mostly decoding it, and decoding a JSON body is one call that holds Python's
GIL for tens of milliseconds. While the consumer holds SQLite's write lock, a page decoded in the
reader's thread would stretch that transaction, and every checkout waiting for the lock, by as
much. So ``ahead`` says whether the reader may read before the consumer asks; while it says no,
the next item is read only once the consumer waits for it (and holds no transaction).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
_POLL_S = 0.1


class _Failed:
    """The reader's exception, carried to the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _always() -> bool:
    return True


def read_ahead(
    items: Iterable[T], *, depth: int = 1, ahead: Callable[[], bool] = _always
) -> Generator[T, None, None]:
    """Iterate ``items`` in a thread, at most ``depth`` items ahead of the consumer; while
    ``ahead()`` is false (asked in the reader's thread), only the item the consumer waits for.

    Stopping early (``break``, an exception in the consumer, ``close()``) stops the reader at its
    next item, and the iterator's ``close`` is called in the reader's thread.
    """
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    asked = threading.Event()  # the consumer waits for the next item

    def may_read() -> bool:
        while not stop.is_set():
            if ahead():
                return True
            if asked.is_set():
                asked.clear()  # this read answers the consumer's request
                return True
            asked.wait(_POLL_S)
        return False

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
            while may_read():
                item = next(source, _DONE)
                if not put(item) or item is _DONE:
                    break
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
            try:
                item = waiting.get_nowait()
            except queue.Empty:
                asked.set()
                item = waiting.get()
                asked.clear()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()
