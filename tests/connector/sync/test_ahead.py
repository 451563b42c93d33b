"""Reading ahead: order kept, at most ``depth`` items waiting, errors where they happen, early stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from connector.sync.ahead import read_ahead


class Pages:
    """A page source that records how far it has been read and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.produced: list[int] = []
        self.closed = threading.Event()
        self.threads: set[str] = set()

    def __iter__(self) -> Iterator[int]:
        try:
            for i in range(self.n):
                self.threads.add(threading.current_thread().name)
                if i == self.fail_at:
                    raise ConnectionError(f"page {i} broke")
                self.produced.append(i)
                yield i
        finally:
            self.closed.set()


def _settled(pages: Pages, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(pages.produced) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # would the reader go further? give it the chance


def test_every_item_in_order_read_in_another_thread() -> None:
    pages = Pages(50)
    assert list(read_ahead(pages)) == list(range(50))
    assert pages.threads == {"crm-read-ahead"}
    assert pages.closed.is_set()


def test_the_reader_stays_at_most_depth_items_ahead() -> None:
    pages = Pages(100)
    ahead = read_ahead(pages, depth=2)
    assert next(ahead) == 0
    _settled(pages, 4)
    # item 0 consumed, items 1 and 2 waiting, item 3 read and blocked on the full queue
    assert pages.produced == [0, 1, 2, 3]
    ahead.close()
    assert pages.closed.wait(5)


def test_the_readers_error_is_raised_where_its_item_would_have_come() -> None:
    got: list[int] = []
    with pytest.raises(ConnectionError, match="page 3 broke"):
        for item in read_ahead(Pages(10, fail_at=3)):
            got.append(item)
    assert got == [0, 1, 2]


def test_a_consumer_that_stops_early_stops_and_closes_the_reader() -> None:
    pages = Pages(1000)
    for item in read_ahead(pages):
        if item == 5:
            break
    assert pages.closed.wait(5)
    assert len(pages.produced) <= 8  # 0..5 consumed, one waiting, one read and given up


def test_a_consumer_error_stops_the_reader() -> None:
    pages = Pages(1000)
    with pytest.raises(RuntimeError):
        for item in read_ahead(pages):
            if item == 2:
                raise RuntimeError("the core refused")
    assert pages.closed.wait(5)
    assert len(pages.produced) < 10


def test_while_ahead_says_no_only_the_item_asked_for_is_read() -> None:
    pages = Pages(100)
    allowed = threading.Event()
    items = read_ahead(pages, depth=2, ahead=allowed.is_set)
    _settled(pages, 0)
    assert pages.produced == []  # nothing asked for yet, nothing read
    assert next(items) == 0
    _settled(pages, 1)
    assert pages.produced == [0]  # the consumer holds item 0: the reader waits
    assert next(items) == 1
    _settled(pages, 2)
    assert pages.produced == [0, 1]
    allowed.set()  # the consumer is alone again: read ahead up to depth
    _settled(pages, 5)
    assert pages.produced == [0, 1, 2, 3, 4]
    assert list(items) == list(range(2, 100))
    assert pages.closed.is_set()
