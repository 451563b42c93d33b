"""The batch driver on its own: repeated keys in later calls, halving around records a CRM refuses
with a whole-call 400, and a clean stop that says why for every record not written."""

from __future__ import annotations

from collections.abc import Sequence

from connector.errors import BudgetExhausted, Refused, RetriableError
from connector.writes import WriteResult, rounds, write_batches


def test_rounds_put_each_repeat_of_a_key_in_a_later_group() -> None:
    assert rounds(["a", "b", "a", "c", "a", "b"]) == [[0, 1, 3], [2, 5], [4]]
    assert rounds([]) == []


class FakeCrm:
    """Refuses any call holding a bad key with a 400; can fail for good after some calls."""

    def __init__(self, bad: set[str], fail_after: int | None = None) -> None:
        self.bad = bad
        self.fail_after = fail_after
        self.calls: list[list[str]] = []
        self.stored: list[str] = []

    def send(self, chunk: Sequence[str]) -> list[WriteResult]:
        self.calls.append(list(chunk))
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            raise BudgetExhausted("crm", "the day's calls are spent")
        if self.bad & set(chunk):
            raise Refused(
                "crm", "refused", status=400, code="BAD", detail="bad record", fields=("X",)
            )
        self.stored.extend(chunk)
        return [WriteResult(k, "created", f"id-{k}") for k in chunk]


def test_halving_isolates_each_bad_record_and_writes_the_rest() -> None:
    crm = FakeCrm({"k3", "k6"})
    keys = [f"k{i}" for i in range(8)]
    results = write_batches(keys, str, 8, crm.send)
    assert [r.key for r in results] == keys
    assert [r.key for r in results.failed] == ["k3", "k6"]
    assert results.failed[0].errors[0].fields == ("X",) and not results.failed[0].retriable
    assert sorted(crm.stored) == sorted(set(keys) - {"k3", "k6"})
    assert crm.calls[0] == keys and results.calls == len(crm.calls)
    assert results.stopped is None


def test_a_stop_fails_every_record_not_written_with_its_reason() -> None:
    crm = FakeCrm(set(), fail_after=2)
    results = write_batches([f"k{i}" for i in range(10)], str, 3, crm.send)
    assert [r.ok for r in results] == [True] * 6 + [False] * 4
    assert {(r.errors[0].code, r.retriable) for r in results.failed} == {("BUDGET_EXHAUSTED", True)}
    assert isinstance(results.stopped, BudgetExhausted) and len(crm.calls) == 3


def test_a_repeated_key_goes_out_after_its_first_write() -> None:
    crm = FakeCrm(set())
    results = write_batches(["a", "b", "a"], str, 10, crm.send)
    assert crm.calls == [["a", "b"], ["a"]] and [r.key for r in results] == ["a", "b", "a"]


def test_retriable_failures_that_outlast_the_policy_stop_the_write() -> None:
    def send(chunk: Sequence[str]) -> list[WriteResult]:
        raise RetriableError("crm", "HTTP 503 busy")

    results = write_batches(["a", "b"], str, 1, send)
    assert results.calls == 1 and [r.errors[0].code for r in results] == ["CRM_UNAVAILABLE"] * 2
