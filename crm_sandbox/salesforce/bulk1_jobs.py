"""Bulk API 1.0 query jobs and batches: their states, how they progress, and job-level rules.

A batch answers ``Queued`` when added; every later look at its job (job info, batch info, batch
list) moves each batch one step through ``queued_polls`` more Queued answers and
``in_progress_polls`` InProgress answers (both 0 by default) and then finishes it:
Completed, Failed (with a ``stateMessage``) or, for a PK-chunked job's original batch,
NotProcessed. Aborting a job turns still-Queued batches into NotProcessed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from crm_sandbox.salesforce.bulk1_wire import BulkApiError, Fields
from crm_sandbox.salesforce.soql_ast import Query

OPERATIONS = ("query", "queryAll")
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CONTENT_TYPES = {"CSV": "text/csv", "JSON": "application/json", "XML": "application/xml"}
#: Batch content types Salesforce accepts for each job content type.
BATCH_TYPES = {"CSV": ("text/csv",), "JSON": ("application/json",), "XML": ("application/xml",)}
Finisher = Callable[["Batch"], None]


@dataclass
class Batch:
    """One batch: its SOQL, the states it still has to show, and once finished its results."""

    id: str
    job_id: str
    soql: str
    created: datetime
    steps: list[str]
    state: str = "Queued"
    state_message: str | None = None
    modstamp: datetime | None = None
    records: int = 0
    #: result id -> serialized result file, in order
    results: dict[str, bytes] = field(default_factory=dict)
    #: for a chunk of a PK-chunked job: the Id range [lo, hi) (hi None: open-ended)
    id_range: tuple[str, str | None] | None = None
    #: a PK-chunked job's original batch (it ends NotProcessed once the chunks exist)
    chunked_original: bool = False
    #: a failure injected through the fault API, applied when the batch finishes
    injected_failure: str | None = None
    #: the parsed query, when parsing succeeded at submission
    query: Query | None = None
    finished: bool = False

    def info(self) -> Fields:
        """The batchInfo fields, in Salesforce's XML order."""
        return [
            ("id", self.id),
            ("jobId", self.job_id),
            ("state", self.state),
            ("stateMessage", self.state_message),
            ("createdDate", self.created),
            ("systemModstamp", self.modstamp or self.created),
            ("numberRecordsProcessed", self.records),
            ("numberRecordsFailed", 0),
            ("totalProcessingTime", 0),
            ("apiActiveProcessingTime", 0),
            ("apexProcessingTime", 0),
        ]

    def json_info(self) -> Fields:
        """The JSON batchInfo always carries ``stateMessage`` (null when there is none)."""
        return [(k, v) for k, v in self.info() if k != "stateMessage"] + [
            ("stateMessage", self.state_message)
        ]


@dataclass
class PkChunking:
    """The ``Sforce-Enable-PKChunking`` options of a job."""

    chunk_size: int = 100_000
    start_row: str | None = None


@dataclass
class Job:
    """A Bulk API 1.0 query job."""

    id: str
    operation: str
    sobject: str
    content_type: str
    concurrency: str
    version: str
    created_by: str
    created: datetime
    pk_chunking: PkChunking | None = None
    state: str = "Open"
    modstamp: datetime | None = None
    batches: dict[str, Batch] = field(default_factory=dict)

    def info(self) -> Fields:
        """The jobInfo fields, in Salesforce's XML order."""
        states = [b.state for b in self.batches.values()]
        processed = sum(b.records for b in self.batches.values() if b.state == "Completed")
        return [
            ("id", self.id),
            ("operation", self.operation),
            ("object", self.sobject),
            ("createdById", self.created_by),
            ("createdDate", self.created),
            ("systemModstamp", self.modstamp or self.created),
            ("state", self.state),
            ("concurrencyMode", self.concurrency),
            ("contentType", self.content_type),
            ("numberBatchesQueued", states.count("Queued")),
            ("numberBatchesInProgress", states.count("InProgress")),
            ("numberBatchesCompleted", states.count("Completed")),
            ("numberBatchesFailed", states.count("Failed")),
            ("numberBatchesTotal", len(states)),
            ("numberRecordsProcessed", processed),
            ("numberRetries", 0),
            ("apiVersion", float(self.version)),
            ("numberRecordsFailed", 0),
            ("totalProcessingTime", 0),
            ("apiActiveProcessingTime", 0),
            ("apexProcessingTime", 0),
        ]

    def json_info(self) -> Fields:
        """The JSON jobInfo has a few more keys, null or false for query jobs."""
        return [
            *self.info(),
            ("assignmentRuleId", None),
            ("externalIdFieldName", None),
            ("fastPathEnabled", False),
        ]


@dataclass
class Bulk1Settings:
    """How many polls a batch spends Queued and InProgress, and rows per result file."""

    queued_polls: int = 0
    in_progress_polls: int = 0
    #: None: one result file per batch (Salesforce splits only above 1 GB)
    rows_per_result: int | None = None


class Bulk1Jobs:
    """Every Bulk API 1.0 job of the org; one lock guards them."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.settings = Bulk1Settings()
        self.batches_created = 0
        self.lock = threading.RLock()

    def steps(self) -> list[str]:
        """The states a new batch shows before it finishes."""
        s = self.settings
        return ["Queued"] * s.queued_polls + ["InProgress"] * s.in_progress_polls

    def get(self, job_id: str) -> Job:
        """A job by id (InvalidJob when unknown)."""
        job = self.jobs.get(job_id)
        if job is None:
            raise BulkApiError("InvalidJob", f"Invalid job id: {job_id}")
        return job

    def batch(self, job: Job, batch_id: str) -> Batch:
        """A batch of a job by id (InvalidBatch when unknown)."""
        found = job.batches.get(batch_id)
        if found is None:
            raise BulkApiError("InvalidBatch", f"Invalid batch id: {batch_id}")
        return found

    def observe(self, job: Job, finish: Finisher, now: datetime) -> None:
        """Move every unfinished batch of the job one step on (finishing those out of steps)."""
        for batch in list(job.batches.values()):
            if batch.finished:
                continue
            if batch.steps:
                batch.state = batch.steps.pop(0)
                batch.modstamp = now
                continue
            finish(batch)
            batch.finished = True
            batch.modstamp = now

    def set_state(self, job: Job, state: str, now: datetime) -> None:
        """Close or abort a job (InvalidJobState for anything else or from a final state)."""
        if state not in ("Closed", "Aborted"):
            raise BulkApiError("InvalidJobState", f"Invalid state for a job update: {state}")
        if job.state in ("Aborted", "Failed") or (job.state == "Closed" and state == "Closed"):
            raise BulkApiError(
                "InvalidJobState", f"Job {job.id} is {job.state}; it cannot be set to {state}"
            )
        job.state = state
        job.modstamp = now
        if state == "Aborted":
            for batch in job.batches.values():
                if not batch.finished and batch.state == "Queued":
                    batch.state = "NotProcessed"
                    batch.steps.clear()
                    batch.finished = True
                    batch.modstamp = now
