"""Batched CRM writes, whichever CRM: per-record results and the driver that sends the batches.

A CRM's writer hands :func:`write_batches` its records, how to key them and a ``send`` function
for one call of at most ``size`` records (which retries through the connection's ``RetryPolicy``
and answers one ``WriteResult`` per record, in order). The driver:

* keeps the results in input order, one per input;
* never puts one key twice in a call: a repeated key goes to a later call, so the last write of a
  record lands last;
* splits a call the CRM refuses as a whole with a 400 (one malformed record can do that) in
  halves until the bad record is alone: it fails with the CRM's error, the others are written;
* stops at a failure no further call can avoid (the API budget spent, credentials refused, the CRM
  still failing when the retry policy gives up, a refusal that is not about records such as a
  missing permission): every record not written then fails with that reason, marked
  ``retriable`` (the record itself was not judged), and ``WriteResults.stopped`` holds the error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from connector.errors import AuthError, BudgetExhausted, CrmError, Refused, RetriableError

T = TypeVar("T")
Status = Literal["created", "updated", "deleted", "existing", "failed"]


@dataclass(frozen=True)
class RecordError:
    """One error the CRM gave for a record: its code, its message (one line), the fields named."""

    code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteResult:
    """What became of one input.

    ``key`` is what identified the input (its external id, record id, natural key or pair);
    ``status``: ``created`` / ``updated`` / ``deleted`` (archived, or already gone), ``existing``
    (a create found the record already there) or ``failed``. After a call retried because its
    answer was lost, a record the first try created reads ``updated``. ``retriable``: the failure
    is not the record's fault (a busy row, the CRM unavailable, a spent budget), so sending the
    same record again later may succeed.
    """

    key: str
    status: Status
    crm_id: str | None = None
    errors: tuple[RecordError, ...] = ()
    retriable: bool = False

    @property
    def ok(self) -> bool:
        """Whether the record is in the CRM as asked."""
        return self.status != "failed"

    @classmethod
    def failed(
        cls,
        key: str,
        code: str,
        message: str,
        fields: Iterable[str] = (),
        *,
        retriable: bool = False,
        crm_id: str | None = None,
    ) -> WriteResult:
        """A failed result with one error."""
        error = RecordError(code, message, tuple(fields))
        return cls(key, "failed", crm_id, (error,), retriable)


class WriteResults(list[WriteResult]):
    """One result per input, in input order; ``stopped`` is the error that ended the write early
    (None when every record was tried) and ``calls`` the write calls made (retries, logins and
    reads of definitions not counted: the client's ``ApiBudget`` counts every call)."""

    def __init__(
        self, results: Iterable[WriteResult] = (), stopped: CrmError | None = None, calls: int = 0
    ) -> None:
        super().__init__(results)
        self.stopped = stopped
        self.calls = calls

    @property
    def failed(self) -> list[WriteResult]:
        """The results that failed."""
        return [r for r in self if not r.ok]


Send = Callable[[Sequence[T]], list[WriteResult]]


class _Stop(Exception):
    def __init__(self, error: CrmError) -> None:
        super().__init__(str(error))
        self.error = error


def stop_code(error: CrmError) -> str:
    """The code a record not written carries when ``error`` ended the write."""
    if isinstance(error, BudgetExhausted):
        return "BUDGET_EXHAUSTED"
    if isinstance(error, AuthError):
        return "AUTH_FAILED"
    if isinstance(error, RetriableError):
        return "CRM_UNAVAILABLE"
    if isinstance(error, Refused) and error.code:
        return error.code
    return "REFUSED"


def rounds(keys: Sequence[str]) -> list[list[int]]:
    """Input positions grouped so no key repeats in a group: the n-th use of a key is in group n."""
    seen: dict[str, int] = {}
    out: list[list[int]] = []
    for index, key in enumerate(keys):
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n == len(out):
            out.append([])
        out[n].append(index)
    return out


def write_batches(
    items: Sequence[T],
    key: Callable[[T], str],
    size: int,
    send: Send[T],
    precheck: Callable[[T], WriteResult | None] | None = None,
) -> WriteResults:
    """Send ``items`` in calls of at most ``size``; one result per item, in input order.

    ``precheck`` may fail an item before any call (a value the CRM would refuse): it is not sent.
    """
    keys = [key(item) for item in items]
    slots: list[WriteResult | None] = [None] * len(items)
    calls = 0

    def one_call(positions: list[int]) -> None:
        nonlocal calls
        calls += 1
        try:
            results = send([items[i] for i in positions])
        except Refused as exc:
            if exc.status != 400:
                raise _Stop(exc) from None
            if len(positions) == 1:
                detail = exc.detail or exc.message
                slots[positions[0]] = WriteResult.failed(
                    keys[positions[0]], exc.code or "REFUSED", detail, exc.fields
                )
                return
            middle = len(positions) // 2
            one_call(positions[:middle])
            one_call(positions[middle:])
            return
        except CrmError as exc:
            raise _Stop(exc) from None
        if len(results) != len(positions):
            raise AssertionError(f"{len(results)} results for a call of {len(positions)} records")
        for position, result in zip(positions, results, strict=True):
            slots[position] = result

    stopped: CrmError | None = None
    try:
        if precheck is not None:
            for position, item in enumerate(items):
                slots[position] = precheck(item)
        for group in rounds(keys):
            group = [position for position in group if slots[position] is None]
            for start in range(0, len(group), size):
                one_call(group[start : start + size])
    except _Stop as stop:
        stopped = stop.error
    out: list[WriteResult] = []
    for position, result in enumerate(slots):
        if result is None:
            assert stopped is not None
            result = WriteResult.failed(
                keys[position], stop_code(stopped), stopped.message, retriable=True
            )
        out.append(result)
    return WriteResults(out, stopped, calls)
